<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Database\Eloquent\Model;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * Event::listen() in a request adds to the one dispatcher for good, so the listener would run in
 * every later request (and pile up): keep only the listeners registered by boot (Octane leaves
 * this). An unchanged listener table is the same array, so the check costs nothing.
 *
 * One kind of listener added during a request must stay: an Eloquent model boots once per
 * process, on its first use, which is usually inside a request, and registers its listeners then
 * (booted() with static::creating(...), observers, #[ObservedBy]); Model::$booted remembers that
 * it booted, so dropped listeners would never come back and the model's events would silently
 * stop firing from the next request on. The "eloquent.*: Model" listeners of models that booted
 * during the request are therefore kept, and become part of the table restored from then on.
 */
final class RestoreEventListeners implements ResetStep
{
    private const PROPERTIES = ['listeners', 'wildcards'];

    /** @var array<string, array<mixed>> the table to restore: boot-time, plus models' own */
    private array $boot = [];

    /** Model::$booted (the models booted in this process), when Eloquent is there. */
    private ?\ReflectionProperty $bootedModels;

    /** @var array<class-string, bool> Model::$booted as of the last reset */
    private array $modelsBefore = [];

    public function __construct(Application $app)
    {
        $this->bootedModels = class_exists(Model::class) ? FrameworkInternals::staticProperty(Model::class, 'booted') : null;
        $this->modelsBefore = (array) $this->bootedModels?->getValue();
        if (!$app->resolved('events')) {
            return;
        }
        $this->boot = FrameworkInternals::snapshot($app['events'], self::PROPERTIES);
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if ($this->boot === []) {
            return null;
        }
        $models = (array) $this->bootedModels?->getValue();
        $bootedNow = $models === $this->modelsBefore ? [] : array_diff_key($models, $this->modelsBefore);
        $this->modelsBefore = $models;

        $events = FrameworkInternals::sharedInstance($app, 'events');
        if ($events === null) {
            return null;
        }
        $changed = false;
        foreach ($this->boot as $property => $value) {
            $current = FrameworkInternals::get($events, $property);
            if ($current === $value) {
                continue;
            }
            if ($property === 'listeners' && $bootedNow !== []) {
                $value = self::keepModelListeners($value, $current, $bootedNow);
                $this->boot[$property] = $value;
            }
            FrameworkInternals::set($events, $property, $value);
            $changed = true;
        }
        if ($changed && FrameworkInternals::has($events, 'wildcardsCache')) {
            FrameworkInternals::set($events, 'wildcardsCache', []);
        }

        return null;
    }

    /**
     * $restore plus the current listeners of "eloquent.<event>: <Model>" for the models in $booted.
     *
     * @param array<string, array<mixed>> $restore
     * @param array<string, array<mixed>> $current
     * @param array<class-string, mixed>  $booted
     *
     * @return array<string, array<mixed>>
     */
    private static function keepModelListeners(array $restore, array $current, array $booted): array
    {
        foreach ($current as $event => $listeners) {
            if (!str_starts_with($event, 'eloquent.')) {
                continue;
            }
            $colon = strpos($event, ': ');
            if ($colon !== false && isset($booted[substr($event, $colon + 2)])) {
                $restore[$event] = $listeners;
            }
        }

        return $restore;
    }
}
