<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel;

use Illuminate\Container\Container;
use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request as IlluminateRequest;
use Illuminate\Support\Facades\App;
use Illuminate\Support\Facades\Cookie;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Event;
use Illuminate\Support\Facades\Facade;
use Illuminate\Support\Facades\URL;
use Illuminate\Support\Facades\View;
use LaravelRust\Bridge\Events;
use LaravelRust\Bridge\Laravel\LaravelAdapter;
use LaravelRust\Bridge\Protocol\Response;
use LaravelRust\Bridge\Protocol\ResponseSink;

/**
 * The adapter end to end, in-process, on the Laravel 12 test app: protocol requests in, protocol
 * responses out, through the app's kernel, a sandbox per request and the reset after it.
 */
final class LaravelAdapterTest extends LaravelTestCase
{
    /** @var array<string, mixed> what the test routes saw */
    private static array $seen = [];

    private static int $built = 0;

    /** @var list<object> lifecycle events, in order */
    private static array $events = [];

    protected function setUp(): void
    {
        self::$seen = [];
        self::$built = 0;
        self::$events = [];
    }

    /** Routes of these tests, added at boot (before the adapter takes its snapshots). */
    private static function routes(): \Closure
    {
        return static function (Application $app): void {
            $app->singleton('probe.lazy', static function (): \stdClass {
                ++self::$built;

                return new \stdClass();
            });
            $router = $app['router'];
            $router->get('/t/bind', static function () {
                app()->instance('probe.request-instance', new \stdClass());
                app()->singleton('probe.request-singleton', static fn () => new \stdClass());
                app('probe.request-singleton');

                return 'bound';
            });
            $router->get('/t/check', static fn () => response()->json([
                'instance' => app()->bound('probe.request-instance'),
                'singleton' => app()->bound('probe.request-singleton'),
            ]));
            $router->get('/t/lazy', static function () {
                app('probe.lazy');

                return (string) self::$built;
            });
            $router->get('/t/who', static function (IlluminateRequest $request) {
                self::$seen = [
                    'app' => app(),
                    'container' => Container::getInstance(),
                    'facade' => App::getFacadeRoot(),
                    'console' => app()->runningInConsole(),
                    'request' => $request,
                    'bound request' => app('request'),
                ];

                return 'seen';
            });
            $router->get('/t/dirty', static function () {
                config(['app.name' => 'Dirty']);
                App::setLocale('de');
                URL::forceRootUrl('http://evil.test');
                View::share('leak', 'yes');
                IlluminateRequest::macro('leakMacro', static fn () => 'leak');
                Event::listen('probe.leak', static fn () => null);
                Cookie::queue('leaked', 'yes');

                return 'dirty';
            });
            $router->get('/t/state', static fn () => response()->json([
                'name' => config('app.name'),
                'locale' => app()->getLocale(),
                'url' => url('/x'),
                'share' => View::shared('leak'),
                'macro' => IlluminateRequest::hasMacro('leakMacro'),
                'listener' => Event::hasListeners('probe.leak'),
                'cookie' => Cookie::hasQueued('leaked'),
            ]));
            $router->get('/t/transaction', static function () {
                DB::beginTransaction();

                return 'left open';
            });
            $router->post('/t/upload', static fn (IlluminateRequest $request) => $request->file('doc')->getPathname());
            $router->get('/t/fail', static function (): never {
                throw new \RuntimeException('route failed');
            });
        };
    }

    /** One request through the adapter, handle() then afterResponse(), as the worker does. */
    private static function serve(LaravelAdapter $adapter, string $method, string $uri, array $headers = [], string $body = ''): Response
    {
        try {
            return $adapter->handle(self::request($method, $uri, $headers, $body));
        } finally {
            $adapter->afterResponse();
        }
    }

    /** @return list<string> every value of header $name */
    private static function header(Response $response, string $name): array
    {
        return array_values(array_map(static fn ($pair) => $pair[1], array_filter($response->headers, static fn ($pair) => strcasecmp($pair[0], $name) === 0)));
    }

