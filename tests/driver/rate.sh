#!/usr/bin/env bash
# tests/driver/rate.sh SERVER [N] — the Linux kernel as client makes N
# (default 1000) sequential connections (connect, its FIN, the server's FIN,
# close) to synack-server through a TUN device, then the same N to a kernel
# server one veth hop away, and reports both rates. Checks that every
# connection completes; the rates are reported, not asserted (timing is
# measured, never asserted in tests).
#
# Namespaces this script creates and removes: "a" (TUN + synack-server +
# the kernel client), "b" (the kernel server), joined by veth. Addresses:
# 198.18.0.0/24 (TUN) and 198.19.1.0/24 (veth) only. Exit 77 (skipped)
# without root, /dev/net/tun, ip or python3.
set -euo pipefail
server="$(readlink -f "$1")"
n="${2:-1000}"

work="$(mktemp -d)"
. "$(dirname "${BASH_SOURCE[0]}")/interop_common.sh"
a="se-ra-$$"
b="se-rb-$$"
netns_pair "$a" "$b"
# The kernel client closes first and keeps TIME-WAIT: reuse its ports.
ip netns exec "$a" sysctl -qw net.ipv4.tcp_tw_reuse=1

ip netns exec "$a" timeout 120 "$server" --count "$n" --timeout 110 --no-trace > "$work/server.out" 2>&1 &
spid=$!
for _ in $(seq 1 100); do grep -q READY "$work/server.out" && break; sleep 0.1; done
grep -q READY "$work/server.out" || { cat "$work/server.out"; exit 1; }
ip netns exec "$a" timeout 120 "$py" "$clients" connect synack-server 198.18.0.2 8080 "$n" 10 | tee "$work/r1.out"
wait "$spid" || { echo "synack-server failed"; cat "$work/server.out"; exit 1; }
grep '^STATS' "$work/server.out"

ip netns exec "$b" timeout 120 "$py" "$clients" serve 198.19.1.1 8081 "$n" > "$work/kserver.out" 2>&1 &
kpid=$!
for _ in $(seq 1 100); do grep -q LISTENING "$work/kserver.out" && break; sleep 0.1; done
ip netns exec "$a" timeout 120 "$py" "$clients" connect kernel-server 198.19.1.1 8081 "$n" 10 | tee "$work/r2.out"
wait "$kpid" || true
grep -q "^RATE synack-server $n/$n" "$work/r1.out"
grep -q "^RATE kernel-server $n/$n" "$work/r2.out"
echo "PASS rate"
