<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Auth\GenericUser;
use LaravelRust\Bridge\Laravel\State\FlushAuthenticationState;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushAuthenticationStateTest extends LaravelTestCase
{
    public function testTheLoggedInUserIsForgotten(): void
    {
        $this->bootApp();
        $auth = $this->app['auth'];
        $guard = $auth->guard('web');
        $guard->setUser(new GenericUser(['id' => 7, 'name' => 'Ada']));
        $driver = $this->app['auth.driver'];
        self::assertTrue($auth->check());
        self::assertSame(7, $auth->id());

        (new FlushAuthenticationState())->reset($this->app, null);

        self::assertNotSame($guard, $auth->guard('web'), 'the guards are built again');
        self::assertNotSame($driver, $this->app['auth.driver']);
        self::assertFalse($auth->check());
        self::assertNull($this->app['auth.driver']->user());
    }
}
