<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Protocol\Response;
use LaravelRust\Bridge\Protocol\ResponseSink;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Response as SymfonyResponse;
use Symfony\Component\HttpFoundation\StreamedResponse;

/** Turns the app's Symfony response into the protocol response, as php-fpm would send it. */
final class ResponseFactory
{
    /**
     * Status and headers as pairs: every header value as its own pair, and each cookie as its own
     * Set-Cookie (Cookie::__toString() keeps SameSite, Max-Age and, on Symfony 6.4+,
     * Partitioned). Bodies: a normal response's content; StreamedResponse, BinaryFileResponse
     * (and any response without string content) stream through the worker's sink.
     */
    public static function create(IlluminateRequest $request, SymfonyResponse $response): Response
    {
        $headers = [];
        foreach ($response->headers->allPreserveCaseWithoutCookies() as $name => $values) {
            foreach ($values as $value) {
                $headers[] = [$name, (string) $value];
            }
        }
        foreach ($response->headers->getCookies() as $cookie) {
            $headers[] = ['Set-Cookie', (string) $cookie];
        }
        $status = $response->getStatusCode();
        if (!$response->headers->has('Content-Type') && ($type = self::defaultContentType()) !== null) {
            // PHP's SAPI (php-fpm) sends default_mimetype + default_charset when the app set no
            // Content-Type (Laravel's error pages from the router's exception path have none).
            // Symfony's prepare() clears default_mimetype for 204/304, which skips this.
            $headers[] = ['Content-Type', $type];
        }

        if (!$response instanceof StreamedResponse && !$response instanceof BinaryFileResponse) {
            $content = $response->getContent();
            if (\is_string($content)) {
                return new Response($status, $headers, $content);
            }
        }
        if ($request->getMethod() === 'HEAD') {
            return new Response($status, $headers, '');
        }
        if ($response instanceof BinaryFileResponse && $response->headers->has('X-Sendfile')) {
            return self::handOver($status, $headers, $response);
        }

        return new Response($status, $headers, '', static function (ResponseSink $sink) use ($response): void {
            $level = ob_get_level();
            ob_start(static function (string $buffer) use ($sink): string {
                $sink->write($buffer);

                return '';
            }, 65536);
            try {
                $response->sendContent();
            } finally {
                while (ob_get_level() > $level) {
                    if (!@ob_end_flush()) {
                        break;
                    }
                }
            }
        });
    }

    /**
     * A download the front door sends itself (X-Sendfile, see RequestFactory): the head alone, so
     * the worker is free at once. Except a response that deletes its file after sending it
     * (deleteFileAfterSend(), read by reflection as Symfony has no getter): its file would be gone
     * before Node opened it, so PHP streams it whole (prepare() skipped ranges for X-Sendfile)
     * and then deletes it.
     *
     * @param list<array{0:string,1:string}> $headers
     */
    private static function handOver(int $status, array $headers, BinaryFileResponse $response): Response
    {
        $property = new \ReflectionProperty(BinaryFileResponse::class, 'deleteFileAfterSend');
        if ($property->getValue($response) !== true) {
            return new Response($status, $headers, '');
        }
        $headers = array_values(array_filter($headers, static fn (array $h): bool => strcasecmp($h[0], 'X-Sendfile') !== 0));
        $path = $response->getFile()->getPathname();

        return new Response($status, $headers, '', static function (ResponseSink $sink) use ($path): void {
            $file = fopen($path, 'rb');
            try {
                while ($file !== false && !feof($file)) {
                    $chunk = fread($file, 1 << 20);
                    if ($chunk === false || $chunk === '') {
                        break;
                    }
                    $sink->write($chunk);
                }
            } finally {
                if ($file !== false) {
                    fclose($file);
                }
                @unlink($path);
            }
        });
    }

    /**
     * The Content-Type PHP's SAPI adds to a response without one: `default_mimetype`, plus
     * `; charset=<default_charset>` for text/* types (main/SAPI.c get_default_content_type()).
     * Null when default_mimetype is empty (what Symfony's Response::prepare() sets for 204/304).
     */
    public static function defaultContentType(): ?string
    {
        $mimetype = (string) \ini_get('default_mimetype');
        if ($mimetype === '') {
            return null;
        }
        $charset = (string) \ini_get('default_charset');

        return $charset !== '' && strncasecmp($mimetype, 'text/', 5) === 0 ? "{$mimetype}; charset={$charset}" : $mimetype;
    }
}
