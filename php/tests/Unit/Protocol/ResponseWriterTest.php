<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Protocol;

use LaravelRust\Bridge\Protocol\ConnectionClosed;
use LaravelRust\Bridge\Protocol\FrameCodec;
use LaravelRust\Bridge\Protocol\Response;
use LaravelRust\Bridge\Protocol\ResponseSink;
use LaravelRust\Bridge\Protocol\ResponseWriter;
use LaravelRust\Bridge\Protocol\StdoutCapture;
use LaravelRust\Bridge\Protocol\StreamCancelled;
use LaravelRust\Bridge\Support\StderrLog;
use LaravelRust\Bridge\Tests\Support\Wire;
use PHPUnit\Framework\TestCase;

/** Response → frames: head encoding, chunking, END/WORKER_STOPPING, streams, cancel, errors. */
final class ResponseWriterTest extends TestCase
{
    private const END = FrameCodec::FLAG_END;
    private const STOP = FrameCodec::FLAG_END | FrameCodec::FLAG_WORKER_STOPPING;

    /** @var resource the app's captured output */
    private $log;
    /** @var resource the worker's own log lines */
    private $workerLog;
    private ResponseWriter $writer;

    protected function setUp(): void
    {
        $this->log = fopen('php://memory', 'w+');
        $this->workerLog = fopen('php://memory', 'w+');
        StderrLog::redirect($this->workerLog);
        $this->writer = new ResponseWriter(new StdoutCapture($this->log));
    }

    protected function tearDown(): void
    {
        StderrLog::redirect(null);
    }

    private function workerLog(): string
    {
        rewind($this->workerLog);

        return (string) stream_get_contents($this->workerLog);
    }

    /** @return list<array{0:int,1:int,2:int}> [type, flags, payload length] of each frame */
    private static function shape(array $frames): array
    {
        return array_map(static fn (array $f) => [$f['type'], $f['flags'], $f['length']], $frames);
    }

    private function sendWhole(string $body, int $flags = self::END, array $headers = []): array
    {
        [$connection, $stream] = Wire::tempStream();
        $this->writer->send($connection, 9, new Response(200, $headers, $body), static fn () => $flags);
        $frames = Wire::framesOf($stream);
        foreach ($frames as $f) {
            self::assertSame(9, $f['id']);
        }

        return $frames;
    }

    public function testAnEmptyBodyIsAHeadCarryingEnd(): void
    {
        self::assertSame([[FrameCodec::RESPONSE_HEAD, self::END, 27]], self::shape($this->sendWhole('')));
    }

    public function testABodyThatFitsOneFrameIsHeadPlusOneBodyFrame(): void
    {
        $frames = $this->sendWhole('hello', self::STOP, [['Content-Type', 'text/plain']]);
        self::assertSame([[FrameCodec::RESPONSE_HEAD, 0, 56], [FrameCodec::RESPONSE_BODY, self::STOP, 5]], self::shape($frames));
        self::assertSame('{"status":200,"headers":[["Content-Type","text/plain"]]}', $frames[0]['payload']);
    }

    public function testABigBodyIsCutIntoFramesOfAtMostOneMebibyteWithTheFlagsOnTheLast(): void
    {
        $body = random_bytes(2500000);
        $frames = $this->sendWhole($body, self::STOP);
        self::assertSame([
            [FrameCodec::RESPONSE_HEAD, 0, 27],
            [FrameCodec::RESPONSE_BODY, 0, 1048576],
            [FrameCodec::RESPONSE_BODY, 0, 1048576],
            [FrameCodec::RESPONSE_BODY, self::STOP, 2500000 - 2 * 1048576],
        ], self::shape($frames));
        self::assertSame($body, implode('', array_column(\array_slice($frames, 1), 'payload')));
    }

    public function testABodyOfExactlyOneFrameIsOneBodyFrame(): void
    {
        self::assertSame([[FrameCodec::RESPONSE_HEAD, 0, 27], [FrameCodec::RESPONSE_BODY, self::END, 1048576]], self::shape($this->sendWhole(str_repeat('x', 1048576))));
    }

    public function testBodyFramesOfNothingIsOneEmptyFrame(): void
    {
        $frames = iterator_to_array(ResponseWriter::bodyFrames(3, '', self::END), false);
        self::assertSame([FrameCodec::encode(FrameCodec::RESPONSE_BODY, self::END, 3, '')], $frames);
    }

