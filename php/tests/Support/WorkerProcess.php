<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Support;

use LaravelRust\Bridge\Protocol\FrameCodec;

/** A real php/bin/worker.php process, started as Node's supervisor starts it, and a client for it. */
final class WorkerProcess
{
    /** @var resource */
    private $process;
    /** @var array<int, resource> */
    private array $pipes = [];
    public string $stderr = '';
    public string $stdout = '';
    public ?int $exitCode = null;

    public function __construct(public readonly string $socket, array $env, bool $readyFd = true)
    {
        $spec = [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
        if ($readyFd) {
            $spec[3] = ['pipe', 'w'];
        }
        $this->process = proc_open(
            [PHP_BINARY, '-d', 'display_errors=stderr', __DIR__.'/../../bin/worker.php'],
            $spec,
            $this->pipes,
            null,
            $env + ['BRIDGE_SOCKET' => $socket, 'PATH' => (string) getenv('PATH')]
        );
        foreach ($this->pipes as $pipe) {
            stream_set_blocking($pipe, false);
        }
    }

    public function pid(): int
    {
        return proc_get_status($this->process)['pid'];
    }

    /** The readiness line, or null when the worker exited first. */
    public function waitReady(float $seconds = 10.0): ?array
    {
        $line = '';
        $deadline = microtime(true) + $seconds;
        while (microtime(true) < $deadline) {
            $this->drain();
            if (isset($this->pipes[3])) {
                $line .= (string) fread($this->pipes[3], 4096);
                if (str_contains($line, "\n")) {
                    return json_decode(strstr($line, "\n", true), true);
                }
            } elseif (file_exists($this->socket)) {
                return ['ready' => true];
            }
            if (!$this->running()) {
                return null;
            }
            usleep(10000);
        }

        throw new \RuntimeException("the worker was not ready within {$seconds} s: {$this->stderr}");
    }

    public function running(): bool
    {
        if ($this->exitCode !== null) {
            return false;
        }
        $status = proc_get_status($this->process);
        if ($status['running']) {
            return true;
        }
        $this->exitCode = $status['exitcode'];
        $this->drain();

        return false;
    }

    /** Waits for the exit; returns its code, or null when it is still running after $seconds. */
    public function waitExit(float $seconds = 5.0): ?int
    {
        $deadline = microtime(true) + $seconds;
        while ($this->running()) {
            if (microtime(true) >= $deadline) {
                return null;
            }
            $this->drain();
            usleep(10000);
        }

        return $this->exitCode;
    }

    public function signal(int $signal): void
    {
        proc_terminate($this->process, $signal);
    }

    public function drain(): void
    {
        $this->stdout .= (string) @fread($this->pipes[1], 1 << 20);
        $this->stderr .= (string) @fread($this->pipes[2], 1 << 20);
    }

    public function stop(): void
    {
        if ($this->running()) {
            $this->signal(SIGTERM);
            if ($this->waitExit(5.0) === null) {
                $this->signal(SIGKILL);
                $this->waitExit(2.0);
            }
        }
    }

    /** @return resource a connection whose HELLO was read; the HELLO payload in $hello */
    public function connect(?array &$hello = null)
    {
        $stream = stream_socket_client('unix://'.$this->socket, $errno, $errstr, 2.0);
        if ($stream === false) {
            throw new \RuntimeException("cannot connect to {$this->socket}: {$errstr}");
        }
        stream_set_timeout($stream, 10);
        $frame = self::readFrame($stream);
        $hello = json_decode($frame['payload'], true);

        return $stream;
    }

    /** Sends a request; returns every frame of its response. */
    public static function request($stream, int $id, array $head = [], ?string $body = null): array
    {
        $bytes = FrameCodec::encode(FrameCodec::REQUEST_HEAD, $body === null ? FrameCodec::FLAG_END : 0, $id, Wire::head($head));
        if ($body !== null) {
            foreach (str_split($body, 1048576) ?: [''] as $i => $chunk) {
                $last = ($i + 1) * 1048576 >= \strlen($body);
                $bytes .= FrameCodec::encode(FrameCodec::REQUEST_BODY, $last ? FrameCodec::FLAG_END : 0, $id, $chunk);
            }
        }
        fwrite($stream, $bytes);

        return self::readResponse($stream);
    }

    public static function readResponse($stream): array
    {
        $frames = [];
        do {
            $frame = self::readFrame($stream);
            if ($frame === null) {
                throw new \RuntimeException('the worker closed the connection mid-response');
            }
            $frames[] = $frame;
        } while (($frame['flags'] & FrameCodec::FLAG_END) === 0);

        return $frames;
    }

    /** One frame, or null at EOF. */
    public static function readFrame($stream): ?array
    {
        $header = self::readExactly($stream, 16);
        if ($header === null) {
            return null;
        }
        $h = FrameCodec::decodeHeader($header);
        $h['payload'] = $h['length'] === 0 ? '' : (string) self::readExactly($stream, $h['length']);

        return $h;
    }

    /** True when the worker closed this connection within $seconds. */
    public static function closedByWorker($stream, float $seconds = 3.0): bool
    {
        stream_set_timeout($stream, (int) ceil($seconds));
        $data = @fread($stream, 1);

        return $data === '' && feof($stream);
    }

    private static function readExactly($stream, int $length): ?string
    {
        $data = '';
        while (\strlen($data) < $length) {
            $chunk = fread($stream, $length - \strlen($data));
            if ($chunk === false || $chunk === '') {
                if (feof($stream) || stream_get_meta_data($stream)['timed_out']) {
                    return $data === '' ? null : throw new \RuntimeException('EOF or timeout inside a frame');
                }
                continue;
            }
            $data .= $chunk;
        }

        return $data;
    }
}
