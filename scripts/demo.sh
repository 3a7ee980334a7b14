#!/usr/bin/env bash
# scripts/demo.sh — the README's first command: builds the examples and shows
# synack at work, on a fresh Debian 12 machine (as root it installs what is
# missing itself).
#
#   1. synack-decode --summary on two real Linux captures shipped in
#      tests/data: every segment as tcpdump prints it, then what each
#      handshake negotiated.
#   2. synack-loop: two sans-IO Connections doing a handshake over a
#      simulated 50 ms link whose first SYN is lost.
#   3. synack-drill: every scenario script in tests/scenarios (Linux's
#      behaviour, segment for segment, in virtual time), one verdict each,
#      and the trace of the simultaneous open.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "demo: please install ${need[*]} (or run as root)" >&2
        exit 1
    fi
    echo "demo: installing ${need[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

build=build/demo
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSYNACK_BUILD_TESTS=OFF -DSYNACK_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target synack-decode synack-loop synack-drill --parallel 2 >/dev/null

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

banner "synack-decode --summary tests/data/a_ipv4_default.pcap   (Linux 6.18, IPv4, default sysctls)"
"$build/examples/synack-decode/synack-decode" --summary tests/data/a_ipv4_default.pcap
banner "synack-decode --summary tests/data/d_ipv6_default.pcap   (IPv6)"
"$build/examples/synack-decode/synack-decode" --summary tests/data/d_ipv6_default.pcap
banner "synack-decode --summary tests/data/e_ipv4_closed_port.pcap   (connection refused)"
"$build/examples/synack-decode/synack-decode" --summary tests/data/e_ipv4_closed_port.pcap
banner "synack-loop: two Connections, 50 ms each way, the first SYN lost"
"$build/examples/synack-loop/synack-loop" --delay-ms 50
banner "synack-drill tests/scenarios/*.pkt   (packetdrill-style scenarios against the machines)"
"$build/examples/synack-drill/synack-drill" tests/scenarios/*.pkt
banner "synack-drill -v tests/scenarios/simultaneous-open.pkt"
"$build/examples/synack-drill/synack-drill" -v tests/scenarios/simultaneous-open.pkt
