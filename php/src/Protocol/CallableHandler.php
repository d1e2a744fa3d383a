<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Runs a plain PHP file that returns a callable:
 *
 *     return static fn (Request $r): Response|string|array => ...;
 *
 * - a Response is sent as is;
 * - a string is sent as 200 text/plain;
 * - an array is sent as 200 application/json (json_encode of the array).
 *
 * This is the path the benchmark uses to measure the bridge's own overhead, so it does nothing
 * per request beyond calling the callable and wrapping its result.
 */
final class CallableHandler implements Handler
{
    /** @var \Closure(Request):mixed */
    private \Closure $callable;

    public function __construct(callable $callable)
    {
        $this->callable = $callable(...);
    }

    public static function fromFile(string $file): self
    {
        if (!is_file($file)) {
            throw new \RuntimeException("handler file {$file} does not exist");
        }
        $callable = (static fn (string $__file) => require $__file)($file);
        if (!\is_callable($callable)) {
            throw new \RuntimeException("handler file {$file} must return a callable, got ".get_debug_type($callable));
        }

        return new self($callable);
    }

    public function handle(Request $request): Response
    {
        $result = ($this->callable)($request);
        if ($result instanceof Response) {
            return $result;
        }
        if (\is_string($result)) {
            return new Response(200, [['Content-Type', 'text/plain; charset=utf-8']], $result);
        }
        if (\is_array($result)) {
            return new Response(
                200,
                [['Content-Type', 'application/json']],
                json_encode($result, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE)
            );
        }

        throw new \UnexpectedValueException('the handler returned '.get_debug_type($result).'; expected Response, string or array');
    }
}
