<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Integration;

use LaravelRust\Bridge\Protocol\FrameCodec;
use LaravelRust\Bridge\Tests\Support\WorkerProcess;
use PHPUnit\Framework\TestCase;

/**
 * php/bin/worker.php as a process, over its real socket, in plain mode (tests/fixtures/echo-handler.php):
 * the process contract of php/README.md that the server-level suites (test/*.test.ts) do not reach,
 * because Node never sends the worker bad frames or starts it on a taken path.
 */
final class WorkerProcessTest extends TestCase
{
    private const END = FrameCodec::FLAG_END;
    private const STOP = FrameCodec::FLAG_END | FrameCodec::FLAG_WORKER_STOPPING;

    private string $dir;
    /** @var list<WorkerProcess> */
    private array $workers = [];

    protected function setUp(): void
    {
        $this->dir = sys_get_temp_dir().'/bridge-worker-'.getmypid().'-'.bin2hex(random_bytes(3));
        mkdir($this->dir, 0700);
    }

    protected function tearDown(): void
    {
        foreach ($this->workers as $worker) {
            $worker->stop();
        }
        foreach (glob($this->dir.'/*') ?: [] as $file) {
            @unlink($file);
        }
        @rmdir($this->dir);
    }

    private function start(array $env = [], string $name = 'w.sock', bool $readyFd = true): WorkerProcess
    {
        $worker = new WorkerProcess($this->dir.'/'.$name, $env + [
            'BRIDGE_APP' => 'plain',
            'BRIDGE_HANDLER' => __DIR__.'/../fixtures/echo-handler.php',
            'BRIDGE_PARENT_PID' => (string) getmypid(),
        ], $readyFd);
        $this->workers[] = $worker;

        return $worker;
    }

    private function startReady(array $env = []): WorkerProcess
    {
        $worker = $this->start($env);
        self::assertNotNull($worker->waitReady(), $worker->stderr);

        return $worker;
    }

    private static function json(array $frames): array
    {
        return json_decode(implode('', array_column(\array_slice($frames, 1), 'payload')), true);
    }

    public function testAnnouncesReadinessGreetsEachConnectionAndServesOnA0600Socket(): void
    {
        $worker = $this->start();
        $ready = $worker->waitReady();
        self::assertSame(['ready' => true, 'pid' => $worker->pid(), 'socket' => $worker->socket], $ready);
        self::assertSame(0600, fileperms($worker->socket) & 0777);
        $a = $worker->connect($hello);
        self::assertSame(['protocol' => 3, 'pid' => $worker->pid(), 'app' => 'plain'], $hello);
        $b = $worker->connect();
        $body = random_bytes(2 * 1048576 + 123);
        $echo = self::json(WorkerProcess::request($a, 1, ['method' => 'POST', 'uri' => '/upload?x=1'], $body));
        self::assertSame(['POST', '/upload', 'x=1', \strlen($body), sha1($body)], [$echo['method'], $echo['path'], $echo['query'], $echo['body_length'], $echo['body_sha1']]);
        self::assertSame('/b', self::json(WorkerProcess::request($b, 1, ['uri' => '/b']))['path']);
        fwrite($b, FrameCodec::encode(FrameCodec::PING, 0, 2));
        $pong = WorkerProcess::readFrame($b);
        self::assertSame([FrameCodec::PONG, 2, 2], [$pong['type'], $pong['id'], json_decode($pong['payload'], true)['requests']]);
        fwrite($b, FrameCodec::encode(FrameCodec::CANCEL, 0, 99)); // while idle: ignored
        self::assertSame('/after-cancel', self::json(WorkerProcess::request($b, 3, ['uri' => '/after-cancel']))['path']);

        $worker->signal(SIGTERM);
        self::assertSame(0, $worker->waitExit());
        self::assertFileDoesNotExist($worker->socket);
        self::assertSame('', $worker->stdout);
    }

