<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Config\Repository as ConfigRepository;
use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request as IlluminateRequest;
use Illuminate\Support\Facades\Facade;

/**
 * Puts a booted Laravel application back into its boot-time state after each request, so nothing
 * bleeds from one request into the next one served by the same long-lived worker. Follows what
 * Laravel Octane resets (its listeners FlushQueuedCookies, FlushSessionState,
 * FlushAuthenticationState, FlushLocaleState, CreateConfigurationSandbox,
 * GiveNewRequestInstanceToApplication / ...ToPaginator, FlushTemporaryContainerInstances,
 * FlushLogContext, FlushMonologState, FlushDatabaseQueryLog, FlushDatabaseRecordModificationState,
 * FlushArrayCache, FlushStrCache, FlushTranslatorCache, and Route::flushController()).
 *
 * Octane gives the managers (router, view, validation, cache, db, ...) a fresh *clone* of the
 * application each request; this worker does not clone the container, so those managers keep
 * pointing at the one real application and need nothing. What is not reset: singletons the app
 * itself mutates (that is how /api/counter keeps counting), event listeners added during a
 * request, View::share() data, URL::defaults()/forceRootUrl() set during a request.
 *
 * Every step checks that the service was resolved (no service is created just to be reset) and
 * that the API exists, since Laravel 8 to 11 differ; differences are noted inline.
 */
final class StateResetter
{
    private Application $app;

    private IlluminateRequest $placeholder;

    /** Boot-time config items, restored in place (the Repository object keeps its identity). */
    private ?array $configItems = null;

    private ?\Closure $restoreConfig = null;

    private ?string $locale = null;

    private ?string $fallbackLocale = null;

    private ?string $carbonLocale = null;

    /** @var list<string> extra container instances to forget after each request */
    private array $flush;

    private int $terminatingCallbacks = 0;

    /** The reset steps, in order; each is isolated so one failing step does not skip the others. */
    private const STEPS = [
        'resetSession', 'resetQueuedCookies', 'resetAuth', 'resetLocale', 'restoreConfig',
        'flushInstances', 'resetLog', 'resetDatabase', 'flushArrayCache', 'flushStaticCaches',
        'flushNewerFrameworkState', 'truncateTerminatingCallbacks', 'resetPaginator', 'releaseRequest',
        'restoreRuntimeSettings',
    ];

    /** Boot-time values of the php.ini settings apps and Symfony change per request. */
    private string $defaultMimetype;

    private string $defaultCharset;

    private string $timezone;

    /** Illuminate\Support\Once (Laravel 11+: the once() helper's cache), looked up once. */
    private bool $hasOnce;

    /** @var null|list<mixed> */
    private ?array $paginatorResolvers = null;

    private ?\Closure $truncateTerminating = null;

    public function __construct(Application $app, IlluminateRequest $placeholder)
    {
        $this->app = $app;
        $this->placeholder = $placeholder;

        $this->hasOnce = class_exists('Illuminate\\Support\\Once') && method_exists('Illuminate\\Support\\Once', 'flush');

        $this->defaultMimetype = (string) \ini_get('default_mimetype');
        $this->defaultCharset = (string) \ini_get('default_charset');
        $this->timezone = date_default_timezone_get();

        $config = $app['config'];
        $flush = $config->get('laravel-rust.flush', []);
        $this->flush = \is_array($flush) ? array_values(array_filter($flush, 'is_string')) : [];

        // Config sandbox. Octane binds a clone of the repository per request; restoring the
        // items array in place does the same without breaking objects that captured the
        // repository at boot. `items` is the protected property of Illuminate\Config\Repository
        // in 8 through 11.
        if ($config instanceof ConfigRepository && property_exists($config, 'items')) {
            $this->configItems = $config->all();
            $this->restoreConfig = \Closure::bind(function (array $items): void {
                $this->items = $items;
            }, $config, ConfigRepository::class);
        }

        if ($app->resolved('translator') || $app->bound('translator')) {
            $translator = $app['translator'];
            $this->locale = $translator->getLocale();
            $this->fallbackLocale = method_exists($translator, 'getFallback') ? $translator->getFallback() : null;
        }
        if (class_exists(\Carbon\Carbon::class) && method_exists(\Carbon\Carbon::class, 'getLocale')) {
            $this->carbonLocale = \Carbon\Carbon::getLocale();
        }

        // Application::terminating() callbacks added during a request would run again on every
        // later request (Application::terminate() never clears them): keep only the boot-time ones.
        if (property_exists($app, 'terminatingCallbacks')) {
            $this->truncateTerminating = \Closure::bind(function (int $keep): void {
                if (\count($this->terminatingCallbacks) > $keep) {
                    $this->terminatingCallbacks = \array_slice($this->terminatingCallbacks, 0, $keep);
                }
            }, $app, \get_class($app));
            $this->terminatingCallbacks = (\Closure::bind(fn () => \count($this->terminatingCallbacks), $app, \get_class($app)))();
        }
    }

