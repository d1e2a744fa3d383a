#!/usr/bin/env bash
# Builds the Laravel apps the end-to-end suites run against (called by scripts/setup.sh, i.e.
# `npm run setup`; can be run alone). Idempotent: an app already built at the right version is
# not rebuilt, only its database is reset (migrate:fresh + seed) and its storage made writable.
#
#   test/apps/laravel-12   laravel/laravel 12.12.2  } created by Composer (from the registry),
#   test/apps/laravel-11   laravel/laravel 11.6.1   } gitignored; each gets the probe kit
#   test/apps/laravel-10   laravel/laravel 10.3.3   } test/apps/probes as a path repository
#   test/apps/laravel-8    committed, Debian's php-laravel-framework (no Composer)
#   example/               committed Laravel 12 app (npm start); vendor/ installed here
#
# What is changed in each Composer skeleton, and why (nothing else is):
#   composer.json  require-dev removed: laravel/pint, pail, sail... of the current skeletons
#                  require PHP 8.3, and `--no-dev` does not skip their constraints (PHP here: 8.2).
#                  Then laravel-rust/test-probes:@dev required from the path repository ../probes
#                  (its service provider adds the probe routes, views and singletons).
#   .env           from .env.example, with a fresh APP_KEY, plus:
#                    APP_DEBUG=false      the suites check that errors show no trace;
#                    LOG_CHANNEL=stderr   exception details go to the worker's (or php-fpm's) log,
#                                         not to a storage/logs file both servers would share;
#                    DB_CONNECTION=sqlite (Laravel 10 only: its .env.example says mysql; its DB_*
#                                         connection lines are removed so database/database.sqlite,
#                                         the skeleton's default, is used).
#   database/database.sqlite  created, migrated with the skeleton's own migrations, seeded with the
#                  two users the suites log in as (the kit's ProbeUsersSeeder).
#   storage/, bootstrap/cache/, database/  writable by everyone: php-fpm runs as www-data in the
#                  differential suite.
# Laravel 13's skeleton needs PHP 8.3, so it is not built.
#
# Usage: scripts/setup-test-apps.sh [name ...]     e.g. scripts/setup-test-apps.sh laravel-12
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PHP="${PHP:-php}"
export COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_NO_INTERACTION=1

# name -> laravel/laravel version
declare -A SKELETONS=([laravel-12]=12.12.2 [laravel-11]=11.6.1 [laravel-10]=10.3.3)
ORDER=(laravel-12 laravel-11 laravel-10 laravel-8 example)
WANTED=("$@")
((${#WANTED[@]})) || WANTED=("${ORDER[@]}")

STAMP=.test-app-built   # written last: "laravel/laravel <version>"

log() { echo "setup-test-apps: $*"; }

# Sets KEY=VALUE in .env (replacing a commented or uncommented line, or appending).
set_env() {
  local file=$1 key=$2 value=$3
  if grep -qE "^#? *${key}=" "$file"; then
    sed -i -E "s|^#? *${key}=.*|${key}=${value}|" "$file"
  else
    printf '%s=%s\n' "$key" "$value" >>"$file"
  fi
}

# composer.json without require-dev. json_decode without assoc, so {} stays {}.
drop_require_dev() {
  "$PHP" -r '$j = json_decode(file_get_contents("composer.json")); unset($j->{"require-dev"});
    file_put_contents("composer.json", json_encode($j, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES)."\n");'
}

# Storage folders, the SQLite file, schema + seed. Every run resets the database.
prepare_app() {
  local dir=$1 seeder=$2
  (
    cd "$dir"
    for sub in storage/app/public storage/framework/cache/data storage/framework/sessions \
      storage/framework/testing storage/framework/views storage/logs bootstrap/cache database; do
      mkdir -p "$sub"
    done
    [ -f database/database.sqlite ] || : >database/database.sqlite
    "$PHP" artisan migrate:fresh --force >/dev/null
    "$PHP" artisan db:seed --force --class="$seeder" >/dev/null
    # Writable for whoever serves the app (php-fpm runs as www-data); SQLite needs the folder too.
    chmod -R a+rwX storage bootstrap/cache database
  )
}

build_skeleton() {
  local name=$1 version=$2 dir="test/apps/$1"
  if [ -f "$dir/$STAMP" ] && [ "$(cat "$dir/$STAMP")" = "laravel/laravel $version" ] && [ -f "$dir/vendor/autoload.php" ]; then
    log "$name: already built (laravel/laravel $version)"
  else
    log "$name: creating laravel/laravel $version with Composer"
    rm -rf "$dir"
    composer create-project --no-interaction --no-install --no-scripts --no-progress "laravel/laravel:$version" "$dir"
    (
      cd "$dir"
      drop_require_dev
      composer config repositories.probes path ../probes
      composer require --no-update --quiet laravel-rust/test-probes:@dev
      cp .env.example .env
      set_env .env APP_DEBUG false
      set_env .env LOG_CHANNEL stderr
      if ! grep -q '^DB_CONNECTION=sqlite' .env; then
        set_env .env DB_CONNECTION sqlite
        sed -i -E '/^DB_(HOST|PORT|DATABASE|USERNAME|PASSWORD)=/d' .env
      fi
      composer update --no-interaction --no-dev --prefer-dist --no-progress
      "$PHP" artisan key:generate --force >/dev/null
    )
    echo "laravel/laravel $version" >"$dir/$STAMP"
  fi
  prepare_app "$dir" 'LaravelRust\TestProbes\Database\ProbeUsersSeeder'
  log "$name: ready ($("$PHP" "$dir/artisan" --version))"
}

build_laravel_8() {
  local dir=test/apps/laravel-8
  if [ ! -f /usr/share/php/Illuminate/autoload.php ]; then
    echo "setup-test-apps: laravel-8 needs Debian's php-laravel-framework (apt-get install php-laravel-framework)" >&2
    exit 1
  fi
  prepare_app "$dir" 'LaravelRust\TestProbes\Database\ProbeUsersSeeder'
  log "laravel-8: ready ($("$PHP" "$dir/artisan" --version), Debian's packages)"
}

build_example() {
  local dir=example
  (
    cd "$dir"
    # (Composer's own files, not just vendor/autoload.php, must be there: a half-installed or
    # copied vendor/ would pass a check on autoload.php alone.)
    if [ ! -f vendor/composer/autoload_real.php ] || [ composer.json -nt vendor/autoload.php ]; then
      log "example: installing its Composer packages"
      composer update --no-interaction --no-dev --prefer-dist --no-progress
      touch vendor/autoload.php
    fi
    if [ ! -f .env ]; then
      cp .env.example .env
      "$PHP" artisan key:generate --force >/dev/null
    fi
  )
  prepare_app "$dir" 'Database\Seeders\DatabaseSeeder'
  log "example: ready ($("$PHP" "$dir/artisan" --version))"
}

for name in "${WANTED[@]}"; do
  case "$name" in
    laravel-8) build_laravel_8 ;;
    example) build_example ;;
    *)
      if [ -z "${SKELETONS[$name]:-}" ]; then
        echo "setup-test-apps: unknown app '$name' (known: ${ORDER[*]})" >&2
        exit 1
      fi
      build_skeleton "$name" "${SKELETONS[$name]}"
      ;;
  esac
done
