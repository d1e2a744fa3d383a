<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Support\Str;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * Memo caches that grow with what requests ask for: Str's snake/camel/studly caches, the
 * translator's parsed keys, and once() results (11+), which php-fpm would drop with the process.
 */
final class FlushStaticCaches implements ResetStep
{
    private const ONCE = 'Illuminate\\Support\\Once';

    public function reset(Application $app, ?Request $request): ?string
    {
        Str::flushCache();
        $translator = FrameworkInternals::sharedInstance($app, 'translator');
        if ($translator !== null) {
            if (method_exists($translator, 'flushParsedKeys')) { // 10+
                $translator->flushParsedKeys();
            } else {
                $translator->setParsedKeys([]);
            }
        }
        if (class_exists(self::ONCE, false)) {
            \call_user_func([self::ONCE, 'flush']);
        }

        return null;
    }
}
