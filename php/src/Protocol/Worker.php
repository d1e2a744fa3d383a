<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

use LaravelRust\Bridge\Support\ErrorText;
use LaravelRust\Bridge\Support\StderrLog;

/**
 * The worker loop: accepts any number of connections on its socket (one per Node thread),
 * multiplexes them with stream_select() and serves one request at a time, in order: Node may send
 * requests behind the one in progress (pipelining, often several in one write), each read as soon
 * as the one before is over, with no sleep in between; those waiting behind a streamed response
 * are handed back (Connection::pollDuringResponse). The parts it composes:
 *
 *   WorkerEnvironment  BRIDGE_* settings, read and validated once
 *   ReadinessChannel   the "ready" line on fd 3
 *   SocketListener     the socket file: listen, accept, remove on exit
 *   Signals            SIGTERM/SIGINT/SIGQUIT → stop after the request in progress
 *   ParentWatch        BRIDGE_PARENT_PID → stop when Node is gone
 *   RequestReader      REQUEST_HEAD + REQUEST_BODY frames → Request
 *   ResponseWriter     Response → frames (one chunking loop), ERROR frames
 *   RecyclePolicy      max requests / memory → WORKER_STOPPING on the last frame, then exit
 *   StdoutCapture      the app's echo/print → "[stdout] …" lines on stderr
 *   ExitGuard          exit()/fatal error mid-request → ERROR frame, socket removed
 *
 * Exit codes: 0 clean stop (signal, recycling, parent gone); 1 cannot start; whatever the app
 * passes to exit() (Node got an ERROR frame first).
 */
final class Worker
{
    /** Select timeout: how often an idle worker checks its parent and its stop flag. */
    private const POLL_SECONDS = 1;

    /** How long a stopping worker waits for Node to close its connections (it does at once). */
    private const CLOSE_GRACE_SECONDS = 1.0;

    private SocketListener $listener;
    private RecyclePolicy $recycle;
    private StdoutCapture $capture;
    private ResponseWriter $writer;
    private ?ParentWatch $parent = null;
    private ?ExitGuard $exitGuard = null;

    /** @var array<int, Connection> */
    private array $connections = [];
    /** @var array<int, resource> the select set: listener + connections, keyed by resource id */
    private array $readSet = [];
    private int $listenerKey = 0;

    private Handler $handler;
    private bool $terminable = false;
    private string $helloFrame = '';

    private int $served = 0;
    private bool $busy = false;
    private bool $stopRequested = false;
    private bool $stopAfterResponse = false;
    private bool $cleanedUp = false;

    public function __construct(private readonly WorkerEnvironment $env, private readonly ReadinessChannel $readiness)
    {
        $this->listener = new SocketListener($env->socketPath);
        $this->recycle = new RecyclePolicy($env->maxRequests, $env->memoryLimitMb);
        $this->capture = new StdoutCapture();
        $this->writer = new ResponseWriter($this->capture);
    }

    /**
     * Takes the readiness fd (do this before anything else opens files) and, before a possibly
     * slow boot, fails when the socket path is taken.
     *
     * @throws \RuntimeException with a message fit for the log
     */
    public static function prepare(WorkerEnvironment $env): self
    {
        $readiness = ReadinessChannel::open($env->readyFd);
        try {
            SocketListener::ensurePathFree($env->socketPath);
        } catch (\RuntimeException $e) {
            $readiness->close();

            throw $e;
        }

        return new self($env, $readiness);
    }

