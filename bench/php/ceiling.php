<?php

/**
 * The ceiling: the same app booted once, GET /api/ping handled N times in a loop inside this one
 * process (create request, handle, terminate) with no I/O. CPU time per request from getrusage
 * is the least the whole stack can spend per request on one core.
 *
 * Usage: php bench/php/ceiling.php <laravel app path> <iterations> [uri]
 * Prints one JSON line (the last line of stdout).
 */

declare(strict_types=1);

$appPath = $argv[1] ?? dirname(__DIR__, 2).'/test/apps/laravel-12';
$iterations = max(1, (int) ($argv[2] ?? 10000));
$uri = $argv[3] ?? '/api/ping';

require $appPath.'/vendor/autoload.php';
$app = require $appPath.'/bootstrap/app.php';

$kernel = $app->make(Illuminate\Contracts\Http\Kernel::class);
if (method_exists($kernel, 'bootstrap')) {
    $kernel->bootstrap();
}

$handle = static function () use ($kernel, $uri): array {
    $request = Illuminate\Http\Request::create($uri, 'GET');
    $response = $kernel->handle($request);
    $result = [$response->getStatusCode(), (string) $response->getContent()];
    $kernel->terminate($request, $response);

    return $result;
};

$cpu = static function (): float {
    $u = getrusage();

    return $u['ru_utime.tv_sec'] + $u['ru_utime.tv_usec'] / 1e6 + $u['ru_stime.tv_sec'] + $u['ru_stime.tv_usec'] / 1e6;
};

// Warm up (autoloading, route and config caches in memory), and check the answer.
[$status, $body] = $handle();
for ($i = 0, $warm = min(500, intdiv($iterations, 10)); $i < $warm; $i++) {
    $handle();
}

$cpu0 = $cpu();
$wall0 = hrtime(true);
for ($i = 0; $i < $iterations; $i++) {
    $handle();
}
$wall = (hrtime(true) - $wall0) / 1e9;
$cpuSeconds = $cpu() - $cpu0;

echo "\n", json_encode([
    'uri' => $uri,
    'iterations' => $iterations,
    'status' => $status,
    'body' => substr($body, 0, 200),
    'cpuSeconds' => $cpuSeconds,
    'wallSeconds' => $wall,
    'cpuMsPerRequest' => $cpuSeconds * 1000 / $iterations,
    'requestsPerCpuSecond' => $cpuSeconds > 0 ? $iterations / $cpuSeconds : 0,
    'php' => PHP_VERSION,
    'laravel' => $app->version(),
    'opcache' => function_exists('opcache_get_status') && (bool) (opcache_get_status(false)['opcache_enabled'] ?? false),
    'peakMemoryBytes' => memory_get_peak_usage(true),
]), "\n";
