<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * What a Handler returns: status, headers as a list of [name, value] pairs (so repeated headers
 * such as Set-Cookie survive), and either a whole body string or a stream callback.
 *
 * When `$stream` is set, the worker sends RESPONSE_HEAD first and then calls
 * `$stream($sink)`; every `$sink->write($bytes)` goes out as RESPONSE_BODY frames at once, and
 * the worker ends the response after the callback returns. `$body` is ignored then.
 */
final class Response
{
    /**
     * @param list<array{0:string,1:string}> $headers
     * @param null|\Closure(ResponseSink):void $stream
     */
    public function __construct(
        public int $status = 200,
        public array $headers = [],
        public string $body = '',
        public ?\Closure $stream = null,
    ) {
    }
}
