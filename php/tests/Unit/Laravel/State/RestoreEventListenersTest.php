<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Support\Facades\Event;
use LaravelRust\Bridge\Laravel\State\RestoreEventListeners;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class RestoreEventListenersTest extends LaravelTestCase
{
    public function testListenersAddedByARequestAreDroppedAndBootListenersKept(): void
    {
        $calls = [];
        $this->bootApp([], static function () use (&$calls): void {
            Event::listen('probe.boot', static function () use (&$calls): void {
                $calls[] = 'boot';
            });
        });
        $step = new RestoreEventListeners($this->app);

        Event::listen('probe.boot', static function () use (&$calls): void {
            $calls[] = 'request on boot event';
        });
        Event::listen('probe.request', static function () use (&$calls): void {
            $calls[] = 'request';
        });
        Event::listen('probe.*', static function () use (&$calls): void {
            $calls[] = 'wildcard';
        });
        Event::dispatch('probe.boot'); // fills the wildcard cache
        self::assertSame(['boot', 'request on boot event', 'wildcard'], $calls);

        self::assertNull($step->reset($this->app, null));

        $calls = [];
        Event::dispatch('probe.boot');
        Event::dispatch('probe.request');
        self::assertSame(['boot'], $calls);
        self::assertFalse(Event::hasListeners('probe.request'));
        self::assertFalse(Event::hasWildcardListeners('probe.other'));
    }
}
