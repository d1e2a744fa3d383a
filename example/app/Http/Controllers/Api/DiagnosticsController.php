<?php

namespace App\Http\Controllers\Api;

use App\Http\Controllers\Controller;
use App\Support\Counter;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\Response;
use Illuminate\Http\UploadedFile;
use RuntimeException;

/**
 * Deterministic endpoints used by the end-to-end and differential tests of
 * the Node front door. Each one isolates one aspect of the HTTP/worker
 * plumbing (request mapping, response headers, large bodies, errors,
 * timeouts, worker identity and lifetime, stray output).
 */
class DiagnosticsController extends Controller
{
    /** Pattern repeated to build the GET /api/big body. */
    private const BIG_PATTERN = 'abcdefghijklmnopqrstuvwxyz0123456789';

    /** Upper bound for GET /api/big?bytes=N (64 MiB). */
    private const BIG_MAX_BYTES = 67108864;

    /** Upper bound for GET /api/sleep?ms=N (5 minutes). */
    private const SLEEP_MAX_MS = 300000;

    /** $_SERVER keys reported by GET|ANY /api/echo. */
    private const SERVER_KEYS = [
        'REQUEST_URI',
        'QUERY_STRING',
        'SERVER_NAME',
        'SERVER_PORT',
        'HTTPS',
        'REMOTE_ADDR',
        'CONTENT_TYPE',
        'CONTENT_LENGTH',
        'REQUEST_METHOD',
        'SERVER_PROTOCOL',
    ];

    /**
     * GET /api/ping — the benchmark route: no DB, no session, no cookies.
     */
    public function ping(): JsonResponse
    {
        return response()->json(['pong' => true]);
    }

    /**
     * ANY /api/echo — describe the request exactly as Laravel sees it.
     */
    public function echo(Request $request): JsonResponse
    {
        $body = $request->getContent();

        $server = [];
        foreach (self::SERVER_KEYS as $key) {
            $server[$key] = $request->server($key);
        }

        return response()->json([
            'method' => $request->method(),
            'path' => $request->path(),
            'url' => $request->url(),
            'full_url' => $request->fullUrl(),
            // Maps are cast to objects so that they encode as {} even when
            // empty (or when PHP would otherwise see a list).
            'query' => (object) $request->query(),
            'input' => (object) $request->all(),
            'files' => (object) $this->describeFiles($request->allFiles()),
            'cookies' => (object) $request->cookies->all(),
            'headers' => (object) $request->headers->all(),
            'body' => [
                'length' => strlen($body),
                'sha1' => sha1($body),
            ],
            'ip' => $request->ip(),
            'secure' => $request->secure(),
            'server' => $server,
        ]);
    }

    /**
     * GET /api/headers — custom, repeated and cookie response headers.
     */
    public function headers(Request $request): Response
    {
        $response = response("headers\n", 200, [
            'Content-Type' => 'text/plain; charset=UTF-8',
            'X-Echo' => (string) $request->header('X-Test', ''),
        ]);

        // A header with two values is sent as two separate header lines.
        $response->headers->set('X-Multi', ['one', 'two']);

        // The api group has no EncryptCookies middleware, so values stay plain.
        return $response
            ->withCookie(cookie('a', '1', 0, '/', null, false, true, false, 'lax'))
            ->withCookie(cookie('b', '2', 0, '/', null, false, true, false, 'lax'));
    }

    /**
     * GET /api/big?bytes=N — exactly N bytes of text/plain (default 2 MiB).
     */
    public function big(Request $request): Response
    {
        $bytes = $this->intQuery($request, 'bytes', 2097152, 0, self::BIG_MAX_BYTES);

        $body = substr(
            str_repeat(self::BIG_PATTERN, intdiv($bytes, strlen(self::BIG_PATTERN)) + 1),
            0,
            $bytes
        );

        return response($body, 200, ['Content-Type' => 'text/plain; charset=UTF-8']);
    }

    /**
     * POST /api/upload-size — length and sha1 of the raw request body.
     */
    public function uploadSize(Request $request): JsonResponse
    {
        $body = $request->getContent();

        return response()->json([
            'length' => strlen($body),
            'sha1' => sha1($body),
            'content_type' => $request->header('Content-Type'),
        ]);
    }

    /**
     * GET /api/boom — an unhandled exception. With APP_DEBUG=false the client
     * must get a bare 500 (no message, no trace); the log gets the details.
     */
    public function boom(): void
    {
        throw new RuntimeException('boom: secret detail');
    }

    /**
     * GET /api/sleep?ms=N — block the worker for N milliseconds.
     */
    public function sleep(Request $request): JsonResponse
    {
        $ms = $this->intQuery($request, 'ms', 0, 0, self::SLEEP_MAX_MS);

        usleep($ms * 1000);

        return response()->json(['slept' => $ms]);
    }

    /**
     * GET /api/status/{code} — respond with an arbitrary status (200..599).
     */
    public function status(int $code): Response
    {
        // 204 and 304 must not carry a body; the others get a short one.
        $body = in_array($code, [204, 304], true) ? '' : "status {$code}\n";

        return response($body, $code, ['Content-Type' => 'text/plain; charset=UTF-8']);
    }

    /**
     * GET /api/pid — which PHP process served this request.
     */
    public function pid(): JsonResponse
    {
        return response()->json(['pid' => getmypid()]);
    }

    /**
     * GET /api/counter — in-memory counter of the current application
     * instance; grows across requests served by the same long-lived worker.
     */
    public function counter(Counter $counter): JsonResponse
    {
        return response()->json([
            'count' => $counter->increment(),
            'pid' => getmypid(),
        ]);
    }

    /**
     * GET /api/leak?mb=N — keep N MiB alive for the rest of the process's life, the way a
     * leaking app would (a static cache that is never cleared). Used to prove that workers
     * over WORKER_MEMORY_LIMIT are recycled between requests.
     */
    public function leak(Request $request): JsonResponse
    {
        static $leaked = [];
        $mb = $this->intQuery($request, 'mb', 1, 0, 256);
        $leaked[] = str_repeat('x', $mb * 1048576);

        return response()->json([
            'pid' => getmypid(),
            'memory' => memory_get_usage(true),
        ]);
    }

    /**
     * GET /api/stdout — stray output written straight to PHP's output
     * before the response; it must not corrupt the worker protocol.
     */
    public function stdout(): JsonResponse
    {
        echo "stray output\n";

        return response()->json(['ok' => true]);
    }

    /**
     * Read an integer query parameter, clamped to [min, max].
     */
    private function intQuery(Request $request, string $key, int $default, int $min, int $max): int
    {
        $value = $request->query($key);

        if (! is_string($value) || ! preg_match('/^\d+$/', $value)) {
            return $default;
        }

        return max($min, min($max, (int) $value));
    }

    /**
     * Summarise uploaded files (possibly nested arrays of them).
     */
    private function describeFiles(array $files): array
    {
        $out = [];

        foreach ($files as $name => $file) {
            if (is_array($file)) {
                $out[$name] = $this->describeFiles($file);
            } elseif ($file instanceof UploadedFile) {
                $out[$name] = [
                    'name' => $file->getClientOriginalName(),
                    'size' => $file->getSize(),
                    'sha1' => $file->isValid() ? sha1_file($file->getRealPath()) : null,
                    'error' => $file->getError(),
                ];
            }
        }

        return $out;
    }
}
