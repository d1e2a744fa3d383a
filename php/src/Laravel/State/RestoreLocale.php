<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Carbon\Carbon;
use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/** App::setLocale() / Carbon::setLocale() in a request change a shared translator and a static. */
final class RestoreLocale implements ResetStep
{
    private ?string $locale = null;

    private ?string $fallback = null;

    private ?string $carbonLocale = null;

    public function __construct(Application $app)
    {
        if ($app->resolved('translator')) {
            $this->locale = $app['translator']->getLocale();
            $this->fallback = $app['translator']->getFallback();
        }
        if (class_exists(Carbon::class)) {
            $this->carbonLocale = Carbon::getLocale();
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        $translator = $this->locale !== null ? FrameworkInternals::sharedInstance($app, 'translator') : null;
        if ($translator !== null) {
            if ($translator->getLocale() !== $this->locale) {
                $translator->setLocale($this->locale);
            }
            if ($translator->getFallback() !== $this->fallback) {
                $translator->setFallback($this->fallback);
            }
        }
        if ($this->carbonLocale !== null && Carbon::getLocale() !== $this->carbonLocale) {
            Carbon::setLocale($this->carbonLocale);
        }

        return null;
    }
}
