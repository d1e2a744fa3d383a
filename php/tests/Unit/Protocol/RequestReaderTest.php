<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Protocol;

use LaravelRust\Bridge\Protocol\ConnectionClosed;
use LaravelRust\Bridge\Protocol\FrameCodec;
use LaravelRust\Bridge\Protocol\FrameException;
use LaravelRust\Bridge\Protocol\Request;
use LaravelRust\Bridge\Protocol\RequestReader;
use LaravelRust\Bridge\Tests\Support\Wire;
use PHPUnit\Framework\TestCase;

/** REQUEST_HEAD (+ REQUEST_BODY frames) off a real socket → Request, and what is refused. */
final class RequestReaderTest extends TestCase
{
    private function readAfter(string $head, int $flags, string $bytesFromNode, bool $closeAfter = false): Request
    {
        [$connection, $peer] = Wire::socketPair(0.5);
        fwrite($peer, $bytesFromNode);
        if ($closeAfter) {
            fclose($peer);
        }

        return RequestReader::read($connection, 5, $flags, $head);
    }

    public function testAHeadWithEndIsARequestWithoutBody(): void
    {
        $r = $this->readAfter(Wire::head([
            'method' => 'POST', 'uri' => '/api/users?page=2&x[]=1',
            'headers' => [['host', 'h:8080'], ['accept', 'a'], ['accept', 'b']],
            'remote_port' => 51234, 'https' => true, 'server_port' => 443,
        ]), FrameCodec::FLAG_END, '');
        self::assertSame(['POST', '/api/users?page=2&x[]=1', '/api/users', 'page=2&x[]=1', '', 5], [$r->method, $r->uri, $r->path, $r->queryString, $r->body, $r->id]);
        self::assertSame(['127.0.0.1', 51234, '127.0.0.1', 443, true, 'HTTP/1.1', 1764138000.5], [$r->remoteAddr, $r->remotePort, $r->serverAddr, $r->serverPort, $r->https, $r->protocol, $r->time]);
        self::assertSame('a', $r->header('Accept'));
        self::assertSame(['a', 'b'], $r->headerValues('ACCEPT'));
        self::assertNull($r->header('cookie'));
    }

    public function testBodyFramesOfTheSameIdAreJoinedUpToEnd(): void
    {
        $frames = FrameCodec::encode(FrameCodec::REQUEST_BODY, 0, 5, 'hello ')
            .FrameCodec::encode(FrameCodec::REQUEST_BODY, 0, 5, '')
            .FrameCodec::encode(FrameCodec::REQUEST_BODY, FrameCodec::FLAG_END, 5, 'world');
        self::assertSame('hello world', $this->readAfter(Wire::head(['method' => 'PUT']), 0, $frames)->body);
    }

    public function testAMissingOptionalFieldGetsItsDefault(): void
    {
        $r = $this->readAfter(json_encode(['method' => 'GET', 'uri' => '/', 'headers' => []]), FrameCodec::FLAG_END, '');
        self::assertSame(['127.0.0.1', 0, 80, false, 'HTTP/1.1'], [$r->remoteAddr, $r->remotePort, $r->serverPort, $r->https, $r->protocol]);
        self::assertGreaterThan(0.0, $r->time);
    }

    public static function refused(): iterable
    {
        $head = Wire::head(['method' => 'POST']);
        yield 'a body frame of another request' => [$head, 0, FrameCodec::encode(FrameCodec::REQUEST_BODY, FrameCodec::FLAG_END, 6, 'zz'), 'FRAME_WRONG_REQUEST_ID'];
        yield 'another frame type inside the body' => [$head, 0, FrameCodec::encode(FrameCodec::PING, 0, 5), 'FRAME_UNEXPECTED'];
        yield 'a head that is not JSON' => ['{nope', FrameCodec::FLAG_END, '', 'FRAME_BAD_PAYLOAD'];
        yield 'a head without a method' => [json_encode(['uri' => '/', 'headers' => []]), FrameCodec::FLAG_END, '', 'FRAME_BAD_PAYLOAD'];
        yield 'headers that are not string pairs' => [json_encode(['method' => 'GET', 'uri' => '/', 'headers' => [['a', 1]]]), FrameCodec::FLAG_END, '', 'FRAME_BAD_PAYLOAD'];
        yield 'a bad body frame header' => [$head, 0, str_repeat("\0", 16), 'FRAME_BAD_MAGIC'];
    }

    /** @dataProvider refused */
    public function testRefuses(string $head, int $flags, string $bytes, string $code): void
    {
        try {
            $this->readAfter($head, $flags, $bytes);
            self::fail("expected {$code}");
        } catch (FrameException $e) {
            self::assertSame($code, $e->getErrorCode(), $e->getMessage());
        }
    }

    public function testNodeLeavingInsideTheBodyIsAClosedConnection(): void
    {
        $this->expectException(ConnectionClosed::class);
        $this->readAfter(Wire::head(['method' => 'POST']), 0, FrameCodec::encode(FrameCodec::REQUEST_BODY, 0, 5, 'part'), true);
    }

    public function testAPeerStalledInsideAFrameTimesOut(): void
    {
        $started = microtime(true);
        try {
            $this->readAfter(Wire::head(['method' => 'POST']), 0, substr(FrameCodec::encode(FrameCodec::REQUEST_BODY, FrameCodec::FLAG_END, 5, 'abc'), 0, 7));
            self::fail('expected a timeout');
        } catch (ConnectionClosed $e) {
            self::assertStringContainsString('read timed out inside a frame', $e->getMessage());
            self::assertLessThan(2.0, microtime(true) - $started);
        }
    }
}
