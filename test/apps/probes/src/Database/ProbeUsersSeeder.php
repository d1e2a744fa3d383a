<?php

namespace LaravelRust\TestProbes\Database;

use Illuminate\Database\Seeder;
use LaravelRust\TestProbes\Models\User;

/**
 * The two users the suites log in as (test/state-isolation.test.ts) and list (GET /api/users).
 * Run by scripts/setup-test-apps.sh:
 *   php artisan db:seed --force --class='LaravelRust\TestProbes\Database\ProbeUsersSeeder'
 * Keyed on the email, so running it twice does not trip the unique index.
 */
class ProbeUsersSeeder extends Seeder
{
    public function run(): void
    {
        User::updateOrCreate(['email' => 'ada@example.com'], ['name' => 'Ada Lovelace', 'password' => User::NO_PASSWORD]);
        User::updateOrCreate(['email' => 'alan@example.com'], ['name' => 'Alan Turing', 'password' => User::NO_PASSWORD]);
    }
}
