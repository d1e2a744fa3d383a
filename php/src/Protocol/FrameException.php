<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * A frame that breaks src/codec/FRAME.md. The code is exactly one of the TypeScript codec's
 * FrameError codes (FRAME_BAD_MAGIC, FRAME_BAD_VERSION, FRAME_BAD_CHECKSUM, FRAME_UNKNOWN_TYPE,
 * FRAME_BAD_FLAGS, FRAME_PAYLOAD_TOO_LARGE, FRAME_TRUNCATED, FRAME_WRONG_REQUEST_ID,
 * FRAME_UNEXPECTED, FRAME_BAD_PAYLOAD), and the offending header bytes travel with it for the log.
 */
final class FrameException extends \RuntimeException
{
    private string $errorCode;

    public function __construct(string $errorCode, string $message, string $raw = '')
    {
        $this->errorCode = $errorCode;
        parent::__construct($message.($raw === '' ? '' : ' (bytes: '.bin2hex(substr($raw, 0, 32)).')'));
    }

    public function getErrorCode(): string
    {
        return $this->errorCode;
    }
}
