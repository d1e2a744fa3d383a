#!/usr/bin/env bash
# One-time setup on Debian 12 (or newer) with Node 20: installs PHP, Debian's Laravel 8 packages
# (the oldest test app), nginx + php-fpm (the benchmark's and the differential tests' peer) and
# PHPUnit, HAProxy and systemd (for the deploy/ checks) when they are missing, then the npm packages, then builds the server and, with Composer,
# the Laravel 12 example app and the Laravel test apps (scripts/setup-test-apps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium (+ a font for its text): the status page's test drives it headless (puppeteer-core);
# haproxy: the two-instance test; systemd: systemd-analyze verify of deploy/'s unit.
PACKAGES=(php8.2-cli php8.2-fpm php8.2-sqlite3 php8.2-mbstring php8.2-xml php8.2-opcache unzip php-laravel-framework nginx-light phpunit haproxy systemd chromium fonts-liberation)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
      echo "setup: these packages are missing and this user is not root (and has no sudo): ${missing[*]}" >&2
      exit 1
    fi
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts the services it installs; we start our own nginx/php-fpm on loopback when needed.
  $SUDO systemctl disable --now nginx php8.2-fpm >/dev/null 2>&1 || true
else
  echo "setup: Debian packages already installed"
fi

echo "setup: installing npm packages"
npm ci --no-audit --no-fund

echo "setup: building"
npm run build --silent

if ! command -v composer >/dev/null; then
  echo "setup: composer is not installed (it builds the Laravel apps from the package registry)" >&2
  exit 1
fi

echo "setup: building the Laravel apps (example/, test/apps/laravel-{12,11,10,8})"
bash scripts/setup-test-apps.sh

echo "setup: done. Next: npm start   (serves the Laravel 12 example app on http://127.0.0.1:8080)"