    /**
     * Resets everything after the response was sent and the kernel terminated.
     *
     * @param null|IlluminateRequest $request the request just served (null if it never got built)
     *
     * @return list<string> problems worth a log line (a step that failed, a leaked transaction)
     */
    public function afterRequest(?IlluminateRequest $request): array
    {
        $problems = [];

        // Controllers are cached on their Route objects; Octane flushes them so that constructor
        // state does not leak. (Route::flushController() exists since Laravel 8.x.)
        if ($request !== null) {
            $route = $request->route();
            if (\is_object($route) && method_exists($route, 'flushController')) {
                $route->flushController();
            }
        }

        foreach (self::STEPS as $step) {
            try {
                $this->{$step}($request, $problems);
            } catch (\Throwable $e) {
                $problems[] = "state reset step {$step}() failed: ".\get_class($e).': '.$e->getMessage().' at '.$e->getFile().':'.$e->getLine();
            }
        }

        return $problems;
    }

    /**
     * Session: empty the store's attributes and give it a new id (Octane's FlushSessionState);
     * StartSession then loads the next request's session by its cookie. The Store object is kept,
     * because the Redirector and others captured it. regenerate() also resets a
     * DatabaseSessionHandler's "exists" flag.
     */
    private function resetSession(?IlluminateRequest $request, array &$problems): void
    {
        if (!$this->app->resolved('session')) {
            return;
        }
        $manager = $this->app['session'];
        $drivers = method_exists($manager, 'getDrivers') ? $manager->getDrivers() : [$manager->driver()];
        foreach ($drivers as $store) {
            // Untouched (API requests): nothing to do. StartSession's save() clears isStarted(),
            // so also look at the attributes the store still holds.
            $used = (method_exists($store, 'isStarted') && $store->isStarted())
                || (method_exists($store, 'all') && $store->all() !== []);
            if (!$used) {
                continue;
            }
            if (method_exists($store, 'flush')) {
                $store->flush();
            }
            if (method_exists($store, 'regenerate')) {
                $store->regenerate();
            }
        }
    }

    /** Cookie::queue() leftovers (CookieJar::flushQueuedCookies() exists since 8.x). */
    private function resetQueuedCookies(?IlluminateRequest $request, array &$problems): void
    {
        if (!$this->app->resolved('cookie')) {
            return;
        }
        $jar = $this->app['cookie'];
        if (method_exists($jar, 'flushQueuedCookies')) {
            $jar->flushQueuedCookies();
        } elseif (method_exists($jar, 'getQueuedCookies')) {
            foreach ($jar->getQueuedCookies() as $cookie) {
                $jar->unqueue($cookie->getName(), $cookie->getPath());
            }
        }
    }

    /** Guards cache the authenticated user: forget them (AuthManager::forgetGuards(), 8.x+). */
    private function resetAuth(?IlluminateRequest $request, array &$problems): void
    {
        if ($this->app->resolved('auth.driver')) {
            $this->app->forgetInstance('auth.driver');
        }
        if (!$this->app->resolved('auth')) {
            return;
        }
        $auth = $this->app['auth'];
        if (method_exists($auth, 'forgetGuards')) {
            $auth->forgetGuards();
        } elseif (property_exists($auth, 'guards')) {
            \Closure::bind(function (): void {
                $this->guards = [];
            }, $auth, \get_class($auth))();
        }
    }

    /** App::setLocale() in a request changes the translator (and Carbon) for good: put them back. */
    private function resetLocale(?IlluminateRequest $request, array &$problems): void
    {
        if ($this->locale !== null && $this->app->resolved('translator')) {
            $translator = $this->app['translator'];
            if ($translator->getLocale() !== $this->locale) {
                $translator->setLocale($this->locale);
            }
            if ($this->fallbackLocale !== null && method_exists($translator, 'getFallback')
                && $translator->getFallback() !== $this->fallbackLocale) {
                $translator->setFallback($this->fallbackLocale);
            }
        }
        if ($this->carbonLocale !== null && \Carbon\Carbon::getLocale() !== $this->carbonLocale) {
            \Carbon\Carbon::setLocale($this->carbonLocale);
        }
    }

