<?php

namespace LaravelRust\TestProbes\Models;

use Illuminate\Database\Eloquent\Model;

/**
 * The `users` table as GET/POST /api/users shows it. The kit's own model rather than the app's
 * App\Models\User, whose fillable fields, casts (Laravel 11+: hashed password) and factories
 * differ from skeleton to skeleton.
 */
class User extends Model
{
    /** Stored as the password of users created by the API and the seeder: no hash matches it. */
    public const NO_PASSWORD = '!';

    protected $table = 'users';

    protected $fillable = ['name', 'email', 'password'];

    protected $hidden = ['password', 'remember_token'];
}
