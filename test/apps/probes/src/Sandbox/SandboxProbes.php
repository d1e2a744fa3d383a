<?php

namespace LaravelRust\TestProbes\Sandbox;

use Illuminate\Contracts\Foundation\Application;

/**
 * Boot-time state of the sandbox probes: what the app saw while it booted, and the lifecycle
 * events of the bridge (LaravelRust\Bridge\Events) the worker dispatched. Statics, so they live as
 * long as the PHP process (under php-fpm: one request).
 */
final class SandboxProbes
{
    /** runningInConsole() as the providers saw it at boot. */
    public static ?bool $consoleAtBoot = null;

    /** How many times the bridge's WorkerStarting reached this process (once, behind a worker). */
    public static int $workerStarting = 0;

    /** @var list<string> short names of the bridge's request events, in order (the last 64) */
    public static array $events = [];

    public static function boot(Application $app): void
    {
        self::$consoleAtBoot = $app->runningInConsole();

        // A singleton whose value comes from the request that first resolves it.
        $app->singleton('sandbox.tenant', fn ($app) => (object) ['name' => $app['request']->query('tenant')]);

        $app['events']->listen('LaravelRust\\Bridge\\Events\\WorkerStarting', static function (): void {
            self::$workerStarting++;
        });
        foreach (['RequestReceived', 'RequestHandled', 'RequestTerminated'] as $event) {
            $app['events']->listen('LaravelRust\\Bridge\\Events\\'.$event, static function () use ($event): void {
                self::$events[] = $event;
                // Bounded: the bench serves this app for hours; the suite reads a few at a time.
                if (\count(self::$events) > 64) {
                    array_shift(self::$events);
                }
            });
        }
    }

    /** The CSRF middleware of this version (11+: ValidateCsrfToken; the router excludes subclasses). */
    public static function csrfMiddleware(): string
    {
        return class_exists(\Illuminate\Foundation\Http\Middleware\ValidateCsrfToken::class)
            ? \Illuminate\Foundation\Http\Middleware\ValidateCsrfToken::class
            : \Illuminate\Foundation\Http\Middleware\VerifyCsrfToken::class;
    }

    /** @return list<string> Precognition's middleware where the version has it (9.x+) */
    public static function precognitionMiddleware(): array
    {
        $class = 'Illuminate\\Foundation\\Http\\Middleware\\HandlePrecognitiveRequests';

        return class_exists($class) ? [$class] : [];
    }
}
