<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Http\Request;
use Illuminate\Support\Collection;
use Illuminate\Support\Str;
use Illuminate\Support\Traits\Macroable;
use LaravelRust\Bridge\Laravel\State\RestoreMacros;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class RestoreMacrosTest extends LaravelTestCase
{
    public function testMacrosAddedByARequestAreDroppedAndBootMacrosKept(): void
    {
        $boot = 'bootMacro'.bin2hex(random_bytes(4));
        $request = 'requestMacro'.bin2hex(random_bytes(4));
        $this->bootApp([], static function () use ($boot): void {
            Request::macro($boot, static fn () => 'boot');
        });
        $step = new RestoreMacros(RestoreMacros::DEFAULT_CLASSES);

        Request::macro($request, static fn () => 'request');
        Str::macro($request, static fn () => 'request');
        Collection::macro($request, static fn () => 'request');
        Request::macro($boot, static fn () => 'replaced');

        self::assertNull($step->reset($this->app, null));

        self::assertFalse(Request::hasMacro($request));
        self::assertFalse(Str::hasMacro($request));
        self::assertFalse(Collection::hasMacro($request));
        self::assertTrue(Request::hasMacro($boot));
        self::assertSame('boot', Request::create('/')->{$boot}());
    }

    public function testClassesFromTheMacroableConfigAreCovered(): void
    {
        $this->bootApp();
        $step = new RestoreMacros([...RestoreMacros::DEFAULT_CLASSES, AppMacroable::class]);
        AppMacroable::macro('perRequest', static fn () => 1);

        $step->reset($this->app, null);

        self::assertFalse(AppMacroable::hasMacro('perRequest'));
    }
}

final class AppMacroable
{
    use Macroable;
}
