<?php

/**
 * Bootstrap of PHPUnit's "laravel" suite (run on its own: `phpunit -c php/phpunit.xml
 * --testsuite laravel --bootstrap php/tests/Unit/Laravel/bootstrap.php`, as
 * test/php-unit.test.ts does). Loads our autoloader and the framework of the Laravel 12 test app
 * (test/apps/laravel-12, built by `npm run setup`); the tests boot that app for real.
 *
 * LARAVEL_TEST_APP may point at another built Laravel app (same probe kit) to run the suite on.
 */

declare(strict_types=1);

require __DIR__.'/../../bootstrap.php';

(static function (): void {
    $app = getenv('LARAVEL_TEST_APP') ?: dirname(__DIR__, 4).'/test/apps/laravel-12';
    $app = rtrim($app, '/');
    $missing = [];
    foreach (['.test-app-built', 'vendor/autoload.php', 'bootstrap/app.php', 'database/database.sqlite'] as $file) {
        if (!is_file("{$app}/{$file}")) {
            $missing[] = $file;
        }
    }
    if ($missing !== []) {
        fwrite(STDERR, "The PHPUnit \"laravel\" suite boots the Laravel 12 test app at {$app}, which is not built"
            .' (missing: '.implode(', ', $missing)."). Run `npm run setup` (or scripts/setup-test-apps.sh laravel-12) first.\n");
        exit(1);
    }
    \define('LARAVEL_TEST_APP', $app);
    require_once $app.'/vendor/autoload.php';
})();
