<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Support;

use LaravelRust\Bridge\Support\StderrLog;
use PHPUnit\Framework\TestCase;

/** The worker's log lines: "[php-worker PID] [LEVEL] message", which src/supervisor/php-log-line.ts parses. */
final class StderrLogTest extends TestCase
{
    /** @var resource */
    private $stream;

    protected function setUp(): void
    {
        $this->stream = fopen('php://memory', 'w+');
        StderrLog::redirect($this->stream);
    }

    protected function tearDown(): void
    {
        StderrLog::redirect(null);
    }

    private function written(): string
    {
        rewind($this->stream);

        return (string) stream_get_contents($this->stream);
    }

    public function testEachLevelTagsItsLine(): void
    {
        StderrLog::debug('a detail');
        StderrLog::info('stopped after 3 requests');
        StderrLog::warning('connection 5 lost');
        StderrLog::error('request 2 failed');
        $pid = getmypid();
        self::assertSame(
            "[php-worker {$pid}] [debug] a detail\n"
            ."[php-worker {$pid}] [info] stopped after 3 requests\n"
            ."[php-worker {$pid}] [warning] connection 5 lost\n"
            ."[php-worker {$pid}] [error] request 2 failed\n",
            $this->written()
        );
    }

    public function testEveryLineOfAMultiLineMessageCarriesThePrefix(): void
    {
        StderrLog::error("request 2 failed: RuntimeException: kaboom at /app/x.php:3\n#0 /app/y.php(4): f()\r\n#1 {main}\rlast\n");
        $prefix = '[php-worker '.getmypid().'] [error] ';
        self::assertSame(
            "{$prefix}request 2 failed: RuntimeException: kaboom at /app/x.php:3\n"
            ."{$prefix}#0 /app/y.php(4): f()\n"
            ."{$prefix}#1 {main}\n"
            ."{$prefix}last\n",
            $this->written()
        );
    }
}
