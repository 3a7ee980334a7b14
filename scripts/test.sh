#!/usr/bin/env bash
# scripts/test.sh — THE test command (README and CI run exactly this).
#
#   1. scripts/install-deps.sh (skipped with SYNACK_SKIP_DEPS=1)
#   2. scripts/build-packetdrill.sh (the real packetdrill, from ../shared, for
#      the kernel_<scenario> tests of the dev preset)
#   3. preset dev        g++ Debug, tests + examples, -Werror: build, ctest
#                        (also every scenario against the Linux kernel)
#   4. preset asan-ubsan g++ Debug + ASan/UBSan: build, ctest
#   5. preset clang      clang++ Debug, -Werror: build, ctest
#   6. preset release    Release benchmarks: build only (proves they compile)
#   7. preset fuzz       (if clang++ exists) build fuzz_<name>, run each for
#                        SYNACK_FUZZ_SECONDS (default 30) over its corpus
# Any failure stops the script with a non-zero status.
#
# Knobs: SYNACK_JOBS (parallel build/test jobs, default 2),
#        SYNACK_FUZZ_SECONDS (per fuzz target, default 30),
#        SYNACK_SKIP_DEPS=1 (do not run install-deps.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
jobs="${SYNACK_JOBS:-2}"
fuzz_seconds="${SYNACK_FUZZ_SECONDS:-30}"
start=$(date +%s)

step() { printf '\n==== [%4ss] %s\n' "$(($(date +%s) - start))" "$*"; }

if [ "${SYNACK_SKIP_DEPS:-0}" != "1" ]; then
    step "install dependencies"
    bash scripts/install-deps.sh
fi

# configure + build + test one preset. Extra args go to the configure step.
run_preset() {
    local preset="$1"
    shift
    step "configure $preset"
    cmake --preset "$preset" "$@"
    step "build $preset"
    cmake --build --preset "$preset" --parallel "$jobs"
    step "test $preset"
    ctest --preset "$preset" --output-on-failure -j "$jobs"
}

# The kernel verdict of the scenario scripts needs the real packetdrill; a clean
# clone has none prebuilt, so the suite builds it (idempotent, a few seconds).
step "build packetdrill"
bash scripts/build-packetdrill.sh

# g++ must be warning-free too (DESIGN.md); -Werror is added here rather than
# in the dev preset so local edit-compile loops are not blocked by a warning.
run_preset dev -DSYNACK_WERROR=ON
run_preset asan-ubsan
run_preset clang

step "configure release (benchmarks)"
cmake --preset release
step "build release (benchmarks, compile only)"
cmake --build --preset release --parallel "$jobs"

if command -v clang++ >/dev/null 2>&1; then
    step "configure fuzz"
    cmake --preset fuzz
    step "build fuzz"
    cmake --build --preset fuzz --parallel "$jobs"

    shopt -s nullglob
    for src in fuzz/*.cpp; do
        name="$(basename "$src" .cpp)"
        [ "$name" = "replay_main" ] && continue
        # tins_*: other people's parsers, bench-only (SYNACK_BUILD_TINS_FUZZ).
        case "$name" in tins_*) continue ;; esac
        bin="build/fuzz/fuzz/fuzz_${name}"
        if [ ! -x "$bin" ]; then
            echo "test.sh: $bin was not built" >&2
            exit 1
        fi
        # New inputs go to a scratch dir (first corpus argument); the seed
        # corpus in the repository is only read. Crashes land in artifacts/.
        work="build/fuzz/run/${name}"
        rm -rf "$work"
        mkdir -p "$work/corpus" "$work/artifacts"
        seeds=()
        [ -d "fuzz/corpus/${name}" ] && seeds+=("fuzz/corpus/${name}")
        step "fuzz ${name} for ${fuzz_seconds}s"
        "$bin" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$root/$work/artifacts/" \
            "$work/corpus" "${seeds[@]}"
    done
else
    step "clang++ not found: skipping the fuzz preset"
fi

step "all tests passed"
