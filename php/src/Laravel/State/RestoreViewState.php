<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * View::share() in a request adds to the one view factory's shared data for good: keep only the
 * boot-time entries (Octane leaves this). And the Blade and PHP engines are forgotten, as Octane
 * does, so that each request builds them again: since Laravel 10 the Blade engine remembers which
 * compiled views it found fresh and forgets that in a terminating callback registered when the
 * engine is built; a long-lived engine would never again notice an edited view.
 */
final class RestoreViewState implements ResetStep
{
    /** @var null|array<string, mixed> */
    private ?array $shared = null;

    public function __construct(Application $app)
    {
        if ($app->resolved('view')) {
            $this->shared = $app['view']->getShared();
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        $view = $this->shared !== null ? FrameworkInternals::sharedInstance($app, 'view') : null;
        if ($view !== null) {
            if ($view->getShared() !== $this->shared) {
                FrameworkInternals::set($view, 'shared', $this->shared);
            }
        }
        $resolver = FrameworkInternals::sharedInstance($app, 'view.engine.resolver');
        if ($resolver !== null) {
            if (method_exists($resolver, 'forget')) {
                $resolver->forget('blade');
                $resolver->forget('php');
            }
        }

        return null;
    }
}
