<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use Illuminate\Http\Request;
use Illuminate\Http\UploadedFile;
use Illuminate\Support\Facades\Request as RequestFacade;
use LaravelRust\Bridge\Laravel\State\ReleaseRequest;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class ReleaseRequestTest extends LaravelTestCase
{
    private function bind(Request $request): void
    {
        $this->app->instance('request', $request);
        RequestFacade::clearResolvedInstance('request');
        self::assertSame($request, RequestFacade::getFacadeRoot());
    }

    public function testABigRequestIsReplacedByThePlaceholder(): void
    {
        $this->bootApp();
        $big = Request::create('/upload', 'POST', [], [], [], ['CONTENT_LENGTH' => '70000'], str_repeat('x', 70000));
        $this->bind($big);

        self::assertNull((new ReleaseRequest($this->placeholder))->reset($this->app, $big));

        self::assertSame($this->placeholder, $this->app['request']);
        self::assertSame($this->placeholder, RequestFacade::getFacadeRoot(), 'the facade does not keep it either');
    }

    public function testARequestWithUploadsIsReplacedByThePlaceholder(): void
    {
        $this->bootApp();
        $file = UploadedFile::fake()->create('a.txt', 1);
        $upload = Request::create('/upload', 'POST', [], [], ['doc' => $file], ['CONTENT_LENGTH' => '10']);
        $this->bind($upload);

        (new ReleaseRequest($this->placeholder))->reset($this->app, $upload);

        self::assertSame($this->placeholder, $this->app['request']);
    }

    public function testASmallRequestStaysBound(): void
    {
        $this->bootApp();
        $small = Request::create('/ping', 'GET', [], [], [], ['CONTENT_LENGTH' => '10']);
        $this->bind($small);

        (new ReleaseRequest($this->placeholder))->reset($this->app, $small);

        self::assertSame($small, $this->app['request']);
    }
}
