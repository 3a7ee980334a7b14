#!/usr/bin/env bash
# scripts/interop-rate.sh [N] — the README's connection-rate figures: builds
# synack-server (Release) and runs tests/driver/rate.sh, which has the Linux
# kernel make N (default 1000) sequential connections to synack-server
# through a TUN device and then to a kernel server one veth hop away, each
# in network namespaces of its own. Needs root and /dev/net/tun.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake -S . -B build/rate -DCMAKE_BUILD_TYPE=Release -DSYNACK_BUILD_TESTS=OFF -DSYNACK_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/rate --target synack-server --parallel "${SYNACK_JOBS:-2}" >/dev/null
exec bash tests/driver/rate.sh build/rate/examples/synack-server/synack-server "${1:-1000}"
