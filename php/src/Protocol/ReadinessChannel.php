<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * The readiness fd (BRIDGE_READY_FD, default 3): one line {"ready":true,"pid":N,"socket":"…"}
 * once the worker listens, then closed.
 *
 * Open it before anything else opens files: when Node did not pass that fd, PHP itself may hold
 * the main script (or, later, any file) at that number, and this must never write into those.
 * PHP opens php://fd/N as a dup, so the original fd stays open in the process: Node reads the
 * line, it does not wait for EOF.
 */
final class ReadinessChannel
{
    /** @param null|resource $stream */
    private function __construct(private $stream)
    {
    }

    /** Takes the fd now. Skipped silently when it is null, not open, or the running script. */
    public static function open(?int $fd): self
    {
        if ($fd === null) {
            return new self(null);
        }
        $stream = @fopen('php://fd/'.$fd, 'w');
        if ($stream === false) {
            return new self(null);
        }
        $stat = @fstat($stream);
        $script = $_SERVER['SCRIPT_FILENAME'] ?? null;
        $scriptStat = \is_string($script) ? @stat($script) : false;
        if ($stat === false
            || ($scriptStat !== false && $stat['ino'] === $scriptStat['ino'] && $stat['dev'] === $scriptStat['dev'])) {
            @fclose($stream);

            return new self(null);
        }

        return new self($stream);
    }

    /** Writes the readiness line and closes the channel. */
    public function announce(string $socketPath): void
    {
        if ($this->stream === null) {
            return;
        }
        @fwrite($this->stream, json_encode(['ready' => true, 'pid' => getmypid(), 'socket' => $socketPath], JSON_UNESCAPED_SLASHES)."\n");
        $this->close();
    }

    public function close(): void
    {
        if ($this->stream !== null) {
            @fclose($this->stream);
            $this->stream = null;
        }
    }
}
