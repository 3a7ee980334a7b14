#!/usr/bin/env bash
# scripts/bench-live.sh — synack-server against the Linux kernel as a
# server, live, side by side in one run, on one topology
# (tests/driver/load/topology.sh: clients in one network namespace, both
# servers in another, one veth hop apart; synack-server behind its TUN
# device). Root and /dev/net/tun; namespaces of its own (prefix se-b),
# removed at the end; only 198.18.0.0/15. Bounded: about three minutes.
#
#   1. connections/s (open + close, C++ load generator, 16 source
#      addresses) at 1, 64 and 512 in flight: synack-server with 1 and 2
#      queues, the kernel server (epoll, accept + close) with 1 and 2
#      threads;
#   2. a spoofed SYN flood (synack-synflood, 6 s, as fast as it goes and
#      at a fixed 100,000 SYN/s) while 5,000 legitimate connections are
#      made: SYNs per second each server answered (synack: --cookies
#      always; the kernel: tcp_syncookies=2), whether every legitimate
#      connection completed, and their setup latency;
#   3. connection-setup latency p50/p99 (connect() to established, 64 in
#      flight) without and with the flood (from 1 and 2);
#   4. connect() latency at 1 in flight (the SYN -> SYN-ACK round trip as
#      the client's kernel sees it) and synack-server's resident memory
#      after 0, 10,000 and 100,000 flows served.
#
# Results: Markdown tables on stdout and in build/bench-live/results.md.
# SYNACK_BENCH_SECTIONS="rate flood many" (the default: all) picks parts
# (rate: 1 and 3; flood: 2; many: 4); so does --only rate|flood|many
# (repeatable). For a quick comparison of one change:
#   --servers "synack-q2 kernel-t1"   the servers of table 1 (default: the four
#                                     above; also packet-q1, packet-q2: synack-server
#                                     --packet, AF_PACKET on a veth of a third
#                                     namespace, with 1 socket or a fanout of 2)
#   --flood-servers LIST              the servers of table 2 (default: synack-q1
#                                     synack-q2 kernel-t2; packet-q1/q2 too)
#   --inflight "512"                  its in-flight levels (default: 1 64 512)
#   --runs N                          table 1 N times in the same run, servers
#                                     interleaved; each cell the median (all
#                                     runs listed below it)
#   --ns PREFIX                       namespace prefix (default se-b<pid>)
#   --server-args "ARGS"              more synack-server options (experiments);
#                                     or per server: synack-q2@--pin,off
#   --busy-poll-us N                  busy polling of synack-server with 2 queues
#                                     (default 50; 0: off; Driver::busy_poll). One
#                                     queue runs without: its shard seldom sleeps,
#                                     and polling cost it under the 100k SYN/s flood
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
only="" ; opt_servers="synack-q1 synack-q2 kernel-t1 kernel-t2"; opt_flood_servers="synack-q1 synack-q2 kernel-t2"; opt_inflight="1 64 512"; runs=1; ns_prefix="se-b$$"; server_args=""; busy_poll_us=50
orig_args="$*"
while [ $# -gt 0 ]; do
    case "$1" in
    --only) only="$only $2"; shift 2 ;;
    --servers) opt_servers="$2"; shift 2 ;;
    --flood-servers) opt_flood_servers="$2"; shift 2 ;;
    --inflight) opt_inflight="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --ns) ns_prefix="$2"; shift 2 ;;
    --server-args) server_args="$2"; shift 2 ;;
    --busy-poll-us) busy_poll_us="$2"; shift 2 ;;
    *) echo "usage: bench-live.sh [--only rate|flood|many]... [--servers LIST] [--flood-servers LIST] [--inflight LIST] [--runs N] [--ns PREFIX] [--server-args ARGS] [--busy-poll-us N]"; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench-live.sh needs root (network namespaces, a TUN device)"; exit 1; }
[ -c /dev/net/tun ] || { echo "bench-live.sh needs /dev/net/tun"; exit 1; }

