<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Facades\Cache;
use LaravelRust\Bridge\Laravel\State\FlushArrayCache;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushArrayCacheTest extends LaravelTestCase
{
    public function testTheArrayStoreIsEmptied(): void
    {
        $this->bootApp();
        Cache::store('array')->put('per-request', 'value', 60);
        self::assertSame('value', Cache::store('array')->get('per-request'));

        self::assertNull((new FlushArrayCache())->reset($this->app, null));

        self::assertNull(Cache::store('array')->get('per-request'));
    }

    public function testNothingHappensWhenNoRequestUsedTheArrayStore(): void
    {
        $this->bootApp();
        $stores = array_keys((fn () => $this->stores)->call($this->app['cache']));

        (new FlushArrayCache())->reset($this->app, null);

        self::assertSame($stores, array_keys((fn () => $this->stores)->call($this->app['cache'])), 'the array store is not created');
    }
}
