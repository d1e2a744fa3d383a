<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * SIGTERM / SIGINT / SIGQUIT ask the worker to stop (after the request in progress); SIGPIPE is
 * ignored (a vanished peer is a failed write, not a dead worker). Needs ext-pcntl; without it the
 * default actions apply.
 *
 * Signals are never blocked during a request: a blocked mask would be inherited by the processes
 * the app spawns. The handler only sets a flag; an idle worker sees it at once because the
 * signal interrupts stream_select().
 */
final class Signals
{
    /** @param \Closure(int):void $onStop */
    public static function onStop(\Closure $onStop): void
    {
        if (!\function_exists('pcntl_signal')) {
            return;
        }
        pcntl_async_signals(true);
        foreach ([SIGTERM, SIGINT, SIGQUIT] as $signal) {
            pcntl_signal($signal, static fn (int $signal) => $onStop($signal)); // restart_syscalls: interrupted reads/writes resume
        }
        pcntl_signal(SIGPIPE, SIG_IGN);
    }
}
