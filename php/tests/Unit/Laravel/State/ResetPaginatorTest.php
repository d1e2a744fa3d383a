<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Http\Request;
use Illuminate\Pagination\Paginator;
use LaravelRust\Bridge\Laravel\State\ResetPaginator;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class ResetPaginatorTest extends LaravelTestCase
{
    public function testResolversReplacedByARequestAreReinstalled(): void
    {
        $this->bootApp();
        $step = new ResetPaginator($this->app);
        Paginator::currentPageResolver(static fn () => 99);
        Paginator::currentPathResolver(static fn () => 'http://replaced.test/list');
        Paginator::queryStringResolver(static fn () => ['replaced' => '1']);
        self::assertSame(99, Paginator::resolveCurrentPage());

        self::assertNull($step->reset($this->app, null));

        $this->app->instance('request', Request::create('http://localhost/users?page=3&sort=name'));
        self::assertSame(3, Paginator::resolveCurrentPage());
        self::assertSame('http://localhost/users', Paginator::resolveCurrentPath());
        self::assertSame(['page' => '3', 'sort' => 'name'], Paginator::resolveQueryString());
    }

    public function testTheResolversReadTheApplicationsCurrentRequest(): void
    {
        $this->bootApp();
        new ResetPaginator($this->app);

        $this->app->instance('request', Request::create('http://localhost/a?page=2'));
        self::assertSame(2, Paginator::resolveCurrentPage());
        $this->app->instance('request', Request::create('http://localhost/b?page=5'));
        self::assertSame(5, Paginator::resolveCurrentPage());
        self::assertSame('http://localhost/b', Paginator::resolveCurrentPath());
    }
}
