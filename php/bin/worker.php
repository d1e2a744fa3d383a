<?php

/**
 * Entry script that Node's supervisor runs for each PHP worker:
 *
 *     php php/bin/worker.php
 *
 * Settings come from the environment (BRIDGE_SOCKET, BRIDGE_APP, BRIDGE_HANDLER, LARAVEL_PATH,
 * BRIDGE_MAX_REQUESTS, …: see WorkerEnvironment and php/README.md). It registers its own PSR-4
 * autoloader for LaravelRust\Bridge\ (php/src), so an unmodified Laravel app at LARAVEL_PATH works
 * without the package installed. Nothing is printed on stdout: logs and errors go to stderr;
 * readiness is one JSON line on fd 3.
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
use LaravelRust\Bridge\Protocol\WorkerEnvironment;
use LaravelRust\Bridge\Support\ErrorText;
use LaravelRust\Bridge\Support\StderrLog;

$fail = static function (string $message): never {
    StderrLog::error($message);
    exit(1);
};

// Before anything else opens a file, Worker::prepare() takes fd 3 (readiness) while it is still
// Node's pipe; it also fails fast, before a possibly slow boot, when the socket path is taken.
try {
    $env = WorkerEnvironment::fromProcess();
    $worker = Worker::prepare($env);
} catch (InvalidArgumentException|RuntimeException $e) {
    $fail('cannot start: '.$e->getMessage());
}

if ($env->app === 'plain') {
    try {
        $handler = CallableHandler::fromFile((string) $env->handlerFile);
    } catch (Throwable $e) {
        $fail("cannot load the handler {$env->handlerFile}: ".ErrorText::describe($e));
    }
} else {
    $handler = LaravelAdapter::bootFromPath($env->laravelPath, $fail);
}

exit($worker->run($handler));
