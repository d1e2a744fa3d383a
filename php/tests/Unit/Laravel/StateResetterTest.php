<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel;

use Illuminate\Support\Facades\DB;
use Illuminate\Support\Traits\Macroable;
use LaravelRust\Bridge\Laravel\StateResetter;
use LaravelRust\TestProbes\Support\RequestLedger;

/** The steps together, as the adapter runs them after each request. */
final class StateResetterTest extends LaravelTestCase
{
    public function testAFailingStepIsReportedAndTheStepsAfterItStillRun(): void
    {
        $this->bootApp(['app.name' => 'Booted']);
        $resetter = new StateResetter($this->app, $this->placeholder);
        config(['app.name' => 'Changed']);
        $this->app->instance('cookie', new class () {
            public function flushQueuedCookies(): void
            {
                throw new \LogicException('cookie jar on fire');
            }
        });

        $problems = $resetter->afterRequest(null);

        self::assertCount(1, $problems);
        self::assertStringContainsString('state reset step FlushQueuedCookies failed', $problems[0]);
        self::assertStringContainsString('cookie jar on fire', $problems[0]);
        self::assertSame('Booted', config('app.name'), 'RestoreConfiguration (after the failing step) ran');
    }

    public function testAnOpenTransactionIsAProblem(): void
    {
        $this->bootApp();
        $resetter = new StateResetter($this->app, $this->placeholder);
        DB::beginTransaction();

        $problems = $resetter->afterRequest(null);

        self::assertCount(1, $problems);
        self::assertStringContainsString('transaction open', $problems[0]);
        self::assertSame(0, DB::transactionLevel());
    }

    public function testACleanRequestHasNoProblems(): void
    {
        $this->bootApp();
        $resetter = new StateResetter($this->app, $this->placeholder);

        self::assertSame([], $resetter->afterRequest($this->placeholder));
    }

    public function testTheFlushListOfTheConfigIsForgotten(): void
    {
        $this->bootApp();
        $resetter = new StateResetter($this->app, $this->placeholder);
        $ledger = $this->app->make(RequestLedger::class); // listed in laravel-rust.flush by the probe kit

        $resetter->afterRequest(null);

        self::assertNotSame($ledger, $this->app->make(RequestLedger::class));
    }

    public function testTheMacroableClassesOfTheConfigAreCovered(): void
    {
        $this->bootApp(['laravel-rust.macroable' => [ConfiguredMacroable::class]]);
        $resetter = new StateResetter($this->app, $this->placeholder);
        ConfiguredMacroable::macro('perRequest', static fn () => 1);

        $resetter->afterRequest(null);

        self::assertFalse(ConfiguredMacroable::hasMacro('perRequest'));
    }
}

final class ConfiguredMacroable
{
    use Macroable;
}