    private function listenersConfig(): array
    {
        $record = static function (object $event): void {
            self::$events[] = $event;
        };
        $listeners = [];
        foreach ([Events\WorkerStarting::class, Events\RequestReceived::class, Events\RequestHandled::class, Events\RequestTerminated::class, Events\WorkerStopping::class] as $event) {
            $listeners[$event] = [$record];
        }

        return ['laravel-rust.listeners' => $listeners];
    }

    public function testAProbeRouteIsServed(): void
    {
        $adapter = $this->adapter();

        $response = self::serve($adapter, 'GET', '/api/ping', [['accept', 'application/json']]);

        self::assertSame(200, $response->status);
        self::assertSame('{"pong":true}', $response->body);
        self::assertSame(['application/json'], self::header($response, 'Content-Type'));
        self::assertSame([], $this->logged);
    }

    public function testHeadHasNoBody(): void
    {
        $adapter = $this->adapter();

        $response = self::serve($adapter, 'HEAD', '/api/ping');

        self::assertSame(200, $response->status);
        self::assertSame('', $response->body);
        self::assertNull($response->stream);
    }

    public function testAStreamedRouteStreamsThroughTheSink(): void
    {
        $adapter = $this->adapter();
        $response = $adapter->handle(self::request('GET', '/api/stream?chunks=3&size=16'));
        try {
            self::assertNotNull($response->stream);
            $sink = new class () implements ResponseSink {
                public string $bytes = '';

                public function write(string $bytes): void
                {
                    $this->bytes .= $bytes;
                }

                public function bytesWritten(): int
                {
                    return \strlen($this->bytes);
                }
            };
            ($response->stream)($sink);
        } finally {
            $adapter->afterResponse();
        }

        self::assertSame("000000:sssssssss\n000001:sssssssss\n000002:sssssssss\n", $sink->bytes);
    }

    public function testAnInstanceOrSingletonBoundInARequestIsGoneInTheNext(): void
    {
        $adapter = $this->adapter([], self::routes());

        self::assertSame('bound', self::serve($adapter, 'GET', '/t/bind')->body);
        $check = json_decode(self::serve($adapter, 'GET', '/t/check')->body, true);

        self::assertSame(['instance' => false, 'singleton' => false], $check);
        self::assertFalse($this->app->bound('probe.request-instance'));
    }

    public function testASingletonFirstResolvedInARequestIsBuiltAgainInTheNextAndAWarmOneIsShared(): void
    {
        $adapter = $this->adapter([], self::routes());

        self::assertSame('1', self::serve($adapter, 'GET', '/t/lazy')->body);
        self::assertSame('2', self::serve($adapter, 'GET', '/t/lazy')->body);

        // Counter is in the probe kit's laravel-rust.warm: resolved at boot, shared by requests.
        $first = json_decode(self::serve($adapter, 'GET', '/api/counter')->body, true);
        $second = json_decode(self::serve($adapter, 'GET', '/api/counter')->body, true);
        self::assertSame($first['count'] + 1, $second['count']);
    }

    public function testFacadesAndTheContainerAreTheSandboxDuringARequestAndTheAppAfter(): void
    {
        $adapter = $this->adapter($this->listenersConfig(), self::routes());

        self::serve($adapter, 'GET', '/t/who?x=1');

        $received = self::$events[1];
        self::assertInstanceOf(Events\RequestReceived::class, $received);
        $sandbox = $received->sandbox;
        self::assertNotSame($this->app, $sandbox);
        self::assertSame($sandbox, self::$seen['app']);
        self::assertSame($sandbox, self::$seen['container']);
        self::assertSame($sandbox, self::$seen['facade']);
        self::assertSame('1', self::$seen['request']->query('x'));
        self::assertSame(self::$seen['request'], self::$seen['bound request']);
        self::assertFalse(self::$seen['console'], 'runningInConsole() in a request');

        self::assertSame($this->app, Container::getInstance());
        self::assertSame($this->app, Facade::getFacadeApplication());
        self::assertSame($this->app, App::getFacadeRoot());
        self::assertSame([], $sandbox->getBindings(), 'the sandbox was emptied');
        self::assertFalse($this->app->runningInConsole());
    }

