#!/usr/bin/env bash
# Fuzzes the engine with one of the cargo-fuzz targets in fuzz/fuzz_targets/.
#
#   scripts/fuzz.sh [TARGET] [SECONDS]   # TARGET: ingest_to_scene (default), trace,
#                                        # sim, whatif, or all (each in turn)
#   scripts/fuzz.sh [SECONDS]            # ingest_to_scene; `make fuzz` runs 300
#
# Installs cargo-fuzz if it is missing, seeds a fresh temporary corpus from
# fuzz/seeds and samples/, and runs one libFuzzer job. Exits non-zero when the
# fuzzer finds a crash (panic, timeout or out-of-memory); the input is saved under
# fuzz/artifacts/TARGET/. See docs/fuzzing.md.
#
# Environment:
#   FUZZ_SANITIZER  cargo-fuzz sanitizer (default: none; see docs/fuzzing.md for why)
#   FUZZ_CORPUS     use (and keep) this corpus directory instead of a temporary one
#                   (with `all`, a subdirectory per target)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

TARGETS=(ingest_to_scene trace sim whatif)
TARGET=ingest_to_scene
if [ $# -gt 0 ] && ! [[ "$1" =~ ^[0-9]+$ ]]; then
    TARGET="$1"
    shift
fi
SECONDS_TO_RUN="${1:-300}"
SANITIZER="${FUZZ_SANITIZER:-none}"

if [ "$TARGET" = all ]; then
    for target in "${TARGETS[@]}"; do
        FUZZ_CORPUS="${FUZZ_CORPUS:+$FUZZ_CORPUS/$target}" "$0" "$target" "$SECONDS_TO_RUN"
    done
    exit 0
fi
if [[ ! " ${TARGETS[*]} " =~ " $TARGET " ]]; then
    echo "fuzz.sh: unknown target '$TARGET'; one of: ${TARGETS[*]} all" >&2
    exit 2
fi

# cargo-fuzz only exists for nightly-style builds: it passes `-Z` flags to cargo and
# rustc. This machine has the stable toolchain only, so unlock the unstable flags on
# stable. This touches the fuzz build only (its own target dir: fuzz/target).
export RUSTC_BOOTSTRAP=1
# Two cores shared with other builds: one compile job, one fuzz job.
export CARGO_BUILD_JOBS=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked -j 1
fi

if [ -n "${FUZZ_CORPUS:-}" ]; then
    corpus="$FUZZ_CORPUS"
    mkdir -p "$corpus"
else
    corpus="$(mktemp -d "${TMPDIR:-/tmp}/kubetopo-fuzz-corpus.XXXXXX")"
    trap 'rm -rf "$corpus"' EXIT
fi
# Every target reads manifests first (see fuzz/fuzz_targets/common/mod.rs), so they
# share the seeds and the dictionary.
cp fuzz/seeds/* "$corpus"/
for sample in samples/*.yaml; do
    cp "$sample" "$corpus/sample-$(basename "$sample")"
done
chmod u+w "$corpus"/*
mkdir -p fuzz/artifacts/$TARGET

echo "fuzz.sh: $TARGET for ${SECONDS_TO_RUN}s, sanitizer $SANITIZER, corpus $corpus ($(ls "$corpus" | wc -l) seeds)" >&2
status=0
cargo fuzz run --fuzz-dir fuzz --sanitizer "$SANITIZER" --jobs 1 "$TARGET" "$corpus" -- \
    -max_total_time="$SECONDS_TO_RUN" \
    -rss_limit_mb=2048 \
    -max_len=65536 \
    -timeout=10 \
    -print_final_stats=1 \
    -dict=fuzz/ingest_to_scene.dict \
    || status=$?

if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: the fuzzer found a crash in $TARGET (exit $status); see fuzz/artifacts/$TARGET/" >&2
    echo "fuzz.sh: reproduce with: RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz -s $SANITIZER $TARGET fuzz/artifacts/$TARGET/<file>" >&2
    exit "$status"
fi
echo "fuzz.sh: $TARGET: clean run of ${SECONDS_TO_RUN}s" >&2
