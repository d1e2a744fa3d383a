<?php

namespace LaravelRust\TestProbes\Support;

/**
 * An in-memory request counter.
 *
 * Bound as a singleton in AppServiceProvider. Its value lives only as long as
 * the PHP process/application instance does, which makes it a cheap probe for
 * "is this worker long-lived?": behind the Node front door the value grows
 * from request to request served by the same worker (see GET /api/pid), while
 * under php-fpm every request boots a fresh application and sees 1.
 */
class Counter
{
    /** @var int */
    private $count = 0;

    public function increment(): int
    {
        return ++$this->count;
    }

    public function value(): int
    {
        return $this->count;
    }
}
