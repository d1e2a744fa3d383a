<?php

/** Autoloads LaravelRust\Bridge\ from php/src for the CLI test scripts (no Composer needed). */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'LaravelRust\\Bridge\\', 19) === 0) {
        $file = __DIR__.'/../src/'.str_replace('\\', '/', substr($class, 19)).'.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
