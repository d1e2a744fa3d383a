#!/bin/sh
# Prepare the example app for local use / tests:
#   - make sure the storage and bootstrap/cache trees exist and are writable,
#   - create the SQLite file if missing (Laravel will not create it itself),
#   - (re)build the schema and seed the two demo users.
#
# Usage: example/bin/setup.sh        (from any directory)
# Idempotent: every run resets the database to the seeded state.
set -eu

cd "$(dirname "$0")/.."

PHP="${PHP:-php}"

for dir in \
    storage/app/public \
    storage/framework/cache/data \
    storage/framework/sessions \
    storage/framework/testing \
    storage/framework/views \
    storage/logs \
    bootstrap/cache
do
    mkdir -p "$dir"
done

# Writable for whoever serves the app (php-fpm may run as www-data).
chmod -R a+rwX storage bootstrap/cache

mkdir -p database
[ -f database/database.sqlite ] || : > database/database.sqlite
# SQLite needs write access to the file and its directory (journal files).
chmod a+rw database/database.sqlite
chmod a+rwx database

"$PHP" artisan migrate:fresh --seed --force

echo "example app ready: $(pwd)"
