<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Protocol\Request;
use Symfony\Component\HttpFoundation\Request as SymfonyRequest;

/**
 * Builds each Illuminate request straight from the protocol request, with the $_SERVER, $_GET,
 * $_POST, $_COOKIE and $_FILES php-fpm would give the app (no PHP globals are touched). The body
 * comes in memory, as a file Node spooled (read as the request content, like php://input), or as
 * a multipart form Node already parsed into fields and files (UploadedForm); Node owns and deletes
 * those files.
 */
final class RequestFactory
{
    /** @var array<string, string> the $_SERVER entries that are the same for every request */
    private array $serverBase;

    /** @var array<string, string> header name => CGI variable name (memo) */
    private array $cgiNames = [];

    /**
     * What createFromBase() does to a request after building it, for the versions whose
     * createFromBase() builds throwaway requests first (null elsewhere): with no uploads to
     * filter, the request is then built directly and this sets its input. Laravel 8 sets
     * `request` to getInputSource() (its createFromBase() builds the request twice, ~4 µs);
     * Laravel 10 to 12 give a JSON request its JSON body as input (theirs builds a Symfony request
     * and one more for filterFiles(), about 58,000 instructions, docs/PERFORMANCE.md).
     *
     * @var null|\Closure(IlluminateRequest):void
     */
    private ?\Closure $setInputSource = null;

    /**
     * @param bool $sendfile the front door serves files the app hands over (SENDFILE_ROOTS): every
     *                       request says so with `X-Sendfile-Type: X-Sendfile`, replacing any the
     *                       client sent, so a BinaryFileResponse names its file instead of sending it
     */
    public function __construct(Application $app, private readonly bool $sendfile = false)
    {
        // Other versions (9, and any not checked yet) keep calling createFromBase().
        $major = (int) $app->version();
        if ($major === 8 && method_exists(IlluminateRequest::class, 'getInputSource')) {
            $this->setInputSource = \Closure::bind(static function (IlluminateRequest $request): void {
                $request->request = $request->getInputSource();
            }, null, IlluminateRequest::class);
        } elseif ($major >= 10 && $major <= 12) {
            $this->setInputSource = static function (IlluminateRequest $request): void {
                if ($request->isJson()) {
                    $request->request = $request->json();
                }
            };
        }

        $public = method_exists($app, 'publicPath') ? $app->publicPath() : $app->basePath().'/public';
        $this->serverBase = [
            'SERVER_SOFTWARE' => 'laravel-rust-bridge',
            'GATEWAY_INTERFACE' => 'CGI/1.1',
            'DOCUMENT_ROOT' => $public,
            'SCRIPT_FILENAME' => $public.'/index.php',
            'SCRIPT_NAME' => '/index.php',
            'PHP_SELF' => '/index.php',
            // nginx's fastcgi_params always pass these two, empty when the request has none;
            // php-fpm puts them in $_SERVER as "" (Symfony's ServerBag skips empty ones).
            'CONTENT_TYPE' => '',
            'CONTENT_LENGTH' => '',
        ];
    }

    /** Builds the Illuminate request directly from the protocol request (no PHP globals). */
    public function create(Request $r): IlluminateRequest
    {
        $server = $this->serverBase;
        $server['REQUEST_METHOD'] = $r->method;
        $server['REQUEST_URI'] = $r->uri;
        $server['QUERY_STRING'] = $r->queryString;
        $server['SERVER_PROTOCOL'] = $r->protocol;
        $server['SERVER_ADDR'] = $r->serverAddr;
        $server['SERVER_PORT'] = (string) $r->serverPort;
        $server['REMOTE_ADDR'] = $r->remoteAddr;
        $server['REMOTE_PORT'] = (string) $r->remotePort;
        $server['REQUEST_TIME'] = (int) $r->time;
        $server['REQUEST_TIME_FLOAT'] = $r->time;
        if ($r->https) {
            $server['HTTPS'] = 'on';
            $server['REQUEST_SCHEME'] = 'https';
        } else {
            $server['REQUEST_SCHEME'] = 'http';
        }

        foreach ($r->headers as [$name, $value]) {
            $key = $this->cgiNames[$name] ?? $this->cgiName($name);
            if ($key === '') {
                continue;
            }
            if (isset($server[$key])) {
                // Repeated headers are joined as one field; Cookie pairs with "; ".
                $server[$key] .= ($key === 'HTTP_COOKIE' ? '; ' : ', ').$value;
            } else {
                $server[$key] = $value;
            }
        }

        if ($this->sendfile) {
            $server['HTTP_X_SENDFILE_TYPE'] = 'X-Sendfile';
        } else {
            unset($server['HTTP_X_SENDFILE_TYPE']);
        }

        $host = $server['HTTP_HOST'] ?? '';
        $server['SERVER_NAME'] = $host === '' ? $r->serverAddr : self::hostWithoutPort($host);
        $contentType = $server['HTTP_CONTENT_TYPE'] ?? '';
        if ($contentType !== '') {
            $server['CONTENT_TYPE'] = $contentType;
        }
        $body = $r->body;
        $size = $r->bodySize ?? \strlen($body);
        if ($size > 0 || isset($server['HTTP_CONTENT_LENGTH'])) {
            $server['CONTENT_LENGTH'] = $server['HTTP_CONTENT_LENGTH'] = (string) $size;
        }
        // A large body Node wrote to disk: the request content is a stream of it (php://input).
        $content = $r->bodyFile !== null ? self::openBody($r->bodyFile) : $body;

        $query = [];
        if ($r->queryString !== '') {
            parse_str($r->queryString, $query);
        }
        $cookies = isset($server['HTTP_COOKIE']) ? self::parseCookies($server['HTTP_COOKIE']) : [];

        $post = [];
        $files = [];
        if ($r->form !== null) {
            // multipart/form-data (POST): Node parsed it; php://input is empty, as under php-fpm.
            [$post, $files] = UploadedForm::build($r->form);
            $content = '';
        } elseif ($size > 0 && $contentType !== '' && stripos($contentType, 'application/x-www-form-urlencoded') === 0) {
            $method = $r->method;
            // PHP parses POST; Symfony's createFromGlobals() also PUT, PATCH and DELETE.
            if ($method === 'POST' || $method === 'PUT' || $method === 'PATCH' || $method === 'DELETE') {
                parse_str(\is_string($content) ? $content : (string) stream_get_contents($content, -1, 0), $post);
            }
        }

        if ($this->setInputSource !== null && $files === []) {
            $request = new IlluminateRequest($query, $post, [], $cookies, [], $server, $content);
            ($this->setInputSource)($request);

            return $request;
        }

        // Same construction as Request::capture() minus the globals; createFromBase() also picks
        // the input source (JSON body / query for GET / form fields) and filters empty uploads
        // the way each version does.
        return IlluminateRequest::createFromBase(
            new SymfonyRequest($query, $post, [], $cookies, $files, $server, $content)
        );
    }

