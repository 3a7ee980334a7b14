#!/usr/bin/env bash
# tests/driver/interop.sh — synack against the Linux kernel's own TCP stack,
# through a TUN device, inside a network namespace this script creates.
#
#   interop.sh CASE SERVER CLIENT DECODE
#
# CASE: server4 server6 client4 client6 refused timeout, server4-reopen
# (the kernel reconnects from one port to a server that closed first: each
# SYN reopens a flow in TIME-WAIT), client4-cookies
# (the kernel answers with SYN cookies only: tcp_syncookies=2),
# server4-fastopen (the kernel as Fast Open client: the first connection
# gets our cookie, the second carries data in its SYN), client4-fastopen
# (synack-client as Fast Open client of a kernel server); SERVER, CLIENT,
# DECODE: the paths of synack-server, synack-client, synack-decode. Network
# safety (DEVELOPERS.md): everything runs in a fresh namespace (unshare
# --net) that disappears with the script; addresses are 198.18.0.0/15 and
# 2001:db8::/32 only; every wait is bounded. Exit 77 (CTest: skipped) with
# the reason where the machine cannot create namespaces or TUN devices.
#
# The kernel's side is a small Python program (standard library only) that
# reports what its socket negotiated from TCP_INFO: tcpi_snd_mss,
# tcpi_snd_wscale / tcpi_rcv_wscale and the SACK / timestamp option bits
# (include/uapi/linux/tcp.h). synack's side prints its Negotiated record.
set -euo pipefail
case_name="$1"

. "$(dirname "${BASH_SOURCE[0]}")/interop_common.sh"
command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
unshare --net true 2>/dev/null || skip "cannot create a network namespace here"

work="$(mktemp -d)"
# SYNACK_INTEROP_KEEP=DIR: copy the case's pcap files there (the demo does).
trap 'if [ -n "${SYNACK_INTEROP_KEEP:-}" ]; then mkdir -p "$SYNACK_INTEROP_KEEP"; cp "$work"/*.pcap "$SYNACK_INTEROP_KEEP"/ 2>/dev/null || true; fi; rm -rf "$work"' EXIT
bin="$work/bin"
mkdir -p "$bin"
ln -s "$(readlink -f "$2")" "$bin/synack-server"
ln -s "$(readlink -f "$3")" "$bin/synack-client"
ln -s "$(readlink -f "$4")" "$bin/synack-decode"

# The kernel-side peer. kernel.py connect|listen ADDR PORT: prints KERNEL
# mss=.. snd_wscale=.. rcv_wscale=.. sack=.. ts=.., then waits for the
# peer's FIN (recv() == b""), closes, and prints CLEAN (RST: RESET).
cat > "$work/kernel.py" <<'EOF'
import socket, struct, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
def report(s):
    i = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    opts, ws = i[5], i[6]
    snd_mss = struct.unpack_from("I", i, 16)[0]
    wsok = bool(opts & 4)
    print("KERNEL mss=%d snd_wscale=%d rcv_wscale=%d sack=%d ts=%d" % (
        snd_mss, (ws & 15) if wsok else -1, (ws >> 4) if wsok else -1, 1 if opts & 2 else 0, 1 if opts & 1 else 0),
        flush=True)
if mode == "fastopen":
    # MSG_FASTOPEN (Linux): data in the SYN once a cookie is cached for the
    # server, a cookie request otherwise.
    s = socket.socket(fam, socket.SOCK_STREAM)   # blocking: sendto() connects
    s.sendto(b"hello", socket.MSG_FASTOPEN, (addr, port))
    s.settimeout(10)
    s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(100):
            pass
        print("CLEAN", flush=True)
    except ConnectionResetError:
        print("RESET", flush=True)
    s.close()
elif mode == "connect":
    s = socket.create_connection((addr, port), timeout=10)
    report(s)
    s.shutdown(socket.SHUT_WR)        # our FIN; synack answers with its own
    try:
        while s.recv(100):
            pass
        print("CLEAN", flush=True)
    except ConnectionResetError:
        print("RESET", flush=True)
    s.close()
