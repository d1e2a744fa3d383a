<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Laravel\State;
use LaravelRust\Bridge\Support\ErrorText;

/**
 * Puts the long-lived application back into its boot-time state after each request. The request
 * sandbox (RequestSandbox) drops whatever the request created; these steps undo what the request
 * changed in the services shared by every request. The list and the reasons are in
 * docs/STATE.md. Built after boot, so each step's snapshot is the boot-time state.
 */
final class StateResetter
{
    /** @var list<State\ResetStep> */
    private array $steps;

    public function __construct(private readonly Application $app, IlluminateRequest $placeholder)
    {
        $config = $app['config'];
        $this->steps = [
            new State\FlushSessionState(),
            new State\FlushQueuedCookies(),
            new State\FlushAuthenticationState(),
            new State\RestoreLocale($app),
            new State\RestoreConfiguration($app),
            new State\FlushTemporaryInstances(ApplicationFactory::listOf($config->get('laravel-rust.flush', []))),
            new State\FlushLogContext(),
            new State\ResetDatabaseState($app),
            new State\FlushArrayCache(),
            new State\FlushStaticCaches(),
            new State\FlushVite($app),
            new State\RestoreUrlGenerator($app),
            new State\RestoreViewState($app),
            new State\RestoreEventListeners($app),
            new State\TrimTerminatingCallbacks($app),
            new State\RestoreMacros([...State\RestoreMacros::DEFAULT_CLASSES, ...ApplicationFactory::listOf($config->get('laravel-rust.macroable', []))]),
            new State\ResetPaginator($app),
            new State\RestoreRuntimeSettings(),
            new State\ReleaseRequest($placeholder),
        ];
    }

    /**
     * Runs every step, each on its own so that one failing does not skip the others.
     *
     * @return list<string> problems worth a log line (a failed step, a transaction left open)
     */
    public function afterRequest(?IlluminateRequest $request): array
    {
        $problems = [];
        foreach ($this->steps as $step) {
            try {
                $problem = $step->reset($this->app, $request);
                if ($problem !== null) {
                    $problems[] = $problem;
                }
            } catch (\Throwable $e) {
                $problems[] = 'state reset step '.(new \ReflectionClass($step))->getShortName().' failed: '.ErrorText::describe($e);
            }
        }

        return $problems;
    }
}
