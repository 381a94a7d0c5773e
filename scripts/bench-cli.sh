#!/usr/bin/env bash
# Whole-CLI timings and peak memory on synthetic clusters (issue: engine and CLI).
#   10,000 pods: `kubetopo analyze --format json` end to end (target < 400 ms)
#   100,000 pods: peak resident memory (target < 1 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin kubetopo --example gen-cluster
mkdir -p bench-data
[ -f bench-data/10k.yaml ] || target/release/examples/gen-cluster 2000 5 100 10 > bench-data/10k.yaml
[ -f bench-data/100k.yaml ] || target/release/examples/gen-cluster 20000 5 1000 50 > bench-data/100k.yaml
python3 - <<'PY'
import resource, subprocess, time, os
def run(path, runs):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(["target/release/kubetopo", "analyze", path, "--format", "json"], stdout=subprocess.DEVNULL, check=True)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best
for name, runs in (("bench-data/10k.yaml", 5), ("bench-data/100k.yaml", 2)):
    size = os.path.getsize(name) / 1e6
    best = run(name, runs)
    print(f"{name}: {size:.1f} MB, best of {runs} CLI runs: {best*1000:.0f} ms")
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"peak resident memory of the largest run: {peak_kb/1024:.0f} MB")
PY
