<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

use LaravelRust\Bridge\Support\StderrLog;

/**
 * The fatal-exit hook: when the process ends in the middle of a request (the app called exit()
 * or dd(), or hit a fatal error such as memory exhaustion), Node still gets an ERROR frame with
 * END|WORKER_STOPPING for that request instead of a bare connection drop, and the worker's
 * cleanup (socket file removed) still runs.
 */
final class ExitGuard
{
    /** @var null|array{0:Connection,1:int} */
    private ?array $inFlight = null;
    private bool $armed = true;

    /** @param \Closure():void $cleanup */
    public function __construct(private readonly \Closure $cleanup)
    {
        register_shutdown_function($this->onExit(...));
    }

    public function requestStarted(Connection $connection, int $id): void
    {
        $this->inFlight = [$connection, $id];
    }

    /** The request's last frame is written (or its connection is gone). */
    public function requestEnded(): void
    {
        $this->inFlight = null;
    }

    /** The worker stopped cleanly: nothing left to do at exit. */
    public function disarm(): void
    {
        $this->armed = false;
        $this->inFlight = null;
    }

    private function onExit(): void
    {
        if (!$this->armed) {
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
            StderrLog::error("request {$id}: {$message}");
            try {
                $connection->writeFrames(ResponseWriter::errorFrame($id, $message, FrameCodec::FLAG_END | FrameCodec::FLAG_WORKER_STOPPING));
            } catch (\Throwable) {
                // the connection is gone too: nothing more to tell
            }
        }
        ($this->cleanup)();
    }
}
