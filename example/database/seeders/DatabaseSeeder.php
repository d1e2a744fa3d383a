<?php

namespace Database\Seeders;

use App\Models\User;
use Illuminate\Database\Console\Seeds\WithoutModelEvents;
use Illuminate\Database\Seeder;

class DatabaseSeeder extends Seeder
{
    use WithoutModelEvents;

    /**
     * Seed the application's database: two fixed users (factories need fakerphp/faker, a dev
     * dependency that is not installed). Keyed on the email, so seeding twice changes nothing.
     */
    public function run(): void
    {
        User::updateOrCreate(['email' => 'ada@example.com'], ['name' => 'Ada Lovelace']);
        User::updateOrCreate(['email' => 'alan@example.com'], ['name' => 'Alan Turing']);
    }
}
