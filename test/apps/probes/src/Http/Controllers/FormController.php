<?php

namespace LaravelRust\TestProbes\Http\Controllers;

use Illuminate\Contracts\View\View;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\RedirectResponse;
use Illuminate\Http\Request;
use RuntimeException;

/**
 * A classic Blade form flow on the web group, for test/differential.test.ts: a page with a CSRF
 * token, a PUT submitted as POST + _method, a redirect back with flashed data, and a web page
 * whose exception is rendered as HTML by the handler.
 */
class FormController
{
    /** GET /form */
    public function show(Request $request): View
    {
        return view('probes::form', [
            'laravelVersion' => app()->version(),
            'phpVersion' => PHP_MAJOR_VERSION.'.'.PHP_MINOR_VERSION,
            'name' => (string) $request->session()->get('saved_name', ''),
            'status' => (string) $request->session()->get('status', ''),
        ]);
    }

    /** PUT /form (POST with _method=PUT) — validated, stored in the session, redirected back. */
    public function update(Request $request): RedirectResponse
    {
        $data = $request->validate(['name' => ['required', 'string', 'max:50']]);
        $request->session()->put('saved_name', $data['name']);

        return redirect('/form')->with('status', 'saved');
    }

    /** GET /form/json — what the session holds now (after the flow above). */
    public function json(Request $request): JsonResponse
    {
        return response()->json([
            'saved_name' => $request->session()->get('saved_name'),
            'status' => $request->session()->get('status'),
            'errors' => optional($request->session()->get('errors'))->getMessages(),
        ]);
    }

    /** GET /boom-page — an exception on a web page: the handler's HTML 500 page. */
    public function boom(): void
    {
        throw new RuntimeException('web boom: secret detail');
    }
}
