<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * Request::macro() and friends in a request: macros are static properties of each Macroable
 * class, so one request's macro would exist in every later one. For the classes listed (the
 * framework's common Macroable classes plus config('laravel-rust.macroable')), the boot-time macro
 * table is put back. Other static properties cannot be reset in general (docs/STATE.md).
 */
final class RestoreMacros implements ResetStep
{
    public const DEFAULT_CLASSES = [
        'Illuminate\\Http\\Request',
        'Illuminate\\Http\\Response',
        'Illuminate\\Http\\JsonResponse',
        'Illuminate\\Http\\RedirectResponse',
        'Illuminate\\Routing\\Router',
        'Illuminate\\Routing\\Route',
        'Illuminate\\Routing\\UrlGenerator',
        'Illuminate\\Routing\\ResponseFactory',
        'Illuminate\\Routing\\Redirector',
        'Illuminate\\Support\\Str',
        'Illuminate\\Support\\Stringable',
        'Illuminate\\Support\\Arr',
        'Illuminate\\Support\\Collection',
        'Illuminate\\Support\\LazyCollection',
        'Illuminate\\Database\\Query\\Builder',
        'Illuminate\\Database\\Eloquent\\Builder',
        'Illuminate\\Database\\Schema\\Blueprint',
        'Illuminate\\Validation\\Rule',
        'Illuminate\\Cache\\Repository',
        'Illuminate\\Filesystem\\Filesystem',
        'Illuminate\\View\\View',
        'Illuminate\\Translation\\Translator',
    ];

    /** @var list<array{\ReflectionProperty, array<string, mixed>}> each class's macro table at boot */
    private array $boot = [];

    /** @param list<string> $classes */
    public function __construct(array $classes)
    {
        foreach (array_unique($classes) as $class) {
            $macros = FrameworkInternals::staticProperty($class, 'macros');
            if ($macros !== null && \is_array($macros->getValue())) {
                $this->boot[] = [$macros, $macros->getValue()];
            }
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        foreach ($this->boot as [$macros, $value]) {
            if ($macros->getValue() !== $value) {
                $macros->setValue(null, $value);
            }
        }

        return null;
    }
}
