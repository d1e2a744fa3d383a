<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

use LaravelRust\Bridge\Support\ErrorText;
use LaravelRust\Bridge\Support\StderrLog;

/**
 * Turns a handler's Response (or failure) into frames on the connection:
 *
 *   whole body  RESPONSE_HEAD + RESPONSE_BODY frames of at most BODY_CHUNK_SIZE, END on the last;
 *               one write when the body fits one frame; an empty body is RESPONSE_HEAD with END
 *   streamed    RESPONSE_HEAD marked "stream", a body frame per sink write as it comes, then an
 *               empty RESPONSE_BODY with END (or ERROR when the producer throws)
 *   failure     ERROR {"code":"APP_ERROR","message":"Class: message"} (≤ 300 bytes, no trace)
 *
 * The end flags (END, plus WORKER_STOPPING when the worker retires) are asked for at the moment
 * the last frame is written, so a streamed response's memory counts.
 */
final class ResponseWriter
{
    /** Body frames are cut at this size (same as BODY_CHUNK_SIZE in src/codec/messages.ts). */
    public const BODY_CHUNK_SIZE = 1048576;

    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE;

    public function __construct(private readonly StdoutCapture $capture)
    {
    }

    /**
     * @param \Closure():int $endFlags
     *
     * @throws ConnectionClosed when the connection is lost (a stream's producer is stopped at its next write first)
     */
    public function send(Connection $connection, int $id, Response $response, \Closure $endFlags): void
    {
        if ($response->stream !== null) {
            $this->stream($connection, $id, $response, $endFlags);

            return;
        }
        $flags = $endFlags();
        $body = $response->body;
        $head = self::encodeHead($response->status, $response->headers);
        if ($body === '') {
            $connection->writeFrames(FrameCodec::encode(FrameCodec::RESPONSE_HEAD, $flags, $id, $head));
        } elseif (\strlen($body) <= self::BODY_CHUNK_SIZE) {
            $connection->writeFrames(FrameCodec::encode(FrameCodec::RESPONSE_HEAD, 0, $id, $head)
                .FrameCodec::encode(FrameCodec::RESPONSE_BODY, $flags, $id, $body));
        } else {
            // Frame by frame: no copy of a big body into one more string.
            $connection->writeFrames(FrameCodec::encode(FrameCodec::RESPONSE_HEAD, 0, $id, $head));
            $this->writeBody($connection, $id, $body, $flags);
        }
    }

    /** Ends request `$id` with an ERROR frame describing `$error` (class and message only). */
    public function sendError(Connection $connection, int $id, \Throwable $error, int $flags): void
    {
        $connection->writeFrames(self::errorFrame($id, $error::class.': '.$error->getMessage(), $flags));
    }

    /** Writes `$bytes` as RESPONSE_BODY frames; `$lastFlags` go on the last one. */
    public function writeBody(Connection $connection, int $id, string $bytes, int $lastFlags): void
    {
        foreach (self::bodyFrames($id, $bytes, $lastFlags) as $frame) {
            $connection->writeFrames($frame);
        }
    }

    /**
     * The one place a body is cut into frames: RESPONSE_BODY frames of at most BODY_CHUNK_SIZE
     * bytes, `$lastFlags` on the last. An empty body is one empty frame.
     *
     * @return \Generator<int, string>
     */
    public static function bodyFrames(int $id, string $bytes, int $lastFlags): \Generator
    {
        $length = \strlen($bytes);
        if ($length <= self::BODY_CHUNK_SIZE) {
            yield FrameCodec::encode(FrameCodec::RESPONSE_BODY, $lastFlags, $id, $bytes);

            return;
        }
        for ($offset = 0; $offset < $length; $offset += self::BODY_CHUNK_SIZE) {
            $last = $offset + self::BODY_CHUNK_SIZE >= $length;
            yield FrameCodec::encode(FrameCodec::RESPONSE_BODY, $last ? $lastFlags : 0, $id, substr($bytes, $offset, self::BODY_CHUNK_SIZE));
        }
    }

    /** An ERROR frame {"code":"APP_ERROR","message":…} with the message cut to 300 bytes (not inside a UTF-8 character). */
    public static function errorFrame(int $id, string $message, int $flags): string
    {
        if (\strlen($message) > 300) {
            $message = (\function_exists('mb_strcut') ? mb_strcut($message, 0, 297, 'UTF-8') : substr($message, 0, 297)).'...';
        }

        return FrameCodec::encode(FrameCodec::ERROR, $flags, $id, json_encode(['code' => 'APP_ERROR', 'message' => $message], self::JSON_FLAGS));
    }

    /**
     * RESPONSE_HEAD JSON. Accepts [[name, value], …] pairs (the documented form) and, leniently,
     * a name => value|list map; every name and value is sent as a string. A status outside
     * 100..999 becomes 500.
     *
     * @throws \UnexpectedValueException for a header name or value that cannot be a string
     */
    public static function encodeHead(int $status, array $headers, bool $stream = false): string
    {
        if ($status < 100 || $status > 999) {
            StderrLog::warning("handler returned the invalid status {$status}; sending 500");
            $status = 500;
        }
        $pairs = [];
        foreach ($headers as $name => $value) {
            if (\is_int($name) && \is_array($value)) {
                $pairs[] = [self::headerString($value[0] ?? null), self::headerString($value[1] ?? null)];
            } elseif (\is_array($value)) {
                foreach ($value as $item) {
                    $pairs[] = [(string) $name, self::headerString($item)];
                }
            } else {
                $pairs[] = [(string) $name, self::headerString($value)];
            }
        }
        $head = ['status' => $status, 'headers' => $pairs];
        if ($stream) {
            $head['stream'] = true;
        }

        return json_encode($head, self::JSON_FLAGS);
    }

    /**
     * A streamed body: the head (marked "stream" so Node forwards each chunk as it comes), each
     * sink write as it comes, END when the callback returns. A CANCEL from Node (the client left)
     * is noticed at the next write and stops the producer with StreamCancelled.
     *
     * @param \Closure():int $endFlags
     */
    private function stream(Connection $connection, int $id, Response $response, \Closure $endFlags): void
    {
        // Requests Node pipelined behind this one go back now: this stream may never end.
        $cancelled = $connection->pollDuringResponse($id);
        $connection->writeFrames(FrameCodec::encode(FrameCodec::RESPONSE_HEAD, 0, $id, self::encodeHead($response->status, $response->headers, true)));
        $sink = new StreamSink($connection, $id, $this);
        $sink->cancelled = $cancelled;
        $error = null;
        $this->capture->begin();
        try {
            ($response->stream)($sink);
        } catch (\Throwable $e) {
            $error = $e;
        }
        $this->capture->end();
        if ($sink->lost !== null) {
            throw $sink->lost;
        }
        if ($sink->cancelled) {
            StderrLog::info("streamed response to request {$id} cancelled by the client after {$sink->bytesWritten()} bytes");
            $error = null;
        }
        if ($error !== null) {
            StderrLog::error("streamed response to request {$id} failed after {$sink->bytesWritten()} bytes: ".ErrorText::withTrace($error));
            $this->sendError($connection, $id, $error, $endFlags());

            return;
        }
        $this->writeBody($connection, $id, '', $endFlags());
    }

    private static function headerString(mixed $value): string
    {
        if (\is_string($value)) {
            return $value;
        }
        if (\is_scalar($value) || $value instanceof \Stringable) {
            return (string) $value;
        }

        throw new \UnexpectedValueException('a response header name or value must be a string, got '.get_debug_type($value));
    }
}
