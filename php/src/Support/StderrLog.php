<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Support;

/**
 * The PHP worker's log: one line per message on stderr, "[php-worker PID] message", which the
 * Node supervisor reads and logs under the worker's id. stdout is never used (it is not ours).
 */
final class StderrLog
{
    /** @var null|resource */
    private static $stream = null;

    public static function write(string $message): void
    {
        @fwrite(self::$stream ?? STDERR, '[php-worker '.getmypid().'] '.$message."\n");
    }

    /**
     * Sends the lines to another stream (tests), or back to stderr with null.
     *
     * @param null|resource $stream
     */
    public static function redirect($stream): void
    {
        self::$stream = $stream;
    }
}
