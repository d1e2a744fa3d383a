<?php

namespace App\Providers;

use App\Support\Counter;
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
