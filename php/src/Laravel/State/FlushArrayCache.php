<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/** The "array" cache store lives for one request under php-fpm (flushed only if it was created). */
final class FlushArrayCache implements ResetStep
{
    public function reset(Application $app, ?Request $request): ?string
    {
        $manager = FrameworkInternals::sharedInstance($app, 'cache');
        if ($manager === null) {
            return null;
        }
        if (FrameworkInternals::has($manager, 'stores') && isset(FrameworkInternals::get($manager, 'stores')['array'])) {
            $manager->store('array')->flush();
        }

        return null;
    }
}
