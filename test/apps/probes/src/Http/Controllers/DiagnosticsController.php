<?php

namespace LaravelRust\TestProbes\Http\Controllers;

use LaravelRust\TestProbes\Support\Counter;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\Response;
use Illuminate\Http\UploadedFile;
use RuntimeException;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * Deterministic endpoints used by the end-to-end and differential tests of
 * the Node front door. Each one isolates one aspect of the HTTP/worker
 * plumbing (request mapping, response headers, large bodies, errors,
 * timeouts, worker identity and lifetime, stray output).
 */
class DiagnosticsController
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
     * GET /api/stream?chunks=N&delay=MS&size=B&wait=MS — after WAIT ms, a StreamedResponse that produces N chunks of B
     * bytes, MS milliseconds apart, each followed by a flush (the way apps stream reports).
     */
    public function stream(Request $request): StreamedResponse
    {
        $chunks = $this->intQuery($request, 'chunks', 5, 1, 100000);
        $delay = $this->intQuery($request, 'delay', 0, 0, 10000);
        $size = $this->intQuery($request, 'size', 16, 1, 1048576);
        // ?wait=ms: work before the response is returned (its head goes out only then).
        usleep($this->intQuery($request, 'wait', 0, 0, 10000) * 1000);

        return response()->stream(function () use ($chunks, $delay, $size) {
            for ($i = 0; $i < $chunks; $i++) {
                echo sprintf('%06d:', $i), str_repeat('s', max(0, $size - 7)), "\n";
                if (ob_get_level() > 0) {
                    ob_flush();
                }
                flush();
                if ($delay > 0) {
                    usleep($delay * 1000);
                }
            }
        }, 200, ['Content-Type' => 'text/plain; charset=UTF-8', 'X-Accel-Buffering' => 'no']);
    }

    /**
     * GET /api/sse?id=X — server-sent events, one every 50 ms, forever: only the client going away
     * stops it. Each tick is counted in storage/app/sse-X.count so a test can see it stop.
     */
    public function sse(Request $request): StreamedResponse
    {
        $id = preg_replace('/[^a-z0-9-]/i', '', (string) $request->query('id', 'default'));
        $file = storage_path("app/sse-{$id}.count");
        // ?delay=ms: the controller takes that long before the response (and its head) exists.
        usleep(1000 * min(5000, max(0, (int) $request->query('delay', 0))));

        return response()->stream(function () use ($file) {
            for ($tick = 1; ; $tick++) {
                file_put_contents($file, (string) $tick);
                echo "event: tick\ndata: {$tick}\n\n";
                if (ob_get_level() > 0) {
                    ob_flush();
                }
                flush();
                usleep(50000);
            }
        }, 200, ['Content-Type' => 'text/event-stream', 'Cache-Control' => 'no-cache']);
    }

    /**
     * GET /api/download?path=P — response()->download() of a file the tests created under
     * storage/app (a BinaryFileResponse, streamed from disk).
     */
    public function download(Request $request): BinaryFileResponse
    {
        $name = basename((string) $request->query('path', ''));
        $path = storage_path('app/'.$name);
        abort_unless($name !== '' && is_file($path), 404);

        return response()->download($path, $name);
    }

    /**
     * GET /api/download-streamed?path=<file in storage/app> — the same file written by PHP itself
     * (streamDownload, a StreamedResponse): never handed over to the front door, so the
     * compression of a long PHP stream can be watched.
     */
    public function downloadStreamed(Request $request): StreamedResponse
    {
        $name = basename((string) $request->query('path', ''));
        $path = storage_path('app/'.$name);
        abort_unless($name !== '' && is_file($path), 404);

        return response()->streamDownload(function () use ($path): void {
            $in = fopen($path, 'rb');
            while (!feof($in)) {
                echo fread($in, 65536);
                flush();
            }
            fclose($in);
        }, $name, ['Content-Type' => 'text/plain; charset=UTF-8']);
    }

    /**
     * GET /api/download-any?path=/abs/path — response()->download() of any file, with a cookie
     * and a Cache-Control of its own: the front door must refuse one outside SENDFILE_ROOTS.
     */
    public function downloadAny(Request $request): BinaryFileResponse
    {
        $path = (string) $request->query('path', '');
        abort_unless($path !== '' && is_file($path), 404);

        $response = response()->download($path, 'report.bin', ['Cache-Control' => 'private, max-age=60']);
        $response->headers->setCookie(cookie('dl', 'yes', 0, '/', null, false, true, false, 'lax'));

        return $response;
    }

    /**
     * GET /api/download-delete?path=P — a download under storage/app that deletes its file once
     * sent (deleteFileAfterSend()).
     */
    public function downloadAndDelete(Request $request): BinaryFileResponse
    {
        $name = basename((string) $request->query('path', ''));
        $path = storage_path('app/'.$name);
        abort_unless($name !== '' && is_file($path), 404);

        return response()->download($path, $name)->deleteFileAfterSend();
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