elif mode == "reopen":
    # Three connections from one source port (SO_REUSEADDR): synack closes
    # each first, so each new SYN finds its side of the last in TIME-WAIT.
    src = sys.argv[4]
    for k in range(3):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, 40000))
        s.settimeout(3)   # a SYN answered with an ACK: RST, retries at 1 s, 3 s: fails
        try:
            s.connect((addr, port))
        except OSError as e:
            print("CONNECT-FAILED %d %s" % (k, e), flush=True)
            sys.exit(1)
        if k == 2:   # the server stops at its second close (--count 2): this one reopened it
            print("CONNECTED %d" % k, flush=True)
            s.close()
            break
        try:
            while s.recv(100):
                pass
            print("CLEAN %d" % k, flush=True)
        except ConnectionResetError:
            print("RESET %d" % k, flush=True)
        s.close()
        time.sleep(0.3)   # our LAST-ACK ends before the port is bound again
elif mode == "listen-fastopen":
    # A Fast Open server (TCP_FASTOPEN queue): two connections, the second
    # with data in its SYN; prints what each delivered.
    l = socket.socket(fam, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 8)
    l.settimeout(10)
    l.bind((addr, port))
    l.listen(8)
    print("LISTENING", flush=True)
    for _ in range(2):
        c, _ = l.accept()
        c.settimeout(10)
        got = b""
        try:
            while True:
                d = c.recv(100)
                if not d:
                    break
                got += d
            print("RECEIVED %r CLEAN" % got, flush=True)
        except ConnectionResetError:
            print("RESET", flush=True)
        c.close()
