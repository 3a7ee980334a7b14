#!/usr/bin/env bash
# scripts/bench.sh — the README's measurements: builds the release preset
# (g++ 12, CMake Release: -O3) and runs every Google Benchmark program with
# 10 repetitions, printing the medians. Run it on an idle machine: the
# figures are CPU time per operation, and a busy sibling core moves them.
#
#   scripts/bench.sh                 all programs
#   scripts/bench.sh versus listener only bench_versus and bench_listener
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --preset release >/dev/null
cmake --build --preset release --parallel "${SYNACK_JOBS:-2}" >/dev/null
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    names=()
    for f in build/release/bench/bench_*; do names+=("$(basename "$f" | sed 's/^bench_//')"); done
fi
for n in "${names[@]}"; do
    echo "== bench_$n"
    "build/release/bench/bench_$n" --benchmark_repetitions=10 --benchmark_report_aggregates_only=true 2>/dev/null |
        grep -E '_median|^Run on'
done

# Compile time of the umbrella header (DESIGN.md budget), best of 5, next to
# an empty file on the same machine.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo '#include <synack/synack.hpp>' > "$tmp/umbrella.cpp"
: > "$tmp/empty.cpp"
for f in empty umbrella; do
    best=""
    for _ in 1 2 3 4 5; do
        s=$(date +%s.%N)
        g++ -std=c++20 -O2 -Iinclude -c "$tmp/$f.cpp" -o "$tmp/$f.o"
        e=$(date +%s.%N)
        t=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
    done
    printf '== compile %-9s g++ -std=c++20 -O2: %.2f s (best of 5)\n' "$f" "$best"
done
