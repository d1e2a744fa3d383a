<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Facade;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * Log::withContext() on each channel, Log::shareContext() (10+), resettable Monolog handlers and
 * processors (buffers flushed, UidProcessor renewed), and Laravel 11+'s Context repository.
 * Context is scoped, so the container forgets it; but the Context facade caches the instance it
 * resolved, so the repository the facade really holds is flushed too.
 */
final class FlushLogContext implements ResetStep
{
    private const CONTEXT = 'Illuminate\\Log\\Context\\Repository';

    /** Facade::$resolvedInstance, read when the framework has a Context (11+). */
    private ?\ReflectionProperty $facadeCache;

    public function __construct()
    {
        $this->facadeCache = class_exists(self::CONTEXT) ? FrameworkInternals::staticProperty(Facade::class, 'resolvedInstance') : null;
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        $log = FrameworkInternals::sharedInstance($app, 'log');
        if ($log !== null) {
            if (method_exists($log, 'flushSharedContext')) {
                $log->flushSharedContext();
            }
            foreach (method_exists($log, 'getChannels') ? $log->getChannels() : [] as $channel) {
                if (method_exists($channel, 'withoutContext')) {
                    $channel->withoutContext();
                }
                $logger = method_exists($channel, 'getLogger') ? $channel->getLogger() : null;
                if ($logger instanceof \Monolog\ResettableInterface) {
                    $logger->reset();
                }
            }
        }
        if ($this->facadeCache !== null) {
            FrameworkInternals::sharedInstance($app, self::CONTEXT)?->flush();
            // Read the facade's cache without resolving: runs before the facades are cleared.
            $held = $this->facadeCache->getValue()[self::CONTEXT] ?? null;
            if (\is_object($held) && method_exists($held, 'flush')) {
                $held->flush();
            }
        }

        return null;
    }
}
