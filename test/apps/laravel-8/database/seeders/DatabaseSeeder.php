<?php

namespace Database\Seeders;

use App\Models\User;
use Illuminate\Database\Seeder;

class DatabaseSeeder extends Seeder
{
    /**
     * Seed the application's database.
     *
     * Explicit rows instead of model factories (fakerphp/faker is not
     * installed), so the seeded data is fully deterministic. Keyed on the
     * email, so running db:seed twice does not trip the unique index.
     *
     * @return void
     */
    public function run()
    {
        User::updateOrCreate(['email' => 'ada@example.com'], ['name' => 'Ada Lovelace']);
        User::updateOrCreate(['email' => 'alan@example.com'], ['name' => 'Alan Turing']);
    }
}
