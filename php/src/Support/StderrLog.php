<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Support;

/**
 * The PHP worker's log: messages on stderr as lines "[php-worker PID] [LEVEL] message", which the
 * Node supervisor reads and logs under the worker's id at that level (src/supervisor/php-log-line.ts).
 * LEVEL is one of debug, info, warning, error. A message of several lines (an exception with its
 * trace) becomes several lines, each with the same prefix, so none of them is mistaken for
 * untagged output. stdout is never used (it is not ours).
 *
 * Lines without the prefix on stderr come from elsewhere (the app's own writes, the "[stdout] …"
 * lines of StdoutCapture, PHP's own error text with display_errors=stderr): Node logs them at warn.
 */
final class StderrLog
{
    public const DEBUG = 'debug';
    public const INFO = 'info';
    public const WARNING = 'warning';
    public const ERROR = 'error';

    /** @var null|resource */
    private static $stream = null;

    /** Detail that helps only when looking into the worker. */
    public static function debug(string $message): void
    {
        self::write(self::DEBUG, $message);
    }

    /** The worker's normal life: stops, recycling, a client that left a stream. */
    public static function info(string $message): void
    {
        self::write(self::INFO, $message);
    }

    /** Something is off but the worker serves on: a lost connection, a state reset problem. */
    public static function warning(string $message): void
    {
        self::write(self::WARNING, $message);
    }

    /** A request failed, the worker cannot start, or a protocol error closed a connection. */
    public static function error(string $message): void
    {
        self::write(self::ERROR, $message);
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

    private static function write(string $level, string $message): void
    {
        $prefix = '[php-worker '.getmypid().'] ['.$level.'] ';
        // Every line break Node's line reader splits on (\n, \r\n, a lone \r) starts a prefixed line.
        $text = preg_replace('/\r\n|\r|\n/', "\n".$prefix, rtrim($message, "\r\n")) ?? $message;
        @fwrite(self::$stream ?? STDERR, $prefix.$text."\n");
    }
}
