<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

use Illuminate\Container\Container;
use Illuminate\Contracts\Container\Container as ContainerContract;

/**
 * The one place that reads or writes a framework object's protected state. Each use is a piece of
 * state Laravel offers no public way to put back (listed in docs/STATE.md with the versions
 * checked); keeping them here makes the list easy to audit when a new Laravel release lands.
 * Callers check has() (or get null from staticProperty()) and skip what a version lacks; a step
 * that fails all the same is logged by StateResetter and the other steps still run.
 */
final class FrameworkInternals
{
    /** @var null|\Closure(Container, string): mixed reads Container::$instances (bound once) */
    private static ?\Closure $instanceReader = null;

    /**
     * The object $app already holds for $abstract (an alias is followed), or null when it holds
     * none. Unlike make(), nothing is built and no resolving callbacks fire: the reset steps run
     * after every request and only ever want what the long-lived application already has
     * (a make() costs about 6,000 instructions; this a few hundred: docs/PERFORMANCE.md).
     */
    public static function sharedInstance(ContainerContract $app, string $abstract): ?object
    {
        if (!$app instanceof Container) {
            return $app->resolved($abstract) ? $app->make($abstract) : null;
        }
        $read = self::$instanceReader ??= \Closure::bind(
            static fn (Container $container, string $name): mixed => $container->instances[$container->getAlias($name)] ?? null,
            null,
            Container::class,
        );
        $instance = $read($app, $abstract);

        return \is_object($instance) ? $instance : null;
    }

    /** Whether $object's class (or a parent) declares the property. */
    public static function has(object $object, string $property): bool
    {
        return property_exists($object, $property);
    }

    public static function get(object $object, string $property): mixed
    {
        return (fn () => $this->{$property})->call($object);
    }

    public static function set(object $object, string $property, mixed $value): void
    {
        (function () use ($property, $value): void {
            $this->{$property} = $value;
        })->call($object);
    }

    /**
     * The current values of those of $properties the object has (a boot-time snapshot).
     *
     * @param list<string> $properties
     *
     * @return array<string, mixed>
     */
    public static function snapshot(object $object, array $properties): array
    {
        $values = [];
        foreach ($properties as $property) {
            if (property_exists($object, $property)) {
                $values[$property] = self::get($object, $property);
            }
        }

        return $values;
    }

    /**
     * A handle on a static property of $class (e.g. Macroable's $macros), or null when it has
     * none; kept by the caller so a per-request check costs no reflection lookup.
     */
    public static function staticProperty(string $class, string $property): ?\ReflectionProperty
    {
        if (!class_exists($class) || !property_exists($class, $property)) {
            return null;
        }
        $reflection = new \ReflectionProperty($class, $property);
        if (!$reflection->isStatic()) {
            return null;
        }
        $reflection->setAccessible(true);

        return $reflection;
    }
}
