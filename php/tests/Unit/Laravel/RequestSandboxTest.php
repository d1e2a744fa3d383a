<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel;

use Illuminate\Container\Container;
use Illuminate\Support\Facades\App;
use Illuminate\Support\Facades\Facade;
use LaravelRust\Bridge\Laravel\FrameworkInternals;
use LaravelRust\Bridge\Laravel\RequestSandbox;

final class RequestSandboxTest extends LaravelTestCase
{
    public function testEnterMakesAClonePlaceTheCurrentApplication(): void
    {
        $this->bootApp();
        $sandbox = (new RequestSandbox($this->app, $this->kernel))->enter();

        self::assertNotSame($this->app, $sandbox);
        self::assertSame($sandbox, Container::getInstance());
        self::assertSame($sandbox, app());
        self::assertSame($sandbox, $sandbox->make('app'));
        self::assertSame($sandbox, Facade::getFacadeApplication());
        self::assertSame($sandbox, App::getFacadeRoot());
        self::assertSame($sandbox, FrameworkInternals::get($this->kernel, 'app'));
        self::assertSame($sandbox, FrameworkInternals::get($this->app['router'], 'container'));
        self::assertSame($sandbox, FrameworkInternals::get($this->app['view'], 'container'));
        self::assertSame($sandbox, FrameworkInternals::get($this->app['db'], 'app'));
        self::assertSame($sandbox, $this->app['view']->getShared()['app']);
    }

    public function testWhatTheSandboxBindsStaysInIt(): void
    {
        $this->bootApp();
        $sandbox = (new RequestSandbox($this->app, $this->kernel))->enter();

        $sandbox->instance('probe.instance', new \stdClass());
        $sandbox->singleton('probe.singleton', static fn () => new \stdClass());
        $sandbox->make('probe.singleton');

        self::assertFalse($this->app->bound('probe.instance'));
        self::assertFalse($this->app->bound('probe.singleton'));
        self::assertSame($this->app['router'], $sandbox['router'], 'services resolved at boot are shared');
    }

    public function testLeaveHandsEverythingBackAndEmptiesTheClone(): void
    {
        $this->bootApp();
        $sandbox = new RequestSandbox($this->app, $this->kernel);
        $clone = $sandbox->enter();
        $clone->instance('probe.instance', new \stdClass());

        $sandbox->leave($clone);

        self::assertSame($this->app, Container::getInstance());
        self::assertSame($this->app, Facade::getFacadeApplication());
        self::assertSame($this->app, App::getFacadeRoot());
        self::assertSame($this->app, FrameworkInternals::get($this->kernel, 'app'));
        self::assertSame($this->app, FrameworkInternals::get($this->app['router'], 'container'));
        self::assertSame($this->app, FrameworkInternals::get($this->app['view'], 'container'));
        self::assertSame($this->app, FrameworkInternals::get($this->app['db'], 'app'));
        self::assertSame($this->app, $this->app['view']->getShared()['app']);
        self::assertFalse($clone->bound('probe.instance'), 'the clone is flushed');
        self::assertSame([], $clone->getBindings());
    }
}
