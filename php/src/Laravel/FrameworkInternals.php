<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel;

/**
 * The one place that reads or writes a framework object's protected state. Each use is a piece of
 * state Laravel offers no public way to put back (listed in docs/STATE.md with the versions
 * checked); keeping them here makes the list easy to audit when a new Laravel release lands.
 * Every accessor tolerates the property's absence and reports it, so a renamed property turns
 * into a skipped reset step with a log line, not a fatal error.
 */
final class FrameworkInternals
{
    /** Whether $object (of class $class or a subclass) declares the property. */
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
