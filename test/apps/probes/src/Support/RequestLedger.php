<?php

namespace LaravelRust\TestProbes\Support;

/**
 * A singleton that collects per-request notes (GET /state/ledger). It is listed in
 * config/laravel-rust.php's `flush`, so a long-lived worker forgets it after every request and
 * each request starts with an empty one, as under php-fpm. Compare App\Support\Counter, which is
 * not listed and keeps its value across requests.
 */
class RequestLedger
{
    /** @var list<string> */
    private $entries = [];

    public function add(string $entry): void
    {
        $this->entries[] = $entry;
    }

    /** @return list<string> */
    public function all(): array
    {
        return $this->entries;
    }
}
