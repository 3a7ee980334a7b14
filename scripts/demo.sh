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
#   4. Live, when run as root with /dev/net/tun: three of those scripts
#      again under the real packetdrill against this machine's kernel (the
#      second verdict; packetdrill is built from ../shared/packetdrill), then,
#      in a network namespace of its own (gone when it ends), the Linux kernel connects to
#      synack-server through a TUN device, synack-client connects to a kernel
#      listener, and the kernel's Fast Open client sends data in its SYN;
#      each prints the ladder diagram with the real numbers, what both sides
#      negotiated, and writes a pcap (build/demo/pcap/). Only 198.18.0.0/15
#      addresses, only inside that namespace.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
if [ "$(id -u)" -eq 0 ]; then # the live part's tools
    command -v ip >/dev/null 2>&1 || need+=(iproute2)
    command -v sysctl >/dev/null 2>&1 || need+=(procps)
    [ -x /usr/bin/python3 ] || need+=(python3)
    command -v bison >/dev/null 2>&1 || need+=(bison) # packetdrill, for the kernel's verdict
    command -v flex >/dev/null 2>&1 || need+=(flex)
fi
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
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSYNACK_BUILD_TESTS=OFF -DSYNACK_BUILD_TOOLS=ON -DSYNACK_BUILD_EXAMPLES=ON >/dev/null
targets=(synack-decode synack-loop synack-drill)
[ "$(uname -s)" = Linux ] && targets+=(synack-server synack-client)
cmake --build "$build" --target "${targets[@]}" --parallel 2 >/dev/null

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

banner "synack-decode --summary tests/data/a_ipv4_default.pcap   (Linux 6.18, IPv4, default sysctls)"
"$build/tools/synack-decode/synack-decode" --summary tests/data/a_ipv4_default.pcap
banner "synack-decode --summary tests/data/d_ipv6_default.pcap   (IPv6)"
"$build/tools/synack-decode/synack-decode" --summary tests/data/d_ipv6_default.pcap
banner "synack-decode --summary tests/data/e_ipv4_closed_port.pcap   (connection refused)"
"$build/tools/synack-decode/synack-decode" --summary tests/data/e_ipv4_closed_port.pcap
banner "synack-loop: two Connections, 50 ms each way, the first SYN lost"
"$build/examples/synack-loop/synack-loop" --delay-ms 50
banner "synack-drill tests/scenarios/*.pkt   (real packetdrill scripts against the machines, virtual time)"
"$build/tools/synack-drill/synack-drill" --local_ip=198.18.0.1 --remote_ip=198.18.0.2 tests/scenarios/*.pkt
banner "synack-drill -v tests/scenarios/simultaneous-open.pkt"
"$build/tools/synack-drill/synack-drill" --local_ip=198.18.0.1 --remote_ip=198.18.0.2 -v tests/scenarios/simultaneous-open.pkt

live() { # live CASE TITLE
    banner "$2"
    SYNACK_INTEROP_KEEP="$build/pcap" bash tests/driver/interop.sh "$1" \
        "$build/examples/synack-server/synack-server" "$build/examples/synack-client/synack-client" \
        "$build/tools/synack-decode/synack-decode" | grep -v '^PASS'
}
if [ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] && [ -x "$build/examples/synack-server/synack-server" ]; then
    # The second verdict: the same scripts under the real packetdrill against
    # this machine's kernel (built from ../shared/packetdrill), each in a
    # network namespace of its own.
    if bash scripts/build-packetdrill.sh >/dev/null 2>&1; then
        for script in passive-close simultaneous-open timestamps-missing-accepted; do
            banner "the kernel's verdict on tests/scenarios/$script.pkt (real packetdrill, Linux $(uname -r))"
            bash scripts/kernel-verdict.sh "tests/scenarios/$script.pkt"
        done
    else
        banner "kernel verdicts skipped: scripts/build-packetdrill.sh failed (needs ../shared/packetdrill, bison, flex)"
    fi
    live server4 "live: the Linux kernel connects to synack-server through a TUN device (IPv4)"
    live client6 "live: synack-client connects to a kernel listener (IPv6)"
    live server4-fastopen "live: the kernel's Fast Open client, data in its second SYN"
    echo
    echo "pcap files (tcpdump -nn -r FILE, or Wireshark): $build/pcap/"
    ls "$build/pcap/"
else
    banner "live part skipped: it needs root and /dev/net/tun (a network namespace and a TUN device)"
fi
