<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Protocol;

/**
 * Everything the worker takes from its environment, read once and validated in one place
 * (Node's supervisor sets these; see php/README.md). An invalid value is an
 * \InvalidArgumentException whose message names the variable, the value and what is allowed.
 *
 *   BRIDGE_SOCKET            socket path (falls back to SOCKET_PATH, then /tmp/rust_php_bridge.sock)
 *   BRIDGE_APP               "laravel" (default) or "plain"
 *   BRIDGE_HANDLER           plain mode: PHP file returning a callable
 *   LARAVEL_PATH             laravel mode: the app's base path (default: current directory)
 *   BRIDGE_MAX_REQUESTS      recycle after this many requests (0 = unlimited)
 *   BRIDGE_MEMORY_LIMIT_MB   recycle when memory_get_usage(true) exceeds this (0 = none)
 *   BRIDGE_PARENT_PID        exit when that process dies
 *   BRIDGE_READY_FD          readiness fd (default 3; "none" or anything below 3 = no readiness line)
 *   BRIDGE_IO_TIMEOUT        seconds a peer may stall inside a frame / stop reading (default 30)
 */
final class WorkerEnvironment
{
    public const DEFAULT_SOCKET = '/tmp/rust_php_bridge.sock';
    /** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
    public const MAX_SOCKET_PATH = 107;

    public function __construct(
        public readonly string $socketPath,
        /** "laravel" or "plain" */
        public readonly string $app = 'laravel',
        public readonly ?string $handlerFile = null,
        public readonly string $laravelPath = '.',
        public readonly int $maxRequests = 0,
        public readonly int $memoryLimitMb = 0,
        public readonly ?int $parentPid = null,
        public readonly ?int $readyFd = 3,
        public readonly float $ioTimeout = 30.0,
    ) {
    }

    /**
     * Reads the process environment.
     *
     * @param array<string, string> $overrides values that win over the environment (artisan options)
     */
    public static function fromProcess(array $overrides = []): self
    {
        $names = [
            'BRIDGE_SOCKET', 'SOCKET_PATH', 'BRIDGE_APP', 'BRIDGE_HANDLER', 'LARAVEL_PATH', 'BRIDGE_MAX_REQUESTS',
            'BRIDGE_MEMORY_LIMIT_MB', 'BRIDGE_PARENT_PID', 'BRIDGE_READY_FD', 'BRIDGE_IO_TIMEOUT',
        ];
        $vars = [];
        foreach ($names as $name) {
            $vars[$name] = self::variable($name);
        }
        foreach ($overrides as $name => $value) {
            if ($value !== '') {
                $vars[$name] = $value;
            }
        }

        return self::fromArray($vars, getcwd() ?: '.');
    }

    /**
     * Parses a set of variables (missing or empty = default). Pure: the unit tests' entry.
     *
     * @param array<string, null|string> $vars
     */
    public static function fromArray(array $vars, string $cwd = '.'): self
    {
        $get = static fn (string $name): ?string => isset($vars[$name]) && $vars[$name] !== '' ? (string) $vars[$name] : null;

        $socket = $get('BRIDGE_SOCKET') ?? $get('SOCKET_PATH') ?? self::DEFAULT_SOCKET;
        if (\strlen($socket) > self::MAX_SOCKET_PATH) {
            throw new \InvalidArgumentException('BRIDGE_SOCKET "'.$socket.'" is longer than the '.self::MAX_SOCKET_PATH.' bytes a Unix socket path allows');
        }

        $app = strtolower($get('BRIDGE_APP') ?? 'laravel');
        if ($app !== 'laravel' && $app !== 'plain') {
            throw new \InvalidArgumentException("BRIDGE_APP must be \"laravel\" or \"plain\", got \"{$app}\"");
        }
        $handler = $get('BRIDGE_HANDLER');
        if ($app === 'plain' && $handler === null) {
            throw new \InvalidArgumentException('BRIDGE_APP=plain needs BRIDGE_HANDLER, the path of a PHP file returning a callable');
        }

        $ioTimeout = $get('BRIDGE_IO_TIMEOUT') ?? '30';
        if (!is_numeric($ioTimeout) || (float) $ioTimeout <= 0) {
            throw new \InvalidArgumentException("BRIDGE_IO_TIMEOUT must be a positive number of seconds, got \"{$ioTimeout}\"");
        }

        $readyFd = $get('BRIDGE_READY_FD') ?? '3';

        return new self(
            $socket,
            $app,
            $handler,
            $get('LARAVEL_PATH') ?? $cwd,
            self::nonNegativeInt('BRIDGE_MAX_REQUESTS', $get('BRIDGE_MAX_REQUESTS')),
            self::nonNegativeInt('BRIDGE_MEMORY_LIMIT_MB', $get('BRIDGE_MEMORY_LIMIT_MB')),
            self::nonNegativeInt('BRIDGE_PARENT_PID', $get('BRIDGE_PARENT_PID')) ?: null,
            ctype_digit($readyFd) && (int) $readyFd >= 3 ? (int) $readyFd : null,
            (float) $ioTimeout,
        );
    }

    /** One variable of the process: getenv(), else what Dotenv put in $_SERVER / $_ENV; '' = unset. */
    public static function variable(string $name): ?string
    {
        $value = getenv($name);
        if ($value === false || $value === '') {
            $value = $_SERVER[$name] ?? $_ENV[$name] ?? null;
        }

        return \is_string($value) && $value !== '' ? $value : null;
    }

    private static function nonNegativeInt(string $name, ?string $value): int
    {
        if ($value === null) {
            return 0;
        }
        if (!preg_match('/^\s*\d+\s*$/', $value)) {
            throw new \InvalidArgumentException("{$name} must be a non-negative integer, got \"{$value}\"");
        }

        return (int) $value;
    }
}
