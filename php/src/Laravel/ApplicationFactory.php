<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Bootstrap\RegisterProviders;
use Illuminate\Http\Request as IlluminateRequest;

/**
 * Creates and boots the application a worker serves, once: as php-fpm would see it (not running
 * in console), with a request bound before the providers register, deferred providers loaded and
 * the long-lived services warmed.
 */
final class ApplicationFactory
{
    /**
     * Resolved at boot and shared by every request, as Octane's default `warm` list: building
     * them per request would cost time (a database manager per request would reconnect), and the
     * reset steps put their per-request state back. config('laravel-rust.warm') adds to it.
     * Beyond Octane's list: the redirector and the response factory, which nearly every request
     * resolves (the router's response handling, redirects) and which hold no per-request state
     * (the URL generator, the session store and the view factory, all warmed, and macros, which
     * RestoreMacros covers); built in each request's sandbox they cost 55,000 instructions a
     * request (docs/PERFORMANCE.md).
     */
    public const WARM = [
        'auth', 'cache', 'cache.store', 'config', 'cookie', 'db', 'db.factory', 'db.transactions',
        'encrypter', 'files', 'hash', 'log', 'router', 'routes', 'session', 'session.store',
        'translator', 'url', 'view',
        'redirect', 'Illuminate\\Contracts\\Routing\\ResponseFactory',
    ];

    /** Loads the app at $basePath (vendor/autoload.php + bootstrap/app.php) without booting it. */
    public static function fromPath(string $basePath): Application
    {
        $base = rtrim($basePath, '/');
        if (!is_file($base.'/vendor/autoload.php')) {
            throw new \RuntimeException("{$base}/vendor/autoload.php not found (is LARAVEL_PATH a Laravel app with its dependencies installed?)");
        }
        if (!is_file($base.'/bootstrap/app.php')) {
            throw new \RuntimeException("{$base}/bootstrap/app.php not found (is LARAVEL_PATH a Laravel app?)");
        }
        self::serveAsHttp();
        require_once $base.'/vendor/autoload.php';
        $app = require $base.'/bootstrap/app.php';
        if (!$app instanceof Application) {
            throw new \RuntimeException("{$base}/bootstrap/app.php did not return an Illuminate application (got ".get_debug_type($app).')');
        }

        return $app;
    }

    /**
     * Boots $app for serving HTTP and returns its kernel and the placeholder request bound
     * between requests.
     *
     * @return array{HttpKernel, IlluminateRequest}
     */
    public static function boot(Application $app): array
    {
        self::markAsHttp($app);
        $placeholder = null;
        $makePlaceholder = static function (Application $app) use (&$placeholder): IlluminateRequest {
            $url = $app->bound('config') ? (string) ($app['config']->get('app.url') ?: 'http://localhost') : 'http://localhost';

            return $placeholder ??= IlluminateRequest::create($url);
        };
        // Like Octane (and SetRequestForConsole), a request is bound before the service providers
        // register, so that every later instance('request', ...) is a *re*binding and fires the
        // callbacks providers hang on it (URL generator, auth user resolver, ...).
        if (!$app->bound('request') && !$app->hasBeenBootstrapped()) {
            $app->beforeBootstrapping(RegisterProviders::class, static function ($app) use ($makePlaceholder): void {
                if (!$app->bound('request')) {
                    $app->instance('request', $makePlaceholder($app));
                }
            });
        }
        $kernel = $app->make(HttpKernel::class);
        $kernel->bootstrap(); // a no-op when artisan's console kernel already booted the app
        if (!$app->bound('request')) {
            $app->instance('request', $makePlaceholder($app));
        }
        // Deferred providers registered in the middle of a request would register into that
        // request's sandbox and be lost with it (Octane does the same).
        $app->loadDeferredProviders();

        $config = $app['config'];
        foreach (self::listOf($config->get('laravel-rust.listeners', []), true) as $event => $listeners) {
            foreach ((array) $listeners as $listener) {
                $app['events']->listen($event, $listener);
            }
        }
        foreach (array_unique([...self::WARM, ...self::listOf($config->get('laravel-rust.warm', []))]) as $service) {
            try {
                if ($app->bound($service)) {
                    $app->make($service);
                }
            } catch (\Throwable) {
                // Not warmed (e.g. the encrypter without an APP_KEY): the requests that need
                // the service fail on it, as they would under php-fpm; the worker still serves.
            }
        }

        $existing = $app['request'];

        return [$kernel, $placeholder ?? ($existing instanceof IlluminateRequest ? $existing : $makePlaceholder($app))];
    }

    /**
     * runningInConsole() is true in a CLI process and false under php-fpm; providers and packages
     * (Telescope, exception rendering, console-only providers) behave differently on it. Laravel
     * reads APP_RUNNING_IN_CONSOLE first, so it is set before the app loads, unless the
     * environment already sets it.
     */
    private static function serveAsHttp(): void
    {
        if (self::consoleSetting() !== null) {
            return;
        }
        putenv('APP_RUNNING_IN_CONSOLE=false');
        $_ENV['APP_RUNNING_IN_CONSOLE'] = $_SERVER['APP_RUNNING_IN_CONSOLE'] = 'false';
    }

    /**
     * An application handed over as an object (built by other code, e.g. a console kernel) may
     * have answered runningInConsole() with true and memoised it: from now on it serves HTTP.
     * Its providers booted as console ones all the same, which is why the entry points load the
     * app from its path instead (ServeCommand too).
     */
    private static function markAsHttp(Application $app): void
    {
        if (self::consoleSetting() === null && FrameworkInternals::has($app, 'isRunningInConsole')) {
            FrameworkInternals::set($app, 'isRunningInConsole', false);
        }
    }

    /** APP_RUNNING_IN_CONSOLE as the environment sets it (Laravel reads all three), or null. */
    private static function consoleSetting(): ?string
    {
        $value = getenv('APP_RUNNING_IN_CONSOLE');
        if ($value !== false) {
            return $value;
        }
        $value = $_ENV['APP_RUNNING_IN_CONSOLE'] ?? $_SERVER['APP_RUNNING_IN_CONSOLE'] ?? null;

        return $value === null ? null : (string) $value;
    }

    /** @return array<mixed> a config list, or [] when the app put something else there */
    public static function listOf(mixed $value, bool $keyed = false): array
    {
        if (!\is_array($value)) {
            return [];
        }

        return $keyed ? $value : array_values(array_filter($value, 'is_string'));
    }
}
