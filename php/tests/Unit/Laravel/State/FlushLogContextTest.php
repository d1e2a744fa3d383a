<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Log\Context\Repository as ContextRepository;
use Illuminate\Support\Facades\Context;
use Illuminate\Support\Facades\Facade;
use Illuminate\Support\Facades\Log;
use LaravelRust\Bridge\Laravel\FrameworkInternals;
use LaravelRust\Bridge\Laravel\State\FlushLogContext;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class FlushLogContextTest extends LaravelTestCase
{
    public function testChannelContextIsForgotten(): void
    {
        $this->bootApp();
        Log::withContext(['request_id' => 'r-1']);
        $logger = Log::driver();
        self::assertSame(['request_id' => 'r-1'], FrameworkInternals::get($logger, 'context'));

        (new FlushLogContext())->reset($this->app, null);

        self::assertSame([], FrameworkInternals::get($logger, 'context'));
    }

    public function testSharedContextIsForgotten(): void
    {
        $this->bootApp();
        Log::shareContext(['tenant' => 't-1']);
        self::assertSame(['tenant' => 't-1'], Log::sharedContext());

        (new FlushLogContext())->reset($this->app, null);

        self::assertSame([], Log::sharedContext());
        self::assertSame([], FrameworkInternals::get(Log::driver(), 'context'));
    }

    public function testTheContextRepositoryIsFlushed(): void
    {
        $this->bootApp();
        Context::add('trace', 'abc');
        Context::addHidden('secret', 'x');
        self::assertTrue($this->app->resolved(ContextRepository::class));

        (new FlushLogContext())->reset($this->app, null);

        self::assertSame([], Context::all());
        self::assertSame([], Context::allHidden());
    }

    public function testTheContextTheFacadeHoldsIsFlushedWhenOnlyTheFacadeHasIt(): void
    {
        // In a request, Context (a scoped binding) is resolved in the sandbox and cached by the
        // facade; the long-lived application never resolved it. The step runs on the long-lived
        // application before the facades are cleared.
        $this->bootApp();
        $this->app->forgetInstance(ContextRepository::class);
        Facade::clearResolvedInstance(ContextRepository::class);
        $sandbox = clone $this->app;
        Facade::setFacadeApplication($sandbox);
        try {
            Context::add('user', 'u-1');
            $held = Context::getFacadeRoot();
            self::assertArrayNotHasKey(ContextRepository::class, FrameworkInternals::get($this->app, 'instances'), 'only the sandbox and the facade hold it');

            (new FlushLogContext())->reset($this->app, null);

            self::assertSame([], $held->all());
        } finally {
            Facade::clearResolvedInstances();
            Facade::setFacadeApplication($this->app);
        }
    }
}
