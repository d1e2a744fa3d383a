<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * When a worker retires itself (BRIDGE_MAX_REQUESTS, BRIDGE_MEMORY_LIMIT_MB): decided after each
 * request, before its last frame is written, so that frame can carry WORKER_STOPPING.
 */
final class RecyclePolicy
{
    private int $memoryLimitBytes;

    public function __construct(private readonly int $maxRequests = 0, int $memoryLimitMb = 0)
    {
        $this->memoryLimitBytes = max(0, $memoryLimitMb) * 1024 * 1024;
    }

    /** Why the worker must stop after `$served` requests at `$memoryBytes` of memory, or null. */
    public function reason(int $served, int $memoryBytes): ?string
    {
        if ($this->maxRequests > 0 && $served >= $this->maxRequests) {
            return "served {$served} requests (BRIDGE_MAX_REQUESTS={$this->maxRequests})";
        }
        if ($this->memoryLimitBytes > 0 && $memoryBytes > $this->memoryLimitBytes) {
            return sprintf('memory %.1f MiB is over BRIDGE_MEMORY_LIMIT_MB=%d', $memoryBytes / 1048576, $this->memoryLimitBytes / 1048576);
        }

        return null;
    }
}
