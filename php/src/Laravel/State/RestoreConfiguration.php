<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Config\Repository;
use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * config([...]) during a request. Octane binds a clone of the repository per request; putting
 * the boot-time items back into the one repository does the same and also reaches objects that
 * captured the repository at boot. Arrays are copy-on-write: O(1) until a request writes config.
 */
final class RestoreConfiguration implements ResetStep
{
    private ?Repository $repository = null;

    /** @var array<string, mixed> */
    private array $items = [];

    public function __construct(Application $app)
    {
        $config = $app['config'];
        if ($config instanceof Repository && FrameworkInternals::has($config, 'items')) {
            $this->repository = $config;
            $this->items = $config->all();
        }
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if ($this->repository !== null) {
            FrameworkInternals::set($this->repository, 'items', $this->items);
        }

        return null;
    }
}
