<?php

/**
 * Checks the Laravel adapter's request mapping against Laravel's own construction path:
 * for a set of protocol requests, the Illuminate request the adapter builds must expose the same
 * input, query, cookies, headers, content and server values as
 * Request::createFromBase(new Symfony Request(...)) with the same globals (what
 * Request::capture() would do under php-fpm), and the same values as PHP's own parsers.
 *
 *     php php/tests/request-mapping.php [laravel-app-path]     (default: ../../example)
 *
 * Prints one line per failure and finally "N passed, M failed".
 */

declare(strict_types=1);

require __DIR__.'/bootstrap.php';

use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Laravel\LaravelAdapter;
use LaravelRust\Bridge\Protocol\Request;
use Symfony\Component\HttpFoundation\Request as SymfonyRequest;

$path = $argv[1] ?? (getenv('LARAVEL_PATH') ?: __DIR__.'/../../example');
$adapter = new LaravelAdapter($path);

$passed = 0;
$failed = 0;
$check = static function (string $name, bool $ok, string $detail = '') use (&$passed, &$failed): void {
    if ($ok) {
        $passed++;
    } else {
        $failed++;
        echo "FAIL {$name}".($detail !== '' ? " — {$detail}" : '')."\n";
    }
};

$make = static function (string $method, string $uri, array $headers, string $body = '', bool $https = false): Request {
    $q = strpos($uri, '?');

    return new Request($method, $uri, $q === false ? $uri : substr($uri, 0, $q), $q === false ? '' : substr($uri, $q + 1), $headers, $body, '10.0.0.7', 40000, '127.0.0.1', $https ? 443 : 8080, $https, 'HTTP/1.1', 1764138000.25, 1);
};

$cases = [
    'GET with query' => $make('GET', '/api/echo?a=1&b[]=2&b[]=3&c[x]=y', [['host', 'example.test:8080'], ['accept', 'application/json']]),
    'POST JSON' => $make('POST', '/api/echo?q=1', [['host', 'h'], ['content-type', 'application/json'], ['content-length', '24']], '{"name":"Ada","list":[1]}'),
    'POST form' => $make('POST', '/api/echo', [['host', 'h'], ['content-type', 'application/x-www-form-urlencoded; charset=UTF-8']], 'x=1&y[]=a&y[]=b&z=%C3%A9'),
    'PATCH form' => $make('PATCH', '/api/echo', [['host', 'h'], ['content-type', 'application/x-www-form-urlencoded']], 'p=2'),
    'GET with body' => $make('GET', '/api/echo?g=1', [['host', 'h'], ['content-type', 'application/x-www-form-urlencoded']], 'ignored=1'),
    'HEAD' => $make('HEAD', '/', [['host', 'h']]),
    'cookies' => $make('GET', '/', [['host', 'h'], ['cookie', 'a=1; b=hello%20world; c=x+y'], ['cookie', 'a=2; arr[k]=v; dotted.name=d']]),
    'https' => $make('GET', '/secure', [['host', 'secure.test']], '', true),
    'repeated headers' => $make('GET', '/', [['host', 'h'], ['x-multi', 'one'], ['x-multi', 'two'], ['x_under', 'dropped']]),
    'ipv6 host' => $make('GET', '/', [['host', '[::1]:8080']]),
];

foreach ($cases as $name => $r) {
    $mine = $adapter->toLaravelRequest($r);

    // Reference: the globals PHP would build, through Laravel's own createFromBase().
    $server = $mine->server->all();
    parse_str($r->queryString, $get);
    $post = [];
    $ct = $server['CONTENT_TYPE'] ?? '';
    if (stripos($ct, 'application/x-www-form-urlencoded') === 0 && in_array($r->method, ['POST', 'PUT', 'PATCH', 'DELETE'], true)) {
        parse_str($r->body, $post);
    }
    $reference = IlluminateRequest::createFromBase(new SymfonyRequest($get, $post, [], $mine->cookies->all(), [], $server, $r->body));

    $pairs = [
        'input' => [$mine->all(), $reference->all()],
        'request bag' => [$mine->request->all(), $reference->request->all()],
        'query' => [$mine->query->all(), $reference->query->all()],
        'headers' => [$mine->headers->all(), $reference->headers->all()],
        'content' => [$mine->getContent(), $reference->getContent()],
        'url' => [$mine->fullUrl(), $reference->fullUrl()],
        'method' => [$mine->getMethod(), $reference->getMethod()],
        'isJson' => [$mine->isJson(), $reference->isJson()],
    ];
    foreach ($pairs as $what => [$a, $b]) {
        $check("{$name}: {$what}", $a === $b, json_encode($a).' vs '.json_encode($b));
    }
}

