<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Protocol;

use LaravelRust\Bridge\Protocol\RecyclePolicy;
use PHPUnit\Framework\TestCase;

final class RecyclePolicyTest extends TestCase
{
    private const MIB = 1048576;

    public function testZeroMeansNoLimit(): void
    {
        self::assertNull((new RecyclePolicy(0, 0))->reason(PHP_INT_MAX, PHP_INT_MAX));
    }

    public function testStopsOnceTheRequestThatReachesTheMaximumIsServed(): void
    {
        $policy = new RecyclePolicy(3, 0);
        self::assertNull($policy->reason(2, 0));
        self::assertSame('served 3 requests (BRIDGE_MAX_REQUESTS=3)', $policy->reason(3, 0));
        self::assertNotNull($policy->reason(4, 0));
    }

    public function testStopsAboveTheMemoryLimitNotAtIt(): void
    {
        $policy = new RecyclePolicy(0, 20);
        self::assertNull($policy->reason(1, 20 * self::MIB));
        self::assertSame('memory 20.5 MiB is over BRIDGE_MEMORY_LIMIT_MB=20', $policy->reason(1, 20 * self::MIB + self::MIB / 2));
    }

    public function testANegativeMemoryLimitIsNoLimit(): void
    {
        self::assertNull((new RecyclePolicy(0, -5))->reason(1, PHP_INT_MAX));
    }
}
