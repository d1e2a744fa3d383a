<?php

use Illuminate\Http\Request;
use Illuminate\Support\Facades\Route;

/*
| Compression probes (test/compression.test.ts, and the bench's `compressed` scenario).
*/

// A realistic JSON API answer: `count` users as a paginated resource (200 ≈ 40 KB).
Route::get('/compress/users', function (Request $request) {
    $count = max(1, min(5000, (int) $request->query('count', 200)));
    $users = [];
    for ($i = 1; $i <= $count; $i++) {
        $users[] = [
            'id' => $i,
            'name' => "User Number {$i}",
            'email' => "user{$i}@example.com",
            'email_verified_at' => '2026-12-01T10:00:00.000000Z',
            'role' => ['admin', 'editor', 'viewer'][$i % 3],
            'active' => $i % 2 === 0,
            'created_at' => '2026-11-'.str_pad((string) (1 + $i % 28), 2, '0', STR_PAD_LEFT).'T08:30:00.000000Z',
            'updated_at' => '2026-12-03T12:00:00.000000Z',
        ];
    }

    return response()->json([
        'data' => $users,
        'meta' => ['total' => $count, 'per_page' => $count, 'current_page' => 1],
    ]);
});

// A body of `size` bytes with whatever headers the test asks for: type, status, an existing
// Content-Encoding, Cache-Control, Vary, ETag, Content-Range, a declared Content-Length.
Route::get('/compress/custom', function (Request $request) {
    $size = max(0, min(10485760, (int) $request->query('size', 4096)));
    $line = "compressible line of text, the same again and again\n";
    $body = substr(str_repeat($line, intdiv($size, strlen($line)) + 1), 0, $size);
    $status = (int) $request->query('status', 200);
    $response = response($status === 204 || $status === 304 ? '' : $body, $status);
    $response->headers->set('Content-Type', (string) $request->query('type', 'text/plain; charset=UTF-8'));
    foreach (['encoding' => 'Content-Encoding', 'cache' => 'Cache-Control', 'vary' => 'Vary', 'etag' => 'ETag', 'range' => 'Content-Range'] as $param => $header) {
        if ($request->query($param) !== null) {
            $response->headers->set($header, (string) $request->query($param));
        }
    }
    if ($request->query('length') !== null) {
        $response->headers->set('Content-Length', (string) strlen($body));
    }

    return $response;
});
