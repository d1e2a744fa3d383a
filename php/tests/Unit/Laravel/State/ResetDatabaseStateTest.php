<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Facades\DB;
use LaravelRust\Bridge\Laravel\FrameworkInternals;
use LaravelRust\Bridge\Laravel\State\ResetDatabaseState;
use LaravelRust\Bridge\Laravel\State\RestoreEventListeners;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

/** Read-only on the shared SQLite database: BEGIN (deferred, takes no lock) and SELECTs. */
final class ResetDatabaseStateTest extends LaravelTestCase
{
    public function testAnOpenTransactionIsRolledBackAndReported(): void
    {
        $this->bootApp();
        $step = new ResetDatabaseState($this->app);
        $connection = DB::connection();
        $connection->beginTransaction();
        $connection->beginTransaction();
        self::assertSame(2, $connection->transactionLevel());

        $problem = $step->reset($this->app, null);

        self::assertSame(0, $connection->transactionLevel());
        self::assertIsString($problem);
        self::assertStringContainsString('transaction open', $problem);
        self::assertStringContainsString("'".$connection->getName()."'", $problem);
    }

    public function testNoProblemWithoutATransaction(): void
    {
        $this->bootApp();
        $step = new ResetDatabaseState($this->app);
        DB::select('select 1');

        self::assertNull($step->reset($this->app, null));
    }

    public function testTheQueryLogAndTotalDurationAreEmptied(): void
    {
        $this->bootApp();
        $step = new ResetDatabaseState($this->app);
        $connection = DB::connection();
        $connection->enableQueryLog();
        $connection->select('select 1');
        $connection->select('select 2');
        self::assertCount(2, $connection->getQueryLog());
        self::assertGreaterThan(0, $connection->totalQueryDuration());

        $step->reset($this->app, null);

        self::assertSame([], $connection->getQueryLog());
        self::assertSame(0.0, (float) $connection->totalQueryDuration());
    }

    public function testQueryDurationHandlersAddedByARequestAreDroppedAndBootOnesKept(): void
    {
        $bootRuns = 0;
        $this->bootApp([], static function () use (&$bootRuns): void {
            DB::whenQueryingForLongerThan(0, static function () use (&$bootRuns): void {
                ++$bootRuns;
            });
        });
        $step = new ResetDatabaseState($this->app);
        // whenQueryingForLongerThan() also adds a QueryExecuted listener that indexes the handler
        // list by position: RestoreEventListeners (after this step in StateResetter) removes it.
        // This step alone leaves it, and the next query fails on the dropped index.
        $listeners = new RestoreEventListeners($this->app);
        $connection = DB::connection();
        $requestRuns = 0;
        $connection->whenQueryingForLongerThan(0, static function () use (&$requestRuns): void {
            ++$requestRuns;
        });
        self::assertCount(2, FrameworkInternals::get($connection, 'queryDurationHandlers'));
        $connection->select('select 1');
        self::assertSame([1, 1], [$bootRuns, $requestRuns]);

        $step->reset($this->app, null);
        $listeners->reset($this->app, null);

        self::assertCount(1, FrameworkInternals::get($connection, 'queryDurationHandlers'));
        $connection->select('select 1');
        self::assertSame(2, $bootRuns, 'the boot handler is kept and may run again in the next request');
        self::assertSame(1, $requestRuns, 'the request\'s handler is gone');
    }
}
