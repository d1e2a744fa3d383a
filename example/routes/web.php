<?php

use App\Http\Controllers\FormController;
use App\Http\Controllers\HomeController;
use App\Http\Controllers\StateController;
use Illuminate\Support\Facades\Route;

/*
|--------------------------------------------------------------------------
| Web Routes
|--------------------------------------------------------------------------
|
| Loaded by the RouteServiceProvider within the "web" middleware group
| (cookies, session, CSRF protection).
|
*/

Route::get('/', [HomeController::class, 'index']);
Route::get('/session', [HomeController::class, 'session']);

// A Blade form flow and a web error page (test/differential.test.ts).
Route::get('/form', [FormController::class, 'show']);
Route::put('/form', [FormController::class, 'update']);
Route::get('/form/json', [FormController::class, 'json']);
Route::get('/boom-page', [FormController::class, 'boom']);

// Per-request state that must not bleed between requests (test/state-isolation.test.ts).
// CSRF verification is off for these (VerifyCsrfToken::$except).
Route::post('/login', [StateController::class, 'login']);
Route::post('/logout', [StateController::class, 'logout']);
Route::get('/me', [StateController::class, 'me']);
Route::get('/state/locale', [StateController::class, 'locale']);
Route::get('/state/queue-cookie', [StateController::class, 'queueCookie']);
Route::get('/state/config', [StateController::class, 'config']);
Route::get('/state/ledger', [StateController::class, 'ledger']);
Route::get('/state/url', [StateController::class, 'url'])->name('state.url');
