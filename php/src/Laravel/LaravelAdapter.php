<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Http\Request as IlluminateRequest;
use Illuminate\Routing\Route;
use LaravelRust\Bridge\Events;
use LaravelRust\Bridge\Protocol\Request;
use LaravelRust\Bridge\Protocol\Response;
use LaravelRust\Bridge\Protocol\TerminableHandler;
use LaravelRust\Bridge\Support\ErrorText;
use LaravelRust\Bridge\Support\StderrLog;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Response as SymfonyResponse;

/**
 * Serves protocol requests through a Laravel application booted ONCE. Each request:
 * build the Illuminate request, run it in a sandbox (a clone of the application), send the
 * response, terminate, reset the shared state, drop the sandbox. Lifecycle events
 * (LaravelRust\Bridge\Events) let apps and packages take part.
 *
 * Written against what Laravel 8 to 12 share; version differences are handled where they occur.
 */
final class LaravelAdapter implements TerminableHandler
{
    private Application $app;

    private HttpKernel $kernel;

    private RequestFactory $requests;

    private RequestSandbox $sandbox;

    private StateResetter $resetter;

    /** @var \Closure(string):void */
    private \Closure $log;

    /** The request in progress: its sandbox, request and response, until afterResponse(). */
    private ?Application $current = null;

    private ?IlluminateRequest $request = null;

    private ?SymfonyResponse $response = null;

    /**
     * @param Application|string         $app    an application (e.g. the one artisan booted) or the
     *                                           base path of a Laravel app to load
     *                                           (vendor/autoload.php + bootstrap/app.php)
     * @param null|\Closure(string):void $logger where problems of the state reset go (a failed step,
     *                                           a transaction left open); default: StderrLog::warning()
     */
    public function __construct(Application|string $app, ?\Closure $logger = null)
    {
        $this->log = $logger ?? StderrLog::warning(...);
        $this->app = \is_string($app) ? ApplicationFactory::fromPath($app) : $app;
        [$this->kernel, $placeholder] = ApplicationFactory::boot($this->app);
        // BRIDGE_SENDFILE=1 (Node sets it when SENDFILE_ROOTS is not empty): downloads are handed
        // to the front door. Symfony honours X-Sendfile-Type only once told to trust it.
        $sendfile = getenv('BRIDGE_SENDFILE') === '1';
        if ($sendfile) {
            BinaryFileResponse::trustXSendfileTypeHeader();
        }
        $this->requests = new RequestFactory($this->app, $sendfile);

        $this->dispatch(new Events\WorkerStarting($this->app));
        // Snapshots are taken now: what boot and WorkerStarting's listeners set up is kept.
        $this->sandbox = new RequestSandbox($this->app, $this->kernel);
        $this->resetter = new StateResetter($this->app, $placeholder);
    }

    /**
     * Boots the app at $path for bin/worker.php. On failure passes the exception (class, message,
     * file:line, causes) to $fail, which exits 1: Node logs it and retries with backoff.
     *
     * @param callable(string):never $fail
     */
    public static function bootFromPath(string $path, callable $fail): self
    {
        try {
            return new self($path);
        } catch (\Throwable $e) {
            $fail("cannot boot the Laravel app at {$path}: ".ErrorText::describe($e));
        }
    }

    public function handle(Request $request): Response
    {
        $laravelRequest = $this->requests->create($request);
        $this->request = $laravelRequest;
        // Services resolved at boot captured the long-lived application and read its 'request'.
        $this->app->instance('request', $laravelRequest);
        $sandbox = $this->current = $this->sandbox->enter();
        $this->dispatch(new Events\RequestReceived($this->app, $sandbox, $laravelRequest));

        $response = $this->response = $this->kernel->handle($laravelRequest);
        $this->dispatch(new Events\RequestHandled($sandbox, $laravelRequest, $response));

        return ResponseFactory::create($laravelRequest, $response);
    }

    public function afterResponse(): void
    {
        [$sandbox, $request, $response] = [$this->current, $this->request, $this->response];
        $this->current = $this->request = $this->response = null;
        try {
            if ($sandbox !== null && $request !== null && $response !== null) {
                $this->kernel->terminate($request, $response);
                $this->dispatch(new Events\RequestTerminated($this->app, $sandbox, $request, $response));
            }
        } finally {
            // Controllers are cached on their (shared) Route objects: drop this request's.
            $route = $request?->route();
            if ($route instanceof Route) {
                $route->flushController();
            }
            // Before the sandbox is left: a step reads what the facades still hold.
            foreach ($this->resetter->afterRequest($request) as $problem) {
                ($this->log)($problem);
            }
            if ($sandbox !== null) {
                $this->sandbox->leave($sandbox);
            }
        }
    }

    public function shutdown(): void
    {
        try {
            $this->dispatch(new Events\WorkerStopping($this->app));
        } finally {
            if ($this->app->resolved('db')) {
                foreach (array_keys($this->app['db']->getConnections()) as $name) {
                    $this->app['db']->disconnect($name);
                }
            }
        }
    }

    /** Lifecycle events cost nothing when no one listens. */
    private function dispatch(object $event): void
    {
        $events = FrameworkInternals::sharedInstance($this->app, 'events');
        if ($events !== null && $events->hasListeners($event::class)) {
            $events->dispatch($event);
        }
    }
}
