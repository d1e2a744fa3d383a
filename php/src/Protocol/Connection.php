<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * One accepted Unix-socket connection from a Node thread.
 *
 * Reads are non-blocking: the worker reads only after stream_select() said the socket is
 * readable, so the first read of a frame needs no extra poll() (a blocking PHP socket polls before
 * every recv). Node writes each message in one go, so the rest of a frame follows at once; when
 * it does not, the reader waits for it with stream_select() up to the I/O timeout, and a peer that
 * stalls inside a frame for longer is treated as gone (its connection is closed, the others keep
 * working). Writes try a non-blocking fwrite first and finish a partial write in blocking mode
 * (PHP's C loop: no copies, EINTR handled), bounded by the same timeout.
 */
final class Connection
{
    /** @var resource */
    private $stream;

    private int $maxPayload;

    private float $ioTimeout;

    public readonly int $key;

    /**
     * @param resource $stream
     */
    public function __construct($stream, int $maxPayload = FrameCodec::MAX_PAYLOAD, float $ioTimeout = 30.0)
    {
        $this->stream = $stream;
        $this->maxPayload = $maxPayload;
        $this->ioTimeout = $ioTimeout;
        $this->key = get_resource_id($stream);
        stream_set_blocking($stream, false);
        $seconds = (int) $ioTimeout;
        stream_set_timeout($stream, $seconds, (int) (($ioTimeout - $seconds) * 1e6)); // for blocking writes
        // Fill PHP's read buffer in 64 KiB recv()s (default 8 KiB): big request bodies need fewer syscalls.
        stream_set_chunk_size($stream, 65536);
    }

    /** @return resource */
    public function stream()
    {
        return $this->stream;
    }

    /**
     * Reads exactly one frame: 16 header bytes, then exactly `length` payload bytes.
     *
     * @return null|array{0:int,1:int,2:int,3:string} [type, flags, id, payload]; null when the
     *                                                peer closed cleanly between frames
     *
     * @throws FrameException   on a header that breaks the format
     * @throws ConnectionClosed on EOF or a timeout inside a frame
     */
    public function readFrame(): ?array
    {
        $header = $this->read(16, true);
        if ($header === null) {
            return null;
        }
        $h = FrameCodec::decodeHeader($header, $this->maxPayload);
        $payload = $h['length'] === 0 ? '' : $this->read($h['length'], false);

        return [$h['type'], $h['flags'], $h['id'], $payload];
    }

    /**
     * Reads exactly $length bytes. At a frame boundary ($frameStart), EOF before any byte means
     * a clean close (null).
     *
     * @throws ConnectionClosed
     */
    private function read(int $length, bool $frameStart): ?string
    {
        $data = @fread($this->stream, $length);
        if ($data !== false && \strlen($data) === $length) {
            return $data; // the usual case: the whole thing was there
        }
        $parts = [];
        $got = 0;
        if ($data !== false && $data !== '') {
            $parts[] = $data;
            $got = \strlen($data);
        }
        $deadline = 0.0;
        while ($got < $length) {
            if ($data === false || $data === '') {
                if (feof($this->stream)) {
                    if ($frameStart && $got === 0) {
                        return null;
                    }
                    throw new ConnectionClosed('peer closed the connection inside a frame');
                }
                $now = microtime(true);
                if ($deadline === 0.0) {
                    $deadline = $now + $this->ioTimeout;
                } elseif ($now >= $deadline) {
                    throw new ConnectionClosed("read timed out inside a frame ({$got} of {$length} bytes after {$this->ioTimeout} s)");
                }
                $this->waitReadable($deadline - $now);
            }
            $data = @fread($this->stream, $length - $got);
            if ($data !== false && $data !== '') {
                $parts[] = $data;
                $got += \strlen($data);
                $deadline = 0.0;
            }
        }

        return \count($parts) === 1 ? $parts[0] : implode('', $parts);
    }

    /**
     * Writes all bytes: one non-blocking fwrite when the socket buffer has room (the usual case),
     * else the rest in blocking mode, bounded by the I/O timeout.
     *
     * @throws ConnectionClosed when the peer is gone or the write times out
     */
    public function writeFrames(string $bytes): void
    {
        $length = \strlen($bytes);
        $written = @fwrite($this->stream, $bytes);
        if ($written === $length) {
            return;
        }
        if ($written === false) {
            throw new ConnectionClosed('write failed: '.(error_get_last()['message'] ?? 'peer closed the connection'));
        }
        stream_set_blocking($this->stream, true);
        try {
            $rest = @fwrite($this->stream, substr($bytes, $written));
            if ($rest !== $length - $written) {
                $timedOut = (bool) (stream_get_meta_data($this->stream)['timed_out'] ?? false);
                throw new ConnectionClosed($timedOut
                    ? "write timed out after {$this->ioTimeout} s (the peer stopped reading)"
                    : 'write failed: '.(error_get_last()['message'] ?? 'peer closed the connection'));
            }
        } finally {
            if (\is_resource($this->stream)) {
                stream_set_blocking($this->stream, false);
            }
        }
    }

    /**
     * Reads what Node sent while request $id is being answered, without blocking: true when it
     * is CANCEL for $id (the client left). A request Node pipelined behind $id is handed back
     * unrun (ERROR "RETRY"): $id streams and may never end, so the next one goes to another worker.
     * Any other frame in the middle of a response is a protocol violation.
     *
     * @throws ConnectionClosed|FrameException
     */
    public function pollDuringResponse(int $id): bool
    {
        $cancelled = false;
        while ($this->waitReadable(0.0)) {
            $frame = $this->readFrame();
            if ($frame === null) {
                throw new ConnectionClosed('Node closed the connection during a streamed response');
            }
            [$type, $flags, $frameId] = $frame;
            if ($type === FrameCodec::CANCEL && $frameId === $id) {
                $cancelled = true;
            } elseif ($type === FrameCodec::REQUEST_HEAD && $frameId !== $id) {
                $this->handBack($frameId, $flags);
            } else {
                throw new FrameException('FRAME_UNEXPECTED', sprintf('frame type %d for request %d arrived during streamed response %d', $type, $frameId, $id));
            }
        }

        return $cancelled;
    }

    /** True when bytes (or EOF) are waiting, within $seconds at most (0: a poll that never blocks). */
    private function waitReadable(float $seconds): bool
    {
        $read = [$this->stream];
        $write = $except = null;

        return @stream_select($read, $write, $except, (int) $seconds, (int) (($seconds - (int) $seconds) * 1e6)) === 1;
    }

    /** Reads the rest of pipelined request $id (its body frames, dropped) and answers it ERROR "RETRY" without running it. */
    private function handBack(int $id, int $headFlags): void
    {
        if (($headFlags & FrameCodec::FLAG_END) === 0) {
            RequestReader::readBody($this, $id);
        }
        $this->writeFrames(FrameCodec::encode(
            FrameCodec::ERROR,
            FrameCodec::FLAG_END,
            $id,
            '{"code":"RETRY","message":"pipelined behind a streamed response; not run"}'
        ));
    }

    /**
     * Half-closes: Node reads everything written so far, then sees the end of the stream.
     * Writes it made meanwhile (a request pipelined behind the last response) still land
     * instead of failing with EPIPE, which Node would take for a crash.
     */
    public function shutdownWrites(): void
    {
        if (\is_resource($this->stream)) {
            @stream_socket_shutdown($this->stream, STREAM_SHUT_WR);
        }
    }

    /**
     * After shutdownWrites(): reads and drops what Node still sends until it closes its side
     * (it does as soon as it has read ours), or until $deadline (microtime). A request read here
     * is never run: Node sends it to another worker when the connection closes.
     */
    public function drainUntilClosed(float $deadline): void
    {
        while (\is_resource($this->stream) && !feof($this->stream)) {
            $wait = $deadline - microtime(true);
            if ($wait <= 0) {
                return;
            }
            if ($this->waitReadable($wait)) {
                $data = @fread($this->stream, 65536);
                if ($data === false) {
                    return;
                }
            }
        }
    }

    public function close(): void
    {
        if (\is_resource($this->stream)) {
            @fclose($this->stream);
        }
    }
}
