<?php

/**
 * The router `php artisan serve` runs (example/server.php, then public/index.php), with one
 * addition: a Content-Length header on Laravel's responses. PHP's built-in server otherwise ends
 * every dynamic response by closing the connection, and autocannon cannot read such responses
 * (it reconnects on close without finishing the message). Started by bench/peers/artisan-serve.ts
 * as `php -S 127.0.0.1:<port> <this file>` in the app's public/ folder, as artisan serve does.
 */

$public = rtrim($_SERVER['DOCUMENT_ROOT'] ?? getcwd(), '/');

$uri = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '');

if ($uri !== '/' && file_exists($public.$uri)) {
    return false;
}

define('LARAVEL_START', microtime(true));

require $public.'/../vendor/autoload.php';

$app = require_once $public.'/../bootstrap/app.php';

$kernel = $app->make(Illuminate\Contracts\Http\Kernel::class);

$response = $kernel->handle(
    $request = Illuminate\Http\Request::capture()
);

if (! $response instanceof Symfony\Component\HttpFoundation\StreamedResponse
    && ! $response instanceof Symfony\Component\HttpFoundation\BinaryFileResponse
    && ! $response->headers->has('Content-Length')) {
    $response->headers->set('Content-Length', (string) strlen((string) $response->getContent()));
}

$response->send();

$kernel->terminate($request, $response);
