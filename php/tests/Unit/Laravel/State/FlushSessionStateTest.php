<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use LaravelRust\Bridge\Laravel\State\FlushSessionState;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushSessionStateTest extends LaravelTestCase
{
    public function testAStartedSessionIsEmptiedAndGetsANewId(): void
    {
        $this->bootApp();
        $store = $this->app['session']->driver();
        $store->start();
        $store->put('user_id', 42);
        $id = $store->getId();

        self::assertNull((new FlushSessionState())->reset($this->app, null));

        self::assertSame(['_token'], array_keys($store->all()), 'only the new CSRF token regenerate() sets');
        self::assertNotSame($id, $store->getId());
    }

    public function testASavedSessionStillHoldingDataIsEmptied(): void
    {
        $this->bootApp();
        $store = $this->app['session']->driver();
        $store->start();
        $store->put('cart', ['item']);
        $store->save(); // what StartSession does at the end of a request: isStarted() is false now
        self::assertFalse($store->isStarted());

        (new FlushSessionState())->reset($this->app, null);

        self::assertArrayNotHasKey('cart', $store->all());
    }

    public function testAnUnusedSessionIsLeftAlone(): void
    {
        $this->bootApp();
        $store = $this->app['session']->driver();
        $id = $store->getId();

        (new FlushSessionState())->reset($this->app, null);

        self::assertSame($id, $store->getId(), 'no new id for a session no request touched');
    }
}
