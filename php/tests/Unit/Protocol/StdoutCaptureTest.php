<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Protocol;

use LaravelRust\Bridge\Protocol\StdoutCapture;
use PHPUnit\Framework\TestCase;

/** What the app prints becomes "[stdout] …" lines on the log, never output. */
final class StdoutCaptureTest extends TestCase
{
    private function capture(\Closure $app): string
    {
        $log = fopen('php://memory', 'w+');
        $capture = new StdoutCapture($log);
        $level = ob_get_level();
        $capture->begin();
        $app();
        $capture->end();
        self::assertSame($level, ob_get_level(), 'every buffer opened inside is closed');
        rewind($log);

        return (string) stream_get_contents($log);
    }

    public function testWholeLinesArePrefixedAndAnUnfinishedLineIsFlushedAtTheEnd(): void
    {
        self::assertSame(
            "[stdout] stray output line 1\n[stdout] line 2 (continued)\n[stdout] no newline\n",
            $this->capture(static function (): void {
                echo "stray output line 1\nline 2";
                print " (continued)\n";
                echo 'no newline';
            })
        );
    }

    public function testNothingPrintedIsNothingLogged(): void
    {
        self::assertSame('', $this->capture(static function (): void {
        }));
    }

    public function testBuffersTheAppLeftOpenAreClosedAndTheirTextLogged(): void
    {
        self::assertSame("[stdout] inside an unclosed buffer\n", $this->capture(static function (): void {
            ob_start();
            echo "inside an unclosed buffer\n";
        }));
    }

    public function testALineLongerThan64KiBIsLoggedWithoutWaitingForItsEnd(): void
    {
        self::assertSame('[stdout] '.str_repeat('x', 70000)."\n[stdout] rest\n", $this->capture(static function (): void {
            echo str_repeat('x', 70000);
            echo "rest\n";
        }));
    }
}
