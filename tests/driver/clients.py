# tests/driver/clients.py — the kernel's side of flood.sh and rate.sh
# (Python standard library only).
#
#   clients.py connect LABEL ADDR PORT N TIMEOUT   N sequential connections
#       (connect, our FIN, wait for the server's FIN, close); prints
#       "RATE LABEL clean/N connections in T s = R connections/s";
#       exit status 0 only if all N closed cleanly (no RST)
#   clients.py serve ADDR PORT N                    a kernel server that
#       accepts N connections and closes each after the client's FIN;
#       prints LISTENING once bound
import socket
import sys
import time

mode = sys.argv[1]
if mode == "serve":
    addr, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((addr, port))
    listener.listen(128)
    print("LISTENING", flush=True)
    for _ in range(n):
        c, _ = listener.accept()
        while c.recv(100):
            pass
        c.close()
    sys.exit(0)

label, addr, port, n, timeout = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
clean = 0
t0 = time.monotonic()
for _ in range(n):
    s = socket.create_connection((addr, port), timeout=timeout)
    s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(100):
            pass
        clean += 1
    except ConnectionResetError:
        pass
    s.close()
dt = time.monotonic() - t0
print("RATE %s %d/%d connections in %.3f s = %.0f connections/s" % (label, clean, n, dt, n / dt), flush=True)
sys.exit(0 if clean == n else 1)