    public function testLifecycleEventsAreDispatchedInOrder(): void
    {
        $adapter = $this->adapter($this->listenersConfig());
        self::assertCount(1, self::$events, 'WorkerStarting while the adapter is built');

        self::serve($adapter, 'GET', '/api/ping');
        $adapter->shutdown();

        self::assertSame(
            ['WorkerStarting', 'RequestReceived', 'RequestHandled', 'RequestTerminated', 'WorkerStopping'],
            array_map(static fn (object $e) => (new \ReflectionClass($e))->getShortName(), self::$events),
        );
        [$starting, $received, $handled, $terminated, $stopping] = self::$events;
        self::assertSame($this->app, $starting->app);
        self::assertSame($this->app, $received->app);
        self::assertNotSame($this->app, $received->sandbox);
        self::assertSame('/api/ping', $received->request->getPathInfo());
        self::assertSame($received->sandbox, $handled->sandbox);
        self::assertSame($received->request, $handled->request);
        self::assertSame(200, $handled->response->getStatusCode());
        self::assertSame($received->sandbox, $terminated->sandbox);
        self::assertSame($handled->response, $terminated->response);
        self::assertSame($this->app, $stopping->app);
    }

    public function testWhatARequestChangesIsBackToBootStateForTheNext(): void
    {
        $adapter = $this->adapter(['app.name' => 'Booted'], self::routes());
        $before = json_decode(self::serve($adapter, 'GET', '/t/state')->body, true);

        self::assertSame('dirty', self::serve($adapter, 'GET', '/t/dirty')->body);
        $after = json_decode(self::serve($adapter, 'GET', '/t/state')->body, true);

        self::assertSame(['name' => 'Booted', 'locale' => 'en', 'url' => 'http://localhost/x', 'share' => null, 'macro' => false, 'listener' => false, 'cookie' => false], $before);
        self::assertSame($before, $after);
    }

    public function testAnOpenTransactionIsRolledBackAndLogged(): void
    {
        $adapter = $this->adapter([], self::routes());

        self::serve($adapter, 'GET', '/t/transaction');

        self::assertCount(1, $this->logged);
        self::assertStringContainsString('transaction open', $this->logged[0]);
        self::assertSame(0, $this->app['db']->connection()->transactionLevel());
    }

    public function testUploadsNodeWroteReachTheRouteAndAreLeftToNode(): void
    {
        $adapter = $this->adapter([], self::routes());
        [$form, $paths] = self::form([], ['doc' => ['a.txt', 'upload', 'text/plain']]);

        try {
            $response = $adapter->handle(self::request('POST', '/t/upload', [['content-type', 'multipart/form-data; boundary=x']], '', ['form' => $form, 'bodySize' => 100]));
            self::assertSame($paths[0], $response->body);
            $adapter->afterResponse();

            // Node owns the file: it removes it once the exchange is over, whatever PHP did.
            self::assertFileExists($paths[0]);
        } finally {
            array_map('unlink', $paths);
        }
    }

    public function testAFailingRouteIsA500AndTheNextRequestIsServed(): void
    {
        $adapter = $this->adapter(['logging.default' => 'null'], self::routes());

        $failed = self::serve($adapter, 'GET', '/t/fail', [['accept', 'application/json']]);
        $next = self::serve($adapter, 'GET', '/api/ping');

        self::assertSame(500, $failed->status);
        self::assertStringNotContainsString('route failed', $failed->body, 'APP_DEBUG is false');
        self::assertSame(200, $next->status);
    }

    public function testAnUnknownRouteIsA404(): void
    {
        $adapter = $this->adapter();

        self::assertSame(404, self::serve($adapter, 'GET', '/api/no-such-route')->status);
    }

    public function testShutdownClosesTheDatabaseConnections(): void
    {
        $adapter = $this->adapter();
        $connection = $this->app['db']->connection();
        $connection->select('select 1');
        self::assertInstanceOf(\PDO::class, $connection->getRawPdo());

        $adapter->shutdown();

        self::assertNull($connection->getRawPdo());
        self::assertNull($connection->getRawReadPdo());
    }
}
