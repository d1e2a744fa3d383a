<?php

use Illuminate\Support\Facades\Route;
use LaravelRust\TestProbes\Http\Controllers\CacheController;

// The micro-cache suite (test/micro-cache.test.ts) and the bench's cached scenario.
Route::get('/cache/page', [CacheController::class, 'page']);
Route::get('/cache/sections/{section}', [CacheController::class, 'page'])->where('section', '[a-z]+');
Route::get('/cache/count', [CacheController::class, 'count']);
Route::post('/cache/page', [CacheController::class, 'page']);
Route::post('/cache/fail', [CacheController::class, 'failMode']);
