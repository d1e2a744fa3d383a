<?php

namespace App\Providers;

use App\Support\Counter;
use App\Support\RequestLedger;
use Illuminate\Support\ServiceProvider;

class AppServiceProvider extends ServiceProvider
{
    /**
     * Register any application services.
     *
     * @return void
     */
    public function register()
    {
        // One Counter per application instance. Under a long-lived worker the
        // application (and therefore this singleton) survives across requests,
        // so GET /api/counter keeps growing; under php-fpm it is always 1.
        $this->app->singleton(Counter::class);

        // Per-request notes (GET /state/ledger). Listed in config/laravel-rust.php's `flush`,
        // so a long-lived worker forgets it after each request.
        $this->app->singleton(RequestLedger::class);
    }

    /**
     * Bootstrap any application services.
     *
     * @return void
     */
    public function boot()
    {
        //
    }
}
