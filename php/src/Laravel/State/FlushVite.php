<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * Vite (9.x+) collects the assets a page preloads (sent as Link headers by
 * AddLinkHeadersForPreloadedAssets) and holds the CSP nonce of the current response. A Vite
 * resolved at boot would carry both into every later response: put both back to their boot-time
 * values. (Vite::flush() clears only the preloads, and useCspNonce() cannot unset a nonce.)
 */
final class FlushVite implements ResetStep
{
    private const VITE = 'Illuminate\\Foundation\\Vite';

    private mixed $nonce = null;

    public function __construct(Application $app)
    {
        if ($app->resolved(self::VITE)) {
            $this->nonce = FrameworkInternals::get($app->make(self::VITE), 'nonce');
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        $vite = FrameworkInternals::sharedInstance($app, self::VITE);
        if ($vite === null) {
            return null;
        }
        FrameworkInternals::set($vite, 'preloadedAssets', []);
        FrameworkInternals::set($vite, 'nonce', $this->nonce);

        return null;
    }
}
