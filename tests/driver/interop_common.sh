# tests/driver/interop_common.sh — sourced by interop.sh, flood.sh, rate.sh,
# packet6.sh and packet_client.sh: the common checks (exit 77 = skipped,
# with the reason), $py, and netns_pair / packet_pair for two network
# namespaces joined by veth, removed on exit.
#
#   netns_pair NAME_A NAME_B    creates namespaces NAME_A (198.19.1.2/24) and
#                               NAME_B (198.19.1.1/24), links up, and sets the
#                               EXIT trap that kills background jobs and
#                               deletes both and $work.
#   veth_namespaces NS_A NS_B IF_A IF_B
#                               what both pairs start from (below).
#   packet_pair NS_A NS_B IF_A IF_B
#                               for synack on AF_PACKET: namespaces NS_A (the
#                               Linux peer, its end IF_A) and NS_B (synack's,
#                               IF_B) joined by veth, links up, no address on
#                               IF_B and IPv6 off in NS_B (its kernel stays
#                               silent), the same EXIT trap; sets $mac, IF_B's
#                               MAC address.
# netns_pair needs $work (a scratch directory). Sets: $py (a python3), and
# $clients (tests/driver/clients.py, the kernel's side of flood and rate).

skip() { echo "SKIP: $*"; [ -n "${work:-}" ] && rm -rf "$work"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (needs CAP_NET_ADMIN for network namespaces and a TUN device)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v sysctl >/dev/null || skip "sysctl (procps) is missing"
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3 || true)"
[ -n "$py" ] || skip "python3 is missing"
clients="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/clients.py"

# Namespaces $1 and $2 joined by veth $3 (in $1) - $4 (in $2), loopbacks
# up, and the EXIT trap that kills background jobs and deletes both and
# $work. The veth ends are left down: the caller addresses them first.
veth_namespaces() {
    ns_a="$1"
    ns_b="$2"
    trap 'jobs -p | xargs -r kill 2>/dev/null || true; sleep 0.2; ip netns del "$ns_a" 2>/dev/null || true;
          ip netns del "$ns_b" 2>/dev/null || true; rm -rf "$work"' EXIT
    ip netns add "$ns_a" || skip "cannot create a network namespace here"
    ip netns add "$ns_b"
    ip link add "$3" netns "$ns_a" type veth peer name "$4" netns "$ns_b"
    ip -n "$ns_a" link set lo up
    ip -n "$ns_b" link set lo up
}

netns_pair() {
    veth_namespaces "$1" "$2" "va$$" "vb$$"
    ip -n "$ns_a" addr add 198.19.1.2/24 dev "va$$"
    ip -n "$ns_b" addr add 198.19.1.1/24 dev "vb$$"
    ip -n "$ns_a" link set "va$$" up
    ip -n "$ns_b" link set "vb$$" up
}

packet_pair() {
    veth_namespaces "$1" "$2" "$3" "$4"
    ip netns exec "$ns_b" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        "net.ipv6.conf.$4.disable_ipv6=1"
    ip -n "$ns_a" link set "$3" up
    ip -n "$ns_b" link set "$4" up
    mac=$(ip -n "$ns_b" link show "$4" | awk '/link\/ether/ { print $2 }')
}
