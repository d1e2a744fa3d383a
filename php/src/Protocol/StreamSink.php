<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * The ResponseSink a streamed response writes to: each write goes out at once as RESPONSE_BODY
 * frames. Before each write it looks (without blocking) for a CANCEL from Node and then stops the
 * producer with StreamCancelled. A lost connection to Node stops it the same way (and is
 * remembered in $lost): a producer left to run, an endless SSE loop, would never return to the
 * worker's loop, which notices that Node itself is gone and exits.
 */
final class StreamSink implements ResponseSink
{
    public ?ConnectionClosed $lost = null;
    public bool $cancelled = false;
    private int $written = 0;

    public function __construct(
        private readonly Connection $connection,
        private readonly int $id,
        private readonly ResponseWriter $writer,
    ) {
    }

    public function write(string $bytes): void
    {
        if ($bytes === '') {
            return;
        }
        if ($this->lost !== null) {
            throw $this->connectionGone();
        }
        if ($this->cancelled) {
            throw new StreamCancelled('the client went away');
        }
        try {
            if ($this->connection->pollDuringResponse($this->id)) {
                $this->cancelled = true;

                throw new StreamCancelled('the client went away');
            }
            $this->writer->writeBody($this->connection, $this->id, $bytes, 0);
            $this->written += \strlen($bytes);
        } catch (ConnectionClosed $e) {
            $this->lost = $e;

            throw $this->connectionGone();
        }
    }

    private function connectionGone(): StreamCancelled
    {
        return new StreamCancelled('the connection to Node is gone: '.$this->lost?->getMessage());
    }

    public function bytesWritten(): int
    {
        return $this->written;
    }
}
