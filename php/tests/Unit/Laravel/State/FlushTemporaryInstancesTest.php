<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Facades\Facade;
use LaravelRust\Bridge\Laravel\State\FlushTemporaryInstances;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushTemporaryInstancesTest extends LaravelTestCase
{
    public function testScopedInstancesAreForgotten(): void
    {
        $this->bootApp();
        $this->app->scoped('probe.scoped', static fn () => new \stdClass());
        $first = $this->app->make('probe.scoped');
        self::assertSame($first, $this->app->make('probe.scoped'));

        (new FlushTemporaryInstances([]))->reset($this->app, null);

        self::assertNotSame($first, $this->app->make('probe.scoped'));
    }

    public function testTheFlushListIsForgottenWithItsFacadeAndTheRestKept(): void
    {
        $this->bootApp();
        $this->app->singleton('probe.flushed', static fn () => new \stdClass());
        $this->app->singleton('probe.kept', static fn () => new \stdClass());
        $flushed = $this->app->make('probe.flushed');
        $kept = $this->app->make('probe.kept');
        self::assertSame($flushed, FlushedFacade::getFacadeRoot());

        (new FlushTemporaryInstances(['probe.flushed']))->reset($this->app, null);

        self::assertNotSame($flushed, $this->app->make('probe.flushed'));
        self::assertNotSame($flushed, FlushedFacade::getFacadeRoot(), 'the facade cache is cleared too');
        self::assertSame($this->app->make('probe.flushed'), FlushedFacade::getFacadeRoot());
        self::assertSame($kept, $this->app->make('probe.kept'));
    }
}

final class FlushedFacade extends Facade
{
    protected static function getFacadeAccessor(): string
    {
        return 'probe.flushed';
    }
}
