<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Laravel\State;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Pagination\AbstractPaginator;
use Illuminate\Pagination\PaginationState;
use Illuminate\Pagination\Paginator;
use LaravelRust\Bridge\Laravel\FrameworkInternals;

/**
 * The paginator's resolvers are statics that must read the *current* request. Laravel's own
 * (PaginationState) look up $app['request'] on each call; a request that installed its own would
 * keep them for every later request: put Laravel's back when they changed.
 */
final class ResetPaginator implements ResetStep
{
    private const RESOLVERS = ['currentPathResolver', 'currentPageResolver', 'queryStringResolver'];

    /** @var list<\ReflectionProperty> */
    private array $properties = [];

    /** @var list<mixed> the resolvers installed by the last reset */
    private array $installed = [];

    public function __construct(private readonly Application $app)
    {
        foreach (self::RESOLVERS as $name) {
            $property = FrameworkInternals::staticProperty(AbstractPaginator::class, $name);
            if ($property !== null) {
                $this->properties[] = $property;
            }
        }
        $this->install();
    }

    public function reset(Application $app, ?Request $request): ?string
    {
        if ($this->current() !== $this->installed) {
            $this->install();
        }

        return null;
    }

    private function install(): void
    {
        if (class_exists(PaginationState::class)) {
            PaginationState::resolveUsing($this->app);
        } else {
            $app = $this->app;
            Paginator::currentPathResolver(static fn () => $app['request']->url());
            Paginator::currentPageResolver(static function ($pageName = 'page') use ($app) {
                $page = $app['request']->input($pageName);

                return filter_var($page, FILTER_VALIDATE_INT) !== false && (int) $page >= 1 ? (int) $page : 1;
            });
        }
        $this->installed = $this->current();
    }

    /** @return list<mixed> */
    private function current(): array
    {
        return array_map(static fn (\ReflectionProperty $p) => $p->getValue(), $this->properties);
    }
}
