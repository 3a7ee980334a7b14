#!/usr/bin/env bash
# tests/driver/packet6.sh SERVER [N] — IPv6 through synack-server's AF_PACKET
# device (driver/packet.hpp): the Linux kernel as client finds synack by
# Neighbor Discovery (synack answers its solicitation, wire/ndp.hpp) and
# makes N (default 200) sequential connections (connect, its FIN, the
# server's FIN, close).
#
# First, synack-server told to use the client's own address must find it
# taken (duplicate address detection, RFC 4862 §5.4: Linux defends its
# address) and exit without serving.
#
# Checks counts and state, never wall-clock: every connection completes
# cleanly on the client side; synack-server accepted and closed N; it
# answered at least one Neighbor Solicitation; the client kernel's
# neighbour entry for synack's address holds the MAC of synack's interface
# (Linux accepted the advertisement); the kernel under synack (IPv6 off on
# that interface) sent nothing of its own.
#
# Namespaces this script creates and removes: se-6a$$ (the kernel client,
# 2001:db8:4::1/64) and se-6b$$ (synack-server --packet on the veth's other
# end, [2001:db8:4::2]:8080), joined by veth. Only 2001:db8::/32. Exit 77
# (skipped) without root, ip or python3 (interop_common.sh's checks).
set -euo pipefail
server="$(readlink -f "$1")"
n="${2:-200}"

work="$(mktemp -d)"
. "$(dirname "${BASH_SOURCE[0]}")/interop_common.sh" # skip(), $py, $clients, packet_pair

a="se-6a$$"
b="se-6b$$"
packet_pair "$a" "$b" "c6$$" "s6$$" # sets $mac
ip -n "$a" addr add 2001:db8:4::1/64 dev "c6$$" nodad

# Duplicate address detection (RFC 4862 §5.4): synack-server told to use
# the Linux client's own address gives it up (Linux defends it) and exits.
if ip netns exec "$b" timeout 20 "$server" --packet "s6$$" --listen "[2001:db8:4::1]:8080" \
    --kernel-addr 2001:db8:4::1/64 --count 1 --timeout 5 --quiet > "$work/dup.out" 2>&1; then
    echo "synack-server served on an address in use"; cat "$work/dup.out"; exit 1
fi
grep -q "duplicate address detection" "$work/dup.out" || { echo "no duplicate found"; cat "$work/dup.out"; exit 1; }

ip netns exec "$b" timeout 120 "$server" --packet "s6$$" --listen "[2001:db8:4::2]:8080" \
    --kernel-addr 2001:db8:4::1/64 --count "$n" --timeout 110 --quiet > "$work/server.out" 2>&1 &
spid=$!
for _ in $(seq 1 100); do grep -q READY "$work/server.out" && break; sleep 0.1; done
grep -q READY "$work/server.out" || { cat "$work/server.out"; exit 1; }
ip netns exec "$a" timeout 100 "$py" "$clients" connect synack-packet6 2001:db8:4::2 8080 "$n" 10 | tee "$work/client.out"
wait "$spid" || { echo "synack-server failed"; cat "$work/server.out"; exit 1; }
grep -E '^(STATS|PACKET|ENDPOINT)' "$work/server.out"
neigh=$(ip -n "$a" -6 neigh show 2001:db8:4::2 dev "c6$$")
echo "client kernel: $neigh; synack's interface: $mac"

grep -q "^RATE synack-packet6 $n/$n " "$work/client.out" || { echo "not every connection completed cleanly"; exit 1; }
accepted=$(sed -n 's/^STATS .*accepted=\([0-9]*\).*/\1/p' "$work/server.out")
closed=$(sed -n 's/^STATS .*closed=\([0-9]*\).*/\1/p' "$work/server.out")
ndp=$(sed -n 's/^PACKET 0 .*ndp_replies=\([0-9]*\).*/\1/p' "$work/server.out")
dad=$(sed -n 's/^PACKET 0 .*dad_probes=\([0-9]*\).*/\1/p' "$work/server.out")
[ "$accepted" -ge "$n" ] || { echo "accepted $accepted < $n"; exit 1; }
[ "$closed" -ge "$n" ] || { echo "closed $closed < $n"; exit 1; }
[ "${ndp:-0}" -ge 1 ] || { echo "synack answered no Neighbor Solicitation"; exit 1; }
[ "${dad:-0}" = 1 ] || { echo "synack sent ${dad:-no} duplicate address probes, not 1"; exit 1; }
[[ "$neigh" == *"lladdr $mac"* ]] || { echo "the client kernel does not hold synack's MAC for its address"; exit 1; }
out6=$(ip netns exec "$b" nstat -asz Ip6OutRequests 2>/dev/null | awk '$1 == "Ip6OutRequests" { print $2 }')
[ "${out6:-x}" = 0 ] || { echo "the kernel under synack sent IPv6 packets: $out6"; exit 1; }
echo "PASS packet6 ($n connections)"
