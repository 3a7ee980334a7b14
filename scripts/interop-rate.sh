#!/usr/bin/env bash
# scripts/interop-rate.sh — connections per second, the Linux kernel as
# client: N sequential connections (connect, FIN, the server's FIN, close)
# to synack-server through a TUN device, then the same N to a kernel server
# (Python's socket module, stdlib only) in the same namespace over loopback.
# Runs as root inside a network namespace of its own (unshare --net); only
# 198.18.0.0/15 and 127.0.0.1. Usage: scripts/interop-rate.sh [N] (default 1000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n="${1:-1000}"
[ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] || { echo "needs root and /dev/net/tun"; exit 77; }
cmake --preset release >/dev/null
cmake -S . -B build/release -DSYNACK_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/release --target synack-server --parallel "${SYNACK_JOBS:-2}" >/dev/null
server="$(pwd)/build/release/examples/synack-server/synack-server"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/rate.py" <<'PY'
import socket, sys, time, threading
mode, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if mode == "kernel-server":
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((addr, port)); l.listen(128)
    def serve():
        for _ in range(n):
            c, _ = l.accept()
            while c.recv(100): pass
            c.close()
    threading.Thread(target=serve, daemon=True).start()
t0 = time.monotonic()
for _ in range(n):
    s = socket.create_connection((addr, port), timeout=10)
    s.shutdown(socket.SHUT_WR)
    while s.recv(100): pass
    s.close()
dt = time.monotonic() - t0
print("%s: %d connections in %.3f s = %.0f connections/s" % (mode, n, dt, n / dt), flush=True)
PY
cat > "$work/inside.sh" <<'IN'
set -euo pipefail
server="$1"; work="$2"; n="$3"
ip link set lo up
sysctl -qw net.ipv4.tcp_tw_reuse=1
"$server" --count "$n" --timeout 120 --no-ladder > "$work/server.out" 2>&1 &
srv=$!
for _ in $(seq 1 100); do grep -q READY "$work/server.out" && break; sleep 0.1; done
/usr/bin/python3 "$work/rate.py" synack-server 198.18.0.2 8080 "$n"
wait "$srv"
grep '^STATS' "$work/server.out"
/usr/bin/python3 "$work/rate.py" kernel-server 127.0.0.1 8081 "$n"
IN
unshare --net bash "$work/inside.sh" "$server" "$work" "$n"
