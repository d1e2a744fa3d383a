<?php

/*
|--------------------------------------------------------------------------
| API Routes
|--------------------------------------------------------------------------
|
| Loaded by the RouteServiceProvider under the "/api" prefix and the "api"
| middleware group. This test app has none of its own: the suites' routes
| come from the probe kit (test/apps/probes/routes/api*.php).
|
*/
