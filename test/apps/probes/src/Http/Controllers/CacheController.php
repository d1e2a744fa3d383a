<?php

namespace LaravelRust\TestProbes\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Http\Response;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * Routes for the micro-cache suite: a page whose caching headers the query chooses, and a
 * count of how many times PHP ran it per `tag`, kept in a file so that it spans every worker
 * process (the suite asserts "PHP ran it once" for 50 concurrent requests).
 */
class CacheController
{
    /**
     * GET|POST /api/cache/page?tag=T — counts a run of tag T, then answers with
     * `Cache-Control: public, max-age=60` unless the query says otherwise:
     * cc=<raw Cache-Control>, vary=<Vary>, cookie=1 (a Set-Cookie), status=N, bytes=N (padding),
     * stream=1 (a StreamedResponse), sleep=ms (before answering). After POST /api/cache/fail
     * for the tag, the page fails: `mode=500` answers 500, `mode=exit` kills the worker,
     * `mode=slow` takes 5 s (past the suite's REQUEST_TIMEOUT).
     */
    public function page(Request $request): Response|JsonResponse|StreamedResponse
    {
        $tag = $this->tag($request);
        $count = $this->bump($tag);
        $sleep = (int) $request->query('sleep', '0');
        if ($sleep > 0) {
            usleep(min($sleep, 10000) * 1000);
        }
        $fail = @file_get_contents($this->file($tag, 'fail'));
        if ($fail === 'exit') {
            exit(1);
        }
        if ($fail === 'slow') {
            sleep(5);
        }
        if ($fail === '500') {
            return response()->json(['error' => 'failing on demand', 'count' => $count], 500);
        }

        $headers = ['Cache-Control' => (string) $request->query('cc', 'public, max-age=60')];
        if ($request->query('vary')) {
            $headers['Vary'] = (string) $request->query('vary');
        }
        $status = (int) $request->query('status', '200');
        $body = [
            'tag' => $tag,
            'count' => $count,
            'lang' => $request->header('Accept-Language'),
            'pad' => str_repeat('x', (int) $request->query('bytes', '0')),
        ];
        if ($request->query('stream')) {
            return response()->stream(function () use ($body) {
                echo json_encode($body);
            }, $status, $headers);
        }
        $response = response()->json($body, $status, $headers);
        if ($request->query('cookie')) {
            $response->headers->setCookie(cookie('probe', 'yes'));
        }

        return $response;
    }

    /** GET /api/cache/count?tag=T — how many times the page ran for tag T. */
    public function count(Request $request): JsonResponse
    {
        $raw = @file_get_contents($this->file($this->tag($request), 'count'));

        return response()->json(['count' => $raw === false ? 0 : (int) $raw]);
    }

    /** POST /api/cache/fail?tag=T&mode=500|exit|slow|off — make the page for T fail (or stop failing). */
    public function failMode(Request $request): JsonResponse
    {
        $file = $this->file($this->tag($request), 'fail');
        $mode = (string) $request->query('mode', 'off');
        if ($mode === 'off') {
            @unlink($file);
        } else {
            file_put_contents($file, $mode);
        }

        return response()->json(['mode' => $mode]);
    }

    private function tag(Request $request): string
    {
        return preg_replace('/[^A-Za-z0-9_-]/', '', (string) $request->query('tag', 'default')) ?: 'default';
    }

    private function file(string $tag, string $kind): string
    {
        return sys_get_temp_dir()."/lfd-cache-probe-{$tag}.{$kind}";
    }

    /** Adds one to the tag's count under an exclusive lock (workers run in parallel). */
    private function bump(string $tag): int
    {
        $handle = fopen($this->file($tag, 'count'), 'c+');
        flock($handle, LOCK_EX);
        $count = (int) stream_get_contents($handle) + 1;
        ftruncate($handle, 0);
        rewind($handle);
        fwrite($handle, (string) $count);
        fflush($handle);
        flock($handle, LOCK_UN);
        fclose($handle);

        return $count;
    }
}
