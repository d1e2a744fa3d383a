<?php

namespace LaravelRust\TestProbes\Sandbox;

use Illuminate\Database\Eloquent\Model;

/**
 * A model that registers a listener when it boots, as models with booted() / observers do. It
 * boots on its first use, inside a request; the listener must keep working in every later one.
 */
class BootingModel extends Model
{
    protected $table = 'users';

    protected static function booted(): void
    {
        static::retrieved(function (self $model): void {
            $model->setAttribute('seen_by_listener', true);
        });
    }
}
