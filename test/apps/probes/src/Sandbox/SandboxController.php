<?php

namespace LaravelRust\TestProbes\Sandbox;

use Illuminate\Http\Request;
use Illuminate\Routing\Controller;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Event;
use Illuminate\Support\Facades\Log;
use Illuminate\Support\Facades\URL;
use Illuminate\Support\Facades\View;

/**
 * One pair of actions per kind of per-request state (test/sandbox.test.ts): change() leaves the
 * state behind, read() reports it as JSON. A case the running Laravel version does not have
 * reports null on both sides.
 */
class SandboxController extends Controller
{
    private const CONTEXT = 'Illuminate\\Support\\Facades\\Context';

    private const VITE = 'Illuminate\\Foundation\\Vite';

    public function change(Request $request, string $case)
    {
        switch ($case) {
            case 'url':
                URL::forceRootUrl('https://forced.test');
                URL::forceScheme('https');
                URL::defaults(['team' => 'leaked']);
                break;
            case 'view-share':
                View::share('sandbox_leak', 'leaked');
                break;
            case 'instance':
                app()->instance('sandbox.instance', 'leaked');
                app()->bind('sandbox.binding', fn () => 'leaked');
                break;
            case 'singleton':
                return ['tenant' => app('sandbox.tenant')->name];
            case 'listener':
                Event::listen('sandbox.ping', fn () => 'heard');
                break;
            case 'transaction':
                DB::beginTransaction();
                DB::table('users')->where('email', 'ada@example.com')->update(['name' => 'Changed In Open Transaction']);
                break;
            case 'context':
                Log::withContext(['sandbox' => 'leaked']);
                if (method_exists(Log::getFacadeRoot(), 'shareContext')) {
                    Log::shareContext(['sandbox_shared' => 'leaked']);
                }
                if (class_exists(self::CONTEXT)) {
                    \call_user_func([self::CONTEXT, 'add'], 'sandbox', 'leaked');
                }
                break;
            case 'vite':
                if (class_exists(self::VITE)) {
                    $vite = app(self::VITE);
                    $vite->useCspNonce('leaked-nonce');
                    $vite->useBuildDirectory('sandbox-vite')->useManifestFilename('manifest.json');
                    $vite(['app.js']); // preloads the entry's chunks (Link headers)
                }
                break;
            case 'macro':
                Request::macro('sandboxMacro', fn () => 'leaked');
                break;
            case 'merge':
                $request->merge(['sandbox_merged' => 'leaked']);
                app('request')->merge(['sandbox_merged' => 'leaked']);
                break;
            case 'query-duration':
                if (method_exists(DB::connection(), 'whenQueryingForLongerThan')) {
                    DB::whenQueryingForLongerThan(0, fn () => null);
                    DB::table('users')->count();
                }
                break;
            case 'view':
                return response(view('sandbox-edit')->render());
            case 'model': // boots the model (first use in this worker, under php-fpm every time)
                return ['seen' => BootingModel::query()->where('email', 'ada@example.com')->first()?->getAttribute('seen_by_listener')];
            default:
                abort(404);
        }

        return ['changed' => $case];
    }

    public function read(Request $request, string $case)
    {
        switch ($case) {
            case 'url':
                return [
                    'url' => url('/page'),
                    'defaults' => URL::getDefaultParameters(),
                    'route_without_team' => rescue(fn () => route('sandbox.team'), 'missing parameter', false),
                ];
            case 'view-share':
                return ['shared' => View::shared('sandbox_leak')];
            case 'instance':
                return ['instance' => app()->bound('sandbox.instance'), 'binding' => app()->bound('sandbox.binding')];
            case 'singleton':
                return ['tenant' => app('sandbox.tenant')->name];
            case 'listener':
                return ['responses' => Event::dispatch('sandbox.ping')];
            case 'transaction':
                return ['level' => DB::transactionLevel(), 'name' => DB::table('users')->where('email', 'ada@example.com')->value('name')];
            case 'context':
                $logger = Log::driver();
                return [
                    'log' => property_exists($logger, 'context') ? (fn () => $this->context)->call($logger) : null,
                    'shared' => method_exists(Log::getFacadeRoot(), 'sharedContext') ? Log::sharedContext() : null,
                    'context' => class_exists(self::CONTEXT) ? \call_user_func([self::CONTEXT, 'all']) : null,
                ];
            case 'vite':
                if (!class_exists(self::VITE)) {
                    return ['nonce' => null, 'preloaded' => null];
                }
                $vite = app(self::VITE);
                return ['nonce' => $vite->cspNonce(), 'preloaded' => method_exists($vite, 'preloadedAssets') ? $vite->preloadedAssets() : null];
            case 'macro':
                return ['macro' => Request::hasMacro('sandboxMacro')];
            case 'merge':
                return ['merged' => $request->input('sandbox_merged'), 'all' => $request->all()];
            case 'query-duration':
                $connection = DB::connection();
                // (Not the total duration: database sessions and cache query before this runs.)
                return [
                    'handlers' => property_exists($connection, 'queryDurationHandlers') ? (fn () => \count($this->queryDurationHandlers))->call($connection) : null,
                ];
            case 'model':
                return ['seen' => BootingModel::query()->where('email', 'ada@example.com')->first()?->getAttribute('seen_by_listener')];
            case 'console':
                return ['now' => app()->runningInConsole(), 'at_boot' => SandboxProbes::$consoleAtBoot];
            case 'events':
                $seen = SandboxProbes::$events;
                SandboxProbes::$events = [];
                return ['worker_starting' => SandboxProbes::$workerStarting, 'events' => $seen];
            default:
                abort(404);
        }
    }

    /** What the app sees of a PUT/PATCH/DELETE/POST body: parsed input, files, raw content. */
    public function body(Request $request)
    {
        return [
            'method' => $request->method(),
            'input' => $request->input(),
            'files' => array_map(fn ($file) => ['name' => $file->getClientOriginalName(), 'size' => $file->getSize()], $request->allFiles()),
            'content_length' => \strlen($request->getContent()),
        ];
    }

    public function precognitive()
    {
        return ['precognitive' => false];
    }
}