    public function testAppOutputFailuresAndUnencodableResponsesStayOffTheWireAndOutOfOtherRequests(): void
    {
        $worker = $this->startReady();
        $c = $worker->connect();
        $out = WorkerProcess::request($c, 1, ['uri' => '/stdout']);
        self::assertSame('after stdout', $out[1]['payload']);
        $thrown = WorkerProcess::request($c, 2, ['uri' => '/throw']);
        self::assertSame([FrameCodec::ERROR, self::END], [$thrown[0]['type'], $thrown[0]['flags']]);
        self::assertSame(['code' => 'APP_ERROR', 'message' => 'RuntimeException: kaboom secret'], json_decode($thrown[0]['payload'], true));
        $bad = WorkerProcess::request($c, 3, ['uri' => '/bad-header']);
        self::assertSame(FrameCodec::ERROR, $bad[0]['type']);
        self::assertSame('/ok', self::json(WorkerProcess::request($c, 4, ['uri' => '/ok']))['path']);
        usleep(50000);
        $worker->drain();
        self::assertStringContainsString("[stdout] stray output line 1\n", $worker->stderr);
        self::assertStringContainsString("[stdout] line 2 (continued)\n", $worker->stderr);
        self::assertMatchesRegularExpression('/^\[php-worker \d+\] \[error\] request 2 failed: RuntimeException: kaboom secret at \S+\n\[php-worker \d+\] \[error\] #0 /m', $worker->stderr);
    }

    public function testABrokenPeerLosesOnlyItsOwnConnection(): void
    {
        $worker = $this->startReady(['BRIDGE_IO_TIMEOUT' => '0.5']);
        $good = $worker->connect();
        $cases = [
            'FRAME_BAD_MAGIC' => "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            'FRAME_WRONG_REQUEST_ID' => FrameCodec::encode(FrameCodec::REQUEST_HEAD, 0, 5, '{"method":"POST","uri":"/","headers":[]}')
                .FrameCodec::encode(FrameCodec::REQUEST_BODY, self::END, 6, 'zz'),
            'FRAME_BAD_PAYLOAD' => FrameCodec::encode(FrameCodec::REQUEST_HEAD, self::END, 1, '{nope'),
            'FRAME_UNEXPECTED' => FrameCodec::encode(FrameCodec::RESPONSE_BODY, self::END, 1, 'x'),
            'read timed out inside a frame' => substr(FrameCodec::encode(FrameCodec::PING, 0, 1), 0, 7),
        ];
        foreach ($cases as $logged => $bytes) {
            $bad = $worker->connect();
            fwrite($bad, $bytes);
            self::assertTrue(WorkerProcess::closedByWorker($bad), "{$logged}: the connection is closed");
            self::assertSame('/still-alive', self::json(WorkerProcess::request($good, 1, ['uri' => '/still-alive']))['path'], $logged);
            $worker->drain();
            self::assertStringContainsString($logged, $worker->stderr);
        }
    }

    public function testRecyclesAfterMaxRequestsWithWorkerStoppingOnTheLastFrame(): void
    {
        $worker = $this->startReady(['BRIDGE_MAX_REQUESTS' => '3']);
        $c = $worker->connect();
        self::assertSame(self::END, WorkerProcess::request($c, 1)[1]['flags']);
        self::assertSame(self::END, WorkerProcess::request($c, 2, ['uri' => '/empty'])[0]['flags']);
        $third = WorkerProcess::request($c, 3, ['uri' => '/big?bytes=2500000']);
        self::assertSame([0, 0, 0, self::STOP], array_column($third, 'flags'));
        self::assertSame(0, $worker->waitExit());
        self::assertFileDoesNotExist($worker->socket);
        self::assertStringContainsString('recycling: served 3 requests (BRIDGE_MAX_REQUESTS=3)', $worker->stderr);
    }

    public function testRecyclesOnceMemoryPassesTheLimit(): void
    {
        $worker = $this->startReady(['BRIDGE_MEMORY_LIMIT_MB' => '20']);
        $c = $worker->connect();
        $stoppedAt = 0;
        for ($i = 1; $i <= 5 && $stoppedAt === 0; $i++) {
            if (WorkerProcess::request($c, $i, ['uri' => '/memory'])[1]['flags'] === self::STOP) {
                $stoppedAt = $i;
            }
        }
        self::assertGreaterThanOrEqual(1, $stoppedAt);
        self::assertLessThanOrEqual(3, $stoppedAt);
        self::assertSame(0, $worker->waitExit());
    }

