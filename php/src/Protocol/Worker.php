<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * The PHP worker loop: listens on its own Unix socket, accepts any number of connections (one per
 * Node thread), multiplexes them with stream_select() and serves one request at a time (Node never
 * sends a worker a second request before the first response's END).
 *
 * Contract with Node (see php/README.md):
 *   env BRIDGE_SOCKET            socket path to listen on (created 0600; a stale file is removed,
 *                                a live one is never stolen: exit 1)
 *   env BRIDGE_MAX_REQUESTS      recycle after this many requests (0 = unlimited)
 *   env BRIDGE_MEMORY_LIMIT_MB   recycle when memory_get_usage(true) exceeds this (0 = none)
 *   env BRIDGE_PARENT_PID        exit when that process dies (checked about once a second)
 *   env BRIDGE_READY_FD          readiness fd (default 3): one line {"ready":true,"pid":N,"socket":"…"}
 *   env BRIDGE_IO_TIMEOUT        seconds a peer may stall inside a frame / stop reading (default 30)
 *   SIGTERM / SIGINT / SIGQUIT   finish the request in progress, then exit 0 (socket unlinked)
 *   stdout of the app            never reaches the socket: logged on stderr as "[stdout] …" lines
 *   exit codes                   0 clean stop (signal, recycling, parent gone); 1 cannot start;
 *                                whatever the app passes to exit() (Node got an ERROR frame first)
 */
final class Worker
{
    /** Select timeout: how often an idle worker checks its parent and its stop flag. */
    private const POLL_SECONDS = 1;

    private string $socketPath;
    private string $appName;
    private int $maxRequests;
    private int $memoryLimitBytes;
    private ?int $parentPid;
    private int $maxPayload;
    private float $ioTimeout;

    /** @var null|resource */
    private $server = null;
    private int $serverKey = 0;
    private int|false $socketInode = false;
    /** @var null|resource */
    private $readyStream = null;

    /** @var array<int, Connection> */
    private array $connections = [];
    /** @var array<int, resource> the select set: server + connections, keyed by resource id */
    private array $readSet = [];

    private Handler $handler;
    private bool $terminable = false;
    private string $helloFrame = '';

    private int $served = 0;
    private bool $stopRequested = false;
    private bool $stopAfterResponse = false;
    private ?int $initialPpid = null;
    private float $nextParentCheck = 0.0;

    private bool $busy = false;
    /** The request in flight, until its last frame is written: [Connection, id]. */
    private ?array $inFlight = null;
    private bool $cleanedUp = false;

    /** @var \Closure(string,int):string */
    private \Closure $outputHandler;
    private int $captureLevel = 0;
    private string $stdoutPending = '';

    /** @var resource */
    private $log;

    public function __construct(
        string $socketPath,
        string $appName = 'plain',
        int $maxRequests = 0,
        int $memoryLimitMb = 0,
        ?int $parentPid = null,
        int $maxPayload = FrameCodec::MAX_PAYLOAD,
        float $ioTimeout = 30.0,
    ) {
        $this->socketPath = $socketPath;
        $this->appName = $appName;
        $this->maxRequests = max(0, $maxRequests);
        $this->memoryLimitBytes = max(0, $memoryLimitMb) * 1024 * 1024;
        $this->parentPid = $parentPid !== null && $parentPid > 0 ? $parentPid : null;
        $this->maxPayload = $maxPayload;
        $this->ioTimeout = $ioTimeout;
        $this->log = \defined('STDERR') ? STDERR : fopen('php://stderr', 'w');
        $this->outputHandler = $this->captureOutput(...);
    }

    /**
     * Reads BRIDGE_SOCKET (falling back to SOCKET_PATH, then /tmp/rust_php_bridge.sock),
     * BRIDGE_MAX_REQUESTS, BRIDGE_MEMORY_LIMIT_MB and BRIDGE_PARENT_PID.
     */
    public static function fromEnv(string $appName): self
    {
        $socket = self::env('BRIDGE_SOCKET') ?? self::env('SOCKET_PATH') ?? '/tmp/rust_php_bridge.sock';

        $ioTimeout = self::env('BRIDGE_IO_TIMEOUT') ?? '30';
        if (!is_numeric($ioTimeout) || (float) $ioTimeout <= 0) {
            throw new \InvalidArgumentException("BRIDGE_IO_TIMEOUT must be a positive number of seconds, got \"{$ioTimeout}\"");
        }

        return new self(
            $socket,
            $appName,
            self::intEnv('BRIDGE_MAX_REQUESTS', 0),
            self::intEnv('BRIDGE_MEMORY_LIMIT_MB', 0),
            self::intEnv('BRIDGE_PARENT_PID', 0) ?: null,
            FrameCodec::MAX_PAYLOAD,
            (float) $ioTimeout,
        );
    }

    private static function env(string $name): ?string
    {
        $value = getenv($name);
        if ($value === false || $value === '') {
            $value = $_SERVER[$name] ?? $_ENV[$name] ?? null;
        }

        return \is_string($value) && $value !== '' ? $value : null;
    }

    private static function intEnv(string $name, int $default): int
    {
        $value = self::env($name);
        if ($value === null) {
            return $default;
        }
        if (!preg_match('/^\s*\d+\s*$/', $value)) {
            throw new \InvalidArgumentException("{$name} must be a non-negative integer, got \"{$value}\"");
        }

        return (int) $value;
    }

    public function socketPath(): string
    {
        return $this->socketPath;
    }

    /**
     * Opens the readiness fd (BRIDGE_READY_FD, default 3) and keeps it until the worker listens.
     * Call it before anything else opens files: when Node did not pass that fd, PHP itself may hold
     * the main script (or, later, any file) at that number, and this must never write into those.
     * Skipped silently when the fd is not open or is the running script.
     */
    public function openReadyChannel(): void
    {
        if ($this->readyStream !== null) {
            return;
        }
        $fd = self::env('BRIDGE_READY_FD') ?? '3';
        if (!ctype_digit($fd) || (int) $fd < 3) {
            return; // "none", "0", ...: no readiness line
        }
        $stream = @fopen('php://fd/'.$fd, 'w');
        if ($stream === false) {
            return;
        }
        $stat = @fstat($stream);
        $script = $_SERVER['SCRIPT_FILENAME'] ?? null;
        $scriptStat = \is_string($script) ? @stat($script) : false;
        if ($stat === false
            || ($scriptStat !== false && $stat['ino'] === $scriptStat['ino'] && $stat['dev'] === $scriptStat['dev'])) {
            @fclose($stream);

            return;
        }
        $this->readyStream = $stream;
    }

    /**
     * Makes sure the socket path can be used: a stale socket file (nobody listening) is removed; a
     * live one, or a path that is not a socket, makes the worker refuse to start.
     *
     * @throws \RuntimeException with a message fit for stderr
     */
    public function claimSocket(): void
    {
        $path = $this->socketPath;
        if (\strlen($path) > 107) {
            throw new \RuntimeException("socket path {$path} is longer than the 107 bytes a Unix socket path allows");
        }
        clearstatcache(true, $path);
        if (!file_exists($path) && !is_link($path)) {
            return;
        }
        if (@filetype($path) !== 'socket') {
            throw new \RuntimeException("{$path} exists and is not a socket; refusing to replace it");
        }
        $errno = 0;
        $errstr = '';
        $probe = @stream_socket_client('unix://'.$path, $errno, $errstr, 1.0);
        if ($probe !== false) {
            fclose($probe);
            throw new \RuntimeException("another process is already listening on {$path}; refusing to take over its socket");
        }
        $refused = \defined('SOCKET_ECONNREFUSED') ? SOCKET_ECONNREFUSED : 111;
        $missing = \defined('SOCKET_ENOENT') ? SOCKET_ENOENT : 2;
        if ($errno !== $refused && $errno !== $missing) {
            throw new \RuntimeException("cannot check the existing socket {$path}: {$errstr} (errno {$errno}); not removing it");
        }
        if (!@unlink($path) && file_exists($path)) {
            throw new \RuntimeException("cannot remove the stale socket {$path}");
        }
        $this->log("removed stale socket {$path}");
    }

    /**
     * Runs the loop until a stop signal, recycling (max requests / memory) or the parent's death.
     *
     * @return int exit code: 0 after a clean stop, 1 when the worker could not start
     */
    public function run(Handler $handler): int
    {
        $this->handler = $handler;
        $this->terminable = $handler instanceof TerminableHandler;
        $this->helloFrame = FrameCodec::encode(
            FrameCodec::HELLO,
            0,
            0,
            json_encode(['protocol' => 1, 'pid' => getmypid(), 'app' => $this->appName], JSON_UNESCAPED_SLASHES)
        );

        try {
            $this->claimSocket();
            $this->listen();
        } catch (\Throwable $e) {
            $this->log('cannot start: '.$e->getMessage());
            $this->closeReadyChannel();

            return 1;
        }

        $this->installSignals();
        register_shutdown_function($this->onProcessExit(...));
        if ($this->parentPid !== null && \function_exists('posix_getppid')) {
            $this->initialPpid = posix_getppid();
            $this->checkParent();
        }
        $this->announceReady();

        try {
            $this->loop();
        } finally {
            $this->shutdown();
        }

        return 0;
    }

    /** Asks the loop to stop after the request in progress (if any). */
    public function stop(): void
    {
        $this->stopRequested = true;
    }

    public function servedCount(): int
    {
        return $this->served;
    }

    private function listen(): void
    {
        $errno = 0;
        $errstr = '';
        $context = stream_context_create(['socket' => ['backlog' => 511]]);
        $oldUmask = umask(0077); // the socket file is created 0600: only this user may connect
        try {
            $server = @stream_socket_server(
                'unix://'.$this->socketPath,
                $errno,
                $errstr,
                STREAM_SERVER_BIND | STREAM_SERVER_LISTEN,
                $context
            );
        } finally {
            umask($oldUmask);
        }
        if ($server === false) {
            $dir = \dirname($this->socketPath);
            $why = !is_dir($dir) ? "directory {$dir} does not exist"
                : ($errstr !== '' ? "{$errstr} (errno {$errno})" : (error_get_last()['message'] ?? 'unknown error'));
            throw new \RuntimeException("cannot listen on {$this->socketPath}: {$why}");
        }
        @chmod($this->socketPath, 0600);
        clearstatcache(true, $this->socketPath);
        $this->socketInode = @fileinode($this->socketPath);
        $this->server = $server;
        $this->serverKey = get_resource_id($server);
        $this->readSet = [$this->serverKey => $server];
    }

    private function announceReady(): void
    {
        $this->openReadyChannel();
        if ($this->readyStream === null) {
            return;
        }
        @fwrite(
            $this->readyStream,
            json_encode(['ready' => true, 'pid' => getmypid(), 'socket' => $this->socketPath], JSON_UNESCAPED_SLASHES)."\n"
        );
        $this->closeReadyChannel();
    }

    private function closeReadyChannel(): void
    {
        if ($this->readyStream !== null) {
            @fclose($this->readyStream);
            $this->readyStream = null;
        }
    }

    private function installSignals(): void
    {
        if (!\function_exists('pcntl_signal')) {
            return;
        }
        pcntl_async_signals(true);
        $onStop = function (int $signal): void {
            if (!$this->stopRequested) {
                $this->log('signal '.$signal.' received: stopping'.($this->busy ? ' after the request in progress' : ''));
            }
            $this->stopRequested = true;
        };
        foreach ([SIGTERM, SIGINT, SIGQUIT] as $signal) {
            pcntl_signal($signal, $onStop); // restart_syscalls: interrupted reads/writes resume
        }
        pcntl_signal(SIGPIPE, SIG_IGN); // a vanished peer is a failed write, not a dead worker
    }

    private function loop(): void
    {
        while (!$this->stopRequested) {
            $read = $this->readSet;
            $write = null;
            $except = null;
            $ready = @stream_select($read, $write, $except, self::POLL_SECONDS);
            if ($ready === false) {
                // Interrupted by a signal (the loop condition sees the stop flag), or a real error.
                $error = error_get_last();
                if (!$this->stopRequested && $error !== null && !str_contains($error['message'], 'Interrupted system call')) {
                    $this->log('stream_select failed: '.$error['message']);
                    error_clear_last();
                    usleep(10000);
                }
                continue;
            }
            if ($ready > 0) {
                foreach ($read as $key => $stream) {
                    if ($key === $this->serverKey) {
                        $this->accept();
                    } elseif (isset($this->connections[$key])) {
                        $this->onReadable($this->connections[$key]);
                    }
                    if ($this->stopRequested) {
                        break;
                    }
                }
            }
            if ($this->parentPid !== null && ($ready === 0 || microtime(true) >= $this->nextParentCheck)) {
                $this->checkParent();
            }
        }
    }

    private function accept(): void
    {
        $stream = @stream_socket_accept($this->server, 0);
        if ($stream === false) {
            return;
        }
        $connection = new Connection($stream, $this->maxPayload, $this->ioTimeout);
        try {
            $connection->writeFrames($this->helloFrame);
        } catch (ConnectionClosed) {
            $connection->close();

            return;
        }
        $this->connections[$connection->key] = $connection;
        $this->readSet[$connection->key] = $stream;
    }

    private function drop(Connection $connection): void
    {
        unset($this->connections[$connection->key], $this->readSet[$connection->key]);
        $connection->close();
    }

    private function onReadable(Connection $connection): void
    {
        try {
            $frame = $connection->readFrame();
            if ($frame === null) {
                $this->drop($connection); // Node closed it: normal when a thread or Node stops

                return;
            }
            [$type, $flags, $id, $payload] = $frame;
            if ($type === FrameCodec::REQUEST_HEAD) {
                $this->serve($connection, $id, $flags, $payload);
            } elseif ($type === FrameCodec::PING) {
                $connection->writeFrames(FrameCodec::encode(
                    FrameCodec::PONG,
                    0,
                    $id,
                    '{"memory":'.memory_get_usage(true).',"requests":'.$this->served.'}'
                ));
            } elseif ($type !== FrameCodec::CANCEL) { // CANCEL while idle: nothing to cancel
                throw new FrameException('FRAME_UNEXPECTED', FrameCodec::typeName($type).' frame from Node while no request is in flight');
            }
        } catch (FrameException $e) {
            $this->log('protocol error on connection '.$connection->key.', closing it: '.$e->getErrorCode().': '.$e->getMessage());
            $this->drop($connection);
        } catch (ConnectionClosed $e) {
            $this->log('connection '.$connection->key.' lost: '.$e->getMessage());
            $this->drop($connection);
        } catch (\Throwable $e) {
            $this->log('unexpected error on connection '.$connection->key.', closing it: '.$this->describe($e, true));
            $this->drop($connection);
        }
    }

    /** Reads REQUEST_BODY frames of request `$id` up to the one with END. */
    private function readBody(Connection $connection, int $id): string
    {
        $parts = [];
        do {
            $frame = $connection->readFrame();
            if ($frame === null) {
                throw new ConnectionClosed("peer closed the connection inside the body of request {$id}");
            }
            if ($frame[2] !== $id) {
                throw new FrameException('FRAME_WRONG_REQUEST_ID', FrameCodec::typeName($frame[0])." frame for request {$frame[2]} while reading the body of request {$id}");
            }
            if ($frame[0] !== FrameCodec::REQUEST_BODY) {
                throw new FrameException('FRAME_UNEXPECTED', FrameCodec::typeName($frame[0])." frame while reading the body of request {$id}");
            }
            $parts[] = $frame[3];
        } while (($frame[1] & FrameCodec::FLAG_END) === 0);

        return \count($parts) === 1 ? $parts[0] : implode('', $parts);
    }

    private function serve(Connection $connection, int $id, int $flags, string $headJson): void
    {
        $body = ($flags & FrameCodec::FLAG_END) !== 0 ? '' : $this->readBody($connection, $id);
        $head = json_decode($headJson, true);
        if (!\is_array($head)) {
            throw new FrameException('FRAME_BAD_PAYLOAD', "REQUEST_HEAD of request {$id} is not a JSON object");
        }
        $request = Request::fromHead($head, $body, $id);
        unset($body, $head);

        // A stop signal arriving now only sets the flag: this request is finished first. (Signals
        // are not blocked: a blocked mask would be inherited by processes the app spawns.)
        $this->busy = true;
        $this->inFlight = [$connection, $id];
        $response = null;
        $error = null;
        $this->beginCapture();
        try {
            $response = $this->handler->handle($request);
        } catch (\Throwable $e) {
            $error = $e;
        }
        $this->endCapture();
        $this->served++;
        unset($request);

        try {
            if ($error === null) {
                $this->respond($connection, $id, $response);
            } else {
                $this->log('request '.$id.' failed: '.$this->describe($error, true));
                $this->sendError($connection, $id, $error);
            }
        } catch (ConnectionClosed $e) {
            $this->log("connection {$connection->key} lost while writing the response to request {$id}: ".$e->getMessage());
            $this->drop($connection);
        } catch (\Throwable $e) {
            // E.g. a header value that cannot become a string: still end the request cleanly.
            $this->log('cannot send the response to request '.$id.': '.$this->describe($e, true));
            try {
                $this->sendError($connection, $id, $e);
            } catch (\Throwable) {
                $this->drop($connection);
            }
        }
        $this->inFlight = null;
        $response = null;

        if ($this->terminable) {
            $this->beginCapture();
            try {
                $this->handler->afterResponse();
            } catch (\Throwable $e) {
                $this->log('after-response step of request '.$id.' failed: '.$this->describe($e, true));
            }
            $this->endCapture();
        }
        $this->busy = false;
        if ($this->stopAfterResponse) {
            $this->stopRequested = true;
        }
    }

    /** Flags for the last frame of a response: END, plus WORKER_STOPPING when this worker recycles now. */
    private function endFlags(): int
    {
        if (($this->maxRequests > 0 && $this->served >= $this->maxRequests)
            || ($this->memoryLimitBytes > 0 && memory_get_usage(true) > $this->memoryLimitBytes)
            || $this->stopRequested) {
            if (!$this->stopAfterResponse) {
                $this->stopAfterResponse = true;
                $this->log(sprintf(
                    'recycling after %d requests (memory %.1f MiB)',
                    $this->served,
                    memory_get_usage(true) / 1048576
                ));
            }

            return FrameCodec::FLAG_END | FrameCodec::FLAG_WORKER_STOPPING;
        }

        return FrameCodec::FLAG_END;
    }

    private function respond(Connection $connection, int $id, Response $response): void
    {
        if ($response->stream === null) {
            $headJson = $this->encodeHead($response->status, $response->headers);
            $connection->writeResponse($id, $headJson, $response->body, $this->endFlags());

            return;
        }

        // Streamed body: head (marked "stream" so Node forwards each chunk as it comes), each sink
        // write as it comes, END when the callback returns. A CANCEL from Node (the client left)
        // is noticed at the next write and stops the producer with StreamCancelled.
        $headJson = $this->encodeHead($response->status, $response->headers, true);
        $connection->writeFrames(FrameCodec::encode(FrameCodec::RESPONSE_HEAD, 0, $id, $headJson));
        $sink = new class ($connection, $id) implements ResponseSink {
            public ?ConnectionClosed $lost = null;
            public bool $cancelled = false;
            private int $written = 0;

            public function __construct(private Connection $connection, private int $id)
            {
            }

            public function write(string $bytes): void
            {
                if ($bytes === '' || $this->lost !== null) {
                    return;
                }
                if ($this->cancelled) {
                    throw new StreamCancelled('the client went away');
                }
                try {
                    if ($this->connection->cancelRequested($this->id)) {
                        $this->cancelled = true;
                        throw new StreamCancelled('the client went away');
                    }
                    $this->connection->writeBody($this->id, $bytes);
                    $this->written += \strlen($bytes);
                } catch (ConnectionClosed $e) {
                    $this->lost = $e; // the producer keeps running; its output is dropped
                }
            }

            public function bytesWritten(): int
            {
                return $this->written;
            }
        };
        $error = null;
        $this->beginCapture();
        try {
            ($response->stream)($sink);
        } catch (\Throwable $e) {
            $error = $e;
        }
        $this->endCapture();
        if ($sink->lost !== null) {
            throw $sink->lost;
        }
        if ($sink->cancelled) {
            $this->log('streamed response to request '.$id.' cancelled by the client after '.$sink->bytesWritten().' bytes');
            $error = null;
        }
        if ($error !== null) {
            $this->log('streamed response to request '.$id.' failed after '.$sink->bytesWritten().' bytes: '.$this->describe($error, true));
            $this->sendError($connection, $id, $error);

            return;
        }
        $connection->writeFrames(FrameCodec::encode(FrameCodec::RESPONSE_BODY, $this->endFlags(), $id, ''));
    }

    private function sendError(Connection $connection, int $id, \Throwable $error): void
    {
        $message = $error::class.': '.$error->getMessage();
        if (\strlen($message) > 300) {
            $message = substr($message, 0, 297).'...';
        }
        $payload = json_encode(
            ['code' => 'APP_ERROR', 'message' => $message],
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE
        );
        $connection->writeFrames(FrameCodec::encode(FrameCodec::ERROR, $this->endFlags(), $id, $payload));
    }

    /**
     * RESPONSE_HEAD JSON. Accepts [[name, value], …] pairs (the documented form) and, leniently,
     * a name => value|list map; every name and value is sent as a string.
     */
    private function encodeHead(int $status, array $headers, bool $stream = false): string
    {
        if ($status < 100 || $status > 999) {
            $this->log("handler returned the invalid status {$status}; sending 500");
            $status = 500;
        }
        $pairs = [];
        foreach ($headers as $name => $value) {
            if (\is_int($name) && \is_array($value)) {
                $pairs[] = [self::headerString($value[0] ?? null), self::headerString($value[1] ?? null)];
            } elseif (\is_array($value)) {
                foreach ($value as $item) {
                    $pairs[] = [(string) $name, self::headerString($item)];
                }
            } else {
                $pairs[] = [(string) $name, self::headerString($value)];
            }
        }

        $head = ['status' => $status, 'headers' => $pairs];
        if ($stream) {
            $head['stream'] = true;
        }

        return json_encode(
            $head,
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE
        );
    }

    private static function headerString(mixed $value): string
    {
        if (\is_string($value)) {
            return $value;
        }
        if (\is_scalar($value) || $value instanceof \Stringable) {
            return (string) $value;
        }

        throw new \UnexpectedValueException('a response header name or value must be a string, got '.get_debug_type($value));
    }

    private function beginCapture(): void
    {
        $this->captureLevel = ob_get_level();
        ob_start($this->outputHandler, 65536);
    }

    /** Closes our output buffer (and any the app left open inside it): their text goes to stderr. */
    private function endCapture(): void
    {
        while (ob_get_level() > $this->captureLevel) {
            if (!@ob_end_flush()) {
                break;
            }
        }
        if ($this->stdoutPending !== '') {
            $this->writeStdout($this->stdoutPending);
            $this->stdoutPending = '';
        }
    }

    /** Output handler: whatever the app echoes becomes "[stdout] …" lines on stderr, never protocol bytes. */
    private function captureOutput(string $buffer, int $phase): string
    {
        if ($buffer === '') {
            return '';
        }
        $text = $this->stdoutPending.$buffer;
        $newline = strrpos($text, "\n");
        if ($newline === false) {
            $this->stdoutPending = $text;
            if (\strlen($text) > 65536) {
                $this->writeStdout($text);
                $this->stdoutPending = '';
            }

            return '';
        }
        $this->stdoutPending = (string) substr($text, $newline + 1);
        $this->writeStdout(substr($text, 0, $newline));

        return '';
    }

    private function writeStdout(string $text): void
    {
        @fwrite($this->log, '[stdout] '.str_replace("\n", "\n[stdout] ", rtrim($text, "\r\n"))."\n");
    }

    private function checkParent(): void
    {
        $this->nextParentCheck = microtime(true) + self::POLL_SECONDS;
        if ($this->parentPid === null || !\function_exists('posix_getppid')) {
            return;
        }
        $ppid = posix_getppid();
        if ($ppid === $this->parentPid) {
            return;
        }
        // Started directly by the parent: being re-parented means it died. Started through an
        // intermediate process (a shell, artisan wrapper): ask whether the parent pid still exists.
        $gone = $this->initialPpid === $this->parentPid
            || (!posix_kill($this->parentPid, 0) && posix_get_last_error() === 3 /* ESRCH */);
        if ($gone) {
            $this->log("parent process {$this->parentPid} is gone; exiting");
            $this->stopRequested = true;
        }
    }

    private function shutdown(): void
    {
        if ($this->cleanedUp) {
            return;
        }
        $this->cleanedUp = true;
        foreach ($this->connections as $connection) {
            $connection->close();
        }
        $this->connections = [];
        $this->readSet = [];
        if ($this->server !== null) {
            @fclose($this->server);
            $this->server = null;
        }
        // Remove the socket file, unless another process has since put its own at that path.
        clearstatcache(true, $this->socketPath);
        if ($this->socketInode !== false && @fileinode($this->socketPath) === $this->socketInode) {
            @unlink($this->socketPath);
        }
        if ($this->terminable) {
            try {
                $this->handler->shutdown();
            } catch (\Throwable $e) {
                $this->log('shutdown step failed: '.$this->describe($e, false));
            }
        }
        $this->log("stopped after {$this->served} requests");
    }

    /**
     * Shutdown function: when the process ends in the middle of a request (the app called exit(),
     * dd(), or hit a fatal error such as memory exhaustion), Node still gets an ERROR frame with
     * WORKER_STOPPING for that request instead of a bare connection drop, and the socket file is
     * removed.
     */
    private function onProcessExit(): void
    {
        if ($this->cleanedUp) {
            return;
        }
        if ($this->inFlight !== null) {
            [$connection, $id] = $this->inFlight;
            $this->inFlight = null;
            $fatal = error_get_last();
            $isFatal = $fatal !== null && ($fatal['type'] & (E_ERROR | E_CORE_ERROR | E_COMPILE_ERROR | E_PARSE | E_USER_ERROR)) !== 0;
            $message = $isFatal
                ? 'fatal error: '.$fatal['message'].' at '.$fatal['file'].':'.$fatal['line']
                : 'the application ended the PHP process (exit() or dd()) during the request';
            $this->log("request {$id}: {$message}");
            try {
                $connection->writeFrames(FrameCodec::encode(
                    FrameCodec::ERROR,
                    FrameCodec::FLAG_END | FrameCodec::FLAG_WORKER_STOPPING,
                    $id,
                    json_encode(['code' => 'APP_ERROR', 'message' => substr($message, 0, 300)], JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE)
                ));
            } catch (\Throwable) {
                // the connection is gone too: nothing more to tell
            }
        }
        $this->shutdown();
    }

    private function describe(\Throwable $e, bool $trace): string
    {
        $text = $e::class.': '.$e->getMessage().' at '.$e->getFile().':'.$e->getLine();
        if ($trace) {
            $text .= "\n".$e->getTraceAsString();
        }
        for ($previous = $e->getPrevious(); $previous !== null; $previous = $previous->getPrevious()) {
            $text .= "\ncaused by ".$previous::class.': '.$previous->getMessage().' at '.$previous->getFile().':'.$previous->getLine();
        }

        return $text;
    }

    public function log(string $message): void
    {
        @fwrite($this->log, '[php-worker '.getmypid().'] '.$message."\n");
    }
}
