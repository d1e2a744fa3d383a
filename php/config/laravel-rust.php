<?php

/*
|--------------------------------------------------------------------------
| Laravel behind the Node front door (laravel-rust/bridge)
|--------------------------------------------------------------------------
|
| Each PHP worker boots the application once and serves many requests, each
| in a sandbox: a clone of the booted application whose container is dropped
| after the request, so instances and singletons a request creates do not
| reach the next one. Much of what requests change in the services shared by
| every request is put back after each one (session, auth, locale, config, the
| URL generator's forced root, scheme and defaults, view shares and event
| listeners added during the request, the macros of the framework's common
| classes and of those listed below); static properties cannot be. docs/STATE.md
| lists it all. Worker settings (socket, max requests, memory limit) come from the
| environment Node sets: BRIDGE_*.
|
*/

return [

    /*
    | Services resolved once at boot and shared by every request, on top of
    | the framework's own list (auth, cache, db, log, router, session, url,
    | view, ...). Warm what is costly to build and holds no per-request state.
    |
    | Example: [App\Services\PriceCatalogue::class]
    */
    'warm' => [],

    /*
    | Container instances to forget after every request: singletons resolved
    | at boot (or warmed) that still hold per-request state. Listed by the
    | name they are bound under; facades resolved from them are cleared too.
    |
    | Example: [App\Services\Cart::class, 'tenant.current']
    */
    'flush' => [],

    /*
    | Macroable classes whose macros added during a request are dropped after
    | it (the framework's common ones are always covered: Request, Response,
    | Router, Str, Arr, Collection, query builders, ...).
    */
    'macroable' => [],

    /*
    | Listeners for the worker's lifecycle events, like Octane's `listeners`.
    | Events: LaravelRust\Bridge\Events\WorkerStarting, WorkerStopping,
    | RequestReceived, RequestHandled, RequestTerminated. A listener of
    | RequestTerminated is the place to reset state of your own.
    |
    | Example: [RequestTerminated::class => [App\Listeners\ForgetTenant::class]]
    */
    'listeners' => [],

];
