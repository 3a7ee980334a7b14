#!/usr/bin/env bash
# scripts/interop-rate.sh — the README's connection-rate figures: the
# connections/s part of scripts/bench-live.sh (synack-server with 1 and 2
# queues vs the kernel server, 1/64/512 in flight, C++ load generator, one
# topology in namespaces of its own; Release build). Needs root and
# /dev/net/tun. (tests/driver/rate.sh, the sequential Python check, stays
# the CTest interop_rate: it checks completion, it is not a rate figure.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SYNACK_BENCH_SECTIONS=rate exec bash scripts/bench-live.sh
