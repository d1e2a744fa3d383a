<?php

/*
|--------------------------------------------------------------------------
| Hand-written autoloader (stands in for Composer's vendor/autoload.php)
|--------------------------------------------------------------------------
|
| This test app cannot run `composer install` (no network access to
| Packagist/GitHub in the build environment). Instead it runs on Debian's
| packaged Laravel 8 (`php-laravel-framework`), which installs the
| framework and all of its dependencies under /usr/share/php, each with its
| own generated classmap autoloader.
|
| This file is committed on purpose. It:
|   1. makes sure /usr/share/php is on the include_path (Debian's
|      autoloaders require their dependencies with relative paths such as
|      'Carbon/autoload.php', which only resolve through the include_path;
|      a php-fpm pool or `php -n` may not have the default one);
|   2. loads Debian's Laravel autoloader, which in turn pulls in the
|      autoloaders of every framework dependency (Symfony, Carbon, Monolog,
|      Dotenv, Flysystem, Ramsey UUID, ...) and the global helper files;
|   3. registers a tiny PSR-4 autoloader for this app's own namespaces,
|      mirroring the "autoload" section of composer.json.
|
| public/index.php and artisan require it exactly like a Composer autoloader,
| so the app runs unchanged behind nginx + php-fpm or the Node front door.
|
*/

$debianPhp = '/usr/share/php';

if (! in_array($debianPhp, explode(PATH_SEPARATOR, get_include_path()), true)) {
    set_include_path(get_include_path().PATH_SEPARATOR.$debianPhp);
}

require_once $debianPhp.'/Illuminate/autoload.php';

(static function (array $map): void {
    spl_autoload_register(static function (string $class) use ($map): void {
        foreach ($map as $prefix => $dir) {
            if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
                continue;
            }

            $file = $dir.'/'.str_replace('\\', '/', substr($class, strlen($prefix))).'.php';

            if (is_file($file)) {
                require $file;

                return;
            }
        }
    });
})([
    // PSR-4 prefix => directory (same as composer.json "autoload.psr-4").
    'App\\' => dirname(__DIR__).'/app',
    'Database\\Factories\\' => dirname(__DIR__).'/database/factories',
    'Database\\Seeders\\' => dirname(__DIR__).'/database/seeders',

    // The PHP side of the Node front door (worker loop, service provider),
    // developed in this repository: <repo>/php/src.
    'LaravelRust\\Bridge\\' => dirname(__DIR__, 4).'/php/src',

    // The probe kit of the end-to-end suites (routes, views, helpers):
    // <repo>/test/apps/probes/src, a Composer path package in the other test apps.
    'LaravelRust\\TestProbes\\' => dirname(__DIR__, 2).'/probes/src',
]);