build=build/bench-live
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSYNACK_BUILD_TESTS=OFF -DSYNACK_BUILD_EXAMPLES=ON >/dev/null
cmake --build "$build" --target synack-server synack-loadgen synack-kserver synack-synflood \
    --parallel "${SYNACK_JOBS:-2}" >/dev/null
bin="$(pwd)/$build/examples/synack-server"
server="$bin/synack-server"; loadgen="$bin/synack-loadgen"; kserver="$bin/synack-kserver"; synflood="$bin/synack-synflood"

work="$(mktemp -d)"
. tests/driver/load/topology.sh
load_topology "$ns_prefix"
S=(ip netns exec "$ns_s")
C=(ip netns exec "$ns_c")
out="$build/results.md"
: > "$out"
say() { echo "$*" | tee -a "$out"; }

spid=""
start_synack_in() { # start_synack_in NAMESPACE QUEUES [extra args]
    local ns="$1" q="$2"; shift 2
    ip netns exec "$ns" "$server" --quiet --queues "$q" --count 1000000000 --timeout 140 --status-ms 100 \
        --max-flows 65536 --busy-poll-us "$([ "$q" -gt 1 ] && echo "$busy_poll_us" || echo 0)" $server_args "$@" > "$work/srv.out" 2>&1 &
    spid=$!
    for _ in $(seq 1 100); do grep -q READY "$work/srv.out" && return 0; sleep 0.05; done
    cat "$work/srv.out"; exit 1
}
start_synack() { start_synack_in "$ns_s" "$@"; } # start_synack QUEUES [extra args]: behind its TUN
start_packet() { # start_packet QUEUES [extra args]: on AF_PACKET (--packet)
    local q="$1"; shift
    start_synack_in "$ns_p" "$q" --packet "$packet_if" --listen "$packet_ep" --kernel-addr 198.18.4.1/24 "$@"
}
start_kernel() { # start_kernel THREADS
    "${S[@]}" "$kserver" --listen 198.19.1.2:8081 --count 1000000000 --timeout 140 --threads "$1" \
        > "$work/srv.out" 2>&1 &
    spid=$!
    for _ in $(seq 1 100); do grep -q LISTENING "$work/srv.out" && return 0; sleep 0.05; done
    cat "$work/srv.out"; exit 1
}
stop_server() { kill -TERM "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=""; }
load() { # load LABEL TARGET COUNT INFLIGHT -> $work/LABEL.out
    "${C[@]}" timeout 90 "$loadgen" --connect "$2" --count "$3" --inflight "$4" --sources 198.19.2.1:16 \
        --timeout 80 --label "$1" > "$work/$1.out" 2>&1 || true
}
rate_of() { sed -n 's/^RATE .* = \([0-9]*\) connections\/s/\1/p' "$work/$1.out"; }
done_of() { sed -n 's/^RATE [^ ]* \([0-9]*\/[0-9]*\) .*/\1/p' "$work/$1.out"; }
p50_of() { sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' "$work/$1.out"; }
p99_of() { sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' "$work/$1.out"; }
rss_of() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
synack_ep=198.18.0.2:8080
packet_ep=198.18.4.2:8080
kernel_ep=198.19.1.2:8081

say "# synack live benchmarks ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"))"
say ""
say "Command: scripts/bench-live.sh${orig_args:+ $orig_args} (Release build, synack-server --quiet, with 2 queues --busy-poll-us $busy_poll_us; clients: synack-loadgen; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg))."
say ""

sections=" ${only:-${SYNACK_BENCH_SECTIONS:-rate flood many}} "
want() { [[ "$sections" == *" $1 "* ]]; }

# ---- 1. connections/s ----
if want rate; then
declare -A counts=([1]=2000 [64]=20000 [512]=40000)
read -r -a servers <<< "$opt_servers"
read -r -a levels <<< "$opt_inflight"
declare -A rate done all
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
for run in $(seq 1 "$runs"); do
    for s in "${servers[@]}"; do
        # synack-qN@ARGS: the same server with more options, commas for spaces
        # (synack-q2@--busy-poll-us,50), for side-by-side experiments.
        extra=""; [[ "$s" == *@* ]] && extra="${s#*@}" && extra="${extra//,/ }"
        case "${s%%@*}" in
        synack-q1) start_synack 1 $extra; ep=$synack_ep ;;
        synack-q2) start_synack 2 $extra; ep=$synack_ep ;;
        packet-q1) start_packet 1 $extra; ep=$packet_ep ;;
        packet-q2) start_packet 2 $extra; ep=$packet_ep ;;
        kernel-t1) start_kernel 1; ep=$kernel_ep ;;
        kernel-t2) start_kernel 2; ep=$kernel_ep ;;
        *) echo "unknown server $s"; exit 2 ;;
        esac
        load "$s-warmup" "$ep" 2000 64 # not counted: the first connections after start-up are slow on both
        for k in "${levels[@]}"; do
            load "$s-$k" "$ep" "${counts[$k]:-20000}" "$k"
            all[$s-$k]="${all[$s-$k]:-} $(rate_of "$s-$k")"
            done[$s-$k]="${done[$s-$k]:+${done[$s-$k]} }$(done_of "$s-$k")"
            [ "$run" -eq 1 ] && cp "$work/$s-$k.out" "$work/$s-$k.first"
        done
        stop_server
    done