    /**
     * @return resource the spooled body, read as the request's content
     */
    private static function openBody(string $path)
    {
        $stream = @fopen($path, 'rb');
        if ($stream === false) {
            throw new \RuntimeException("cannot open the request body file {$path} that Node wrote");
        }

        return $stream;
    }

    /** "content-type" => "HTTP_CONTENT_TYPE"; '' for names with "_" (dropped, as nginx does by default). */
    private function cgiName(string $name): string
    {
        $key = str_contains($name, '_') ? '' : 'HTTP_'.strtoupper(strtr($name, '-', '_'));
        if (\count($this->cgiNames) < 512) {
            $this->cgiNames[$name] = $key;
        }

        return $key;
    }

    private static function hostWithoutPort(string $host): string
    {
        if ($host[0] === '[') { // [::1]:8080
            $end = strpos($host, ']');

            return $end === false ? $host : substr($host, 0, $end + 1);
        }
        $colon = strrpos($host, ':');

        return $colon === false ? $host : substr($host, 0, $colon);
    }

    /**
     * Cookie header => $_COOKIE as PHP builds it (main/php_variables.c, PARSE_COOKIE): pairs split
     * on ";", leading white space skipped, a pair without "=" is a cookie with an empty value, one
     * starting with "=" is dropped; the name is NOT url-decoded (PHP >= 7.4.11, CVE-2020-7070:
     * "%5F%5FHost-x" must not become "__Host-x"), the value is raw-url-decoded ("+" stays "+");
     * names then register like any request variable ("." and " " become "_", "a[b]" nests, "a[]"
     * appends), and a plain name already present keeps its first value.
     *
     * @return array<string, mixed>
     */
    public static function parseCookies(string $header): array
    {
        $pairs = [];
        $plain = true;
        foreach (explode(';', $header) as $pair) {
            $pair = ltrim($pair, " \t\n\r\v\f");
            if ($pair === '' || $pair[0] === '=') {
                continue;
            }
            $eq = strpos($pair, '=');
            $name = $eq === false ? $pair : substr($pair, 0, $eq);
            $pairs[] = [$name, $eq === false ? '' : rawurldecode(substr($pair, $eq + 1))];
            $plain = $plain && strpbrk($name, "[. \0") === false;
        }
        if ($plain) { // the usual case: names PHP registers as they are
            $cookies = [];
            foreach ($pairs as [$name, $value]) {
                $cookies[$name] ??= $value;
            }

            return $cookies;
        }

        $kept = [];
        $seen = [];
        foreach ($pairs as [$name, $value]) {
            // parse_str() registers variables exactly as PHP does; encoding both parts makes it
            // see the raw name and the decoded value.
            $encoded = rawurlencode($name).'='.rawurlencode($value);
            $one = [];
            parse_str($encoded, $one);
            $key = array_key_first($one);
            if ($key === null) {
                continue;
            }
            if (!\is_array($one[$key]) && isset($seen[$key])) {
                continue; // a plain name registered before: the first one wins
            }
            $seen[$key] = true;
            $kept[] = $encoded;
        }
        $cookies = [];
        if ($kept !== []) {
            parse_str(implode('&', $kept), $cookies);
        }

        return $cookies;
    }
}
