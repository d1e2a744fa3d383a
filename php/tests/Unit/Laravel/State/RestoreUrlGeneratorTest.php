<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Facades\URL;
use LaravelRust\Bridge\Laravel\State\RestoreUrlGenerator;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class RestoreUrlGeneratorTest extends LaravelTestCase
{
    public function testForcedRootSchemeAndDefaultsOfARequestAreUndone(): void
    {
        $this->bootApp();
        $step = new RestoreUrlGenerator($this->app);
        self::assertSame('http://localhost/x', URL::to('/x'));

        URL::forceRootUrl('http://tenant.example.test');
        URL::forceScheme('https');
        URL::defaults(['locale' => 'de']);
        self::assertSame('https://tenant.example.test/x', URL::to('/x'));

        self::assertNull($step->reset($this->app, null));

        self::assertSame('http://localhost/x', URL::to('/x'), 'root and scheme as at boot (the memoised ones cleared)');
        self::assertSame([], URL::getDefaultParameters());
    }

    public function testBootTimeSettingsAreKept(): void
    {
        $this->bootApp([], static function (): void {
            URL::forceScheme('https');
            URL::defaults(['team' => 'core']);
        });
        $step = new RestoreUrlGenerator($this->app);

        URL::forceScheme('http');
        URL::defaults(['team' => 'other', 'locale' => 'de']);

        $step->reset($this->app, null);

        self::assertSame('https://localhost/x', URL::to('/x'));
        self::assertSame(['team' => 'core'], URL::getDefaultParameters());
    }
}
