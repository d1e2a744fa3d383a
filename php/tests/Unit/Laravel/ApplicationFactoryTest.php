<?php

declare(strict_types=1);

namespace LaravelRust\Bridge\Tests\Unit\Laravel;

use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Http\Request as IlluminateRequest;
use LaravelRust\Bridge\Laravel\ApplicationFactory;
use LaravelRust\TestProbes\Support\Counter;

final class ApplicationFactoryTest extends LaravelTestCase
{
    /** @var list<string> */
    private array $dirs = [];

    protected function tearDown(): void
    {
        foreach ($this->dirs as $dir) {
            exec('rm -rf '.escapeshellarg($dir));
        }
    }

    private function fakeApp(string $appPhp): string
    {
        $dir = sys_get_temp_dir().'/bridge-fake-app-'.bin2hex(random_bytes(4));
        $this->dirs[] = $dir;
        mkdir($dir.'/vendor', 0777, true);
        mkdir($dir.'/bootstrap');
        file_put_contents($dir.'/vendor/autoload.php', '<?php ');
        file_put_contents($dir.'/bootstrap/app.php', $appPhp);

        return $dir;
    }

    public function testFromPathReturnsANewApplicationEachTime(): void
    {
        $one = ApplicationFactory::fromPath(LARAVEL_TEST_APP);
        $two = ApplicationFactory::fromPath(LARAVEL_TEST_APP.'/');

        self::assertNotSame($one, $two);
        self::assertSame(realpath(LARAVEL_TEST_APP), realpath($two->basePath()));
        self::assertFalse($one->isBooted());
    }

    public function testFromPathRefusesAPathWithoutAnApp(): void
    {
        $this->expectException(\RuntimeException::class);
        $this->expectExceptionMessage('vendor/autoload.php not found');
        ApplicationFactory::fromPath(sys_get_temp_dir().'/no-such-laravel-app');
    }

    public function testFromPathRefusesABootstrapFileThatReturnsNoApplication(): void
    {
        $dir = $this->fakeApp('<?php return 42;');

        $this->expectException(\RuntimeException::class);
        $this->expectExceptionMessage('did not return an Illuminate application (got int)');
        ApplicationFactory::fromPath($dir);
    }

    public function testTheAppRunsAsHttpNotConsole(): void
    {
        $this->bootApp();

        self::assertSame('false', getenv('APP_RUNNING_IN_CONSOLE'));
        self::assertFalse($this->app->runningInConsole());
    }

    public function testBootReturnsTheKernelAndAPlaceholderRequestBoundAsTheRequest(): void
    {
        $app = self::loadApp(['app.url' => 'http://placeholder.test']);
        [$kernel, $placeholder] = ApplicationFactory::boot($app);

        self::assertTrue($app->isBooted());
        self::assertSame($app->make(HttpKernel::class), $kernel);
        self::assertInstanceOf(IlluminateRequest::class, $placeholder);
        self::assertSame($placeholder, $app['request']);
        self::assertSame('http://placeholder.test', $placeholder->getSchemeAndHttpHost());
        self::assertSame('http://placeholder.test/x', $app['url']->to('/x'));
    }

    public function testARequestBoundLaterReachesTheServicesResolvedAtBoot(): void
    {
        $this->bootApp();
        $request = IlluminateRequest::create('https://later.test/page');

        $this->app->instance('request', $request);

        self::assertSame($request, $this->app['url']->getRequest());
        self::assertSame('https://later.test/x', $this->app['url']->to('/x'));
    }

    public function testDeferredProvidersAreLoadedAndTheWarmListResolved(): void
    {
        $this->bootApp();

        self::assertSame([], $this->app->getDeferredServices());
        foreach (['auth', 'cache', 'config', 'cookie', 'db', 'encrypter', 'files', 'hash', 'log', 'router', 'session', 'session.store', 'translator', 'url', 'view'] as $service) {
            self::assertTrue($this->app->resolved($service), $service);
        }
        self::assertTrue($this->app->resolved(Counter::class), 'laravel-rust.warm (the probe kit lists Counter)');
    }

    public function testAWarmServiceThatFailsToBuildDoesNotStopTheBoot(): void
    {
        $app = self::loadApp(['laravel-rust.warm' => ['probe.broken']], static function ($app): void {
            $app->singleton('probe.broken', static function (): never {
                throw new \RuntimeException('cannot build');
            });
        });
        ApplicationFactory::boot($app);
        self::assertTrue($app->isBooted());
        self::assertTrue($app->resolved(Counter::class), 'the rest of the list is still warmed');
    }

    public function testListenersFromTheConfigAreRegistered(): void
    {
        $heard = [];
        $this->bootApp(['laravel-rust.listeners' => [
            'probe.event' => [static function () use (&$heard): void {
                $heard[] = 'first';
            }, static function () use (&$heard): void {
                $heard[] = 'second';
            }],
        ]]);

        $this->app['events']->dispatch('probe.event');

        self::assertSame(['first', 'second'], $heard);
    }

    public function testListOfKeepsOnlyStringsOfALists(): void
    {
        self::assertSame([], ApplicationFactory::listOf('App\\Service'));
        self::assertSame([], ApplicationFactory::listOf(null));
        self::assertSame(['a', 'b'], ApplicationFactory::listOf(['x' => 'a', 3, 'b', null]));
        self::assertSame(['k' => ['v']], ApplicationFactory::listOf(['k' => ['v']], true));
    }
}
