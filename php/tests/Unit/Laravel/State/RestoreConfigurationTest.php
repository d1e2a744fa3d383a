<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use LaravelRust\Bridge\Laravel\State\RestoreConfiguration;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;
use LaravelRust\TestProbes\Support\RequestLedger;

final class RestoreConfigurationTest extends LaravelTestCase
{
    public function testChangesOfARequestAreUndoneAndBootConfigurationKept(): void
    {
        $this->bootApp(['app.name' => 'Booted Name'], static function ($app): void {
            $app['config']->set('services.booted', 'set by a provider at boot');
        });
        $step = new RestoreConfiguration($this->app);

        config(['app.name' => 'Changed', 'request.only' => true]);
        $this->app['config']->push('laravel-rust.flush', 'request.pushed');

        self::assertNull($step->reset($this->app, null));

        self::assertSame('Booted Name', config('app.name'));
        self::assertFalse($this->app['config']->has('request.only'));
        self::assertSame('set by a provider at boot', config('services.booted'));
        self::assertContains(RequestLedger::class, config('laravel-rust.flush'), 'what the probe kit\'s provider merged at boot');
        self::assertNotContains('request.pushed', config('laravel-rust.flush'));
    }
}
