<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Carbon\Carbon;
use Illuminate\Support\Facades\App;
use LaravelRust\Bridge\Laravel\State\RestoreLocale;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class RestoreLocaleTest extends LaravelTestCase
{
    protected function tearDown(): void
    {
        Carbon::setLocale('en');
    }

    public function testTheBootLocaleFallbackAndCarbonLocaleComeBack(): void
    {
        // The boot-time locale is the app's own (fr here), not a default.
        $this->bootApp(['app.locale' => 'fr', 'app.fallback_locale' => 'en'], static function (): void {
            Carbon::setLocale('fr');
        });
        $step = new RestoreLocale($this->app);
        self::assertSame('fr', $this->app['translator']->getLocale());

        App::setLocale('de');
        $this->app['translator']->setFallback('es');
        Carbon::setLocale('ja');

        self::assertNull($step->reset($this->app, null));

        self::assertSame('fr', $this->app['translator']->getLocale());
        self::assertSame('en', $this->app['translator']->getFallback());
        self::assertSame('fr', Carbon::getLocale());
    }
}
