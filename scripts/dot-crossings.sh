#!/usr/bin/env bash
# Crossing pairs of kubetopo's cluster view and of Graphviz `dot` for the same graph
# (docs/layout.md). Prints one line per input: name, kubetopo's figure, dot's figure.
# The dot figures are recorded in tests/it/crossings.rs; re-run this when the
# scene's shapes or edges change. Needs `dot` (Debian: apt-get install graphviz).
# Run it under buildlock: it builds the example.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dot >/dev/null || { echo "dot not found: apt-get install -y graphviz" >&2; exit 1; }
cargo build --quiet --example dot-crossings
tool=target/debug/examples/dot-crossings
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dot -V 2>&1
compare() {
  local name=$1; shift
  "$tool" dot "$@" > "$work/graph.dot"
  dot -Tjson "$work/graph.dot" > "$work/layout.json"
  printf '%-28s kubetopo %6s   dot %6s\n' "$name" "$("$tool" scene "$@")" "$("$tool" count < "$work/layout.json")"
}
compare "online-boutique + netpol" samples/online-boutique.yaml samples/online-boutique-netpol.yaml
compare guestbook samples/guestbook.yaml
compare ingress-nginx samples/ingress-nginx-cloud.yaml samples/ingress-nginx-app.yaml
compare headless-statefulset samples/headless-statefulset.yaml
compare local-loadbalancer samples/local-loadbalancer.yaml
compare gateway-canary samples/gateway-canary.yaml
# The 200-Service generated cluster of tests/it/crossings.rs.
compare "synthetic:200,2,12,5" synthetic:200,2,12,5
