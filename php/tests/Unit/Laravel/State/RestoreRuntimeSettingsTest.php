<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel\State;

use LaravelRust\Bridge\Laravel\State\RestoreRuntimeSettings;
use LaravelRust\Bridge\Tests\Unit\Laravel\LaravelTestCase;

final class RestoreRuntimeSettingsTest extends LaravelTestCase
{
    /** @var array{string, string, string} */
    private array $before;

    protected function setUp(): void
    {
        $this->before = [(string) ini_get('default_mimetype'), (string) ini_get('default_charset'), date_default_timezone_get()];
    }

    protected function tearDown(): void
    {
        ini_set('default_mimetype', $this->before[0]);
        ini_set('default_charset', $this->before[1]);
        date_default_timezone_set($this->before[2]);
    }

    public function testIniSettingsAndTimezoneComeBack(): void
    {
        $this->bootApp();
        $boot = [(string) ini_get('default_mimetype'), (string) ini_get('default_charset'), date_default_timezone_get()];
        $step = new RestoreRuntimeSettings();

        ini_set('default_mimetype', ''); // what Symfony's Response::prepare() does for a 204
        ini_set('default_charset', 'ISO-8859-1');
        date_default_timezone_set($boot[2] === 'Asia/Tokyo' ? 'Europe/Paris' : 'Asia/Tokyo');

        self::assertNull($step->reset($this->app, null));

        self::assertSame($boot, [(string) ini_get('default_mimetype'), (string) ini_get('default_charset'), date_default_timezone_get()]);
        self::assertNotSame('', $boot[0]);
    }
}
