<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Foundation\Vite;
use LaravelRust\Bridge\Laravel\FrameworkInternals;
use LaravelRust\Bridge\Laravel\State\FlushVite;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushViteTest extends LaravelTestCase
{
    public function testTheNonceAndPreloadedAssetsOfARequestAreForgotten(): void
    {
        $this->bootApp([], static function ($app): void {
            $app->make(Vite::class); // resolved at boot, without a nonce
        });
        $step = new FlushVite($this->app);
        $vite = $this->app->make(Vite::class);
        $vite->useCspNonce('request-nonce');
        FrameworkInternals::set($vite, 'preloadedAssets', ['/build/app.js' => ['rel="modulepreload"']]);

        self::assertNull($step->reset($this->app, null));

        self::assertNull($vite->cspNonce());
        self::assertSame([], $vite->preloadedAssets());
    }

    public function testTheBootTimeNonceIsKept(): void
    {
        $this->bootApp([], static function ($app): void {
            $app->make(Vite::class)->useCspNonce('boot-nonce');
        });
        $step = new FlushVite($this->app);
        $vite = $this->app->make(Vite::class);
        $vite->useCspNonce('request-nonce');

        $step->reset($this->app, null);

        self::assertSame('boot-nonce', $vite->cspNonce());
    }
}