    public static function endings(): iterable
    {
        yield 'exit()' => ['/exit', 'the application ended the PHP process'];
        yield 'a fatal error (memory exhausted)' => ['/fatal', 'fatal error: Allowed memory size'];
    }

    /** @dataProvider endings */
    public function testAProcessEndingMidRequestStillEndsTheRequestWithAnError(string $path, string $message): void
    {
        $worker = $this->startReady();
        $c = $worker->connect();
        $frames = WorkerProcess::request($c, 7, ['uri' => $path]);
        self::assertSame([FrameCodec::ERROR, self::STOP, 7], [$frames[0]['type'], $frames[0]['flags'], $frames[0]['id']]);
        self::assertStringContainsString($message, json_decode($frames[0]['payload'], true)['message']);
        self::assertNotNull($worker->waitExit());
        self::assertFileDoesNotExist($worker->socket);
    }

    public function testSigtermMidRequestFinishesTheRequestThenExitsZero(): void
    {
        $worker = $this->startReady();
        $c = $worker->connect();
        fwrite($c, FrameCodec::encode(FrameCodec::REQUEST_HEAD, self::END, 1, json_encode(['method' => 'GET', 'uri' => '/sleep?ms=400', 'headers' => []])));
        usleep(100000);
        $worker->signal(SIGTERM);
        $frames = WorkerProcess::readResponse($c);
        self::assertSame('slept', $frames[1]['payload']);
        self::assertSame(self::STOP, $frames[1]['flags']);
        self::assertSame(0, $worker->waitExit());
        self::assertFileDoesNotExist($worker->socket);
    }

    public function testATakenSocketPathMakesTheWorkerRefuseToStartAndStaysAsItWas(): void
    {
        $live = $this->startReady();
        $second = $this->start(['BRIDGE_SOCKET' => $live->socket]);
        self::assertSame(1, $second->waitExit());
        self::assertStringContainsString("cannot start: another process is already listening on {$live->socket}", $second->stderr);
        self::assertSame('/not-stolen', self::json(WorkerProcess::request($live->connect(), 1, ['uri' => '/not-stolen']))['path']);

        file_put_contents($this->dir.'/regular', 'data');
        $onFile = $this->start([], 'regular');
        self::assertSame(1, $onFile->waitExit());
        self::assertStringContainsString('exists and is not a socket', $onFile->stderr);
        self::assertStringEqualsFile($this->dir.'/regular', 'data');
    }

    public function testStartsWithoutAReadinessFd(): void
    {
        $worker = $this->start([], 'w.sock', false);
        self::assertNotNull($worker->waitReady());
        self::assertSame('/no-fd3', self::json(WorkerProcess::request($worker->connect(), 1, ['uri' => '/no-fd3']))['path']);
    }

    public function testExitsWhenItsParentIsGone(): void
    {
        $worker = $this->startReady(['BRIDGE_PARENT_PID' => '999999999']);
        self::assertSame(0, $worker->waitExit(3.0));
        self::assertStringContainsString('parent process 999999999 is gone; exiting', $worker->stderr);
        self::assertFileDoesNotExist($worker->socket);
    }

    public static function badStarts(): iterable
    {
        yield 'an invalid number' => [['BRIDGE_MAX_REQUESTS' => 'lots'], 'cannot start: BRIDGE_MAX_REQUESTS must be a non-negative integer, got "lots"'];
        yield 'a missing handler file' => [['BRIDGE_HANDLER' => '/nonexistent/missing.php'], 'cannot load the handler /nonexistent/missing.php'];
    }

    /** @dataProvider badStarts */
    public function testABadConfigurationExitsOneWithAMessage(array $env, string $message): void
    {
        $worker = $this->start($env);
        self::assertSame(1, $worker->waitExit());
        self::assertStringContainsString($message, $worker->stderr);
        self::assertSame('', $worker->stdout);
    }
}
