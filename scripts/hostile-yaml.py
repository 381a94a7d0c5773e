#!/usr/bin/env python3
"""Writes hostile-but-valid YAML of a given size, for memory measurements.

    scripts/hostile-yaml.py nested-anchors BYTES > file.yaml
    scripts/hostile-yaml.py large-alias BYTES > file.yaml

nested-anchors: one document, a sequence of items `{k: &n0 {k: &n1 ... {k: v}}}`
with 98 nested anchors each (the deepest nesting kubetopo accepts) and no alias at
all. Before anchors shared their subtrees, each anchor held a deep copy of what it
named, so memory grew with the nesting depth times the input (issue #12 item 7).

large-alias: one document with an anchored map of many entries and as many aliases
of it as the alias budget (`yaml::ALIAS_EXPANSION_ALLOWANCE`, 100,000 nodes plus the
nodes written out) allows, so the expansion stays just under the budget.

The output is deterministic. See docs/fuzzing.md for the figures measured with it.
"""
import sys

NESTED_ANCHORS = 98
ALIAS_EXPANSION_ALLOWANCE = 100_000


def nested_anchors(n_bytes):
    item = "- " + "".join(f"{{k: &n{i} " for i in range(NESTED_ANCHORS)) + "{k: v}" + "}" * NESTED_ANCHORS + "\n"
    n_items = max(1, n_bytes // len(item))
    return item * n_items


def large_alias(n_bytes):
    # The anchored map takes the bytes; the aliases add what the budget allows.
    entry = "  key{:07d}: value\n"
    n_entries = max(1, n_bytes // len(entry.format(0)))
    lines = ["base: &base\n"]
    lines += [entry.format(i) for i in range(n_entries)]
    nodes_written = 1 + 2 * n_entries + 2
    nodes_per_alias = 1 + n_entries
    n_aliases = max(1, (ALIAS_EXPANSION_ALLOWANCE + nodes_written) * 9 // 10 // nodes_per_alias)
    lines.append("uses:\n")
    lines += ["- *base\n"] * n_aliases
    return "".join(lines)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("nested-anchors", "large-alias"):
        sys.exit(__doc__)
    n_bytes = int(sys.argv[2])
    generate = nested_anchors if sys.argv[1] == "nested-anchors" else large_alias
    sys.stdout.write(generate(n_bytes))


if __name__ == "__main__":
    main()