done
for key in "${!all[@]}"; do rate[$key]=$(echo "${all[$key]}" | median); done
say "## Connections per second (open + close; 16 client addresses)"
say ""
[ "$runs" -gt 1 ] && say "Median of $runs runs (servers interleaved; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg))." && say ""
header="| in flight | connections |"; rule="|---|---|"
for s in "${servers[@]}"; do
    case "$s" in
    synack-q1) header="$header synack-server, 1 queue |" ;;
    synack-q2) header="$header synack-server, 2 queues |" ;;
    packet-q1) header="$header synack-server on AF_PACKET, 1 queue |" ;;
    packet-q2) header="$header synack-server on AF_PACKET, 2 queues |" ;;
    kernel-t1) header="$header kernel, 1 thread |" ;;
    kernel-t2) header="$header kernel, 2 threads |" ;;
    *) header="$header $s |" ;;
    esac
    rule="$rule---|"
done
say "$header"; say "$rule"
for k in "${levels[@]}"; do
    row="| $k | ${counts[$k]:-20000} |"
    for s in "${servers[@]}"; do row="$row ${rate[$s-$k]} (${done[$s-$k]}) |"; done
    say "$row"
done
if [ "$runs" -gt 1 ]; then
    say ""
    for k in "${levels[@]}"; do
        for s in "${servers[@]}"; do say "- $s, $k in flight, every run:${all[$s-$k]}"; done
    done
fi
say ""
fi

# ---- 2. SYN flood ----
flood() { # flood LABEL TARGET RATE -> $work/LABEL-flood.out (the flood), $work/LABEL-legit.out (legitimate)
    "${C[@]}" timeout 20 "$synflood" --target "$2" --spoof 198.18.128.0/17 --seconds 6 --rate "$3" \
        > "$work/$1-flood.out" 2>&1 &
    local fp=$!
    sleep 1
    load "$1-legit" "$2" 5000 64
    wait "$fp" || true
}
# The kernel's SYN cookies sent so far in the server namespace (absolute,
# without touching nstat's history file).
kcookies() { "${S[@]}" nstat -asz TcpExtSyncookiesSent 2>/dev/null | awk '$1 == "TcpExtSyncookiesSent" { print $2 }'; }
declare -A absorbed sent
flood_cases=()
if want flood; then
for r in 0 100000; do
    for s in $opt_flood_servers; do
        c="$s-r$r"
        flood_cases+=("$c")
        case "$s" in
        synack-q1) start_synack 1 --cookies always; ep=$synack_ep ;;
        synack-q2) start_synack 2 --cookies always; ep=$synack_ep ;;
        packet-q1) start_packet 1 --cookies always; ep=$packet_ep ;;
        packet-q2) start_packet 2 --cookies always; ep=$packet_ep ;;
        kernel-t2)
            "${S[@]}" sysctl -qw net.ipv4.tcp_syncookies=2
            start_kernel 2; ep=$kernel_ep
            before=$(kcookies) ;;
        esac
        flood "$c" "$ep" "$r"
        secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$work/$c-flood.out")
        sent[$c]=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$work/$c-flood.out")
        if [ "$s" = kernel-t2 ]; then
            cookies=$(( $(kcookies) - before ))
            stop_server
            "${S[@]}" sysctl -qw net.ipv4.tcp_syncookies=1
        else
            stop_server
            cookies=$(sed -n 's/^STATS .*cookies_sent=\([0-9]*\).*/\1/p' "$work/srv.out")
        fi
        absorbed[$c]=$(awk -v c="${cookies:-0}" -v t="${secs:-1}" 'BEGIN { printf "%.0f", c / t }')
    done
