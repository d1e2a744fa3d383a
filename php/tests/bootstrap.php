<?php

/**
 * Autoloads LaravelRust\Bridge\ from php/src and LaravelRust\Bridge\Tests\ from php/tests
 * (no Composer install needed). The bootstrap of PHPUnit's "protocol" suite.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    foreach (['LaravelRust\\Bridge\\Tests\\' => __DIR__.'/', 'LaravelRust\\Bridge\\' => __DIR__.'/../src/'] as $prefix => $dir) {
        if (strncmp($class, $prefix, \strlen($prefix)) === 0) {
            $file = $dir.str_replace('\\', '/', substr($class, \strlen($prefix))).'.php';
            if (is_file($file)) {
                require $file;
            }

            return;
        }
    }
});
