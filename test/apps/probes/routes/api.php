<?php

use Illuminate\Support\Facades\Route;
use LaravelRust\TestProbes\Http\Controllers\DiagnosticsController;
use LaravelRust\TestProbes\Http\Controllers\DifferentialController;
use LaravelRust\TestProbes\Http\Controllers\UploadController;
use LaravelRust\TestProbes\Http\Controllers\UserController;

/*
|--------------------------------------------------------------------------
| Probe API routes
|--------------------------------------------------------------------------
|
| Loaded by ProbesServiceProvider under the "/api" prefix and the app's "api"
| middleware group (stateless: no session, no cookie encryption, no CSRF),
| in every Laravel test app. They exist for the end-to-end tests of the Node
| front door. (routes/api-*.php files are loaded the same way.)
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
// Downloads handed to the front door (test/sendfile.test.ts).
Route::get('/download-streamed', [DiagnosticsController::class, 'downloadStreamed']);
Route::get('/download-any', [DiagnosticsController::class, 'downloadAny']);
Route::get('/download-delete', [DiagnosticsController::class, 'downloadAndDelete']);

// The differential suite (test/differential.test.ts): nginx + php-fpm vs the Node front door.
Route::any('/server', [DifferentialController::class, 'server']);
Route::get('/cookies', [DifferentialController::class, 'cookies']);
Route::get('/redirect', [DifferentialController::class, 'redirect']);
Route::get('/response-headers', [DifferentialController::class, 'responseHeaders']);
Route::match(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], '/method', [DifferentialController::class, 'method']);
Route::post('/validate', [DifferentialController::class, 'validateInput']);
Route::get('/native-header', [DifferentialController::class, 'nativeHeader']);
Route::get('/exit', [DifferentialController::class, 'exitNow']);
Route::get('/abort/{code}', [DifferentialController::class, 'abort'])->where('code', '[1-5][0-9][0-9]');

// Uploads (test/uploads.test.ts).
Route::post('/uploads/store', [UploadController::class, 'store']);
Route::post('/uploads/reject', [UploadController::class, 'reject']);
Route::post('/uploads/ignore', [UploadController::class, 'ignore']);
Route::post('/uploads/exit', [UploadController::class, 'exitMidRequest']);
Route::get('/uploads/tmpdir', [UploadController::class, 'tmpdir']);
// Bodies of any size on disk (test/large-uploads.test.ts).
Route::match(['POST', 'PUT'], '/uploads/hash', [UploadController::class, 'hash']);
Route::post('/uploads/crash', [UploadController::class, 'crash']);