// Values checked against what PHP/nginx+fpm give.
$e = $adapter->toLaravelRequest($cases['GET with query']);
$check('SERVER_NAME without port', $e->server('SERVER_NAME') === 'example.test');
$check('SERVER_PORT string', $e->server('SERVER_PORT') === '8080');
$check('REMOTE_ADDR / REMOTE_PORT', $e->server('REMOTE_ADDR') === '10.0.0.7' && $e->server('REMOTE_PORT') === '40000' && $e->ip() === '10.0.0.7');
$check('REQUEST_TIME / REQUEST_TIME_FLOAT', $e->server('REQUEST_TIME') === 1764138000 && $e->server('REQUEST_TIME_FLOAT') === 1764138000.25);
$check('script vars', $e->server('SCRIPT_NAME') === '/index.php' && $e->server('PHP_SELF') === '/index.php' && str_ends_with((string) $e->server('SCRIPT_FILENAME'), '/public/index.php') && $e->getBaseUrl() === '' && $e->path() === 'api/echo');
$check('query nesting like PHP', $e->query('c') === ['x' => 'y'] && $e->query('b') === ['2', '3']);
$j = $adapter->toLaravelRequest($cases['POST JSON']);
$check('JSON body as input, CONTENT_LENGTH = body length', $j->input('name') === 'Ada' && $j->server('CONTENT_LENGTH') === '25' && $j->header('content-length') === '25');
$f = $adapter->toLaravelRequest($cases['POST form']);
$check('form body decoded', $f->input('z') === 'é' && $f->input('y') === ['a', 'b'] && $f->request->get('x') === '1');
$g = $adapter->toLaravelRequest($cases['GET with body']);
$check('GET form body not parsed (like PHP)', $g->request->all() === ['g' => '1'] && $g->input('ignored') === null);
$c = $adapter->toLaravelRequest($cases['cookies']);
$check('cookies like $_COOKIE: first wins, rawurldecode, + kept, arrays, dots → _',
    $c->cookies->all() === ['a' => '1', 'b' => 'hello world', 'c' => 'x+y', 'arr' => ['k' => 'v'], 'dotted_name' => 'd'],
    json_encode($c->cookies->all()));
$check('Cookie header joined with "; "', $c->header('cookie') === 'a=1; b=hello%20world; c=x+y; a=2; arr[k]=v; dotted.name=d');
$h = $adapter->toLaravelRequest($cases['https']);
$check('https: HTTPS=on, secure, port 443', $h->secure() && $h->server('HTTPS') === 'on' && $h->getPort() === 443 && $h->url() === 'https://secure.test/secure');
$m = $adapter->toLaravelRequest($cases['repeated headers']);
$check('repeated headers joined with ", ", names with "_" dropped', $m->header('x-multi') === 'one, two' && $m->header('x-under') === null && $m->server('HTTP_X_UNDER') === null);
$v6 = $adapter->toLaravelRequest($cases['ipv6 host']);
$check('IPv6 host', $v6->server('SERVER_NAME') === '[::1]' && $v6->getHost() === '[::1]' && $v6->getPort() === 8080);

// Response conversion: every header value and cookie as its own pair.
$response = new Illuminate\Http\Response('body', 201, ['X-A' => ['1', '2'], 'Content-Type' => 'text/plain']);
$response->headers->setCookie(new Symfony\Component\HttpFoundation\Cookie('s', 'v', 0, '/', null, true, true, false, 'strict'));
$response->headers->setCookie(Symfony\Component\HttpFoundation\Cookie::create('m', 'w')->withExpires(time() + 60));
$out = $adapter->toBridgeResponse($e, $response);
$names = array_map(static fn ($p) => $p[0], $out->headers);
$cookies = array_values(array_filter($out->headers, static fn ($p) => $p[0] === 'Set-Cookie'));
$check('response: status, repeated header values, one Set-Cookie per cookie',
    $out->status === 201 && $out->body === 'body' && count(array_keys($names, 'X-A', true)) === 2 && count($cookies) === 2
    && str_contains($cookies[0][1], 'samesite=strict') && str_contains($cookies[1][1], 'Max-Age=60'),
    json_encode($out->headers));

echo "{$passed} passed, {$failed} failed\n";
exit($failed === 0 ? 0 : 1);
