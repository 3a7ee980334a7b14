#!/usr/bin/env bash
# scripts/make-fuzz-corpus.sh — (re)generates the seed corpora of the codec
# fuzz targets in fuzz/corpus/<target>/ from the reference captures in
# tests/data/*.pcap, plus hand-made malformed inputs.
#
#   scripts/make-fuzz-corpus.sh [capture-dir]     (default: tests/data)
#
# Per target:
#   tcp_view, tcp_value  TCP segments (header + at most 32 payload bytes; for
#                        tcp_value the payload is the mutation script)
#   tcp_options          option areas (the bytes [20, data offset * 4))
#   ipv4_tcp, ipv6_tcp   whole IP packets of that version
#   format               whole IP packets, both versions
# Files are named <capture>-<frame>-<what>, hand-<what> or regress-<what>
# (minimized fuzz findings); identical contents are written once. Only those
# names are replaced: inputs added under other names stay.
#
# Needs only bash and Debian's /usr/bin/python3 (standard library).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
captures="${1:-$root/tests/data}"
out="$root/fuzz/corpus"

exec /usr/bin/python3 - "$captures" "$out" <<'PY'
import glob, hashlib, os, struct, sys

captures, out = sys.argv[1], sys.argv[2]
TARGETS = ["tcp_view", "tcp_value", "tcp_options", "ipv4_tcp", "ipv6_tcp", "format"]
MAX_PAYLOAD = 32  # TCP-only seeds: the payload content is irrelevant to the codec

