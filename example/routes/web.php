<?php

use App\Http\Controllers\HomeController;
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
