<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * URL::forceRootUrl(), URL::forceScheme() and URL::defaults() in a request change the one URL
 * generator for good (Octane leaves these too): put the boot-time values back. Its request
 * follows the 'request' rebinding on its own.
 */
final class RestoreUrlGenerator implements ResetStep
{
    private const PROPERTIES = ['forcedRoot', 'forceScheme'];

    /** @var array<string, mixed> */
    private array $boot = [];

    /** @var array<string, mixed> URL::defaults() at boot */
    private array $defaults = [];

    public function __construct(Application $app)
    {
        if (!$app->resolved('url')) {
            return;
        }
        $url = $app['url'];
        $this->boot = FrameworkInternals::snapshot($url, self::PROPERTIES);
        $this->defaults = $url->getDefaultParameters();
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        $url = $this->boot === [] ? null : FrameworkInternals::sharedInstance($app, 'url');
        if ($url === null) {
            return null;
        }
        $changed = false;
        foreach ($this->boot as $property => $value) {
            if (FrameworkInternals::get($url, $property) !== $value) {
                FrameworkInternals::set($url, $property, $value);
                $changed = true;
            }
        }
        // URL::defaults() are kept on the route URL generator (a public array), which the URL
        // generator carries over from one request to the next.
        // (Read without getDefaultParameters(), which would build a route URL generator.)
        $routes = FrameworkInternals::has($url, 'routeGenerator') ? FrameworkInternals::get($url, 'routeGenerator') : null;
        if (\is_object($routes) && property_exists($routes, 'defaultParameters') && $routes->defaultParameters !== $this->defaults) {
            $routes->defaultParameters = $this->defaults;
        }
        if ($changed) {
            // The generator memoises root and scheme per request; setRequest() clears both.
            $url->setRequest($url->getRequest());
        }

        return null;
    }
}
