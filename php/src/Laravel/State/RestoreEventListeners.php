<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * Event::listen() in a request adds to the one dispatcher for good, so the listener would run in
 * every later request (and pile up): keep only the listeners registered by boot (Octane leaves
 * this). An unchanged listener table is the same array, so the check costs nothing.
 */
final class RestoreEventListeners implements ResetStep
{
    private const PROPERTIES = ['listeners', 'wildcards'];

    /** @var array<string, array<mixed>> */
    private array $boot = [];

    public function __construct(Application $app)
    {
        if (!$app->resolved('events')) {
            return;
        }
        $events = $app['events'];
        foreach (self::PROPERTIES as $property) {
            if (FrameworkInternals::has($events, $property)) {
                $this->boot[$property] = FrameworkInternals::get($events, $property);
            }
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if ($this->boot === []) {
            return null;
        }
        $events = $app['events'];
        $changed = false;
        foreach ($this->boot as $property => $value) {
            if (FrameworkInternals::get($events, $property) !== $value) {
                FrameworkInternals::set($events, $property, $value);
                $changed = true;
            }
        }
        if ($changed && FrameworkInternals::has($events, 'wildcardsCache')) {
            FrameworkInternals::set($events, 'wildcardsCache', []);
        }

        return null;
    }
}