def pcap_packets(path):
    """Yields (frame number, IP packet) from a classic Ethernet pcap."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap")
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        raise SystemExit(f"{path}: link type is not Ethernet")
    at, frame = 24, 0
    while at + 16 <= len(data):
        incl = struct.unpack(end + "I", data[at + 8:at + 12])[0]
        rec = data[at + 16:at + 16 + incl]
        at += 16 + incl
        frame += 1
        ethertype = struct.unpack(">H", rec[12:14])[0]
        if ethertype in (0x0800, 0x86DD):
            yield frame, rec[14:]

def tcp_of(ip):
    """The TCP segment inside an IP packet without extension headers."""
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        return ip[ihl:total]
    return ip[40:40 + struct.unpack(">H", ip[4:6])[0]]

FLAG_NAMES = [(0x02, "syn"), (0x10, "ack"), (0x01, "fin"), (0x04, "rst"), (0x08, "psh")]
def describe(seg):
    flags = seg[13]
    name = "".join(n for bit, n in FLAG_NAMES if flags & bit) or "none"
    payload = len(seg) - (seg[12] >> 4) * 4
    return f"{name}-{payload}b" if payload else name

# ---- hand-made TCP segments -------------------------------------------------

def tcp(opts=b"", flags=0x02, payload=b"", doff=None, sport=40000, dport=5000,
        seq=0x7C33A583, ack=0, win=64240, byte12_low=0):
    if doff is None:
        assert len(opts) % 4 == 0, opts.hex()
        doff = 5 + len(opts) // 4
    b12 = (doff << 4) | byte12_low
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, b12, flags, win, 0, 0) + opts + payload

LINUX_SYN_OPTS = bytes.fromhex("020405b40402080a385ae9c70000000001030307")
HAND_TCP = {
    "linux-syn": tcp(LINUX_SYN_OPTS),
    "no-options": tcp(flags=0x10, ack=1),
    "truncated-19": tcp(LINUX_SYN_OPTS)[:19],
    "truncated-options": tcp(LINUX_SYN_OPTS)[:30],      # data offset 10, 30 bytes
    "doff-4": tcp(doff=4),
    "doff-0": tcp(doff=0),
    "doff-15-nops": tcp(b"\x01" * 40),
    # mss, sackOK+TS, nop+wscale, nop,nop,sack(1), TFO cookie 4 + nop,nop: 40 bytes
    "doff-15-full": tcp(bytes.fromhex("020405b4 0402080a0000000100000002 01030307"
                                      "0101050a0000000a00000014 22060a0b0c0d 0101")),
    "doff-15-past-end": tcp(doff=15, opts=b"\x01" * 8),  # 28 bytes, needs 60
    "mss-len-5": tcp(bytes.fromhex("0205 05b4 00 000000")),
    "mss-len-3": tcp(bytes.fromhex("0203 05 01 01030307")),
    "ws-len-4": tcp(bytes.fromhex("03040e00")),
    "ws-15": tcp(bytes.fromhex("0103030f")),
    "sackok-len-3": tcp(bytes.fromhex("04030001")),
    "ts-len-8": tcp(bytes.fromhex("0101 0808 000000010000 0000")),
    "eol-garbage": tcp(bytes.fromhex("00 020405b4 ffffff")),
    "eol-then-mss": tcp(bytes.fromhex("020405b4 00 020405dc 010101")),
    "len-0": tcp(bytes.fromhex("020405b4 1300 0000")),
    "len-1": tcp(bytes.fromhex("01010801 00000000")),
    "len-past-end": tcp(bytes.fromhex("020405b4 08 20 0000")),
    "missing-length": tcp(bytes.fromhex("01010102")),
    "dup-mss": tcp(bytes.fromhex("020405b4 02040218")),
    "dup-ts-sackok": tcp(bytes.fromhex("0101080a0000000100000002 0402 080a0000000300000004")),
    "sack-1": tcp(bytes.fromhex("0101050a 0000100000002000"), flags=0x10, ack=5),
    "sack-4": tcp(bytes.fromhex("01010522" + "".join(f"{0x1000*i:08x}{0x1000*i+0x800:08x}" for i in range(1, 5))),
                  flags=0x10, ack=5),
    "sack-len-11": tcp(bytes.fromhex("01050b 0000100000002000ff")),
    "sack-ts": tcp(bytes.fromhex("0101080a0000000100000002 0101051a" + "00000001" * 6), flags=0x10),
    "tfo-request": tcp(LINUX_SYN_OPTS + bytes.fromhex("22020101")),
    "tfo-cookie-8": tcp(bytes.fromhex("020405b4 220a 0102030405060708 0101")),
    "tfo-cookie-16": tcp(bytes.fromhex("020405b4 2212" + "a5" * 16 + "0101")),
    "tfo-exp-cookie-8": tcp(bytes.fromhex("020405b4 fe0cf989 0102030405060708")),
    "tfo-exp-request": tcp(bytes.fromhex("fe04f989")),
    "tfo-odd": tcp(bytes.fromhex("22050102 03 010101")),
    "tfo-short": tcp(bytes.fromhex("22040102")),
    "exp-no-magic": tcp(bytes.fromhex("fe06abcd 0102 0000")),
    "exp-len-3": tcp(bytes.fromhex("fe03f9 00")),
    "md5": tcp(bytes.fromhex("1312" + "11" * 16 + "0000")),
    "tcp-ao": tcp(bytes.fromhex("1d08 0102 03040506 00000000")),
    "unknown-kinds": tcp(bytes.fromhex("0f02 ff0301 c802 0000000000")),
    "ae-reserved-bits": tcp(flags=0xd2, byte12_low=0x0f),
    "rst-ack": tcp(flags=0x14, seq=0, ack=0x7C33A584, win=0),
    "syn-fin-urg-payload": tcp(flags=0x23, payload=b"hello"),
}

# tcp_value reads its payload as a mutation script (see fuzz/tcp_value.cpp):
# each op is one byte (op % 8 selects the field) followed by its arguments.
SCRIPTS = {
    "script-set-all": bytes.fromhex("00 01 05b4" "01 01 0e" "02" "03 01 00000001 00000002"
                                    "04 02 00000010 00000020 00000030 00000040" "05 01 08 a1a2a3a4a5a6a7a8"),
    "script-clear-all": bytes.fromhex("00 00" "01 00" "02" "03 00" "04 00" "05 00"),
    "script-clear-layout": bytes.fromhex("06 00 01 05b4"),
    "script-header": bytes.fromhex("07 05 01d2 ffff"),
    "script-too-long": bytes.fromhex("04 04" + "11" * 32 + "03 01 0000000100000002 05 01 10" + "ee" * 16),
    "script-bad-cookie": bytes.fromhex("05 01 03 010203"),
}

def hand_ip4(seg, src=b"\xc6\x12\x00\x01", dst=b"\xc6\x12\x00\x02", proto=6, ihl=5, ip_opts=b"",
             frag=0x4000, total=None, tcp_csum=True):
    if tcp_csum and len(seg) >= 18 and proto == 6:
        seg = fill_tcp_checksum(seg, src + dst + struct.pack(">BBH", 0, 6, len(seg)))
    if total is None:
        total = ihl * 4 + len(seg)
    hdr = struct.pack(">BBHHHBBH", 0x40 | ihl, 0, total, 0x1234, frag, 64, proto, 0) + src + dst + ip_opts
    hdr = hdr[:10] + struct.pack(">H", ip_checksum(hdr)) + hdr[12:]
    return hdr + seg

V6_SRC = bytes.fromhex("20010db8000000000000000000000001")
V6_DST = bytes.fromhex("20010db8000000000000000000000002")
def hand_ip6(seg, next_header=6, ext=b"", payload_len=None, tcp_csum=True):
    if tcp_csum and len(seg) >= 18:
        seg = fill_tcp_checksum(seg, V6_SRC + V6_DST + struct.pack(">I", len(seg)) + b"\x00\x00\x00\x06")
    body = ext + seg
    if payload_len is None:
        payload_len = len(body)
    return struct.pack(">IHBB", 0x60012345, payload_len, next_header, 64) + V6_SRC + V6_DST + body

def ones_sum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return s

def ip_checksum(hdr):
    return ~ones_sum(hdr[:10] + b"\x00\x00" + hdr[12:]) & 0xFFFF

def fill_tcp_checksum(seg, pseudo):
    c = ~ones_sum(pseudo + seg[:16] + b"\x00\x00" + seg[18:]) & 0xFFFF
    return seg[:16] + struct.pack(">H", c) + seg[18:]

syn = tcp(LINUX_SYN_OPTS)
HAND_IP4 = {
    "hand-ipv4-syn": hand_ip4(syn),
    "hand-ipv4-ip-options": hand_ip4(syn, ihl=6, ip_opts=b"\x01\x01\x01\x00"),
    "hand-ipv4-ihl-15": hand_ip4(syn, ihl=15, ip_opts=b"\x01" * 40),
    "hand-ipv4-ihl-4": hand_ip4(syn, ihl=4, ip_opts=b"")[:20] + syn,
    "hand-ipv4-fragment-mf": hand_ip4(syn, frag=0x2000),
    "hand-ipv4-fragment-offset": hand_ip4(syn, frag=0x0010),
    "hand-ipv4-total-short": hand_ip4(syn, total=30),
    "hand-ipv4-total-long": hand_ip4(syn, total=200),
    "hand-ipv4-trailing-bytes": hand_ip4(syn) + b"\x00" * 6,   # Ethernet padding
    "hand-ipv4-udp": hand_ip4(bytes.fromhex("9c401388000c0000") + b"abcd", proto=17),
    "hand-ipv4-truncated-ip": hand_ip4(syn)[:15],
    "hand-ipv4-truncated-tcp": hand_ip4(syn[:12], tcp_csum=False),
    "hand-ipv4-odd-payload": hand_ip4(tcp(flags=0x18, payload=b"ABC")),
    "hand-ipv4-bad-tcp-options": hand_ip4(HAND_TCP["len-past-end"]),
    "hand-ipv4-doff-15": hand_ip4(HAND_TCP["doff-15-full"]),
    "hand-ipv4-bad-ip-checksum": (lambda p: p[:10] + b"\xde\xad" + p[12:])(hand_ip4(syn)),
}
HAND_IP6 = {
    "hand-ipv6-syn": hand_ip6(syn),
    "hand-ipv6-hop-by-hop": hand_ip6(syn, next_header=0, ext=bytes([6, 0, 1, 4, 0, 0, 0, 0])),
    "hand-ipv6-dest-opts": hand_ip6(syn, next_header=60, ext=bytes([6, 1]) + b"\x01\x0c" + b"\x00" * 12),
    "hand-ipv6-routing": hand_ip6(syn, next_header=43, ext=bytes([6, 0, 0, 0, 0, 0, 0, 0])),
    "hand-ipv6-chain": hand_ip6(syn, next_header=0, ext=bytes([60, 0, 1, 4, 0, 0, 0, 0]) +
                                bytes([43, 0, 1, 4, 0, 0, 0, 0]) + bytes([6, 0, 0, 0, 0, 0, 0, 0])),
    "hand-ipv6-fragment": hand_ip6(syn, next_header=44, ext=bytes([6, 0, 0, 1, 0, 0, 0, 1])),
    "hand-ipv6-ext-truncated": hand_ip6(b"", next_header=0, ext=bytes([6, 4, 0, 0])),
    "hand-ipv6-no-next": hand_ip6(syn, next_header=59),
    "hand-ipv6-udp": hand_ip6(bytes.fromhex("9c401388000c0000") + b"abcd", next_header=17),
    "hand-ipv6-payload-long": hand_ip6(syn, payload_len=400),
    "hand-ipv6-payload-short": hand_ip6(syn, payload_len=10),
    "hand-ipv6-trailing-bytes": hand_ip6(syn) + b"\xff" * 4,
    "hand-ipv6-truncated": hand_ip6(syn)[:39],
    "hand-ipv6-odd-payload": hand_ip6(tcp(flags=0x18, payload=b"ABCDE")),
    "hand-ipv6-bad-tcp-checksum": hand_ip6(syn, tcp_csum=False),
}

# ---- collect ----------------------------------------------------------------

corpus = {t: {} for t in TARGETS}
def add(target, name, data):
    if any(d == data for d in corpus[target].values()):
        return
    corpus[target][name] = data

# From the captures: one segment per shape (flags, option kinds, payload or
# not) and capture; the rest differ only in numbers.
def option_kinds(area):
    kinds, at = [], 0
    while at < len(area):
        kinds.append(area[at])
        if area[at] in (0, 1):
            at += 1
        elif at + 1 < len(area) and area[at + 1] >= 2:
            at += area[at + 1]
        else:
            break
    return tuple(kinds)

for path in sorted(glob.glob(os.path.join(captures, "*.pcap"))):
    cap = os.path.basename(path)[:-5]
    shapes = set()
    for frame, ip in pcap_packets(path):
        seg = tcp_of(ip)
        hl = (seg[12] >> 4) * 4
        shape = (seg[13], option_kinds(seg[20:hl]), len(seg) > hl)
        if shape in shapes:
            continue
        shapes.add(shape)
        name = f"{cap}-{frame:02d}-{describe(seg)}"
        add("tcp_view", name, seg[:hl + MAX_PAYLOAD])
        add("tcp_value", name, seg[:hl + MAX_PAYLOAD])
        if hl > 20:
            add("tcp_options", name, seg[20:hl])
        add("ipv4_tcp" if ip[0] >> 4 == 4 else "ipv6_tcp", name, ip)
        add("format", name, ip)

for what, seg in HAND_TCP.items():
    add("tcp_view", "hand-" + what, seg)
    add("tcp_value", "hand-" + what, seg)
    hl = (seg[12] >> 4) * 4 if len(seg) > 12 else 0
    if 20 < hl <= len(seg):
        add("tcp_options", "hand-" + what, seg[20:hl])
# Regressions: minimized from fuzz findings (see the commit that adds them).
REGRESSIONS_TCP_VALUE = {
    # nop,ws 1,nop,ws 5 then "clear wscale": the earlier duplicate must not win.
    "regress-cleared-duplicate": tcp(bytes.fromhex("01030301 01030305")) + bytes.fromhex("0100"),
    # sackOK + truncated mss (02 04, 2 bytes left) then "toggle sackOK": the
    # padding must not complete the tail into "mss 0".
    "regress-tail-completed": tcp(bytes.fromhex("04020204")) + bytes.fromhex("02"),
}
for name, data in REGRESSIONS_TCP_VALUE.items():
    add("tcp_value", name, data)
for what, script in SCRIPTS.items():
    add("tcp_value", "hand-syn-" + what, syn + script)
    add("tcp_value", "hand-sack-4-" + what, HAND_TCP["sack-4"] + script)
    add("tcp_value", "hand-tfo-exp-" + what, HAND_TCP["tfo-exp-cookie-8"] + script)
for what, opts in [("empty", b""), ("odd-3", b"\x02\x04\x05"), ("eol-only", b"\x00"),
                   ("nop-41", b"\x01" * 41), ("kind-last", b"\x01\x01\x01\x08")]:
    add("tcp_options", "hand-" + what, opts)
for name, pkt in HAND_IP4.items():
    add("ipv4_tcp", name, pkt)
    add("format", name, pkt)
for name, pkt in HAND_IP6.items():
    add("ipv6_tcp", name, pkt)
    add("format", name, pkt)

# ---- write ------------------------------------------------------------------

for target, files in corpus.items():
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    generated = set(files)
    for old in os.listdir(d):
        # replace earlier generated files only (capture- or hand- prefixed)
        if old not in generated and (old.startswith(("hand-", "regress-")) or any(old.startswith(c) for c in
                                     [os.path.basename(p)[:-5] + "-" for p in glob.glob(os.path.join(captures, "*.pcap"))])):
            os.remove(os.path.join(d, old))
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    assert len(os.listdir(d)) < 100, f"{target}: corpus too large"
    print(f"fuzz/corpus/{target}: {len(files)} seed files")
PY
