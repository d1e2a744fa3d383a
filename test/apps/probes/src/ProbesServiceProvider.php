<?php

namespace LaravelRust\TestProbes;

use Illuminate\Contracts\Debug\ExceptionHandler;
use Illuminate\Http\Middleware\TrustProxies;
use Illuminate\Http\Request;
use Illuminate\Routing\Middleware\ThrottleRequests;
use Illuminate\Support\ServiceProvider;
use LaravelRust\TestProbes\Support\Counter;
use LaravelRust\TestProbes\Support\RequestLedger;
use Throwable;

/**
 * The probe kit of the end-to-end suites, for every Laravel version under test (8, 10, 11, 12):
 * discovered through composer.json's extra.laravel.providers (Laravel 8's test app, which has no
 * package discovery, lists it in config/app.php).
 *
 * - Routes: every routes/api*.php under the "api" middleware group and the /api prefix, every
 *   routes/web*.php under the "web" group. They are added once the app has booted, after the
 *   app's own routes, so a probe route wins over a skeleton route of the same method and URI
 *   (the skeletons' GET / welcome page).
 * - Views under the `probes::` namespace (resources/views).
 * - Singletons Counter (kept for the worker's life) and RequestLedger (added to the app's
 *   `laravel-rust.flush`, so a long-lived worker forgets it after every request).
 * - Loopback trusted as a proxy (nginx in the differential suite).
 * - Errors under /api rendered as JSON whatever the Accept header, as the Laravel 8 example app
 *   always did (its Handler::shouldReturnJson); done here without touching the skeletons.
 */
class ProbesServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        $this->addToConfigLists(require dirname(__DIR__).'/config/laravel-rust.php', 'laravel-rust');

        // One Counter per application instance: behind a long-lived worker GET /api/counter keeps
        // growing; under php-fpm it is always 1.
        $this->app->singleton(Counter::class);
        $this->app->singleton(RequestLedger::class);

        $this->trustLoopbackProxy();
    }

    public function boot(): void
    {
        $this->loadViewsFrom(dirname(__DIR__).'/resources/views', 'probes');
        $this->renderApiErrorsAsJson();

        if (method_exists($this->app, 'routesAreCached') && $this->app->routesAreCached()) {
            return;
        }
        // After every provider booted, i.e. after the app's own route files were loaded.
        $this->app->booted(function (): void {
            $this->loadProbeRoutes();
        });
    }

    /**
     * Appends each list of the kit's config to the app's (mergeConfigFrom would let an earlier
     * `flush => []`, e.g. the bridge package's defaults, hide the kit's entries).
     *
     * @param  array<string, list<string>>  $lists
     */
    private function addToConfigLists(array $lists, string $key): void
    {
        $config = $this->app['config'];
        foreach ($lists as $name => $values) {
            $current = (array) $config->get("{$key}.{$name}", []);
            $config->set("{$key}.{$name}", array_values(array_unique(array_merge($current, $values))));
        }
    }

    private function loadProbeRoutes(): void
    {
        $router = $this->app['router'];
        $dir = dirname(__DIR__).'/routes';

        foreach ($this->routeFiles($dir, 'api') as $file) {
            $router->group([
                'prefix' => 'api',
                'middleware' => 'api',
                // Laravel 10's skeleton puts throttle:api (60 a minute) in the api group; the
                // suites send thousands of requests a minute.
                'excluded_middleware' => [ThrottleRequests::class.':api'],
            ], $file);
        }

        foreach ($this->routeFiles($dir, 'web') as $file) {
            $router->group(['middleware' => 'web'], $file);
        }

        // Named routes added after the framework refreshed its lookups.
        $router->getRoutes()->refreshNameLookups();
        $router->getRoutes()->refreshActionLookups();
    }

    /** @return list<string> routes/<group>.php first, then routes/<group>-*.php in name order. */
    private function routeFiles(string $dir, string $group): array
    {
        $files = glob("{$dir}/{$group}*.php") ?: [];
        sort($files);

        return array_values($files);
    }

    /**
     * The differential suite puts nginx on loopback in front of the app, as a deployment puts its
     * proxy: the app trusts it (the skeletons trust no proxy by default). Laravel 11+ configures
     * its global TrustProxies with TrustProxies::at(); on 8 and 10 the app's own TrustProxies
     * subclass gets the list when the container builds it, unless it has one already.
     */
    private function trustLoopbackProxy(): void
    {
        $proxies = ['127.0.0.1', '::1'];
        if (method_exists(TrustProxies::class, 'at')) {
            TrustProxies::at($proxies);

            return;
        }
        $this->app->resolving(TrustProxies::class, function ($middleware) use ($proxies): void {
            (function () use ($proxies): void {
                $this->proxies = $this->proxies ?: $proxies;
            })->call($middleware);
        });
    }

    private function renderApiErrorsAsJson(): void
    {
        $this->callAfterResolving(ExceptionHandler::class, function ($handler): void {
            if (! method_exists($handler, 'renderable')) {
                return;
            }
            $handler->renderable(function (Throwable $e, $request) use ($handler) {
                if (! $request instanceof Request || ! $request->is('api', 'api/*') || $request->expectsJson()) {
                    return null;
                }
                // duplicate() forgets the parsed Accept header; the second pass expects JSON and
                // so falls through to the handler's usual rendering.
                $json = $request->duplicate();
                $json->headers->set('Accept', 'application/json');

                return $handler->render($json, $e);
            });
        });
    }
}
