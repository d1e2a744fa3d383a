<?php

namespace App\Http\Controllers\Api;

use App\Http\Controllers\Controller;
use App\Models\User;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Support\Arr;

/**
 * A tiny Eloquent-backed JSON resource on SQLite: the database, validation and route model
 * binding, served by the Node front door (test/example-app.test.ts).
 */
class UserController extends Controller
{
    /**
     * GET /api/users
     */
    public function index(): JsonResponse
    {
        $users = User::orderBy('id')->get()->map(function (User $user) {
            return $this->present($user);
        });

        return response()->json(['data' => $users]);
    }

    /**
     * POST /api/users  (422 with Laravel's usual JSON body on invalid input)
     */
    public function store(Request $request): JsonResponse
    {
        $validated = $request->validate([
            'name' => ['required', 'string', 'max:255'],
            'email' => ['required', 'string', 'email', 'max:255', 'unique:users,email'],
        ]);

        $user = User::create($validated);

        return response()->json(['data' => $this->present($user)], 201);
    }

    /**
     * GET /api/users/{user}  (route model binding: 404 JSON when missing)
     */
    public function show(User $user): JsonResponse
    {
        return response()->json(['data' => $this->present($user)]);
    }

    /**
     * The public shape of a user (fixed key order, dates serialized the way
     * Eloquent does it, e.g. "2024-01-01T12:00:00.000000Z").
     */
    private function present(User $user): array
    {
        $attributes = $user->toArray();

        $shape = [];
        foreach (['id', 'name', 'email', 'created_at'] as $key) {
            $shape[$key] = Arr::get($attributes, $key);
        }

        return $shape;
    }
}
