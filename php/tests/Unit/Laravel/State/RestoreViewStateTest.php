<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Facades\View;
use LaravelRust\Bridge\Laravel\State\RestoreViewState;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class RestoreViewStateTest extends LaravelTestCase
{
    public function testSharesOfARequestAreDroppedAndBootSharesKept(): void
    {
        $this->bootApp([], static function (): void {
            View::share('siteName', 'Booted');
        });
        $step = new RestoreViewState($this->app);

        View::share('currentUser', 'ada');
        View::share('siteName', 'Overwritten');

        self::assertNull($step->reset($this->app, null));

        $shared = View::getShared();
        self::assertArrayNotHasKey('currentUser', $shared);
        self::assertSame('Booted', $shared['siteName']);
    }

    public function testTheBladeAndPhpEnginesAreBuiltAgain(): void
    {
        $this->bootApp();
        $step = new RestoreViewState($this->app);
        $resolver = $this->app['view.engine.resolver'];
        $blade = $resolver->resolve('blade');
        $php = $resolver->resolve('php');

        $step->reset($this->app, null);

        self::assertNotSame($blade, $resolver->resolve('blade'));
        self::assertNotSame($php, $resolver->resolve('php'));
    }
}
