<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Keeps whatever the app echoes or prints out of the protocol: between begin() and end() an
 * output buffer turns it into "[stdout] …" lines on the log stream (stderr), whole lines at a
 * time (a line longer than 64 KiB is cut).
 */
final class StdoutCapture
{
    private const LINE_LIMIT = 65536;

    /** @var resource */
    private $log;
    /** @var \Closure(string,int):string */
    private \Closure $handler;
    private int $level = 0;
    private string $pending = '';

    /** @param null|resource $log where the lines go (default stderr) */
    public function __construct($log = null)
    {
        $this->log = $log ?? (\defined('STDERR') ? STDERR : fopen('php://stderr', 'w'));
        $this->handler = $this->capture(...);
    }

    public function begin(): void
    {
        $this->level = ob_get_level();
        ob_start($this->handler, self::LINE_LIMIT);
    }

    /** Closes our output buffer (and any the app left open inside it): their text goes to the log. */
    public function end(): void
    {
        while (ob_get_level() > $this->level) {
            if (!@ob_end_flush()) {
                break;
            }
        }
        if ($this->pending !== '') {
            $this->write($this->pending);
            $this->pending = '';
        }
    }

    private function capture(string $buffer, int $phase): string
    {
        if ($buffer === '') {
            return '';
        }
        $text = $this->pending.$buffer;
        $newline = strrpos($text, "\n");
        if ($newline === false) {
            $this->pending = $text;
            if (\strlen($text) > self::LINE_LIMIT) {
                $this->write($text);
                $this->pending = '';
            }

            return '';
        }
        $this->pending = (string) substr($text, $newline + 1);
        $this->write(substr($text, 0, $newline));

        return '';
    }

    private function write(string $text): void
    {
        @fwrite($this->log, '[stdout] '.str_replace("\n", "\n[stdout] ", rtrim($text, "\r\n"))."\n");
    }
}
