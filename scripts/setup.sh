#!/usr/bin/env bash
# Installs everything kubetopo's build and tests need. Idempotent: each step is
# skipped when its tool is already present at the right version.
#
#   scripts/setup.sh          Rust wasm target, trunk, wasm-bindgen-cli, npm tools
#   scripts/setup.sh browser  ... plus what the tests need: Debian's Chromium and
#                             mdbook for the browser tests, Graphviz (`dot` reads
#                             the DOT export) and fonts when the system has none
#                             (the PNG export draws its text with the system's fonts)
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# mdbook builds the book of the documentation-embed test (tests/e2e/book/).
MDBOOK_VERSION=0.4.52
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/"/, "", $3); print $3; exit}' Cargo.lock)

step() { printf '\n==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# `make lint` needs rustfmt and clippy; a minimal rustup profile lacks them.
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    step "rustup component add $component"
    rustup component add "$component"
  fi
done

if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
  step "cargo install trunk $TRUNK_VERSION (about 6 minutes)"
  # trunk 0.22 needs a newer rustc than this toolchain.
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes)"
  # Not --locked: the published lockfile pins a crate the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/playwright ] || [ ! -f node_modules/mermaid/dist/mermaid.min.js ] || [ package.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (binaryen 132 for wasm-opt, Playwright for browser tests, mermaid to check the Mermaid export)"
  # Never `npx playwright install`: browsers come from Debian, not a download.
  npm ci --no-audit --no-fund
fi

if [ "${1:-}" = "browser" ]; then
  debian_packages=()
  [ -x /usr/bin/chromium ] || debian_packages+=(chromium chromium-driver)
  command -v dot >/dev/null || debian_packages+=(graphviz)
  command -v fc-list >/dev/null || debian_packages+=(fontconfig)
  if ! command -v fc-list >/dev/null || [ -z "$(fc-list 2>/dev/null)" ]; then
    debian_packages+=(fonts-dejavu-core)
  fi
  if [ ${#debian_packages[@]} -gt 0 ]; then
    step "apt-get install ${debian_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${debian_packages[@]}"
  fi
fi

if [ "${1:-}" = "browser" ] && ! mdbook --version 2>/dev/null | grep -q " v$MDBOOK_VERSION"; then
  step "cargo install mdbook $MDBOOK_VERSION (about 3 minutes)"
  # Without its default features (serve, watch, search): the test only builds a book.
  cargo install --locked mdbook --version "$MDBOOK_VERSION" --no-default-features
fi

# trunk is offline: every crate must already be in the local registry.
step "cargo fetch"
cargo fetch --quiet