    /**
     * Serves until a stop signal, recycling or the parent's death.
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
            json_encode(['protocol' => 3, 'pid' => getmypid(), 'app' => $this->env->app], JSON_UNESCAPED_SLASHES)
        );

        try {
            $this->listener->listen();
        } catch (\Throwable $e) {
            StderrLog::error('cannot start: '.$e->getMessage());
            $this->readiness->close();

            return 1;
        }
        $this->listenerKey = get_resource_id($this->listener->stream());
        $this->readSet = [$this->listenerKey => $this->listener->stream()];

        Signals::onStop(function (int $signal): void {
            if (!$this->stopRequested) {
                StderrLog::info("signal {$signal} received: stopping".($this->busy ? ' after the request in progress' : ''));
            }
            $this->stopRequested = true;
        });
        $this->exitGuard = new ExitGuard($this->shutdown(...));
        if ($this->env->parentPid !== null) {
            $this->parent = new ParentWatch($this->env->parentPid, self::POLL_SECONDS);
            $this->checkParent();
        }
        $this->readiness->announce($this->env->socketPath);

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
                    StderrLog::warning('stream_select failed: '.$error['message']);
                    error_clear_last();
                    usleep(10000);
                }
                continue;
            }
            foreach ($read as $key => $stream) {
                if ($key === $this->listenerKey) {
                    $this->accept();
                } elseif (isset($this->connections[$key])) {
                    $this->onReadable($this->connections[$key]);
                }
                if ($this->stopRequested) {
                    break;
                }
            }
            if ($this->parent !== null && ($ready === 0 || $this->parent->due())) {
                $this->checkParent();
            }
        }
    }

    private function accept(): void
    {
        $stream = $this->listener->accept();
        if ($stream === null) {
            return;
        }
        $connection = new Connection($stream, FrameCodec::MAX_PAYLOAD, $this->env->ioTimeout);
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

    /** One frame from an idle connection: a request, a ping, or a stray CANCEL. */
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
                $this->serve($connection, RequestReader::read($connection, $id, $flags, $payload));
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
            StderrLog::error("protocol error on connection {$connection->key}, closing it: {$e->getErrorCode()}: {$e->getMessage()}");
            $this->drop($connection);
        } catch (ConnectionClosed $e) {
            StderrLog::warning("connection {$connection->key} lost: {$e->getMessage()}");
            $this->drop($connection);
        } catch (\Throwable $e) {
            StderrLog::error("unexpected error on connection {$connection->key}, closing it: ".ErrorText::withTrace($e));
            $this->drop($connection);
        }
    }

    private function serve(Connection $connection, Request $request): void
    {
        $id = $request->id;
        // A stop signal arriving now only sets the flag: this request is finished first.
        $this->busy = true;
        $this->exitGuard->requestStarted($connection, $id);
        $response = null;
        $error = null;
        $this->capture->begin();
        try {
            $response = $this->handler->handle($request);
        } catch (\Throwable $e) {
            $error = $e;
        }
        $this->capture->end();
        $this->served++;
        unset($request);

        try {
            if ($error === null) {
                $this->writer->send($connection, $id, $response, $this->endFlags(...));
            } else {
                StderrLog::error("request {$id} failed: ".ErrorText::withTrace($error));
                $this->writer->sendError($connection, $id, $error, $this->endFlags());
            }
        } catch (ConnectionClosed $e) {
            StderrLog::warning("connection {$connection->key} lost while writing the response to request {$id}: {$e->getMessage()}");
            $this->drop($connection);
        } catch (\Throwable $e) {
            // E.g. a header value that cannot become a string: still end the request cleanly.
            StderrLog::error("cannot send the response to request {$id}: ".ErrorText::withTrace($e));
            try {
                $this->writer->sendError($connection, $id, $e, $this->endFlags());
            } catch (\Throwable) {
                $this->drop($connection);
            }
        }
        $this->exitGuard->requestEnded();
        $response = null;

        if ($this->terminable) {
            $this->capture->begin();
            try {
                $this->handler->afterResponse();
            } catch (\Throwable $e) {
                StderrLog::error("after-response step of request {$id} failed: ".ErrorText::withTrace($e));
            }
            $this->capture->end();
        }
        $this->busy = false;
        if ($this->stopAfterResponse) {
            $this->stopRequested = true;
        }
    }

    /** Flags for the last frame of a response: END, plus WORKER_STOPPING when this worker stops after it. */
    private function endFlags(): int
    {
        $reason = $this->recycle->reason($this->served, memory_get_usage(true));
        if ($reason === null && !$this->stopRequested) {
            return FrameCodec::FLAG_END;
        }
        if (!$this->stopAfterResponse) {
            $this->stopAfterResponse = true;
            if ($reason !== null) {
                StderrLog::info("recycling: {$reason}");
            }
        }

        return FrameCodec::FLAG_END | FrameCodec::FLAG_WORKER_STOPPING;
    }

    private function checkParent(): void
    {
        if ($this->parent !== null && $this->parent->parentGone()) {
            StderrLog::warning("parent process {$this->parent->parentPid()} is gone; exiting");
            $this->stopRequested = true;
        }
    }

    /** Closes everything and removes the socket file; runs once, from run() or from ExitGuard. */
    private function shutdown(): void
    {
        if ($this->cleanedUp) {
            return;
        }
        $this->cleanedUp = true;
        $this->exitGuard?->disarm();
        // Node may have pipelined a request behind the last response: let it read that response
        // and close first, so that it sends the request elsewhere instead of seeing a broken pipe.
        foreach ($this->connections as $connection) {
            $connection->shutdownWrites();
        }
        $deadline = microtime(true) + self::CLOSE_GRACE_SECONDS;
        foreach ($this->connections as $connection) {
            $connection->drainUntilClosed($deadline);
            $connection->close();
        }
        $this->connections = [];
        $this->readSet = [];
        $this->listener->close();
        if ($this->terminable) {
            try {
                $this->handler->shutdown();
            } catch (\Throwable $e) {
                StderrLog::error('shutdown step failed: '.ErrorText::describe($e));
            }
        }
        StderrLog::info("stopped after {$this->served} requests");
    }
}
