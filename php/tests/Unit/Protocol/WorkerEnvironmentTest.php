<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Protocol;

use LaravelRust\Bridge\Protocol\WorkerEnvironment;
use PHPUnit\Framework\TestCase;

/** BRIDGE_* parsing: defaults, fallbacks, and messages that name the variable. */
final class WorkerEnvironmentTest extends TestCase
{
    public function testDefaults(): void
    {
        $env = WorkerEnvironment::fromArray([], '/srv/app');
        self::assertSame(['/tmp/rust_php_bridge.sock', 'laravel', null, '/srv/app', 0, 0, null, 3, 30.0], [
            $env->socketPath, $env->app, $env->handlerFile, $env->laravelPath, $env->maxRequests,
            $env->memoryLimitMb, $env->parentPid, $env->readyFd, $env->ioTimeout,
        ]);
    }

    public function testEveryVariable(): void
    {
        $env = WorkerEnvironment::fromArray([
            'BRIDGE_SOCKET' => '/run/w1.sock', 'BRIDGE_APP' => 'PLAIN', 'BRIDGE_HANDLER' => '/h.php', 'LARAVEL_PATH' => '/app',
            'BRIDGE_MAX_REQUESTS' => ' 500 ', 'BRIDGE_MEMORY_LIMIT_MB' => '128', 'BRIDGE_PARENT_PID' => '4321',
            'BRIDGE_READY_FD' => '5', 'BRIDGE_IO_TIMEOUT' => '0.5',
        ]);
        self::assertSame(['/run/w1.sock', 'plain', '/h.php', '/app', 500, 128, 4321, 5, 0.5], [
            $env->socketPath, $env->app, $env->handlerFile, $env->laravelPath, $env->maxRequests,
            $env->memoryLimitMb, $env->parentPid, $env->readyFd, $env->ioTimeout,
        ]);
    }

    public function testTheSocketFallsBackToSocketPathAndEmptyMeansUnset(): void
    {
        self::assertSame('/tmp/other.sock', WorkerEnvironment::fromArray(['BRIDGE_SOCKET' => '', 'SOCKET_PATH' => '/tmp/other.sock'])->socketPath);
    }

    public function testParentPidZeroAndReadyFdNoneOrBelowThreeAreOff(): void
    {
        self::assertNull(WorkerEnvironment::fromArray(['BRIDGE_PARENT_PID' => '0'])->parentPid);
        foreach (['none', '2', '0', '-1'] as $fd) {
            self::assertNull(WorkerEnvironment::fromArray(['BRIDGE_READY_FD' => $fd])->readyFd, $fd);
        }
    }

    public static function invalid(): iterable
    {
        yield ['BRIDGE_MAX_REQUESTS', 'lots', 'BRIDGE_MAX_REQUESTS must be a non-negative integer, got "lots"'];
        yield ['BRIDGE_MAX_REQUESTS', '-1', 'BRIDGE_MAX_REQUESTS must be a non-negative integer, got "-1"'];
        yield ['BRIDGE_MEMORY_LIMIT_MB', '1.5', 'BRIDGE_MEMORY_LIMIT_MB must be a non-negative integer, got "1.5"'];
        yield ['BRIDGE_PARENT_PID', 'x', 'BRIDGE_PARENT_PID must be a non-negative integer, got "x"'];
        yield ['BRIDGE_IO_TIMEOUT', '0', 'BRIDGE_IO_TIMEOUT must be a positive number of seconds, got "0"'];
        yield ['BRIDGE_IO_TIMEOUT', 'soon', 'BRIDGE_IO_TIMEOUT must be a positive number of seconds, got "soon"'];
        yield ['BRIDGE_APP', 'symfony', 'BRIDGE_APP must be "laravel" or "plain", got "symfony"'];
        yield ['BRIDGE_SOCKET', '/tmp/'.str_repeat('s', 103), 'is longer than the 107 bytes a Unix socket path allows'];
    }

    /** @dataProvider invalid */
    public function testAnInvalidValueIsRefusedWithAMessageNamingIt(string $name, string $value, string $message): void
    {
        $this->expectException(\InvalidArgumentException::class);
        $this->expectExceptionMessage($message);
        WorkerEnvironment::fromArray([$name => $value]);
    }

    public function testPlainModeNeedsAHandler(): void
    {
        $this->expectExceptionMessage('BRIDGE_APP=plain needs BRIDGE_HANDLER');
        WorkerEnvironment::fromArray(['BRIDGE_APP' => 'plain']);
    }

    public function testFromProcessReadsTheEnvironmentAndOverridesWin(): void
    {
        putenv('BRIDGE_MAX_REQUESTS=7');
        putenv('BRIDGE_SOCKET=/tmp/from-env.sock');
        $_SERVER['BRIDGE_MEMORY_LIMIT_MB'] = '64'; // where Dotenv puts .env values
        try {
            $env = WorkerEnvironment::fromProcess(['BRIDGE_SOCKET' => '/tmp/option.sock', 'BRIDGE_APP' => '']);
            self::assertSame([7, 64, '/tmp/option.sock', 'laravel'], [$env->maxRequests, $env->memoryLimitMb, $env->socketPath, $env->app]);
        } finally {
            putenv('BRIDGE_MAX_REQUESTS');
            putenv('BRIDGE_SOCKET');
            unset($_SERVER['BRIDGE_MEMORY_LIMIT_MB']);
        }
    }
}
