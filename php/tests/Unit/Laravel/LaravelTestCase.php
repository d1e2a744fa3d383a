<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel;

use Illuminate\Contracts\Foundation\Application;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Bootstrap\LoadConfiguration;
use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Laravel\ApplicationFactory;
use LaravelRust\Bridge\Laravel\LaravelAdapter;
use LaravelRust\Bridge\Protocol\Request;
use PHPUnit\Framework\TestCase;

/**
 * Base of the "laravel" suite: each test loads a fresh copy of the Laravel 12 test app
 * (test/apps/laravel-12; bootstrap/app.php returns a new Application on every require, and a
 * boot takes a few milliseconds), so no test sees another's application.
 */
abstract class LaravelTestCase extends TestCase
{
    /**
     * Set right after the app's configuration loads, for every test app: the session on the
     * array driver, so that no test writes to the SQLite database the end-to-end suites share.
     */
    private const CONFIG = [
        'session.driver' => 'array',
    ];

    protected Application $app;

    protected HttpKernel $kernel;

    /** The request ApplicationFactory::boot() binds between requests. */
    protected IlluminateRequest $placeholder;

    /** @var list<string> what the adapter logged (problems after a request) */
    protected array $logged = [];

    /**
     * Loads the test app without booting it.
     *
     * @param array<string, mixed>              $config set once the app's configuration is loaded (before the providers register)
     * @param null|\Closure(Application): void  $booted run once the app has booted (i.e. "at boot", before any snapshot)
     */
    protected static function loadApp(array $config = [], ?\Closure $booted = null): Application
    {
        $app = ApplicationFactory::fromPath(LARAVEL_TEST_APP);
        $settings = [...self::CONFIG, ...$config];
        $app->afterBootstrapping(LoadConfiguration::class, static function (Application $app) use ($settings): void {
            foreach ($settings as $key => $value) {
                $app['config']->set($key, $value);
            }
        });
        if ($booted !== null) {
            $app->booted($booted);
        }

        return $app;
    }

    /**
     * Loads and boots the test app as a worker does (ApplicationFactory::boot), into $this->app,
     * $this->kernel and $this->placeholder.
     *
     * @param array<string, mixed>              $config
     * @param null|\Closure(Application): void  $booted
     */
    protected function bootApp(array $config = [], ?\Closure $booted = null): Application
    {
        $this->app = self::loadApp($config, $booted);
        [$this->kernel, $this->placeholder] = ApplicationFactory::boot($this->app);

        return $this->app;
    }

    /**
     * A LaravelAdapter on a fresh copy of the test app, logging into $this->logged.
     *
     * @param array<string, mixed>              $config
     * @param null|\Closure(Application): void  $booted
     */
    protected function adapter(array $config = [], ?\Closure $booted = null): LaravelAdapter
    {
        $this->app = self::loadApp($config, $booted);
        $this->logged = [];

        return new LaravelAdapter($this->app, function (string $line): void {
            $this->logged[] = $line;
        });
    }

    /**
     * A protocol request as Node sends it. A Host header (localhost) is added when $headers has none.
     *
     * @param list<array{0: string, 1: string}> $headers lower-case names
     * @param array<string, mixed>              $options the rest of Request's constructor, by name (https, remoteAddr, serverPort, ...)
     */
    protected static function request(string $method, string $uri, array $headers = [], string $body = '', array $options = []): Request
    {
        $q = strpos($uri, '?');
        $path = $q === false ? $uri : substr($uri, 0, $q);
        $query = $q === false ? '' : substr($uri, $q + 1);
        $hasHost = false;
        foreach ($headers as [$name]) {
            $hasHost = $hasHost || $name === 'host';
        }
        if (!$hasHost && !($options['noHost'] ?? false)) {
            array_unshift($headers, ['host', 'localhost']);
        }
        unset($options['noHost']);

        return new Request($method, $uri, $path, $query, $headers, $body, ...['time' => microtime(true), ...$options]);
    }

    /**
     * A multipart/form-data body as Node hands it over after parsing it (REQUEST_HEAD "form"):
     * $fields [name, value] pairs, $files name => [filename, content, type], each content written
     * to a temp file as Node would. Returns the form and the files written (delete them after).
     *
     * @param list<array{0:string,1:string}>               $fields
     * @param array<string, array{string, string, string}> $files
     *
     * @return array{0: array{fields: list<array{0:string,1:string}>, files: list<array{0:string,1:array<string,mixed>}>}, 1: list<string>}
     */
    protected static function form(array $fields, array $files = []): array
    {
        $entries = [];
        $paths = [];
        foreach ($files as $name => [$filename, $content, $type]) {
            $path = (string) tempnam(sys_get_temp_dir(), 'form-test-');
            file_put_contents($path, $content);
            $paths[] = $path;
            $entries[] = [$name, ['name' => $filename, 'type' => $type, 'tmp_name' => $path, 'error' => 0, 'size' => \strlen($content)]];
        }

        return [['fields' => $fields, 'files' => $entries], $paths];
    }
}