else:
    l = socket.socket(fam, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.settimeout(10)
    l.bind((addr, port))
    l.listen(8)
    print("LISTENING", flush=True)
    c, _ = l.accept()
    c.settimeout(10)
    report(c)
    try:
        while c.recv(100):            # synack closes first
            pass
        print("CLEAN", flush=True)
    except ConnectionResetError:
        print("RESET", flush=True)
    c.close()
EOF

# Runs inside the namespace.
cat > "$work/inside.sh" <<'EOF'
set -euo pipefail
bin="$1"; case_name="$2"; work="$3"; py="$4"
ip link set lo up
# No duplicate address detection on the namespace's own links: IPv6
# addresses are usable at once.
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 2>/dev/null || true

wait_for() { # wait_for FILE PATTERN: up to 10 s
    for _ in $(seq 1 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    echo "timed out waiting for '$2' in $1"; cat "$1" 2>/dev/null || true; return 1
}
field() { sed -n "s/.*[ ]$2=\\([-0-9]*\\).*/\\1/p" "$1" | head -1; }

# synack (the line starting with $2 in $1) against the kernel (KERNEL in $3).
compare() {
    local s="$1" what="$2" k="$3"
    grep "^$what" "$s" > "$work/s.line" || { echo "no $what line"; cat "$s"; return 1; }
    grep "^KERNEL" "$k" > "$work/k.line" || { echo "no KERNEL line"; cat "$k"; return 1; }
    cat "$work/s.line" "$work/k.line"
    local sm sts ssack ssnd srcv km kts ksack ksnd krcv
    sm=$(field "$work/s.line" mss); sts=$(field "$work/s.line" ts); ssack=$(field "$work/s.line" sack)
    ssnd=$(field "$work/s.line" snd_wscale); srcv=$(field "$work/s.line" rcv_wscale)
    km=$(field "$work/k.line" mss); kts=$(field "$work/k.line" ts); ksack=$(field "$work/k.line" sack)
    ksnd=$(field "$work/k.line" snd_wscale); krcv=$(field "$work/k.line" rcv_wscale)
    [ "$sts" = "$kts" ] || { echo "timestamps differ: synack $sts kernel $kts"; return 1; }
    [ "$ssack" = "$ksack" ] || { echo "SACK differs: synack $ssack kernel $ksack"; return 1; }
    # The kernel's send shift is the one synack announced, and vice versa.
    [ "$ssnd" = "$krcv" ] || { echo "shifts differ: synack snd $ssnd kernel rcv $krcv"; return 1; }
    [ "$srcv" = "$ksnd" ] || { echo "shifts differ: synack rcv $srcv kernel snd $ksnd"; return 1; }
    # tcpi_snd_mss excludes the 12 bytes of timestamp option per segment.
    local overhead=0; [ "$kts" = 1 ] && overhead=12
    [ $((km + overhead)) = "$sm" ] || { echo "MSS differs: synack $sm kernel $km (+$overhead)"; return 1; }
    return 0
}

case "$case_name" in
server4|server6)
    if [ "$case_name" = server4 ]; then k=198.18.0.1/24; l=198.18.0.2; lp=198.18.0.2:8080
    else k=2001:db8::1/64; l=2001:db8::2; lp="[2001:db8::2]:8080"; fi
    timeout 30 "$bin/synack-server" --kernel-addr "$k" --listen "$lp" --count 1 --timeout 20 \
        --pcap "$work/server.pcap" > "$work/server.out" 2>&1 &
    srv=$!
    wait_for "$work/server.out" READY
    # IPv6: the kernel's address must have left the tentative state.
    for _ in $(seq 1 100); do
        ip addr show synack0 | grep -q tentative || break
        sleep 0.1
    done
    timeout 20 "$py" "$work/kernel.py" connect "$l" 8080 > "$work/kernel.out" 2>&1 ||
        { echo "kernel client failed:"; cat "$work/kernel.out"; ip addr; }
    wait "$srv" || { echo "synack-server failed:"; cat "$work/server.out"; cat "$work/kernel.out"; exit 1; }
    cat "$work/server.out"
    compare "$work/server.out" ESTABLISHED "$work/kernel.out"
    grep -q "^CLEAN" "$work/kernel.out" || { echo "the kernel saw no clean close"; cat "$work/kernel.out"; exit 1; }
    grep -q "^CLOSED" "$work/server.out"
    # The pcap reads back with our decoder: no RST anywhere.
    "$bin/synack-decode" "$work/server.pcap" > "$work/decode.out"
    ! grep -q "Flags \[R" "$work/decode.out" || { echo "a RST was sent"; cat "$work/decode.out"; exit 1; }
    ;;
server4-reopen)
    # RFC 1122 §4.2.2.13: synack-server closes first (--hold-ms 0), so each
    # flow sits in TIME-WAIT on its side; the kernel connects again from the
    # same port, and synack takes the new SYN through its Listener (as Linux
    # does, tests/scenarios/time-wait-syn-reopens.pkt) instead of answering
    # it with an ACK for 2 MSL.
    timeout 30 "$bin/synack-server" --kernel-addr 198.18.0.1/24 --listen 198.18.0.2:8080 --count 2 --hold-ms 0 \
        --timeout 20 --pcap "$work/server.pcap" > "$work/server.out" 2>&1 &
    srv=$!
    wait_for "$work/server.out" READY
    timeout 20 "$py" "$work/kernel.py" reopen 198.18.0.2 8080 198.18.0.1 > "$work/kernel.out" 2>&1 ||
        { echo "kernel client failed:"; cat "$work/kernel.out"; kill "$srv" 2>/dev/null; exit 1; }
    wait "$srv" || { echo "synack-server failed:"; cat "$work/server.out"; cat "$work/kernel.out"; exit 1; }
    cat "$work/kernel.out"
    grep ^ENDPOINT "$work/server.out"
    grep -q '^CLEAN 0' "$work/kernel.out" && grep -q '^CLEAN 1' "$work/kernel.out" &&
        grep -q '^CONNECTED 2' "$work/kernel.out" || { echo "not three connections"; exit 1; }
    grep -q '^ENDPOINT .* time_wait_reopened=2' "$work/server.out" || { echo "expected 2 reopened"; exit 1; }
    "$bin/synack-decode" "$work/server.pcap" > "$work/decode.out"
    ! grep -q "Flags \[R" "$work/decode.out" || { echo "a RST was sent"; cat "$work/decode.out"; exit 1; }
    [ "$(grep -c 'Flags \[S\]' "$work/decode.out")" = 3 ] || { echo "not three SYNs (one each)"; cat "$work/decode.out"; exit 1; }
    ;;
