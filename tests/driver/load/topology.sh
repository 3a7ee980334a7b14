# tests/driver/load/topology.sh — sourced by scripts/bench-live.sh and
# tests/driver/flows100k.sh: two network namespaces of their own, the same
# topology for synack-server and the kernel reference server.
#
#   load_topology PREFIX     creates PREFIX-c (clients, attacker) and
#                            PREFIX-s (servers), joined by veth:
#
#   PREFIX-c  vc 198.19.1.1/24, client sources 198.19.2.1-16/32;
#             route 198.18.0.0/16 via 198.19.1.2
#   PREFIX-s  vs 198.19.1.2/24 (the kernel server listens here, :8081);
#             route 198.19.2.0/24 via 198.19.1.1; forwarding on;
#             synack-server's TUN: kernel side 198.18.0.1/24, synack
#             198.18.0.2:8080; 198.18.128.0/17 (spoofed sources) routed
#             back to PREFIX-c, which does not forward and drops their
#             SYN-ACKs (a blackhole route would make the kernel server drop
#             the SYN before making a cookie: no route for its reply)
#
#   PREFIX-p  vp, up, no address (IPv6 off): synack-server --packet serves
#             198.18.4.2:8080 here through AF_PACKET (driver/packet.hpp); in
#             PREFIX-c its link is 198.18.4.1/24 on vk, on-link.
#
# Both servers are one veth hop from the clients (synack's through one more
# forwarding step into its TUN; with --packet none). Only 198.18.0.0/15. The EXIT trap kills
# the background jobs and deletes both namespaces and $work (set it first).
# Sets $ns_c, $ns_s, $ns_p and $packet_if.

load_topology() {
    ns_c="$1-c"
    ns_s="$1-s"
    ns_p="$1-p"
    trap 'jobs -p | xargs -r kill 2>/dev/null || true; sleep 0.2; ip netns del "$ns_c" 2>/dev/null || true;
          ip netns del "$ns_s" 2>/dev/null || true; ip netns del "$ns_p" 2>/dev/null || true; rm -rf "$work"' EXIT
    ip netns add "$ns_c" || return 1
    ip netns add "$ns_s" || return 1
    ip netns add "$ns_p" || return 1
    local vc="vc$$" vs="vs$$"
    ip link add "$vc" netns "$ns_c" type veth peer name "$vs" netns "$ns_s"
    ip -n "$ns_c" link set lo up
    ip -n "$ns_s" link set lo up
    ip -n "$ns_c" addr add 198.19.1.1/24 dev "$vc"
    for i in $(seq 1 16); do ip -n "$ns_c" addr add "198.19.2.$i/32" dev "$vc"; done
    ip -n "$ns_s" addr add 198.19.1.2/24 dev "$vs"
    ip -n "$ns_c" link set "$vc" up
    ip -n "$ns_s" link set "$vs" up
    ip -n "$ns_c" route add 198.18.0.0/16 via 198.19.1.2
    ip -n "$ns_s" route add 198.19.2.0/24 via 198.19.1.1
    ip -n "$ns_s" route add 198.18.128.0/17 via 198.19.1.1
    ip netns exec "$ns_s" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
        net.ipv4.conf.default.rp_filter=0 net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096
    ip netns exec "$ns_c" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    packet_if="vp$$"
    ip link add "vk$$" netns "$ns_c" type veth peer name "$packet_if" netns "$ns_p"
    ip -n "$ns_p" link set lo up
    ip netns exec "$ns_p" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns_c" addr add 198.18.4.1/24 dev "vk$$"
    ip -n "$ns_c" link set "vk$$" up
    ip -n "$ns_p" link set "$packet_if" up
}
