#!/usr/bin/env bash
# tests/driver/martians.sh SERVER — SYNs from and to martian addresses get
# no reply, from the Linux kernel and from synack-server alike.
#
# Namespaces of its own (prefix se-m$$): "a" sends raw SYNs (Python,
# standard library, IP_HDRINCL) over veth to "b", where the kernel listens
# on 198.19.1.1:8081 (b's veth has 198.19.1.1/24; a's 198.19.1.2/24). Then,
# inside "b", the same SYNs are written towards synack-server's TUN (a raw
# socket's output path does not filter sources), synack at 198.18.0.2:8080
# with the kernel side 198.18.0.1/24.
#
# Sources: 0.1.2.3 (0.0.0.0 itself cannot be sent: a raw socket's output
# fills a zero source with its own address), 127.0.0.1, 224.0.0.1, 255.255.255.255, the
# subnet broadcast and the receiver's own address; destinations: the
# subnet broadcast, 255.255.255.255, 224.0.0.1 (sent to the receiver's
# link). Checks: the kernel's TcpOutSegs does not move (TcpPassiveOpens
# neither) while a control SYN from a proper source right after is answered
# (TcpOutSegs +1); synack-server writes nothing for the martians, counts
# them, and answers the control SYN. This is what wire/martian.hpp claims
# about Linux, checked against the running kernel.
# Exit 77 (skipped) without root, /dev/net/tun, ip, nstat or python3.
set -euo pipefail
server="$(readlink -f "$1")"
work="$(mktemp -d)"
skip() { echo "SKIP: $*"; rm -rf "$work"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (needs CAP_NET_ADMIN for network namespaces and a TUN device)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v nstat >/dev/null || skip "nstat (iproute2) is missing"
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3 || true)"
[ -n "$py" ] || skip "python3 is missing"
a="se-m$$-a"
b="se-m$$-b"
trap 'jobs -p | xargs -r kill 2>/dev/null || true; ip netns del "$a" 2>/dev/null || true;
      ip netns del "$b" 2>/dev/null || true; rm -rf "$work"' EXIT
ip netns add "$a" || skip "cannot create a network namespace here"
ip netns add "$b"
ip link add "ma$$" netns "$a" type veth peer name "mb$$" netns "$b"
ip -n "$a" addr add 198.19.1.2/24 dev "ma$$"
ip -n "$b" addr add 198.19.1.1/24 dev "mb$$"
for n in "$a" "$b"; do ip -n "$n" link set lo up; done
ip -n "$a" link set "ma$$" up
ip -n "$b" link set "mb$$" up
# rp_filter=2 (loose), as a Debian host runs (systemd's sysctl defaults):
# with the kernel's built-in 0, fib_validate_source() skips the lookup
# that classifies a source, and Linux 6.18 answers a SYN from its subnet's
# broadcast address (seen here: SYN-RECV, SYN-ACKs to x.x.x.255). synack
# drops that source in every case (wire/martian.hpp).
ip netns exec "$b" sysctl -qw net.ipv4.conf.all.rp_filter=2
# Routes for the martian destinations a sends to (the receiver's link).
ip -n "$a" route add 224.0.0.0/4 dev "ma$$"
ip -n "$a" route add 255.255.255.255/32 dev "ma$$"

# raw.py DST DPORT SRC...: one SYN from each SRC to DST:DPORT; SRC "ok"
# stands for the sender's own address (the control).
cat > "$work/raw.py" <<'EOF'
import socket, struct, sys
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def syn(src, dst, sport, dport):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02, 65535, 0, 0)
    c = csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp
dst, dport, me = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
r.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for i, src in enumerate(sys.argv[4:]):
    to = dst
    if src.startswith("to="):          # a martian destination, from `me`
        to, src = src[3:], me
    r.sendto(syn(src, to, 40000 + i, dport), (to, 0))
EOF
counters() { ip netns exec "$1" nstat -asz TcpOutSegs TcpPassiveOpens | awk '{ printf "%s=%s ", $1, $2 }'; }

# ---- the kernel ----
ip netns exec "$b" "$py" -c '
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8081)); l.listen(64); print("LISTENING", flush=True); time.sleep(15)' > "$work/k.out" &
for _ in $(seq 1 50); do grep -q LISTENING "$work/k.out" && break; sleep 0.1; done
before=$(counters "$b")
ip netns exec "$a" "$py" "$work/raw.py" 198.19.1.1 8081 198.19.1.2 \
    0.1.2.3 127.0.0.1 224.0.0.1 255.255.255.255 198.19.1.255 198.19.1.1 \
    to=198.19.1.255 to=255.255.255.255 to=224.0.0.1
sleep 0.5
after=$(counters "$b")
ip netns exec "$a" "$py" "$work/raw.py" 198.19.1.1 8081 198.19.1.2 198.19.1.2
sleep 0.5
control=$(counters "$b")
echo "kernel: before: $before"
echo "kernel: after the martians: $after"
echo "kernel: after the control SYN: $control"
[ "$before" = "$after" ] || { echo "the kernel answered a martian"; exit 1; }
[ "$after" != "$control" ] || { echo "the kernel did not answer the control SYN (test broken)"; exit 1; }

# ---- synack-server, the same SYNs written towards its TUN from "b" ----
ip netns exec "$b" timeout 20 "$server" --quiet --count 1 --timeout 10 --kernel-addr 198.18.0.1/24 \
    --pcap "$work/synack.pcap" > "$work/s.out" 2>&1 &
spid=$!
for _ in $(seq 1 100); do grep -q READY "$work/s.out" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$b" "$py" "$work/raw.py" 198.18.0.2 8080 198.18.0.1 \
    0.1.2.3 127.0.0.1 224.0.0.1 255.255.255.255 198.18.0.255 198.18.0.2 \
    to=198.18.0.255
sleep 0.3
ip netns exec "$b" "$py" "$work/raw.py" 198.18.0.2 8080 198.18.0.1 198.18.0.1 # the control
sleep 0.3
kill -TERM "$spid" 2>/dev/null || true
wait "$spid" || true
cat "$work/s.out"
martians=$(sed -n 's/^ENDPOINT .* martians=\([0-9]*\).*/\1/p' "$work/s.out")
synacks=$(sed -n 's/^STATS .*synacks=\([0-9]*\).*/\1/p' "$work/s.out")
out=$(sed -n 's/^ENDPOINT .* datagrams_out=\([0-9]*\).*/\1/p' "$work/s.out")
echo "synack-server: martians=$martians synacks=$synacks datagrams_out=$out"
[ "$martians" = 7 ] || { echo "synack-server counted $martians martians, expected 7"; exit 1; }
[ "$synacks" = 1 ] && [ "$out" = 1 ] || { echo "synack-server sent something other than the control's SYN-ACK"; exit 1; }
echo "PASS martians"
