<?php

declare(strict_types=1);

namespace LaravelRust\Bridge;

use Illuminate\Support\ServiceProvider;
use LaravelRust\Bridge\Console\ServeCommand;

/**
 * Registered by package discovery (composer.json extra.laravel.providers). Merges the package
 * config and, in the console, registers the worker command named by STARTUP_COMMAND
 * (default `laravel-rust:serve`) that Node runs as `php artisan <STARTUP_COMMAND>`.
 */
class BridgeServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        $this->mergeConfigFrom(__DIR__.'/../config/laravel-rust.php', 'laravel-rust');
    }

    public function boot(): void
    {
        if (!$this->app->runningInConsole()) {
            return;
        }
        $this->commands([ServeCommand::class]);
        $this->publishes(
            [__DIR__.'/../config/laravel-rust.php' => $this->app->configPath('laravel-rust.php')],
            'laravel-rust-config'
        );
    }
}
