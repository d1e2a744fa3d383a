<?php

/**
 * Entry script that Node's supervisor runs for each PHP worker:
 *
 *     php php/bin/worker.php
 *
 * Environment:
 *   BRIDGE_SOCKET           Unix socket to listen on (required in practice; falls back to SOCKET_PATH)
 *   BRIDGE_APP              "laravel" (default) or "plain"
 *   BRIDGE_HANDLER          plain mode: PHP file returning a callable (e.g. php/handlers/hello.php)
 *   LARAVEL_PATH            laravel mode: the app's base path (default: current directory)
 *   BRIDGE_MAX_REQUESTS     recycle after N requests (0 = unlimited)
 *   BRIDGE_MEMORY_LIMIT_MB  recycle above this memory (0 = none)
 *   BRIDGE_PARENT_PID       exit when this process dies
 *   BRIDGE_READY_FD         readiness fd (default 3)
 *
 * It registers its own PSR-4 autoloader for LaravelRust\Bridge\ (php/src), so an unmodified
 * Laravel app at LARAVEL_PATH works without the package installed. Nothing is printed on stdout:
 * logs and errors go to stderr; readiness is one JSON line on fd 3.
 */

declare(strict_types=1);

// Keep stdout for nothing: PHP's own errors go to stderr.
ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'LaravelRust\\Bridge\\', 19) === 0) {
        $file = __DIR__.'/../src/'.str_replace('\\', '/', substr($class, 19)).'.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

use LaravelRust\Bridge\Laravel\LaravelAdapter;
use LaravelRust\Bridge\Protocol\CallableHandler;
use LaravelRust\Bridge\Protocol\Worker;

$fail = static function (string $message): never {
    fwrite(STDERR, '[php-worker '.getmypid().'] '.$message."\n");
    exit(1);
};

$env = static function (string $name, ?string $default = null): ?string {
    $value = getenv($name);

    return $value === false || $value === '' ? $default : $value;
};

$app = strtolower($env('BRIDGE_APP', 'laravel'));
if ($app !== 'laravel' && $app !== 'plain') {
    $fail("BRIDGE_APP must be \"laravel\" or \"plain\", got \"{$app}\"");
}

try {
    $worker = Worker::fromEnv($app);
} catch (Throwable $e) {
    $fail($e->getMessage());
}

// Before anything else opens a file: take fd 3 (readiness) while it is still Node's pipe.
$worker->openReadyChannel();

// Fail fast, before a possibly slow boot, when the socket belongs to a live worker.
try {
    $worker->claimSocket();
} catch (Throwable $e) {
    $fail('cannot start: '.$e->getMessage());
}

if ($app === 'plain') {
    $file = $env('BRIDGE_HANDLER');
    if ($file === null) {
        $fail('BRIDGE_APP=plain needs BRIDGE_HANDLER, the path of a PHP file returning a callable');
    }
    try {
        $handler = CallableHandler::fromFile($file);
    } catch (Throwable $e) {
        $fail('cannot load the handler '.$file.': '.get_class($e).': '.$e->getMessage().' at '.$e->getFile().':'.$e->getLine());
    }
} else {
    $path = $env('LARAVEL_PATH', getcwd() ?: '.');
    $handler = LaravelAdapter::bootFromPath($path, $fail);
}

exit($worker->run($handler));
