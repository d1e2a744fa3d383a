<?php

use App\Http\Controllers\Api\UserController;
use Illuminate\Support\Facades\Route;

// Under the /api prefix and the "api" middleware group (bootstrap/app.php).
Route::get('/users', [UserController::class, 'index']);
Route::post('/users', [UserController::class, 'store']);
Route::get('/users/{user}', [UserController::class, 'show'])->whereNumber('user');
