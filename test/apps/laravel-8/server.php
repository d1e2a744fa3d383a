<?php

/**
 * Laravel - A PHP Framework For Web Artisans
 *
 * Router script for PHP's built-in web server (used by `php artisan serve`):
 * serve existing files from public/ directly, send everything else to
 * public/index.php, emulating Apache's mod_rewrite.
 *
 * @package  Laravel
 * @author   Taylor Otwell <taylor@laravel.com>
 */

$uri = urldecode(
    parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? ''
);

if ($uri !== '/' && file_exists(__DIR__.'/public'.$uri)) {
    return false;
}

require_once __DIR__.'/public/index.php';