    public function testHeadersArePairsOrANameToValueMapAndAlwaysStrings(): void
    {
        $stringable = new class () implements \Stringable {
            public function __toString(): string
            {
                return 'str';
            }
        };
        self::assertSame(
            '{"status":201,"headers":[["X-One","1"],["X-Two","a"],["X-Two","b"],["X-Num","5"],["X-S","str"]]}',
            ResponseWriter::encodeHead(201, ['X-One' => '1', 'X-Two' => ['a', 'b'], 'X-Num' => 5, 'X-S' => $stringable])
        );
        self::assertSame('{"status":200,"headers":[["Set-Cookie","a=1"],["Set-Cookie","b=2"]],"stream":true}', ResponseWriter::encodeHead(200, [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']], true));
    }

    public function testAnInvalidStatusBecomes500(): void
    {
        self::assertSame('{"status":500,"headers":[]}', ResponseWriter::encodeHead(42, []));
        self::assertMatchesRegularExpression('/^\[php-worker \d+\] \[warning\] handler returned the invalid status 42; sending 500\n/', $this->workerLog());
    }

    public function testAHeaderThatCannotBeAStringIsRefused(): void
    {
        $this->expectException(\UnexpectedValueException::class);
        ResponseWriter::encodeHead(200, [['X-Bad', ['nested' => 'array']]]);
    }

    public function testAnErrorFrameCarriesClassAndMessageCutTo300Bytes(): void
    {
        [$connection, $stream] = Wire::tempStream();
        $this->writer->sendError($connection, 4, new \RuntimeException(str_repeat('é', 400)), self::STOP);
        [$frame] = Wire::framesOf($stream);
        self::assertSame([FrameCodec::ERROR, self::STOP, 4], [$frame['type'], $frame['flags'], $frame['id']]);
        $error = json_decode($frame['payload'], true);
        self::assertSame('APP_ERROR', $error['code']);
        self::assertStringStartsWith('RuntimeException: éé', $error['message']);
        self::assertStringEndsWith('...', $error['message']);
        self::assertLessThanOrEqual(300, \strlen($error['message']));
    }

    private function sendStream(\Closure $producer, ?string $fromNode = null): array
    {
        [$connection, $peer] = Wire::socketPair();
        if ($fromNode !== null) {
            fwrite($peer, $fromNode);
        }
        $askedForFlags = 0;
        $this->writer->send($connection, 9, new Response(200, [['Content-Type', 'text/plain']], 'ignored', $producer), static function () use (&$askedForFlags) {
            $askedForFlags++;

            return self::STOP;
        });
        self::assertSame(1, $askedForFlags, 'the end flags are asked for once, when the last frame is written');

        return Wire::framesFromPeer($peer);
    }

    public function testAStreamIsAHeadMarkedStreamABodyFramePerWriteThenAnEmptyEndFrame(): void
    {
        $frames = $this->sendStream(static function (ResponseSink $sink): void {
            foreach (['chunk 0', '', 'chunk 1'] as $chunk) {
                $sink->write($chunk);
            }
            echo "printed by the producer\n";
            self::assertSame(14, $sink->bytesWritten());
        });
        self::assertSame([
            [FrameCodec::RESPONSE_HEAD, 0, 70],
            [FrameCodec::RESPONSE_BODY, 0, 7],
            [FrameCodec::RESPONSE_BODY, 0, 7],
            [FrameCodec::RESPONSE_BODY, self::STOP, 0],
        ], self::shape($frames));
        self::assertTrue(json_decode($frames[0]['payload'], true)['stream']);
        rewind($this->log);
        self::assertSame("[stdout] printed by the producer\n", stream_get_contents($this->log));
    }

    public function testAProducerThatThrowsEndsTheStreamWithAnError(): void
    {
        $frames = $this->sendStream(static function (ResponseSink $sink): void {
            $sink->write('partial');

            throw new \LogicException('stream broke');
        });
        self::assertSame([FrameCodec::RESPONSE_HEAD, FrameCodec::RESPONSE_BODY, FrameCodec::ERROR], array_column($frames, 'type'));
        self::assertSame(self::STOP, $frames[2]['flags']);
        self::assertSame('LogicException: stream broke', json_decode($frames[2]['payload'], true)['message']);
        self::assertMatchesRegularExpression('/^\[php-worker \d+\] \[error\] streamed response to request 9 failed after 7 bytes: LogicException: stream broke at \S+:\d+\n\[php-worker \d+\] \[error\] #0 /', $this->workerLog());
    }

    public function testACancelFromNodeStopsTheProducerAtItsNextWriteAndTheStreamEnds(): void
    {
        $writes = 0;
        $frames = $this->sendStream(static function (ResponseSink $sink) use (&$writes): void {
            try {
                while (true) { // an endless server-sent-events loop
                    $sink->write("data: {$writes}\n\n");
                    $writes++;
                }
            } catch (StreamCancelled $e) {
                throw $e; // what a producer that does not catch it would do
            }
        }, FrameCodec::encode(FrameCodec::CANCEL, 0, 9));
        self::assertSame(0, $writes, 'the CANCEL was waiting before the first write');
        self::assertSame([[FrameCodec::RESPONSE_HEAD, 0, 70], [FrameCodec::RESPONSE_BODY, self::STOP, 0]], self::shape($frames));
        self::assertMatchesRegularExpression('/^\[php-worker \d+\] \[info\] streamed response to request 9 cancelled by the client after 0 bytes\n/', $this->workerLog());
    }

    public function testAConnectionLostMidStreamStopsTheProducerAtItsNextWrite(): void
    {
        [$connection, $peer] = Wire::socketPair();
        $writes = 0;
        $producer = static function (ResponseSink $sink) use ($peer, &$writes): void {
            $sink->write('first');
            fclose($peer); // Node is gone (it crashed, or was killed)
            while ($writes < 1000) { // an endless server-sent-events loop, bounded for the test
                $writes++;
                $sink->write("data: {$writes}\n\n");
            }
        };
        try {
            $this->writer->send($connection, 9, new Response(200, [], '', $producer), static fn () => self::END);
            self::fail('the lost connection was not reported');
        } catch (ConnectionClosed) {
            // The worker drops the connection; its loop then sees whether Node itself is gone.
        }
        self::assertLessThanOrEqual(2, $writes, 'the producer ran on after the connection was lost');
    }

    public function testARequestPipelinedBehindAStreamIsHandedBackUnrunBeforeTheHead(): void
    {
        $pipelined = FrameCodec::encode(FrameCodec::REQUEST_HEAD, 0, 10, '{"method":"POST","uri":"/next","headers":[]}')
            .FrameCodec::encode(FrameCodec::REQUEST_BODY, self::END, 10, 'a body that is read and dropped');
        $frames = $this->sendStream(static function (ResponseSink $sink): void {
            $sink->write('chunk');
        }, $pipelined);
        self::assertSame([FrameCodec::ERROR, FrameCodec::RESPONSE_HEAD, FrameCodec::RESPONSE_BODY, FrameCodec::RESPONSE_BODY], array_column($frames, 'type'));
        self::assertSame(10, $frames[0]['id']);
        self::assertSame(self::END, $frames[0]['flags']);
        self::assertSame('RETRY', json_decode($frames[0]['payload'], true)['code']);
        self::assertSame([9, 9, 9], array_column(\array_slice($frames, 1), 'id'));
        self::assertSame('chunk', $frames[2]['payload']);
    }

    public function testARequestPipelinedWhileAStreamRunsIsHandedBackAtTheNextWrite(): void
    {
        [$connection, $peer] = Wire::socketPair();
        $producer = static function (ResponseSink $sink) use ($peer): void {
            $sink->write('first');
            // Node pipelines a request after the stream began (it had not yet read the head).
            fwrite($peer, FrameCodec::encode(FrameCodec::REQUEST_HEAD, self::END, 10, '{"method":"GET","uri":"/next","headers":[]}'));
            $sink->write('second');
        };
        $this->writer->send($connection, 9, new Response(200, [], '', $producer), static fn () => self::END);
        $frames = Wire::framesFromPeer($peer);
        self::assertSame([
            [FrameCodec::RESPONSE_HEAD, 9],
            [FrameCodec::RESPONSE_BODY, 9],
            [FrameCodec::ERROR, 10],
            [FrameCodec::RESPONSE_BODY, 9],
            [FrameCodec::RESPONSE_BODY, 9],
        ], array_map(static fn (array $f) => [$f['type'], $f['id']], $frames));
        self::assertSame('RETRY', json_decode($frames[2]['payload'], true)['code']);
        self::assertSame('second', $frames[3]['payload']);
    }
}
