#!/usr/bin/env bash
# tests/driver/packet_client.sh CLIENT — synack-client through its AF_PACKET
# device (driver/packet.hpp) opening connections to a host it has never
# heard from: the device must resolve the next hop itself, by ARP (RFC 826)
# for IPv4 and by Neighbor Discovery (RFC 4861 §7.2.2) for IPv6, hold the
# SYN meanwhile, and send it once the answer comes.
#
# Cases, each a fresh synack-client on the same link:
#   v4       198.18.5.1:5000, on the link (--kernel-addr 198.18.5.1/24)
#   v6       [2001:db8:5::1]:5000, on the link
#   gateway  198.18.6.1:5000, off the link, through --gateway 198.18.5.1 (the
#            kernel's side holds 198.18.6.1 too, on its loopback)
#   nobody   198.18.5.9:5000, on the link, absent: TIMEDOUT, and the device
#            asked at most three times (Linux's mcast_solicit) however
#            often the SYN was sent, then dropped what it held
#
# Checks counts and state, never wall-clock: the outcome; the device's
# requests, resolutions and held datagrams (its PACKET line); the Linux
# peer's neighbour entry for synack's address holds the MAC of synack's
# interface (Linux took it from our request, as RFC 826 and RFC 4861 §7.2.3
# say a target does); the kernel under synack (no address, IPv6 off on
# that interface) sent nothing of its own.
#
# Namespaces this script creates and removes: se-pa$$ (the Linux server:
# 198.18.5.1/24, 198.18.6.1/32, 2001:db8:5::1/64) and se-pb$$ (synack-client
# on the veth's other end, 198.18.5.2 and 2001:db8:5::2), joined by veth.
# Only 198.18.0.0/15 and 2001:db8::/32. Exit 77 (skipped) without root, ip
# or python3 (interop_common.sh's checks).
set -euo pipefail
client="$(readlink -f "$1")"

work="$(mktemp -d)"
. "$(dirname "${BASH_SOURCE[0]}")/interop_common.sh" # skip(), $py, packet_pair

a="se-pa$$"
b="se-pb$$"
packet_pair "$a" "$b" "pa$$" "pb$$" # sets $mac
ip -n "$a" addr add 198.18.5.1/24 dev "pa$$"
ip -n "$a" addr add 198.18.6.1/32 dev lo
ip -n "$a" addr add 2001:db8:5::1/64 dev "pa$$" nodad

# The Linux server: accepts on every address of its namespace, port 5000,
# until killed.
cat > "$work/server.py" <<'EOF'
import socket, select
socks = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 5000))
    s.listen(16)
    socks.append(s)
print("LISTENING", flush=True)
conns = []
while True:
    r, _, _ = select.select(socks + conns, [], [], 30)
    if not r:
        break
    for s in r:
        if s in socks:
            c, peer = s.accept()
            print("ACCEPTED", peer[0], flush=True)
            conns.append(c)
        elif not s.recv(1024):
            s.close()
            conns.remove(s)
EOF
ip netns exec "$a" timeout 100 "$py" "$work/server.py" > "$work/server.out" 2>&1 &
for _ in $(seq 1 50); do grep -q LISTENING "$work/server.out" && break; sleep 0.1; done
grep -q LISTENING "$work/server.out" || { cat "$work/server.out"; exit 1; }

run() { # NAME ARGS...: synack-client in se-pb, its output in $work/NAME.out
    local name="$1"; shift
    ip netns exec "$b" timeout 60 "$client" --packet "pb$$" --msl-ms 10 --no-ladder "$@" > "$work/$name.out" 2>&1 || true
    grep -E '^(ESTABLISHED|TIMEDOUT|PACKET|OUTCOME)' "$work/$name.out" | sed "s/^/$name: /"
}
field() { sed -n "s/^PACKET .*$2=\([0-9]*\).*/\1/p" "$work/$1.out"; }
fail() { echo "FAIL $*"; cat "$work"/*.out; exit 1; }

run v4 --local 198.18.5.2:40000 --connect 198.18.5.1:5000 --kernel-addr 198.18.5.1/24
grep -q '^OUTCOME established' "$work/v4.out" || fail "v4: not established"
[ "$(field v4 arp_requests)" -ge 1 ] || fail "v4: no ARP request sent"
[ "$(field v4 resolved)" -ge 1 ] || fail "v4: the next hop was not resolved"
[ "$(field v4 held)" -ge 1 ] || fail "v4: the SYN was not held for the answer"
[ "$(field v4 unresolved_drops)" = 0 ] || fail "v4: held datagrams dropped"
neigh=$(ip -n "$a" neigh show 198.18.5.2 dev "pa$$")
[[ "$neigh" == *"lladdr $mac"* ]] || fail "v4: Linux holds no entry for synack with its MAC: $neigh"

run v6 --local "[2001:db8:5::2]:40000" --connect "[2001:db8:5::1]:5000" --kernel-addr 2001:db8:5::1/64
grep -q '^OUTCOME established' "$work/v6.out" || fail "v6: not established"
[ "$(field v6 ndp_solicitations)" -ge 1 ] || fail "v6: no Neighbor Solicitation sent"
[ "$(field v6 resolved)" -ge 1 ] || fail "v6: the next hop was not resolved"
[ "$(field v6 unresolved_drops)" = 0 ] || fail "v6: held datagrams dropped"
neigh=$(ip -n "$a" -6 neigh show 2001:db8:5::2 dev "pa$$")
[[ "$neigh" == *"lladdr $mac"* ]] || fail "v6: Linux holds no entry for synack with its MAC: $neigh"

run gateway --local 198.18.5.2:40001 --connect 198.18.6.1:5000 --kernel-addr 198.18.5.1/24 --gateway 198.18.5.1
grep -q '^OUTCOME established' "$work/gateway.out" || fail "gateway: not established"
[ "$(field gateway arp_requests)" -ge 1 ] || fail "gateway: the gateway was not resolved by ARP"

# Nobody at 198.18.5.9: SYNs at 0, 0.2, 0.6, 1.4, 3.0 s; requests at most
# once a second and three in all.
run nobody --local 198.18.5.2:40002 --connect 198.18.5.9:5000 --kernel-addr 198.18.5.1/24 \
    --syn-retries 4 --rto-ms 200 --expect timedout
grep -q '^OUTCOME timedout' "$work/nobody.out" || fail "nobody: not timed out"
req=$(field nobody arp_requests)
[ "$req" -ge 2 ] && [ "$req" -le 3 ] || fail "nobody: $req ARP requests, not 2 or 3"
[ "$(field nobody resolved)" = 0 ] || fail "nobody: resolved an absent host"
[ "$(field nobody unresolved_drops)" -ge 1 ] || fail "nobody: nothing dropped as unresolved"

accepted=$(grep -c '^ACCEPTED' "$work/server.out" || true)
[ "$accepted" = 3 ] || fail "the Linux server accepted $accepted connections, not 3"
out4=$(ip netns exec "$b" nstat -asz IpOutRequests 2>/dev/null | awk '$1 == "IpOutRequests" { print $2 }')
[ "${out4:-x}" = 0 ] || fail "the kernel under synack sent IPv4 packets: $out4"
echo "PASS packet_client (ARP, Neighbor Discovery, a gateway, an absent host)"
