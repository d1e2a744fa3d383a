<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Where a streamed response writes its body. Each write goes out at once as RESPONSE_BODY frames
 * (at most BODY_CHUNK_SIZE bytes each) without END; the worker sends the END frame itself when
 * the stream callback returns.
 */
interface ResponseSink
{
    public function write(string $bytes): void;

    /** Bytes written so far. */
    public function bytesWritten(): int;
}
