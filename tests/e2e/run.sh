#!/usr/bin/env bash
# Runs the Playwright specs against the release build in dist/ (`make web` builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
[ -f dist/index.html ] || { echo "dist/ is missing: run 'make web' first" >&2; exit 1; }
mkdir -p tests/e2e/artifacts
exec playwright test --config tests/e2e/playwright.config.mjs "$@"
