<?php

/*
 * Per-request state probes of test/sandbox.test.ts: GET /sandbox/{case}/change leaves a piece of
 * state behind, GET /sandbox/{case}/read reports it. Under php-fpm every read sees a fresh
 * application; behind a long-lived worker it must see the same.
 */

use Illuminate\Support\Facades\Route;
use LaravelRust\TestProbes\Sandbox\SandboxController;
use LaravelRust\TestProbes\Sandbox\SandboxProbes;

// Boot-time setup (this file is loaded once the app has booted).
SandboxProbes::boot(app());

Route::get('/sandbox/{case}/change', [SandboxController::class, 'change'])->where('case', '[a-z-]+');
Route::get('/sandbox/{case}/read', [SandboxController::class, 'read'])->where('case', '[a-z-]+');
Route::get('/sandbox/team/{team}/page', fn () => 'team page')->name('sandbox.team');
Route::match(['PUT', 'PATCH', 'DELETE', 'POST'], '/sandbox/body', [SandboxController::class, 'body'])
    ->withoutMiddleware(SandboxProbes::csrfMiddleware());

// Precognition: a precognitive request to this route (Precognition: true) answers 204.
Route::post('/sandbox/precognitive', [SandboxController::class, 'precognitive'])
    ->middleware(SandboxProbes::precognitionMiddleware())
    ->withoutMiddleware(SandboxProbes::csrfMiddleware());
