<?php

/*
|--------------------------------------------------------------------------
| Laravel behind the Node front door (laravel-rust/bridge)
|--------------------------------------------------------------------------
|
| Each PHP worker boots the application once and serves many requests. After
| every request the bridge resets what Laravel Octane resets (session, queued
| cookies, auth guards, locale, config changes, scoped instances, log context,
| open transactions, the array cache, ...). Worker settings (socket, max
| requests, memory limit) come from the environment Node sets: BRIDGE_*.
|
*/

return [

    /*
    | Container instances to forget after every request, for singletons of
    | your app or its packages that hold per-request state. Listed by the
    | name they are bound under (class name or alias); facades resolved from
    | them are cleared too.
    |
    | Example: [App\Services\Cart::class, 'tenant.current']
    */
    'flush' => [],

];