    private function restoreConfig(?IlluminateRequest $request, array &$problems): void
    {
        if ($this->restoreConfig !== null) {
            // Arrays are copy-on-write: this is O(1) until the next request writes to config.
            ($this->restoreConfig)($this->configItems);
        }
    }

    /** Scoped instances ($app->scoped(), 8.x+) and the app's own list from config('laravel-rust.flush'). */
    private function flushInstances(?IlluminateRequest $request, array &$problems): void
    {
        if (method_exists($this->app, 'forgetScopedInstances')) {
            $this->app->forgetScopedInstances();
        }
        foreach ($this->flush as $abstract) {
            $this->app->forgetInstance($abstract);
            Facade::clearResolvedInstance($abstract);
        }
    }

    /**
     * Log context set with Log::withContext() (Logger::withoutContext(), 8.x+), the shared context
     * of Laravel 10+ (LogManager::flushSharedContext()), and resettable Monolog handlers/processors
     * (buffers flushed, UidProcessor renewed).
     */
    private function resetLog(?IlluminateRequest $request, array &$problems): void
    {
        if (!$this->app->resolved('log')) {
            return;
        }
        $log = $this->app['log'];
        if (method_exists($log, 'flushSharedContext')) {
            $log->flushSharedContext();
        }
        $channels = method_exists($log, 'getChannels') ? $log->getChannels() : [];
        foreach ($channels as $channel) {
            if (method_exists($channel, 'withoutContext')) {
                $channel->withoutContext();
            }
            $logger = method_exists($channel, 'getLogger') ? $channel->getLogger() : null;
            if ($logger instanceof \Monolog\ResettableInterface) {
                $logger->reset();
            }
        }
    }

    /**
     * A transaction left open by a request would swallow every later query: roll it back. Also
     * the query log and the "records were modified" flag (sticky write connections).
     *
     * @param list<string> $problems
     */
    private function resetDatabase(?IlluminateRequest $request, array &$problems): void
    {
        if (!$this->app->resolved('db')) {
            return;
        }
        foreach ($this->app['db']->getConnections() as $name => $connection) {
            if (method_exists($connection, 'transactionLevel') && $connection->transactionLevel() > 0) {
                $problems[] = "the request left a transaction open on database connection '{$name}'; rolled back";
                $connection->rollBack(0);
            }
            if (method_exists($connection, 'flushQueryLog')) {
                $connection->flushQueryLog();
            }
            if (method_exists($connection, 'forgetRecordModificationState')) {
                $connection->forgetRecordModificationState();
            }
        }
    }

    /** The "array" cache store lives for one request under php-fpm (flushed only if it was created). */
    private function flushArrayCache(?IlluminateRequest $request, array &$problems): void
    {
        if (!$this->app->resolved('cache')) {
            return;
        }
        $manager = $this->app['cache'];
        $created = property_exists($manager, 'stores')
            ? \Closure::bind(fn () => isset($this->stores['array']), $manager, \get_class($manager))()
            : ($this->configItems !== null && isset($this->configItems['cache']['stores']['array']));
        if ($created) {
            $manager->store('array')->flush();
        }
    }

    /** Str's snake/camel/studly caches (Str::flushCache(), 8.x+) and the translator's parsed keys. */
    private function flushStaticCaches(?IlluminateRequest $request, array &$problems): void
    {
        if (method_exists(\Illuminate\Support\Str::class, 'flushCache')) {
            \Illuminate\Support\Str::flushCache();
        }
        if ($this->app->resolved('translator')) {
            $translator = $this->app['translator'];
            if (method_exists($translator, 'flushParsedKeys')) { // Laravel 10+
                $translator->flushParsedKeys();
            } elseif (method_exists($translator, 'setParsedKeys')) {
                $translator->setParsedKeys([]);
            }
        }
    }

