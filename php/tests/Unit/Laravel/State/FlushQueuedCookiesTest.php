<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Facades\Cookie;
use LaravelRust\Bridge\Laravel\State\FlushQueuedCookies;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushQueuedCookiesTest extends LaravelTestCase
{
    public function testQueuedCookiesAreForgotten(): void
    {
        $this->bootApp();
        Cookie::queue('remember', 'me', 10);
        self::assertTrue(Cookie::hasQueued('remember'));

        (new FlushQueuedCookies())->reset($this->app, null);

        self::assertFalse(Cookie::hasQueued('remember'));
        self::assertSame([], $this->app['cookie']->getQueuedCookies());
    }
}
