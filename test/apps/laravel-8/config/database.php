<?php

/*
| A relative DB_DATABASE for SQLite (e.g. "database/database.sqlite") is
| resolved against the application base path, so the app works whatever the
| current working directory of the PHP process is (artisan, php-fpm, or a
| worker spawned by the Node front door).
*/
$sqliteDatabase = env('DB_DATABASE', database_path('database.sqlite'));

if ($sqliteDatabase !== ':memory:' && $sqliteDatabase !== '' && $sqliteDatabase[0] !== '/') {
    $sqliteDatabase = base_path($sqliteDatabase);
}

return [

    /*
    |--------------------------------------------------------------------------
    | Default Database Connection Name
    |--------------------------------------------------------------------------
    */

    'default' => env('DB_CONNECTION', 'sqlite'),

    /*
    |--------------------------------------------------------------------------
    | Database Connections
    |--------------------------------------------------------------------------
    |
    | Only the pdo_sqlite driver is installed on the build machine.
    |
    */

    'connections' => [

        'sqlite' => [
            'driver' => 'sqlite',
            'url' => env('DATABASE_URL'),
            'database' => $sqliteDatabase,
            'prefix' => '',
            'foreign_key_constraints' => env('DB_FOREIGN_KEYS', true),
        ],

    ],

    /*
    |--------------------------------------------------------------------------
    | Migration Repository Table
    |--------------------------------------------------------------------------
    */

    'migrations' => 'migrations',

];