    /**
     * State that only newer Laravel versions have (each a no-op on 8): the Context repository
     * (11+, Context::add() data would otherwise ride along into the next request's logs and
     * jobs), Vite's per-request nonce/preloads (9.x+), and once() results (11+).
     */
    private function flushNewerFrameworkState(?IlluminateRequest $request, array &$problems): void
    {
        $context = 'Illuminate\\Log\\Context\\Repository';
        if ($this->app->resolved($context)) {
            $this->app->make($context)->flush();
        }
        $vite = 'Illuminate\\Foundation\\Vite';
        if ($this->app->resolved($vite)) {
            $instance = $this->app->make($vite);
            if (method_exists($instance, 'flush')) {
                $instance->flush();
            }
        }
        if ($this->hasOnce) {
            \call_user_func(['Illuminate\\Support\\Once', 'flush']);
        }
    }

    private function truncateTerminatingCallbacks(?IlluminateRequest $request, array &$problems): void
    {
        if ($this->truncateTerminating !== null) {
            ($this->truncateTerminating)($this->terminatingCallbacks);
        }
    }

    /**
     * The paginator's resolvers must read the *current* request: re-install Laravel's own
     * (PaginationState, 8.x+: they look up $app['request'] on each call), overriding any that a
     * request replaced.
     */
    private function resetPaginator(?IlluminateRequest $request, array &$problems): void
    {
        if (!class_exists(\Illuminate\Pagination\Paginator::class, false)) {
            return;
        }
        $current = $this->paginatorResolvers();
        if ($current !== null && $current === $this->paginatorResolvers) {
            return; // still the ones installed after the last reset (the usual case)
        }
        $this->installPaginatorResolvers();
        $this->paginatorResolvers = $this->paginatorResolvers();
    }

    /** @return null|list<mixed> the paginator's current resolver closures (identity compared) */
    private function paginatorResolvers(): ?array
    {
        $class = \Illuminate\Pagination\AbstractPaginator::class;
        if (!property_exists($class, 'currentPathResolver')) {
            return null;
        }

        return \Closure::bind(static fn () => [
            static::$currentPathResolver ?? null,
            static::$currentPageResolver ?? null,
            property_exists(static::class, 'queryStringResolver') ? (static::$queryStringResolver ?? null) : null,
        ], null, $class)();
    }

    private function installPaginatorResolvers(): void
    {
        if (class_exists(\Illuminate\Pagination\PaginationState::class)) {
            \Illuminate\Pagination\PaginationState::resolveUsing($this->app);

            return;
        }
        $app = $this->app;
        \Illuminate\Pagination\Paginator::currentPathResolver(static fn () => $app['request']->url());
        \Illuminate\Pagination\Paginator::currentPageResolver(static function ($pageName = 'page') use ($app) {
            $page = $app['request']->input($pageName);

            return filter_var($page, FILTER_VALIDATE_INT) !== false && (int) $page >= 1 ? (int) $page : 1;
        });
    }

    /**
     * php-fpm restores every ini_set() at the end of a request; a long-lived worker keeps them.
     * Restored here: default_mimetype / default_charset (Symfony's Response::prepare() sets
     * default_mimetype to "" for every 204/304, which would otherwise strip the default
     * Content-Type from all later responses) and the default timezone (date_default_timezone_set()
     * per user). Other ini settings an app changes at runtime are not tracked (ini_get_all() per
     * request would cost more than the rest of the reset).
     */
    private function restoreRuntimeSettings(?IlluminateRequest $request, array &$problems): void
    {
        if ((string) \ini_get('default_mimetype') !== $this->defaultMimetype) {
            ini_set('default_mimetype', $this->defaultMimetype);
        }
        if ((string) \ini_get('default_charset') !== $this->defaultCharset) {
            ini_set('default_charset', $this->defaultCharset);
        }
        if (date_default_timezone_get() !== $this->timezone) {
            date_default_timezone_set($this->timezone);
        }
    }

    /**
     * Each Kernel::handle() binds its fresh request as 'request', which fires the rebinding
     * callbacks (URL generator's request, auth user resolver, ...). In between, a request with a
     * big body or uploads is replaced by the small boot-time placeholder so that its memory is
     * freed now rather than at the next request.
     */
    private function releaseRequest(?IlluminateRequest $request, array &$problems): void
    {
        if ($request === null) {
            return;
        }
        $content = \Closure::bind(fn () => $this->content, $request, \Symfony\Component\HttpFoundation\Request::class)();
        if ((\is_string($content) && \strlen($content) > 65536) || $request->files->count() > 0) {
            $this->app->instance('request', $this->placeholder);
            Facade::clearResolvedInstance('request');
        }
    }
}
