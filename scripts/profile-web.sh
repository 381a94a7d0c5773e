#!/usr/bin/env bash
# Builds the web app with function names kept and records Chromium CPU profiles of a
# large paste and of idle animation (tests/e2e/profile.mjs). See docs/performance.md.
#
#   scripts/profile-web.sh [10k|100k]
#
# The build is the shipped one (the `wasm-release` profile, opt-level "z", wasm-opt
# -O2 --shrink-level 1 -ocimfs=0 -aimfs=1 --low-memory-unused --code-folding --reorder-locals) plus debug info, in a profile of its own (`wasmprof`, defined here through
# Cargo's environment, so the shipped profile and its cache are untouched) and a
# folder of its own (dist-profile/). trunk keeps the name section only without
# wasm-opt, so wasm-opt runs here instead, with -g. Heavy: run it under `buildlock`
# on a shared machine. KUBETOPO_BENCH_PORT picks the port (8766 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
size="${1:-10k}"
page="$(mktemp -p . .index-profile-XXXX.html)"
trap 'rm -f "$page"' EXIT
# The page of index.html with names kept and wasm-opt left to this script.
sed -e 's/data-cargo-profile-release="wasm-release"/data-cargo-profile-release="wasmprof" data-keep-debug/' \
    -e 's/data-wasm-opt="[^"]*"/data-wasm-opt="0"/' index.html > "$page"
grep -q 'data-keep-debug' "$page" || { echo "index.html no longer has the expected rust link" >&2; exit 1; }
export CARGO_PROFILE_WASMPROF_INHERITS=wasm-release CARGO_PROFILE_WASMPROF_DEBUG=true CARGO_PROFILE_WASMPROF_STRIP=false
trunk build --release=true --dist dist-profile "$page"
wasm="$(ls dist-profile/*.wasm)"
wasm-opt "$wasm" --strip-dwarf -O2 --shrink-level 1 -ocimfs=0 -aimfs=1 --low-memory-unused --code-folding --reorder-locals --reorder-functions-by-name -g --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals -o "$wasm.opt"
mv "$wasm.opt" "$wasm"
DIST=dist-profile PROFILE_SIZE="$size" node tests/e2e/profile.mjs
