<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * One HTTP request as Node received it (the REQUEST_HEAD JSON plus the body). A plain value object:
 * the protocol layer knows nothing of Laravel. The body is in $body (REQUEST_BODY frames), in
 * $bodyFile (a large body Node wrote to disk), or parsed by Node into $form (multipart).
 */
final class Request
{
    /**
     * @param list<array{0:string,1:string}> $headers lower-case names, arrival order, repeats kept
     */
    public function __construct(
        public readonly string $method,
        /** Request target exactly as received: path, then `?` and the raw query when present. */
        public readonly string $uri,
        public readonly string $path,
        /** Raw query string without the `?` ('' when none). */
        public readonly string $queryString,
        public readonly array $headers,
        public readonly string $body,
        public readonly string $remoteAddr = '127.0.0.1',
        public readonly int $remotePort = 0,
        public readonly string $serverAddr = '127.0.0.1',
        public readonly int $serverPort = 80,
        public readonly bool $https = false,
        public readonly string $protocol = 'HTTP/1.1',
        /** Arrival time in seconds since the epoch (REQUEST_TIME_FLOAT). */
        public readonly float $time = 0.0,
        /** The frame request id (unique per connection, never 0). */
        public readonly int $id = 0,
        /** Bytes of body the client sent, however it travels (null: strlen($body)). */
        public readonly ?int $bodySize = null,
        /** The body is in this file (Node spooled it; it deletes the file after the request). */
        public readonly ?string $bodyFile = null,
        /**
         * A multipart/form-data body Node parsed: ['fields' => [[name, value], ...],
         * 'files' => [[name, ['name', 'type', 'tmp_name', 'error', 'size']], ...]].
         *
         * @var null|array{fields: list<array{0:string,1:string}>, files: list<array{0:string,1:array<string,mixed>}>}
         */
        public readonly ?array $form = null,
    ) {
    }

    /**
     * Builds a request from a decoded REQUEST_HEAD payload. Throws FrameException
     * FRAME_BAD_PAYLOAD when the head does not have the documented shape.
     */
    public static function fromHead(array $head, string $body, int $id = 0): self
    {
        $method = $head['method'] ?? null;
        $uri = $head['uri'] ?? null;
        $headers = $head['headers'] ?? [];
        if (!\is_string($method) || $method === '' || !\is_string($uri) || !\is_array($headers)) {
            throw new FrameException('FRAME_BAD_PAYLOAD', 'REQUEST_HEAD needs string "method" and "uri" and a "headers" list');
        }
        foreach ($headers as $pair) {
            if (!\is_array($pair) || !isset($pair[0], $pair[1]) || !\is_string($pair[0]) || !\is_string($pair[1])) {
                throw new FrameException('FRAME_BAD_PAYLOAD', 'REQUEST_HEAD headers must be [[name, value], ...] string pairs');
            }
        }
        $bodyFile = $head['body_file'] ?? null;
        $form = $head['form'] ?? null;
        if (($bodyFile !== null && !\is_string($bodyFile))
            || ($form !== null && (!\is_array($form) || !\is_array($form['fields'] ?? null) || !\is_array($form['files'] ?? null)))) {
            throw new FrameException('FRAME_BAD_PAYLOAD', 'REQUEST_HEAD "body_file" must be a path and "form" {"fields": [...], "files": [...]}');
        }
        $q = strpos($uri, '?');
        if ($q === false) {
            $path = $uri;
            $query = '';
        } else {
            $path = substr($uri, 0, $q);
            $query = substr($uri, $q + 1);
        }

        return new self(
            $method,
            $uri,
            $path,
            $query,
            $headers,
            $body,
            (string) ($head['remote_addr'] ?? '127.0.0.1'),
            (int) ($head['remote_port'] ?? 0),
            (string) ($head['server_addr'] ?? '127.0.0.1'),
            (int) ($head['server_port'] ?? 80),
            (bool) ($head['https'] ?? false),
            (string) ($head['protocol'] ?? 'HTTP/1.1'),
            (float) ($head['time'] ?? microtime(true)),
            $id,
            isset($head['body_size']) ? (int) $head['body_size'] : null,
            $bodyFile,
            $form,
        );
    }

    /** First value of a header (name matched case-insensitively), or null. */
    public function header(string $name): ?string
    {
        $name = strtolower($name);
        foreach ($this->headers as $pair) {
            if ($pair[0] === $name) {
                return $pair[1];
            }
        }

        return null;
    }

    /** @return list<string> every value of a header, in arrival order */
    public function headerValues(string $name): array
    {
        $name = strtolower($name);
        $values = [];
        foreach ($this->headers as $pair) {
            if ($pair[0] === $name) {
                $values[] = $pair[1];
            }
        }

        return $values;
    }
}
