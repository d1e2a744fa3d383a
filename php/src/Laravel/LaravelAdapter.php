<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Bootstrap\RegisterProviders;
use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Protocol\Request;
use LaravelRust\Bridge\Protocol\Response;
use LaravelRust\Bridge\Protocol\ResponseSink;
use LaravelRust\Bridge\Protocol\TerminableHandler;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Request as SymfonyRequest;
use Symfony\Component\HttpFoundation\Response as SymfonyResponse;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * Serves protocol Requests through a Laravel application that was booted ONCE: per request only
 * Kernel::handle(), the response conversion, Kernel::terminate() and the state reset run.
 *
 * Written against the contracts Laravel 8 to 11 share: Illuminate\Contracts\Http\Kernel
 * (bootstrap/handle/terminate), Illuminate\Http\Request::createFromBase(), Symfony HttpFoundation
 * responses. Version differences are handled where they occur (see StateResetter too).
 */
final class LaravelAdapter implements TerminableHandler
{
    private Application $app;

    private HttpKernel $kernel;

    private StateResetter $resetter;

    /** @var array<string, string> the $_SERVER entries that are the same for every request */
    private array $serverBase;

    /** @var array<string, string> header name => CGI variable name (memo) */
    private array $cgiNames = [];

    private ?IlluminateRequest $request = null;

    private ?SymfonyResponse $response = null;

    private ?MultipartParser $uploads = null;

    /** @var null|\Closure(string):void */
    private ?\Closure $logger;

    /**
     * Laravel 8 only: sets `request` to getInputSource() on a directly constructed request, which
     * is all createFromBase() adds there after building the request twice (null elsewhere).
     *
     * @var null|\Closure(IlluminateRequest):void
     */
    private ?\Closure $setInputSource = null;

