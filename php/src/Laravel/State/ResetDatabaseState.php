<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * The long-lived database manager's connections: a transaction a request left open is rolled
 * back (it would swallow every later query), the query log and the "records were modified" flag
 * (sticky write connections) are cleared, and the query-duration accounting starts again:
 * the total is zeroed, boot-time DB::whenQueryingForLongerThan() handlers may run again, and
 * handlers a request added are dropped (their listener went with the request's event listeners).
 */
final class ResetDatabaseState implements ResetStep
{
    /** @var array<string, int> connection name => duration handlers it had at boot */
    private array $bootHandlers = [];

    /**
     * Whether RestoreEventListeners can drop the QueryExecuted listener each handler registered:
     * the listener finds its handler by position, so the list is only cut when it is gone too.
     */
    private bool $listenersRestored;

    public function __construct(Application $app)
    {
        $this->listenersRestored = $app->bound('events') && FrameworkInternals::has($app['events'], 'listeners');
        if ($app->resolved('db')) {
            foreach ($app['db']->getConnections() as $name => $connection) {
                $this->bootHandlers[$name] = self::handlerCount($connection);
            }
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        $db = FrameworkInternals::sharedInstance($app, 'db');
        if ($db === null) {
            return null;
        }
        $problem = null;
        foreach ($db->getConnections() as $name => $connection) {
            if ($connection->transactionLevel() > 0) {
                $problem = "the request left a transaction open on database connection '{$name}'; rolled back";
                $connection->rollBack(0);
            }
            $connection->flushQueryLog();
            if (method_exists($connection, 'forgetRecordModificationState')) {
                $connection->forgetRecordModificationState();
            }
            if (method_exists($connection, 'resetTotalQueryDuration')) { // 9.x+
                $keep = $this->bootHandlers[$name] ?? 0;
                if ($this->listenersRestored && self::handlerCount($connection) > $keep) {
                    FrameworkInternals::set($connection, 'queryDurationHandlers', \array_slice(FrameworkInternals::get($connection, 'queryDurationHandlers'), 0, $keep));
                }
                $connection->resetTotalQueryDuration();
                $connection->allowQueryDurationHandlersToRunAgain();
            }
        }

        return $problem;
    }

    private static function handlerCount(object $connection): int
    {
        return FrameworkInternals::has($connection, 'queryDurationHandlers')
            ? \count(FrameworkInternals::get($connection, 'queryDurationHandlers'))
            : 0;
    }
}
