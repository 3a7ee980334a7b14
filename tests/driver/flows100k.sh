#!/usr/bin/env bash
# tests/driver/flows100k.sh SERVER LOADGEN [N [QUEUES [ARGS [DEVICE]]]] — N
# (100,000) connections served by synack-server through its TUN device
# (QUEUES > 1: a multi-queue device, one shard per queue, each must have
# taken some; ARGS: more synack-server options, e.g. --busy-poll-us 50),
# and everything given back. DEVICE "packet": through AF_PACKET on a veth
# instead (synack-server --packet, driver/packet.hpp; QUEUES > 1: a fanout
# group), where the kernel must stay out of it: synack-server answered ARP,
# and the kernel of its namespace sent no ICMP error (it has no address
# there, so no route to send one).
#
# Namespaces of its own (tests/driver/load/topology.sh, prefix se-k$$): the
# kernel's clients (synack-loadgen: 64 in flight, open + close, from 16
# source addresses) in one, synack-server in the other. synack-server runs
# with an idle limit of 2 s and, once it has closed its 100,000th flow,
# lingers until its endpoint holds no flow.
#
# Asserts counts and memory, never wall-clock: every connection completes on
# the client side; synack-server closed 100,000, accepted exactly 100,000, reaped
# every flow (endpoint flows=0 at the end, reaped >= 100,000); its resident
# memory at the end is within 2 MiB of what it was right after start-up
# (the endpoint's pool is allocated and touched at construction: serving
# flows grows nothing). Under AddressSanitizer resident memory measures the
# shadow and quarantine, so there it is reported, not checked.
# Exit 77 (skipped) without root, /dev/net/tun or ip.
set -euo pipefail
server="$(readlink -f "$1")"
loadgen="$(readlink -f "$2")"
n="${3:-100000}"
queues="${4:-1}"
read -r -a extra <<< "${5:-}"
device="${6:-tun}"

work="$(mktemp -d)"
skip() { echo "SKIP: $*"; rm -rf "$work"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "not root (needs CAP_NET_ADMIN for network namespaces and a TUN device)"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
command -v ip >/dev/null || skip "ip (iproute2) is missing"
command -v sysctl >/dev/null || skip "sysctl (procps) is missing"
. "$(dirname "${BASH_SOURCE[0]}")/load/topology.sh"
load_topology "se-k$$" || skip "cannot create a network namespace here"

target=198.18.0.2:8080
server_ns="$ns_s"
if [ "$device" = packet ]; then
    target=198.18.4.2:8080
    server_ns="$ns_p"
    extra+=(--packet "$packet_if" --listen "$target" --kernel-addr 198.18.4.1/24)
fi
ip netns exec "$server_ns" timeout 280 "$server" --quiet --count "$n" --timeout 270 --idle-ms 2000 \
    --linger-ms 20000 --status-ms 1000 --max-flows 8192 --queues "$queues" ${extra[@]+"${extra[@]}"} > "$work/server.out" 2>&1 &
spid=$!
for _ in $(seq 1 100); do grep -q READY "$work/server.out" && break; sleep 0.1; done
grep -q READY "$work/server.out" || { cat "$work/server.out"; exit 1; }
for _ in $(seq 1 50); do grep -q '^STATUS' "$work/server.out" && break; sleep 0.1; done

ip netns exec "$ns_c" timeout 260 "$loadgen" --connect "$target" --count "$n" --inflight 64 \
    --sources 198.19.2.1:16 --timeout 250 --label synack-server | tee "$work/load.out" || true
wait "$spid" || { echo "synack-server failed"; cat "$work/server.out"; exit 1; }
grep -v '^STATUS' "$work/server.out" || true
grep '^STATUS' "$work/server.out" | sed -n '1p;$p'

grep -q "^RATE synack-server $n/$n " "$work/load.out" || { echo "not every connection completed"; exit 1; }
closed=$(sed -n 's/^STATS .*closed=\([0-9]*\).*/\1/p' "$work/server.out")
accepted=$(sed -n 's/^STATS .*accepted=\([0-9]*\).*/\1/p' "$work/server.out")
flows=$(sed -n 's/^ENDPOINT .* flows=\([0-9]*\).*/\1/p' "$work/server.out")
reaped=$(sed -n 's/^ENDPOINT .*reaped=\([0-9]*\).*/\1/p' "$work/server.out")
echo "closed=$closed accepted=$accepted flows=$flows reaped=$reaped"
[ "$closed" -ge "$n" ] || { echo "synack-server closed $closed < $n"; exit 1; }
[ "$accepted" -ge "$n" ] || { echo "synack-server accepted $accepted < $n"; exit 1; }
# Each connection to one shard only: a queue or socket that saw every
# frame (a fanout that failed to form) accepts connections twice.
[ "$accepted" -le "$n" ] || { echo "synack-server accepted $accepted > $n: connections accepted twice"; exit 1; }
[ "$flows" = 0 ] || { echo "flows left in the endpoint: $flows"; exit 1; }
[ "$reaped" -ge "$n" ] || { echo "reaped $reaped < $n"; exit 1; }

if [ "$device" = packet ]; then
    arp=$(sed -n 's/^PACKET [0-9]* arp_replies=\([0-9]*\).*/\1/p' "$work/server.out" | awk '{ s += $1 } END { print s + 0 }')
    icmp=$(ip netns exec "$ns_p" nstat -asz IcmpOutDestUnreachs 2>/dev/null | awk '$1 == "IcmpOutDestUnreachs" { print $2 }')
    echo "arp_replies=$arp kernel IcmpOutDestUnreachs=$icmp"
    [ "${arp:-0}" -ge 1 ] || { echo "synack-server answered no ARP request"; exit 1; }
    [ "${icmp:-x}" = 0 ] || { echo "the kernel under synack-server sent ICMP errors: $icmp"; exit 1; }
fi

if [ "$queues" -gt 1 ]; then
    shards=$(grep -c '^SHARD [0-9]* accepted=[1-9]' "$work/server.out" || true)
    [ "$shards" = "$queues" ] || { echo "only $shards of $queues shards accepted flows"; exit 1; }
fi

first=$(grep '^STATUS' "$work/server.out" | head -1 | sed -n 's/.*rss_kib=\([0-9]*\).*/\1/p')
last=$(sed -n 's/^MEMORY .*rss_kib=\([0-9]*\).*/\1/p' "$work/server.out")
echo "RSS after start-up ${first} KiB, after $n flows ${last} KiB"
# (grep reads all of ldd's output: with -q it may exit first, and ldd's
# SIGPIPE fails the pipeline under pipefail.)
if ldd "$server" 2>/dev/null | grep libasan >/dev/null; then
    echo "RSS not checked: $server runs under AddressSanitizer"
else
    [ $((last - first)) -lt 2048 ] || { echo "resident memory grew by $((last - first)) KiB"; exit 1; }
fi
echo "PASS flows100k ($n connections, $queues queue(s), $device${5:+, $5})"
