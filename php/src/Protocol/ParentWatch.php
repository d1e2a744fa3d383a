<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * BRIDGE_PARENT_PID: notices that the process that started the worker is gone (Node was killed
 * with SIGKILL), so an orphaned worker does not serve a socket nobody uses. Checked at most about
 * once per interval. Needs ext-posix; without it the parent is never seen as gone.
 */
final class ParentWatch
{
    private ?int $initialPpid;
    private float $nextCheck = 0.0;

    public function __construct(private readonly int $parentPid, private readonly float $interval = 1.0)
    {
        $this->initialPpid = \function_exists('posix_getppid') ? posix_getppid() : null;
    }

    public function due(): bool
    {
        return microtime(true) >= $this->nextCheck;
    }

    public function parentGone(): bool
    {
        $this->nextCheck = microtime(true) + $this->interval;
        if (!\function_exists('posix_getppid')) {
            return false;
        }
        if (posix_getppid() === $this->parentPid) {
            return false;
        }

        // Started directly by the parent: being re-parented means it died. Started through an
        // intermediate process (a shell, artisan wrapper): ask whether the parent pid still exists.
        return $this->initialPpid === $this->parentPid
            || (!posix_kill($this->parentPid, 0) && posix_get_last_error() === 3 /* ESRCH */);
    }

    public function parentPid(): int
    {
        return $this->parentPid;
    }
}
