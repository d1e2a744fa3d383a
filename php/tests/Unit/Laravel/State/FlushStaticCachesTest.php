<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Str;
use LaravelRust\Bridge\Laravel\FrameworkInternals;
use LaravelRust\Bridge\Laravel\State\FlushStaticCaches;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushStaticCachesTest extends LaravelTestCase
{
    private int $onceCalls = 0;

    private function memoised(): int
    {
        return once(fn () => ++$this->onceCalls);
    }

    public function testStrCachesAreEmptied(): void
    {
        $this->bootApp();
        Str::snake('FooBarBaz');
        Str::studly('foo_bar_baz');
        Str::camel('foo_bar_baz');
        foreach (['snakeCache', 'studlyCache', 'camelCache'] as $cache) {
            self::assertNotSame([], FrameworkInternals::staticProperty(Str::class, $cache)->getValue(), $cache);
        }

        (new FlushStaticCaches())->reset($this->app, null);

        foreach (['snakeCache', 'studlyCache', 'camelCache'] as $cache) {
            self::assertSame([], FrameworkInternals::staticProperty(Str::class, $cache)->getValue(), $cache);
        }
    }

    public function testTheTranslatorsParsedKeysAreEmptied(): void
    {
        $this->bootApp();
        $translator = $this->app['translator'];
        $translator->parseKey('validation.required');
        self::assertNotSame([], FrameworkInternals::get($translator, 'parsed'));

        (new FlushStaticCaches())->reset($this->app, null);

        self::assertSame([], FrameworkInternals::get($translator, 'parsed'));
    }

    public function testOnceValuesAreForgotten(): void
    {
        $this->bootApp();
        self::assertSame(1, $this->memoised());
        self::assertSame(1, $this->memoised());

        (new FlushStaticCaches())->reset($this->app, null);

        self::assertSame(2, $this->memoised());
    }
}
