<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Support;

/**
 * The PHP worker's log: one line per message on stderr, "[php-worker PID] message", which the
 * Node supervisor reads and logs under the worker's id. stdout is never used (it is not ours).
 */
final class StderrLog
{
    public static function write(string $message): void
    {
        @fwrite(STDERR, '[php-worker '.getmypid().'] '.$message."\n");
    }
}
