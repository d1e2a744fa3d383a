<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Support;

use LaravelRust\Bridge\Protocol\Connection;
use LaravelRust\Bridge\Protocol\FrameCodec;

/** Connections for tests: over a socket pair (small exchanges, CANCEL) or a temp stream (big writes). */
final class Wire
{
    /** @return array{0:Connection,1:resource} the connection and the peer's end */
    public static function socketPair(float $ioTimeout = 2.0): array
    {
        [$ours, $peer] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);

        return [new Connection($ours, FrameCodec::MAX_PAYLOAD, $ioTimeout), $peer];
    }

    /** @return array{0:Connection,1:resource} a connection that writes into a php://temp stream */
    public static function tempStream(): array
    {
        $stream = fopen('php://temp', 'w+');

        return [new Connection($stream), $stream];
    }

    /** Every frame written to a temp stream so far. */
    public static function framesOf($stream): array
    {
        rewind($stream);

        return FrameCodec::decodeAll((string) stream_get_contents($stream));
    }

    /** Every frame waiting on the peer's end of a socket pair. */
    public static function framesFromPeer($peer): array
    {
        stream_set_blocking($peer, false);
        $bytes = '';
        while (($chunk = fread($peer, 65536)) !== false && $chunk !== '') {
            $bytes .= $chunk;
        }

        return FrameCodec::decodeAll($bytes);
    }

    /** A REQUEST_HEAD payload with the fields Node sends. */
    public static function head(array $fields = []): string
    {
        return json_encode($fields + [
            'method' => 'GET', 'uri' => '/', 'headers' => [['host', '127.0.0.1:8080']],
            'remote_addr' => '127.0.0.1', 'remote_port' => 50000, 'server_addr' => '127.0.0.1', 'server_port' => 8080,
            'https' => false, 'protocol' => 'HTTP/1.1', 'time' => 1764138000.5,
        ]);
    }
}
