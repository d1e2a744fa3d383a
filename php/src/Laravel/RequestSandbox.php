<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Contracts\Http\Kernel as HttpKernel;

/**
 * Each request runs in a clone of the booted application, as under Octane: instances, bindings
 * and singletons a request creates go into the clone's container and are dropped with it, while
 * everything resolved at boot (or warmed) is shared. The long-lived services that hold the
 * application (kernel, router, managers) are handed the clone for the request and the original
 * back afterwards, so that nothing keeps a finished request's container alive.
 */
final class RequestSandbox
{
    /**
     * Services that hold the application, and the method that gives them another one. Only those
     * the long-lived application resolved are touched (one the request resolves is built with the
     * clone already).
     */
    private const HOLDERS = [
        'router' => 'setContainer',
        'validator' => 'setContainer',
        'view' => 'setContainer',
        'auth' => 'setApplication',
        'db' => 'setApplication',
        'cache' => 'setApplication',
        'filesystem' => 'setApplication',
        'log' => 'setApplication',
        'mail.manager' => 'setApplication',
        'queue' => 'setApplication',
        'session' => 'setContainer',
        'Illuminate\\Contracts\\Auth\\Access\\Gate' => 'setContainer',
        'Illuminate\\Contracts\\Pipeline\\Hub' => 'setContainer',
        'Illuminate\\Contracts\\Broadcasting\\Factory' => 'setApplication',
        'Illuminate\\Notifications\\ChannelManager' => 'setContainer',
    ];

    /** @var list<array{object, string}> holders the long-lived application resolved, with their setter */
    private array $holders;

    /** The view factory the long-lived application resolved, whose shared `app` follows. */
    private ?object $view;

    public function __construct(private readonly Application $app, private readonly HttpKernel $kernel)
    {
        $this->view = $app->resolved('view') ? $app['view'] : null;
        $this->holders = [];
        foreach (self::HOLDERS as $abstract => $setter) {
            if ($app->resolved($abstract)) {
                $holder = $app->make($abstract);
                if (method_exists($holder, $setter)) {
                    $this->holders[] = [$holder, $setter];
                }
            }
        }
    }

    /** Clones the application and makes the clone current; returns it. */
    public function enter(): Application
    {
        $sandbox = clone $this->app;
        CurrentApplication::set($sandbox);
        $this->handTo($sandbox);

        return $sandbox;
    }

    /** Hands everything back to the long-lived application and empties the clone. */
    public function leave(Application $sandbox): void
    {
        $this->handTo($this->app);
        // Breaks the clone's references (closures, instances) so it is freed at once.
        $sandbox->flush();
        CurrentApplication::set($this->app);
    }

    private function handTo(Application $app): void
    {
        if (method_exists($this->kernel, 'setApplication')) {
            $this->kernel->setApplication($app);
        }
        foreach ($this->holders as [$holder, $setter]) {
            $holder->{$setter}($app);
        }
        // Views see $app as the application that renders them.
        $this->view?->share('app', $app);
    }
}