    /**
     * @param Application|string $app an application (e.g. the one artisan booted) or the base path
     *                                of a Laravel app to boot (vendor/autoload.php + bootstrap/app.php)
     */
    public function __construct(Application|string $app, ?\Closure $logger = null)
    {
        $this->logger = $logger;
        if (\is_string($app)) {
            $app = self::createApplication($app);
        }
        $this->app = $app;
        self::markAsHttp($app);

        $placeholder = null;
        $makePlaceholder = static function (Application $app) use (&$placeholder): IlluminateRequest {
            $url = $app->bound('config') ? (string) ($app['config']->get('app.url') ?: 'http://localhost') : 'http://localhost';

            return $placeholder ??= IlluminateRequest::create($url);
        };
        // Like Octane (and SetRequestForConsole), a request is bound before the service providers
        // register, so that every later instance('request', ...) is a *re*binding and fires the
        // callbacks providers hang on it (URL generator, auth user resolver, ...).
        if (!$app->bound('request')) {
            if (!$app->hasBeenBootstrapped() && method_exists($app, 'beforeBootstrapping')) {
                $app->beforeBootstrapping(RegisterProviders::class, static function ($app) use ($makePlaceholder): void {
                    if (!$app->bound('request')) {
                        $app->instance('request', $makePlaceholder($app));
                    }
                });
            } else {
                $app->instance('request', $makePlaceholder($app));
            }
        }

        $this->kernel = $app->make(HttpKernel::class);
        $this->kernel->bootstrap(); // a no-op when artisan's console kernel already booted the app
        if (!$app->bound('request')) {
            $app->instance('request', $makePlaceholder($app));
        }
        // Octane does the same: deferred providers registered in the middle of a request would
        // merge config into the per-request sandbox and be lost at the next reset.
        if (method_exists($app, 'loadDeferredProviders')) {
            $app->loadDeferredProviders();
        }

        $existing = $app['request'];
        $this->resetter = new StateResetter(
            $app,
            $placeholder ?? ($existing instanceof IlluminateRequest ? $existing : $makePlaceholder($app))
        );

        // Laravel 8's createFromBase() builds the request twice ((new static)->duplicate()) and
        // then sets request = getInputSource(); doing that directly saves ~4 µs per request.
        // Later versions changed createFromBase() (10.x/11: one construction, JSON-only input
        // source), so they keep calling it.
        if (str_starts_with((string) $app->version(), '8.') && method_exists(IlluminateRequest::class, 'getInputSource')) {
            $this->setInputSource = \Closure::bind(static function (IlluminateRequest $request): void {
                $request->request = $request->getInputSource();
            }, null, IlluminateRequest::class);
        }

        // exit()/dd()/a fatal error in a request ends the process without afterResponse(): delete
        // that request's upload temp files anyway, as PHP does at request shutdown. (Registered
        // before the Worker's own shutdown hook, so they are gone before Node hears of the error.)
        register_shutdown_function(function (): void {
            if ($this->uploads !== null) {
                $this->uploads->cleanup();
                $this->uploads = null;
            }
        });

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

    /**
     * Boots the app at $path for bin/worker.php. On failure prints the exception (class, message,
     * file:line, causes) through $fail, which exits 1: Node logs it and retries with backoff.
     *
     * @param callable(string):never $fail
     */
    public static function bootFromPath(string $path, callable $fail): self
    {
        try {
            return new self($path, static function (string $message): void {
                fwrite(STDERR, '[php-worker '.getmypid().'] '.$message."\n");
            });
        } catch (\Throwable $e) {
            $text = "cannot boot the Laravel app at {$path}: ".\get_class($e).': '.$e->getMessage().' at '.$e->getFile().':'.$e->getLine();
            for ($previous = $e->getPrevious(); $previous !== null; $previous = $previous->getPrevious()) {
                $text .= "\n  caused by ".\get_class($previous).': '.$previous->getMessage().' at '.$previous->getFile().':'.$previous->getLine();
            }
            $fail($text);
        }
    }

    public static function createApplication(string $basePath): Application
    {
        $base = rtrim($basePath, '/');
        if (!is_file($base.'/vendor/autoload.php')) {
            throw new \RuntimeException("{$base}/vendor/autoload.php not found (is LARAVEL_PATH a Laravel app with its dependencies installed?)");
        }
        if (!is_file($base.'/bootstrap/app.php')) {
            throw new \RuntimeException("{$base}/bootstrap/app.php not found (is LARAVEL_PATH a Laravel app?)");
        }
        require_once $base.'/vendor/autoload.php';
        $app = require $base.'/bootstrap/app.php';
        if (!$app instanceof Application) {
            throw new \RuntimeException("{$base}/bootstrap/app.php did not return an Illuminate application (got ".get_debug_type($app).')');
        }

        return $app;
    }

    /**
     * A CLI process would make runningInConsole() true; under php-fpm it is false, and apps and
     * packages (Telescope, exception rendering, console-only providers) behave differently on
     * it. Unless APP_RUNNING_IN_CONSOLE is set explicitly, mark the app as serving HTTP.
     * (`isRunningInConsole` is the memo property of Illuminate\Foundation\Application in 8-11.)
     */
    private static function markAsHttp(Application $app): void
    {
        if (getenv('APP_RUNNING_IN_CONSOLE') !== false || isset($_ENV['APP_RUNNING_IN_CONSOLE'])) {
            return;
        }
        if (property_exists($app, 'isRunningInConsole')) {
            \Closure::bind(function (): void {
                $this->isRunningInConsole = false;
            }, $app, \get_class($app))();
        }
    }

    public function application(): Application
    {
        return $this->app;
    }

    public function handle(Request $request): Response
    {
        $laravelRequest = $this->toLaravelRequest($request);
        $this->request = $laravelRequest;
        $response = $this->kernel->handle($laravelRequest);
        $this->response = $response;

        return $this->toBridgeResponse($laravelRequest, $response);
    }

    public function afterResponse(): void
    {
        $request = $this->request;
        $response = $this->response;
        $this->request = null;
        $this->response = null;
        try {
            if ($request !== null && $response !== null) {
                $this->kernel->terminate($request, $response);
            }
        } finally {
            foreach ($this->resetter->afterRequest($request) as $problem) {
                $this->log($problem);
            }
            if ($this->uploads !== null) {
                $this->uploads->cleanup();
                $this->uploads = null;
            }
        }
    }

    public function shutdown(): void
    {
        if ($this->app->resolved('db')) {
            foreach ($this->app['db']->getConnections() as $name => $connection) {
                $this->app['db']->disconnect($name);
            }
        }
    }

    /** Builds the Illuminate request directly from the protocol request (no PHP globals). */
    public function toLaravelRequest(Request $r): IlluminateRequest
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

        $host = $server['HTTP_HOST'] ?? '';
        $server['SERVER_NAME'] = $host === '' ? $r->serverAddr : self::hostWithoutPort($host);
        $contentType = $server['HTTP_CONTENT_TYPE'] ?? '';
        if ($contentType !== '') {
            $server['CONTENT_TYPE'] = $contentType;
        }
        $body = $r->body;
        if ($body !== '' || isset($server['HTTP_CONTENT_LENGTH'])) {
            $server['CONTENT_LENGTH'] = $server['HTTP_CONTENT_LENGTH'] = (string) \strlen($body);
        }

        $query = [];
        if ($r->queryString !== '') {
            parse_str($r->queryString, $query);
        }
        $cookies = isset($server['HTTP_COOKIE']) ? self::parseCookies($server['HTTP_COOKIE']) : [];

        $post = [];
        $files = [];
        if ($body !== '' && $contentType !== '') {
            $method = $r->method;
            if (stripos($contentType, 'application/x-www-form-urlencoded') === 0) {
                // PHP parses POST; Symfony's createFromGlobals() also PUT, PATCH and DELETE.
                if ($method === 'POST' || $method === 'PUT' || $method === 'PATCH' || $method === 'DELETE') {
                    parse_str($body, $post);
                }
            } elseif ($method === 'POST' && ($boundary = MultipartParser::boundary($contentType)) !== null) {
                $this->uploads = new MultipartParser();
                [$post, $files] = $this->uploads->parse($body, $boundary);
                $body = ''; // as under php-fpm: php://input is empty for multipart/form-data
            }
        }

        if ($this->setInputSource !== null && $files === []) {
            $request = new IlluminateRequest($query, $post, [], $cookies, [], $server, $body);
            ($this->setInputSource)($request);

            return $request;
        }

        // Same construction as Request::capture() minus the globals; createFromBase() also picks
        // the input source (JSON body / query for GET / form fields) and filters empty uploads
        // the way each version does.
        return IlluminateRequest::createFromBase(
            new SymfonyRequest($query, $post, [], $cookies, $files, $server, $body)
        );
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
     * Cookie header => $_COOKIE the way PHP builds it: pairs split on ";", names trimmed of
     * leading spaces and url-decoded, values raw-url-decoded ("+" stays "+"), the first of a
     * repeated name wins, "a[b]=1" nests.
     *
     * @return array<string, mixed>
     */
    public static function parseCookies(string $header): array
    {
        $cookies = [];
        foreach (explode(';', $header) as $pair) {
            $eq = strpos($pair, '=');
            if ($eq === false) {
                continue;
            }
            $name = urldecode(ltrim(substr($pair, 0, $eq), " \t"));
            $name = rtrim($name, " \t");
            if ($name === '') {
                continue;
            }
            $value = rawurldecode((string) substr($pair, $eq + 1));
            if (strpbrk($name, '[. ') === false) {
                $cookies[$name] ??= $value;
                continue;
            }
            $parsed = [];
            parse_str(str_replace(['%5B', '%5D'], ['[', ']'], rawurlencode($name)).'='.rawurlencode($value), $parsed);
            $cookies += $parsed;
        }

        return $cookies;
    }

    /**
     * Status and headers as pairs: every header value as its own pair, and each cookie as its own
     * Set-Cookie (Cookie::__toString() keeps SameSite, Max-Age and, on Symfony 6.4+,
     * Partitioned). Bodies: a normal response's content; StreamedResponse, BinaryFileResponse
     * (and any response without string content) stream through the worker's sink.
     */
    public function toBridgeResponse(IlluminateRequest $request, SymfonyResponse $response): Response
    {
        $headers = [];
        foreach ($response->headers->allPreserveCaseWithoutCookies() as $name => $values) {
            foreach ($values as $value) {
                $headers[] = [$name, (string) $value];
            }
        }
        foreach ($response->headers->getCookies() as $cookie) {
            $headers[] = ['Set-Cookie', (string) $cookie];
        }
        $status = $response->getStatusCode();
        if (!$response->headers->has('Content-Type') && ($type = self::defaultContentType()) !== null) {
            // PHP's SAPI (php-fpm) sends default_mimetype + default_charset when the app set no
            // Content-Type (Laravel's error pages from the router's exception path have none).
            // Symfony's prepare() clears default_mimetype for 204/304, which skips this.
            $headers[] = ['Content-Type', $type];
        }

        if (!$response instanceof StreamedResponse && !$response instanceof BinaryFileResponse) {
            $content = $response->getContent();
            if (\is_string($content)) {
                return new Response($status, $headers, $content);
            }
        }
        if ($request->getMethod() === 'HEAD') {
            return new Response($status, $headers, '');
        }

        return new Response($status, $headers, '', static function (ResponseSink $sink) use ($response): void {
            $level = ob_get_level();
            ob_start(static function (string $buffer) use ($sink): string {
                $sink->write($buffer);

                return '';
            }, 65536);
            try {
                $response->sendContent();
            } finally {
                while (ob_get_level() > $level) {
                    if (!@ob_end_flush()) {
                        break;
                    }
                }
            }
        });
    }

    /**
     * The Content-Type PHP's SAPI adds to a response without one: `default_mimetype`, plus
     * `; charset=<default_charset>` for text/* types (main/SAPI.c get_default_content_type()).
     * Null when default_mimetype is empty (what Symfony's Response::prepare() sets for 204/304).
     */
    public static function defaultContentType(): ?string
    {
        $mimetype = (string) \ini_get('default_mimetype');
        if ($mimetype === '') {
            return null;
        }
        $charset = (string) \ini_get('default_charset');

        return $charset !== '' && strncasecmp($mimetype, 'text/', 5) === 0 ? "{$mimetype}; charset={$charset}" : $mimetype;
    }

    private function log(string $message): void
    {
        if ($this->logger !== null) {
            ($this->logger)($message);
        } else {
            @fwrite(STDERR, '[php-worker '.getmypid().'] '.$message."\n");
        }
    }
}