client4|client6|client4-cookies)
    # tcp_syncookies=2: the kernel answers every SYN with a cookie, its
    # options packed in the TSval (net/ipv4/syncookies.c).
    [ "$case_name" = client4-cookies ] && sysctl -qw net.ipv4.tcp_syncookies=2
    if [ "$case_name" != client6 ]; then k=198.18.0.1/24; any=0.0.0.0; rp=198.18.0.1:5000; la=198.18.0.2
    else k=2001:db8::1/64; any=::; rp="[2001:db8::1]:5000"; la=2001:db8::2; fi
    # The kernel listens first, on the wildcard address (its side of the
    # link exists only once synack-client has created the device).
    timeout 20 "$py" "$work/kernel.py" listen "$any" 5000 > "$work/kernel.out" 2>&1 &
    ker=$!
    wait_for "$work/kernel.out" LISTENING
    timeout 30 "$bin/synack-client" --kernel-addr "$k" --local "$la" --connect "$rp" --timeout 20 \
        --msl-ms 200 --pcap "$work/client.pcap" > "$work/client.out" 2>&1 || { cat "$work/client.out"; exit 1; }
    wait "$ker"
    cat "$work/client.out"
    compare "$work/client.out" ESTABLISHED "$work/kernel.out"
    grep -q "^CLEAN" "$work/kernel.out" || { echo "the kernel saw no clean close"; cat "$work/kernel.out"; exit 1; }
    grep -q "^CLOSED" "$work/client.out"
    if [ "$case_name" = client4-cookies ]; then
        # The kernel's own counters: it sent a cookie and took one back.
        nstat -az TcpExtSyncookiesSent TcpExtSyncookiesRecv | tee "$work/nstat.out"
        awk '$1 == "TcpExtSyncookiesSent" && $2 >= 1 { s = 1 } $1 == "TcpExtSyncookiesRecv" && $2 >= 1 { r = 1 }
             END { exit !(s && r) }' "$work/nstat.out"
    fi
    ;;
server4-fastopen)
    sysctl -qw net.ipv4.tcp_fastopen=1   # client side (Linux's default)
    timeout 30 "$bin/synack-server" --kernel-addr 198.18.0.1/24 --listen 198.18.0.2:8080 --fastopen \
        --count 2 --timeout 20 --pcap "$work/fastopen.pcap" > "$work/server.out" 2>&1 &
    srv=$!
    wait_for "$work/server.out" READY
    for n in 1 2; do
        timeout 20 "$py" "$work/kernel.py" fastopen 198.18.0.2 8080 > "$work/kernel$n.out" 2>&1 ||
            { echo "kernel client $n failed:"; cat "$work/kernel$n.out"; exit 1; }
    done
    wait "$srv" || { echo "synack-server failed:"; cat "$work/server.out"; exit 1; }
    cat "$work/server.out" "$work/kernel1.out" "$work/kernel2.out"
    grep -q "^CLEAN" "$work/kernel1.out" && grep -q "^CLEAN" "$work/kernel2.out"
    # The first connection asks for a cookie (data after the handshake), the
    # second carries the cookie and its 5 bytes in the SYN: accepted at once.
    [ "$(grep -c "^ESTABLISHED" "$work/server.out")" = 2 ]
    grep -q '^ACCEPTED-0RTT 198.18.0.1.[0-9]* data="hello"' "$work/server.out"
    grep "^ESTABLISHED" "$work/server.out" | head -1 | grep -q "tfo_data=0"
    grep "^ESTABLISHED" "$work/server.out" | tail -1 | grep -q "tfo_data=5"
    "$bin/synack-decode" "$work/fastopen.pcap" > "$work/decode.out" 2>/dev/null || true
    grep -q "Flags \[S\], seq [0-9]*, win [0-9]*, options \[.*tfo  cookiereq" "$work/decode.out" ||
        { cat "$work/decode.out"; exit 1; }
    grep -q "Flags \[S\], seq [0-9]*:[0-9]*, .*tfo  cookie [0-9a-f]*.*length 5" "$work/decode.out" ||
        { cat "$work/decode.out"; exit 1; }
    ;;
