<?php

use Illuminate\Support\Facades\Route;
use LaravelRust\TestProbes\Http\Controllers\FormController;
use LaravelRust\TestProbes\Http\Controllers\HomeController;
use LaravelRust\TestProbes\Http\Controllers\StateController;

/*
|--------------------------------------------------------------------------
| Probe web routes
|--------------------------------------------------------------------------
|
| Loaded by ProbesServiceProvider within the app's "web" middleware group
| (cookies, session, CSRF protection), after the app's own routes: GET /
| replaces the skeleton's welcome page. (routes/web-*.php files are loaded
| the same way.)
|
*/

/*
| The CSRF middleware of the web group, by its framework names: VerifyCsrfToken (Laravel 8 and
| 10, whose apps subclass it) and ValidateCsrfToken (11+, itself a subclass of VerifyCsrfToken).
| withoutMiddleware() also drops subclasses of the names it is given.
*/
$csrf = [
    'Illuminate\Foundation\Http\Middleware\VerifyCsrfToken',
    'Illuminate\Foundation\Http\Middleware\ValidateCsrfToken',
];

Route::get('/', [HomeController::class, 'index']);
Route::get('/session', [HomeController::class, 'session']);

// A Blade form flow and a web error page (test/differential.test.ts).
Route::get('/form', [FormController::class, 'show']);
Route::put('/form', [FormController::class, 'update']);
Route::get('/form/json', [FormController::class, 'json']);
Route::get('/boom-page', [FormController::class, 'boom']);

// Per-request state that must not bleed between requests (test/state-isolation.test.ts),
// without CSRF verification: the test logs users in without fetching a form first.
Route::post('/login', [StateController::class, 'login'])->withoutMiddleware($csrf);
Route::post('/logout', [StateController::class, 'logout'])->withoutMiddleware($csrf);
Route::get('/me', [StateController::class, 'me']);
Route::get('/state/locale', [StateController::class, 'locale']);
Route::get('/state/queue-cookie', [StateController::class, 'queueCookie']);
Route::get('/state/config', [StateController::class, 'config']);
Route::get('/state/ledger', [StateController::class, 'ledger']);
Route::get('/state/url', [StateController::class, 'url'])->name('state.url');
