<?php

namespace LaravelRust\TestProbes\Http\Controllers;

use LaravelRust\TestProbes\Support\Counter;
use LaravelRust\TestProbes\Support\RequestLedger;
use Carbon\Carbon;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\App;
use Illuminate\Support\Facades\Auth;
use Illuminate\Support\Facades\Cookie;
use Illuminate\Support\Facades\URL;
use RuntimeException;

/**
 * Web-group routes that change per-request state, for test/state-isolation.test.ts: with one
 * long-lived PHP worker serving every request, none of it may reach the next request (as under
 * php-fpm, where every request starts from scratch). CSRF is off for them (withoutMiddleware in routes/web.php).
 *
 * With `?fail=1` each route throws after changing its state: the reset must happen after a
 * failed request too.
 */
class StateController
{
    /**
     * POST /login (email) — logs the user in on the session guard.
     */
    public function login(Request $request): JsonResponse
    {
        // The app's own user model, whatever it is: through the guard's user provider.
        $user = Auth::guard('web')->getProvider()->retrieveByCredentials(['email' => (string) $request->input('email')]);
        if ($user === null) {
            return response()->json(['message' => 'no such user'], 422);
        }
        Auth::login($user);
        $request->session()->regenerate();
        $this->failIfAsked($request);

        return response()->json(['id' => $user->id, 'email' => $user->email, 'session' => $this->sessionTag($request)]);
    }

    /**
     * POST /logout
     */
    public function logout(Request $request): JsonResponse
    {
        Auth::logout();
        $request->session()->invalidate();

        return response()->json(['ok' => true]);
    }

    /**
     * GET /me — the logged-in user, or 401.
     */
    public function me(Request $request): JsonResponse
    {
        $user = Auth::user();
        $out = [
            'session' => $this->sessionTag($request),
            'request_user' => optional($request->user())->email,
            'guard_check' => Auth::guard('web')->check(),
        ];
        if ($user === null) {
            return response()->json(['user' => null] + $out, 401);
        }

        return response()->json(['user' => ['id' => $user->id, 'email' => $user->email]] + $out);
    }

    /**
     * GET /state/locale?lang=xx — sets the locale for this request only (App and Carbon).
     */
    public function locale(Request $request): JsonResponse
    {
        $before = ['app' => App::getLocale(), 'carbon' => Carbon::getLocale(), 'config' => config('app.locale')];
        $lang = $request->query('lang');
        if (is_string($lang) && preg_match('/^[a-z]{2}$/', $lang)) {
            App::setLocale($lang);
            Carbon::setLocale($lang);
        }
        $this->failIfAsked($request);

        return response()->json([
            'before' => $before,
            'after' => ['app' => App::getLocale(), 'carbon' => Carbon::getLocale(), 'config' => config('app.locale')],
        ]);
    }

    /**
     * GET /state/queue-cookie?value=x — Cookie::queue() (sent by AddQueuedCookiesToResponse).
     */
    public function queueCookie(Request $request): JsonResponse
    {
        $value = $request->query('value');
        if (is_string($value) && $value !== '') {
            Cookie::queue('queued', $value, 10);
        }
        $this->failIfAsked($request);

        return response()->json(['queued_now' => array_map(
            static fn ($cookie) => $cookie->getName(),
            array_values(Cookie::getQueuedCookies())
        )]);
    }

    /**
     * GET /state/config?name=X — changes config('app.name') at runtime.
     */
    public function config(Request $request): JsonResponse
    {
        $before = config('app.name');
        $name = $request->query('name');
        if (is_string($name) && $name !== '') {
            config(['app.name' => $name, 'state.marker' => $name]);
        }
        $this->failIfAsked($request);

        return response()->json([
            'before' => $before,
            'after' => config('app.name'),
            'marker' => config('state.marker'),
        ]);
    }

    /**
     * GET /state/ledger?add=x — a flushed singleton (RequestLedger) and an unflushed one (Counter).
     */
    public function ledger(Request $request, RequestLedger $ledger, Counter $counter): JsonResponse
    {
        $add = $request->query('add');
        if (is_string($add) && $add !== '') {
            $ledger->add($add);
            app(RequestLedger::class)->add("{$add}-again");
        }
        $this->failIfAsked($request);

        return response()->json([
            'ledger' => $ledger->all(),
            'same_instance' => app(RequestLedger::class) === $ledger,
            'counter' => $counter->increment(),
            'pid' => getmypid(),
        ]);
    }

    /**
     * GET /state/url — the URL generator and the request instance reflect the current request.
     */
    public function url(Request $request): JsonResponse
    {
        return response()->json([
            'current' => url()->current(),
            'full' => url()->full(),
            'to' => url('/somewhere'),
            'route' => route('state.url', ['q' => 1]),
            'previous' => url()->previous('/fallback'),
            'request_full_url' => request()->fullUrl(),
            'injected_full_url' => $request->fullUrl(),
            'same_request' => request() === $request && app('request') === $request,
            'url_generator_request' => URL::getRequest() === $request,
            'root' => URL::to('/'),
        ]);
    }

    private function failIfAsked(Request $request): void
    {
        if ($request->query('fail') === '1') {
            throw new RuntimeException('state test: failing after the change, as asked');
        }
    }

    /** A short, stable tag of the session id (enough to tell sessions apart). */
    private function sessionTag(Request $request): string
    {
        return substr(sha1($request->session()->getId()), 0, 12);
    }
}
