<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Console;

use Illuminate\Console\Command;
use LaravelRust\Bridge\Laravel\LaravelAdapter;
use LaravelRust\Bridge\Protocol\Worker;
use LaravelRust\Bridge\Protocol\WorkerEnvironment;
use LaravelRust\Bridge\Support\ErrorText;
use LaravelRust\Bridge\Support\StderrLog;

/**
 * `php artisan laravel-rust:serve` (the name comes from STARTUP_COMMAND): runs one PHP worker.
 * The worker serves a second application, loaded from the app's base path as php/bin/worker.php
 * does, not the one artisan booted: that one booted as a console app (runningInConsole() true,
 * console-only providers booted), which is not what php-fpm gives the app. Same worker and
 * environment contract as
 * php/bin/worker.php (WorkerEnvironment: BRIDGE_SOCKET, BRIDGE_MAX_REQUESTS, …); the options
 * override the environment. Prints nothing on stdout.
 */
class ServeCommand extends Command
{
    public const DEFAULT_NAME = 'laravel-rust:serve';

    /** Option => the variable it overrides. */
    private const OPTIONS = ['socket' => 'BRIDGE_SOCKET', 'max-requests' => 'BRIDGE_MAX_REQUESTS', 'memory-limit' => 'BRIDGE_MEMORY_LIMIT_MB'];

    protected $description = 'Serve HTTP requests from the Node front door on a Unix socket (one PHP worker)';

    public function __construct()
    {
        $this->signature = self::commandName()
            .' {--socket= : Unix socket path to listen on (default: env BRIDGE_SOCKET)}'
            .' {--max-requests= : Recycle after this many requests (default: env BRIDGE_MAX_REQUESTS, 0 = unlimited)}'
            .' {--memory-limit= : Recycle above this many MiB (default: env BRIDGE_MEMORY_LIMIT_MB, 0 = none)}';
        parent::__construct();
    }

    /** STARTUP_COMMAND's first word when it is a valid command name, else laravel-rust:serve. */
    public static function commandName(): string
    {
        $value = WorkerEnvironment::variable('STARTUP_COMMAND') ?? '';
        $name = preg_split('/\s+/', trim($value))[0] ?? '';

        return preg_match('/^[A-Za-z0-9][A-Za-z0-9:_.-]*$/', $name) ? $name : self::DEFAULT_NAME;
    }

    public function handle(): int
    {
        $overrides = ['BRIDGE_APP' => 'laravel'];
        foreach (self::OPTIONS as $option => $variable) {
            $value = $this->option($option);
            if (\is_string($value) && $value !== '') {
                $overrides[$variable] = $value;
            }
        }

        try {
            $worker = Worker::prepare(WorkerEnvironment::fromProcess($overrides));
        } catch (\InvalidArgumentException|\RuntimeException $e) {
            StderrLog::error('cannot start: '.$e->getMessage());

            return 1;
        }
        try {
            $adapter = new LaravelAdapter($this->laravel->basePath(), StderrLog::warning(...));
        } catch (\Throwable $e) {
            StderrLog::error('cannot start: '.ErrorText::describe($e));

            return 1;
        }

        return $worker->run($adapter);
    }
}
