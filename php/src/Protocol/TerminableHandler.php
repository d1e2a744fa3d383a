<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/** Optional lifecycle for a Handler: see Handler. */
interface TerminableHandler extends Handler
{
    /** Runs after the response of the last handle() was written (or after handle() threw). */
    public function afterResponse(): void;

    /** Runs once when the worker stops (after the last request). */
    public function shutdown(): void;
}
