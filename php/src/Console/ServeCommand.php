<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Console;

use Illuminate\Console\Command;
use LaravelRust\Bridge\Laravel\LaravelAdapter;
use LaravelRust\Bridge\Protocol\Worker;

/**
 * `php artisan laravel-rust:serve` (the name comes from STARTUP_COMMAND): runs one PHP worker
 * around the application artisan has already booted. Same worker, same environment contract as
 * php/bin/worker.php (BRIDGE_SOCKET, BRIDGE_MAX_REQUESTS, BRIDGE_MEMORY_LIMIT_MB,
 * BRIDGE_PARENT_PID, readiness on fd 3); prints nothing on stdout.
 */
class ServeCommand extends Command
{
    public const DEFAULT_NAME = 'laravel-rust:serve';

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
        $value = getenv('STARTUP_COMMAND');
        $name = \is_string($value) ? (preg_split('/\s+/', trim($value))[0] ?? '') : '';

        return preg_match('/^[A-Za-z0-9][A-Za-z0-9:_.-]*$/', $name) ? $name : self::DEFAULT_NAME;
    }

    public function handle(): int
    {
        foreach (['socket' => 'BRIDGE_SOCKET', 'max-requests' => 'BRIDGE_MAX_REQUESTS', 'memory-limit' => 'BRIDGE_MEMORY_LIMIT_MB'] as $option => $env) {
            $value = $this->option($option);
            if (\is_string($value) && $value !== '') {
                putenv("{$env}={$value}");
            }
        }

        try {
            $worker = Worker::fromEnv('laravel');
        } catch (\Throwable $e) {
            fwrite(STDERR, '[php-worker '.getmypid().'] '.$e->getMessage()."\n");

            return 1;
        }
        $worker->openReadyChannel();

        try {
            $worker->claimSocket();
            $adapter = new LaravelAdapter($this->laravel, static function (string $message): void {
                fwrite(STDERR, '[php-worker '.getmypid().'] '.$message."\n");
            });
        } catch (\Throwable $e) {
            fwrite(STDERR, '[php-worker '.getmypid().'] cannot start: '.\get_class($e).': '.$e->getMessage().' at '.$e->getFile().':'.$e->getLine()."\n");

            return 1;
        }

        return $worker->run($adapter);
    }
}