done
say "## SYN flood (spoofed sources, 6 s) with 5,000 legitimate connections (64 in flight)"
say ""
say "Flood as fast as synack-synflood sends (the kernel's own SYN processing runs in the sender's"
say "softirq and slows it), then at a fixed 100,000 SYN/s for both."
say ""
say "| server | flood offered, SYN/s | answered with a cookie, SYN/s | legitimate completed | legitimate conn/s | setup p50 / p99 µs |"
say "|---|---|---|---|---|---|"
for c in "${flood_cases[@]}"; do
    name=${c/-r0/, max rate}; name=${name/-r100000/, 100k SYN/s}
    case "$c" in kernel*) name="$name (tcp_syncookies=2)" ;; esac
    say "| $name | ${sent[$c]} | ${absorbed[$c]} | $(done_of "$c-legit") | $(rate_of "$c-legit") | $(p50_of "$c-legit") / $(p99_of "$c-legit") |"
done
say ""
fi

if want rate; then
say "## Connection-setup latency, 64 in flight, no flood (µs; under flood: the table above)"
say ""
say "| server | p50 | p99 |"
say "|---|---|---|"
for s in "${servers[@]}"; do
    [ -f "$work/$s-64.first" ] && cp "$work/$s-64.first" "$work/$s-64.out"
    [ -f "$work/$s-64.out" ] && say "| $s | $(p50_of "$s-64") | $(p99_of "$s-64") |"
done
say ""

fi

# ---- 4. latency and memory after many flows ----
if want many; then
declare -A lat rss
for s in synack-q1 kernel-t1; do
    if [ "$s" = synack-q1 ]; then start_synack 1; ep=$synack_ep; else start_kernel 1; ep=$kernel_ep; fi
    served=0
    for stage in 0 10000 100000; do
        # The probe waits 5 s after a fill, for both servers: it measures
        # what the flows served left behind, not the fill's aftermath (right
        # after a fill synack-server's 1-in-flight latency was 34 us, 5 s
        # later 17 us, with the 13,000 client TIME-WAIT sockets still there).
        [ "$stage" -gt "$served" ] && load "$s-fill-$stage" "$ep" $((stage - served)) 64 && sleep 5
        served=$stage
        load "$s-probe-$stage" "$ep" 1000 1
        lat[$s-$stage]="$(p50_of "$s-probe-$stage")/$(p99_of "$s-probe-$stage")"
        rss[$s-$stage]=$(rss_of "$spid")
    done
    stop_server
    [ "$s" = synack-q1 ] && endpoint_mem=$(sed -n 's/^MEMORY endpoint_bytes=\([0-9]*\).*/\1/p' "$work/srv.out")
done
say "## After many flows: connect() latency at 1 in flight, p50/p99 µs (1,000 probes), and resident memory"
say ""
say "| flows served | synack-server latency | synack-server RSS (KiB) | kernel server latency |"
say "|---|---|---|---|"
for stage in 0 10000 100000; do
    say "| $stage | ${lat[synack-q1-$stage]} | ${rss[synack-q1-$stage]} | ${lat[kernel-t1-$stage]} |"
done
say ""
say "synack-server: --max-flows 65536 (endpoint memory fixed at start-up: $endpoint_mem bytes)."
fi
