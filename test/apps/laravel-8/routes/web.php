<?php

/*
|--------------------------------------------------------------------------
| Web Routes
|--------------------------------------------------------------------------
|
| Loaded by the RouteServiceProvider within the "web" middleware group.
| This test app has none of its own: the suites' routes (GET / included)
| come from the probe kit (test/apps/probes/routes/web*.php).
|
*/