client4-fastopen)
    # synack-client as Fast Open client against a kernel Fast Open server
    # (tcp_fastopen=3): a cookie request first, then cookie + "hello" in the
    # SYN of a second connection; the kernel's counters confirm it.
    sysctl -qw net.ipv4.tcp_fastopen=3
    timeout 20 "$py" "$work/kernel.py" listen-fastopen 0.0.0.0 5000 > "$work/kernel.out" 2>&1 &
    ker=$!
    wait_for "$work/kernel.out" LISTENING
    timeout 30 "$bin/synack-client" --fastopen --connect 198.18.0.1:5000 --msl-ms 200 --timeout 20 \
        --pcap "$work/client-fastopen.pcap" > "$work/client.out" 2>&1 || { cat "$work/client.out"; exit 1; }
    wait "$ker"
    cat "$work/client.out" "$work/kernel.out"
    grep -q "^FASTOPEN-COOKIE" "$work/client.out"
    [ "$(grep -c "^ESTABLISHED" "$work/client.out")" = 2 ]
    grep "^ESTABLISHED" "$work/client.out" | tail -1 | grep -q "tfo_data=5"
    grep -q "^RECEIVED b'hello' CLEAN" "$work/kernel.out"
    nstat -az TcpExtTCPFastOpenPassive | tee "$work/nstat.out"
    awk '$1 == "TcpExtTCPFastOpenPassive" && $2 >= 1 { ok = 1 } END { exit !ok }' "$work/nstat.out"
    ;;
refused)
    # A kernel port nobody listens on: its RST-ACK makes the attempt Refused.
    timeout 30 "$bin/synack-client" --connect 198.18.0.1:5001 --expect refused --timeout 10 \
        --pcap "$work/refused.pcap" > "$work/client.out" 2>&1
    cat "$work/client.out"
    grep -q "^REFUSED 198.18.0.1.5001" "$work/client.out"
    "$bin/synack-decode" "$work/refused.pcap" | grep -q "Flags \[R.\], seq 0, ack"
    ;;
timeout)
    # An address the kernel drops (not local, no forwarding): the SYN
    # schedule, compressed (RTO 200 ms, 2 retries: SYNs at 0, 0.2, 0.6 s),
    # then TimedOut at 1.4 s.
    timeout 30 "$bin/synack-client" --connect 198.18.0.77:5000 --expect timedout --syn-retries 2 \
        --rto-ms 200 --timeout 10 --pcap "$work/timeout.pcap" > "$work/client.out" 2>&1
    cat "$work/client.out"
    grep -q "^TIMEDOUT" "$work/client.out"
    syns=$("$bin/synack-decode" "$work/timeout.pcap" | grep -c "Flags \[S\]" || true)
    [ "$syns" = 3 ] || { echo "expected 3 SYNs in the pcap, saw $syns"; exit 1; }
    ;;
*) echo "unknown case $case_name"; exit 2 ;;
esac
echo "PASS $case_name"
EOF

rc=0
unshare --net bash "$work/inside.sh" "$bin" "$case_name" "$work" "$py" || rc=$?
exit "$rc"
