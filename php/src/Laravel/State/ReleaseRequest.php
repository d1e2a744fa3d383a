<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Facade;

/**
 * The long-lived application keeps the last request as its 'request' instance until the next one
 * arrives (services resolved at boot read $app['request']). One with a big body or uploads is
 * replaced by the small boot-time placeholder, so that its memory is freed now.
 */
final class ReleaseRequest implements ResetStep
{
    public function __construct(private readonly Request $placeholder)
    {
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if ($request === null) {
            return null;
        }
        if ($request->files->count() > 0 || (int) $request->server->get('CONTENT_LENGTH', 0) > 65536) {
            $app->instance('request', $this->placeholder);
            Facade::clearResolvedInstance('request');
        }

        return null;
    }
}
