<?php

namespace LaravelRust\TestProbes\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\RedirectResponse;
use Illuminate\Http\Request;
use Illuminate\Http\Response;

/**
 * Endpoints for the differential suite (test/differential.test.ts): the same requests are sent
 * to this app behind nginx + php-fpm and behind the Node front door, and the answers compared.
 * Everything here is deterministic for a given request.
 */
class DifferentialController
{
    /** The $request->server() entries that Laravel and Symfony read to describe a request. */
    private const SERVER_KEYS = [
        'REQUEST_METHOD',
        'REQUEST_URI',
        'QUERY_STRING',
        'SCRIPT_NAME',
        'SCRIPT_FILENAME',
        'PHP_SELF',
        'DOCUMENT_ROOT',
        'SERVER_NAME',
        'SERVER_PORT',
        'SERVER_ADDR',
        'SERVER_PROTOCOL',
        'HTTPS',
        'REQUEST_SCHEME',
        'REMOTE_ADDR',
        'REMOTE_PORT',
        'CONTENT_TYPE',
        'CONTENT_LENGTH',
        'GATEWAY_INTERFACE',
        'PATH_INFO',
        'ORIG_PATH_INFO',
    ];

    /**
     * ANY /api/server — the CGI values Laravel relies on, and what Laravel derives from them.
     */
    public function server(Request $request): JsonResponse
    {
        $server = [];
        foreach (self::SERVER_KEYS as $key) {
            $server[$key] = $request->server->has($key) ? $request->server->get($key) : '(absent)';
        }

        $http = [];
        foreach ($request->server->all() as $key => $value) {
            if (strncmp($key, 'HTTP_', 5) === 0) {
                $http[$key] = $value;
            }
        }
        ksort($http);

        $time = $request->server('REQUEST_TIME_FLOAT');
        $content = $request->getContent();

        return response()->json([
            'server' => $server,
            'http' => $http,
            'request_time_float' => [
                'type' => get_debug_type($time),
                // Within a minute of now: the value is the request's start, in seconds.
                'recent' => is_float($time) && abs(microtime(true) - $time) < 60,
            ],
            'request_time' => is_int($request->server('REQUEST_TIME')),
            'derived' => [
                'method' => $request->method(),
                'real_method' => $request->getRealMethod(),
                'scheme' => $request->getScheme(),
                'secure' => $request->secure(),
                'host' => $request->getHost(),
                'http_host' => $request->getHttpHost(),
                'port' => $request->getPort(),
                'scheme_and_host' => $request->getSchemeAndHttpHost(),
                'base_url' => $request->getBaseUrl(),
                'path_info' => $request->getPathInfo(),
                'path' => $request->path(),
                'root' => $request->root(),
                'url' => $request->url(),
                'full_url' => $request->fullUrl(),
                'request_uri' => $request->getRequestUri(),
                'query_string' => $request->getQueryString(),
                'ip' => $request->ip(),
                'ips' => $request->ips(),
                'from_trusted_proxy' => $request->isFromTrustedProxy(),
                'is_json' => $request->isJson(),
                'wants_json' => $request->wantsJson(),
                'ajax' => $request->ajax(),
                // Symfony 6.2 renamed getContentType() to getContentTypeFormat(); 7 removed the old name.
                'content_type_format' => method_exists($request, 'getContentTypeFormat') ? $request->getContentTypeFormat() : $request->getContentType(),
                'user_agent' => $request->userAgent(),
                'bearer' => $request->bearerToken(),
                'url_helper' => url('/x/y', ['a' => 1]),
                'asset' => asset('css/app.css'),
            ],
            'body' => ['length' => strlen($content), 'sha1' => sha1($content)],
        ]);
    }

    /**
     * GET /api/cookies — several Set-Cookie headers: SameSite Lax/Strict/None, Max-Age (minutes),
     * Path, Domain, HttpOnly off, Secure, a raw value, and one being deleted.
     */
    public function cookies(): Response
    {
        return response("cookies\n", 200, ['Content-Type' => 'text/plain; charset=UTF-8'])
            ->withCookie(cookie('session_like', 'abc', 0, '/', null, false, true, false, 'lax'))
            ->withCookie(cookie('strict_one', 'v 1;2', 120, '/api', null, false, true, false, 'strict'))
            ->withCookie(cookie('none_secure', 'x', 60, '/', 'app.test', true, true, false, 'none'))
            ->withCookie(cookie('js_readable', 'y', 5, '/', null, false, false, false, null))
            ->withCookie(cookie('raw_value', 'a+b=c', 0, '/', null, false, true, true, 'lax'))
            ->withCookie(cookie()->forget('gone'));
    }

    /**
     * GET /api/redirect?to=path&status=30x — a redirect built by the app (absolute URL from the
     * request's host and scheme).
     */
    public function redirect(Request $request): RedirectResponse
    {
        $status = (int) $request->query('status', 302);
        if (! in_array($status, [301, 302, 303, 307, 308], true)) {
            $status = 302;
        }

        return redirect((string) $request->query('to', '/api/ping'), $status, ['X-Redirected-By' => 'app']);
    }

    /**
     * GET /api/response-headers — repeated and multi-valued response headers, Cache-Control set by
     * the app, Vary, Content-Language, a custom status text.
     */
    public function responseHeaders(): Response
    {
        $response = response('{"ok":true}', 200, ['Content-Type' => 'application/json']);
        $response->headers->set('Cache-Control', 'public, max-age=60, s-maxage=120');
        $response->headers->set('Vary', 'Accept-Encoding', false);
        $response->headers->set('Vary', 'Accept-Language', false);
        $response->headers->set('X-List', ['a', 'b', 'c']);
        $response->headers->set('Content-Language', 'en');
        $response->headers->set('Link', ['</a.css>; rel=preload; as=style', '</b.js>; rel=preload; as=script']);

        return $response->setStatusCode(200, 'Fine');
    }

    /**
     * ANY /api/method — which method Laravel routed (method spoofing with _method included).
     */
    public function method(Request $request): JsonResponse
    {
        return response()->json([
            'method' => $request->method(),
            'real_method' => $request->getRealMethod(),
            'input' => (object) $request->all(),
        ]);
    }

    /**
     * POST /api/validate — a 422 from the validator with the standard JSON error body.
     */
    public function validateInput(Request $request): JsonResponse
    {
        $data = $request->validate([
            'name' => ['required', 'string', 'min:3'],
            'age' => ['required', 'integer', 'between:0,150'],
            'tags' => ['array'],
            'tags.*' => ['string', 'distinct'],
        ]);

        return response()->json(['valid' => $data]);
    }

    /**
     * GET /api/native-header — PHP's own header() and setcookie(), outside Symfony's Response
     * (legacy code does this). php-fpm sends them; a long-lived CLI worker cannot see them.
     */
    public function nativeHeader(): JsonResponse
    {
        header('X-Legacy: set-by-header()');
        setcookie('legacy', '1');

        return response()->json(['ok' => true]);
    }

    /**
     * GET /api/exit — output, then exit() in the middle of a request (what dd() does).
     */
    public function exitNow(): void
    {
        echo "partial output\n";
        exit(0);
    }

    /**
     * GET /api/abort/{code} — abort() with a message, rendered by the exception handler.
     */
    public function abort(int $code): void
    {
        abort($code, "aborted with {$code}");
    }
}
