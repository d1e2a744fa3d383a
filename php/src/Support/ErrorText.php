<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Support;

/** One way to turn an exception into a log line: class, message, file:line, then each cause. */
final class ErrorText
{
    public static function describe(\Throwable $e): string
    {
        $text = self::one($e);
        for ($previous = $e->getPrevious(); $previous !== null; $previous = $previous->getPrevious()) {
            $text .= "\n  caused by ".self::one($previous);
        }

        return $text;
    }

    /** describe(), then the stack trace: for failures inside a request, where the trace is the clue. */
    public static function withTrace(\Throwable $e): string
    {
        return self::describe($e)."\n".$e->getTraceAsString();
    }

    private static function one(\Throwable $e): string
    {
        return \get_class($e).': '.$e->getMessage().' at '.$e->getFile().':'.$e->getLine();
    }
}
