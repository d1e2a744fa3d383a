<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;

/**
 * php-fpm restores every ini_set() at the end of a request; a long-lived worker keeps them.
 * Restored: default_mimetype / default_charset (Symfony's Response::prepare() clears
 * default_mimetype for every 204/304, which would strip the default Content-Type from all later
 * responses) and the default timezone. Other ini settings are not tracked (ini_get_all() per
 * request would cost more than the whole reset).
 */
final class RestoreRuntimeSettings implements ResetStep
{
    private string $mimetype;

    private string $charset;

    private string $timezone;

    public function __construct()
    {
        $this->mimetype = (string) \ini_get('default_mimetype');
        $this->charset = (string) \ini_get('default_charset');
        $this->timezone = date_default_timezone_get();
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if ((string) \ini_get('default_mimetype') !== $this->mimetype) {
            ini_set('default_mimetype', $this->mimetype);
        }
        if ((string) \ini_get('default_charset') !== $this->charset) {
            ini_set('default_charset', $this->charset);
        }
        if (date_default_timezone_get() !== $this->timezone) {
            date_default_timezone_set($this->timezone);
        }

        return null;
    }
}
