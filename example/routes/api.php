<?php

use App\Http\Controllers\Api\DiagnosticsController;
use App\Http\Controllers\Api\UserController;
use Illuminate\Support\Facades\Route;

/*
|--------------------------------------------------------------------------
| API Routes
|--------------------------------------------------------------------------
|
| Loaded by the RouteServiceProvider under the "/api" prefix and the "api"
| middleware group (stateless: no session, no cookie encryption, no CSRF).
| These routes exist for the end-to-end tests of the Node front door.
|
*/

Route::get('/ping', [DiagnosticsController::class, 'ping']);

Route::get('/users', [UserController::class, 'index']);
Route::post('/users', [UserController::class, 'store']);
Route::get('/users/{user}', [UserController::class, 'show'])->whereNumber('user');

Route::any('/echo', [DiagnosticsController::class, 'echo']);
Route::get('/headers', [DiagnosticsController::class, 'headers']);
Route::get('/big', [DiagnosticsController::class, 'big']);
Route::post('/upload-size', [DiagnosticsController::class, 'uploadSize']);
Route::get('/boom', [DiagnosticsController::class, 'boom']);
Route::get('/sleep', [DiagnosticsController::class, 'sleep']);
Route::get('/status/{code}', [DiagnosticsController::class, 'status'])
    ->where('code', '[2-5][0-9][0-9]');
Route::get('/pid', [DiagnosticsController::class, 'pid']);
Route::get('/counter', [DiagnosticsController::class, 'counter']);
Route::get('/stdout', [DiagnosticsController::class, 'stdout']);
Route::get('/leak', [DiagnosticsController::class, 'leak']);
Route::get('/stream', [DiagnosticsController::class, 'stream']);
Route::get('/sse', [DiagnosticsController::class, 'sse']);
Route::get('/download', [DiagnosticsController::class, 'download']);
