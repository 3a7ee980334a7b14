#!/usr/bin/env bash
# scripts/upstream-packetdrill.sh — runs the handshake-area scripts of
# packetdrill's own suite (gtests/net/tcp: blocking, close, fastopen client
# and server, mss, shutdown, ts_recent, user_timeout, validate,
# syscall_bad_arg, ecn) unmodified through synack-drill, for IPv4 and IPv6
# with the flags packetdrill's run_all.py passes, and prints pass / skip
# (reason) / fail per script and run, then the totals. Exits 1 if any run
# failed (a skip is not a failure: it names what the machines do not model,
# or that Linux fails the script too).
#
# usage: scripts/upstream-packetdrill.sh [--kernel-verdict] SYNACK_DRILL [PACKETDRILL_TREE]
#   PACKETDRILL_TREE defaults to ../shared/packetdrill next to the project.
#
# --kernel-verdict: the kernel judges every run synack-drill FAILS. The same
# script runs with the same flags (run_all.py's, and its default
# --send_omit_free) under the real packetdrill against this machine's Linux,
# through scripts/kernel-verdict.sh (a network namespace of its own per run,
# deleted at the end; runs in parallel, at most SYNACK_UPSTREAM_JOBS = 4):
#   - the kernel fails too  -> `skip (fails on Linux <release> too: <its first
#     error line>)`: the script does not describe this kernel, not counted;
#   - the kernel passes     -> `FAIL`: a divergence of the machines;
#   - no verdict (not root, no /dev/net/tun, no packetdrill build, a script
#     that names run_all.py's own addresses or cookies, a kernel run that
#     only failed on timing under load, three times) -> stays `FAIL`.
# Only the addresses differ from run_all.py's (network safety: 198.18.0.0/15
# and 2001:db8::/32, kernel-verdict.sh's set), so TFO_COOKIE is Linux's
# cookie for those addresses under defaults.sh's key, computed here and
# checked first against run_all.py's own pair of values. The kernel runs in a
# copy of the suite (a temporary directory) where the symbolic links the tree
# stores as text files (tcp/common/defaults.sh -> ../../common/defaults.sh)
# are links again: packetdrill executes defaults.sh, synack-drill interprets
# it. Environment: SYNACK_PACKETDRILL and SYNACK_KERNEL_TIMEOUT as for
# kernel-verdict.sh.
set -u
kernel=0
if [ "${1:-}" = --kernel-verdict ]; then kernel=1; shift; fi
drill=${1:?usage: upstream-packetdrill.sh [--kernel-verdict] SYNACK_DRILL [PACKETDRILL_TREE]}
case $drill in /*) ;; *) drill=$(pwd)/$drill ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
tree=${2:-$here/../shared/packetdrill}
# A git worktree under wt/ sits one level deeper.
[ -n "${2:-}" ] || [ -d "$tree/gtests/net/tcp" ] || tree=$here/../../shared/packetdrill

suite=$tree/gtests/net/tcp
if [ ! -d "$suite" ]; then
    echo "SKIP: packetdrill tree not found ($tree)"
    exit 77
fi
dirs="blocking close fastopen/client fastopen/server mss shutdown ts_recent user_timeout validate syscall_bad_arg ecn"
v4="--ip_version=ipv4 --local_ip=192.168.0.1 --gateway_ip=192.168.0.1 --netmask_ip=255.255.0.0 --remote_ip=192.0.2.1 -D TFO_COOKIE=3021b9d889017eeb -D CODE=host_unreachable -D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR"
v6="--ip_version=ipv6 --mtu=1520 --local_ip=fd3d:0a0b:17d6::1 --gateway_ip=fd3d:0a0b:17d6:8888::1 --remote_ip=fd3d:fa7b:d17d::1 -D TFO_COOKIE=c1d1e9742a47a9bc -D CMSG_LEVEL_IP=SOL_IPV6 -D CMSG_TYPE_RECVERR=IPV6_RECVERR"

# Every verdict line, in order; the failed runs by index (rel, family, line).
lines=()
failed=()
pass=0 skip_data=0 skip_icmp=0 skip_family=0 skip_other=0
for d in $dirs; do
    for f in "$suite/$d"/*.pkt; do
        [ -e "$f" ] || continue
        rel=${f#"$suite"/}
        for fam in v4 v6; do
            case "$f" in *v6.pkt) [ $fam = v4 ] && continue ;; *v4.pkt) [ $fam = v6 ] && continue ;; esac
            flags=$v4; [ $fam = v6 ] && flags=$v6
            # packetdrill runs each script from its own directory (the
            # backquoted commands name ../common/... relative to it).
            # shellcheck disable=SC2086
            out=$(cd "$(dirname "$f")" && timeout 60 "$drill" $flags "$(basename "$f")" 2>&1)
            rc=$?
            line=$(printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP)' | head -1)
            case $rc in
            0) pass=$((pass + 1)); lines+=("pass  $rel [$fam]") ;;
            77)
                why=${line#*]: }
                case $why in
                *"data path"*) skip_data=$((skip_data + 1)) ;;
                *ICMP*) skip_icmp=$((skip_icmp + 1)) ;;
                *"own addresses fix"*) skip_family=$((skip_family + 1)) ;;
                *) skip_other=$((skip_other + 1)) ;;
                esac
                lines+=("skip  $rel [$fam]: $why") ;;
            *)
                failed+=("${#lines[@]}|$rel|$fam")
                lines+=("FAIL  $rel [$fam]: ${line:-exit $rc: $out}") ;;
            esac
        done
    done
done

release=$(uname -r)
skip_linux=0
fail=${#failed[@]}
kernel_note=
if [ $kernel = 1 ] && [ "$fail" -gt 0 ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/su-upstream.XXXXXX")
    pids=()
    # Every kernel run ends here, by its PID (kernel-verdict.sh then deletes
    # its namespace in its own EXIT trap), and the copy goes.
    cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        wait 2>/dev/null
        rm -rf "$work"
    }
    trap cleanup EXIT
    trap 'exit 1' INT TERM HUP

    # The suite's copy, with its symbolic links restored (see the header).
    mkdir -p "$work/gtests/net"
    cp -r "$suite" "$work/gtests/net/tcp"
    [ -d "$tree/gtests/net/common" ] && cp -r "$tree/gtests/net/common" "$work/gtests/net/common"
    chmod -R u+w "$work"
    while IFS= read -r -d '' f; do
        target=$(head -c 200 "$f")
        case $target in *[[:space:]]* | '' | /*) continue ;; esac
        [ -f "$(dirname "$f")/$target" ] && ln -sfn "$target" "$f"
    done < <(find "$work/gtests/net" -type f -size -200c ! -name '*.pkt' -print0)

    # Linux's Fast Open cookie (net/ipv4/tcp_fastopen.c): SipHash-2-4 keyed
    # with the sysctl's words w0..w3 (k0 = w0 | w1 << 32, k1 = w2 | w3 << 32)
    # over the client's then the server's address, written little-endian.
    cookie() {
        python3 - "$@" <<'EOF'
import ipaddress, struct, sys
M = (1 << 64) - 1
def rotl(x, b): return ((x << b) | (x >> (64 - b))) & M
def siphash24(k0, k1, msg):
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
    def sipround():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)
    tail = len(msg) % 8
    words = [struct.unpack('<Q', msg[i:i + 8])[0] for i in range(0, len(msg) - tail, 8)]
    last = (len(msg) & 0xff) << 56
    for i, b in enumerate(msg[len(msg) - tail:]): last |= b << (8 * i)
    for m in words + [last]:
        v[3] ^= m; sipround(); sipround(); v[0] ^= m
    v[2] ^= 0xff
    for _ in range(4): sipround()
    return v[0] ^ v[1] ^ v[2] ^ v[3]
w = [int(x, 16) for x in sys.argv[1].split('-')]
msg = ipaddress.ip_address(sys.argv[2]).packed + ipaddress.ip_address(sys.argv[3]).packed
print(struct.pack('<Q', siphash24(w[0] | w[1] << 32, w[2] | w[3] << 32, msg)).hex())
EOF
    }
    key=$(sed -n 's/.*tcp_fastopen_key=\([0-9a-fA-F-]*\).*/\1/p' "$work/gtests/net/common/defaults.sh" 2>/dev/null | head -1)
    k4='' k6=''
    if [ -n "$key" ] && command -v python3 >/dev/null &&
       [ "$(cookie "$key" 192.0.2.1 192.168.0.1)" = 3021b9d889017eeb ] &&
       [ "$(cookie "$key" fd3d:fa7b:d17d::1 fd3d:a0b:17d6::1)" = c1d1e9742a47a9bc ]; then
        # kernel-verdict.sh's addresses: we are .1 / ::1, the peer .2 / ::2.
        k4=$(cookie "$key" 198.18.0.2 198.18.0.1)
        k6=$(cookie "$key" 2001:db8::2 2001:db8::1)
    else
        kernel_note="no Fast Open cookie for our addresses (defaults.sh's key or python3 missing, or run_all.py's cookies not reproduced)"
    fi
    kv4=(--send_omit_free -D "TFO_COOKIE=$k4" -D CODE=host_unreachable -D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR)
    kv6=(--send_omit_free --mtu=1520 -D "TFO_COOKIE=$k6" -D CMSG_LEVEL_IP=SOL_IPV6 -D CMSG_TYPE_RECVERR=IPV6_RECVERR)

    # One kernel run: $work/k.<i>.out and .rc.
    kernel_run() {
        local i=$1 rel=$2 fam=$3 extra fm
        if [ "$fam" = v4 ]; then extra=("${kv4[@]}"); fm=ipv4; else extra=("${kv6[@]}"); fm=ipv6; fi
        cd "$work/gtests/net/tcp/$(dirname "$rel")" || return
        SYNACK_KERNEL_FAMILY=$fm SYNACK_KERNEL_NS_PREFIX=su-up \
            "$here/scripts/kernel-verdict.sh" "$(basename "$rel")" "${extra[@]}" >"$work/k.$i.out" 2>&1 &
        local kv=$!
        # A TERM from cleanup reaches kernel-verdict.sh, which deletes its namespace.
        trap 'kill "$kv" 2>/dev/null; wait "$kv"; exit 1' TERM
        wait "$kv"
        echo $? >"$work/k.$i.rc"
        trap - TERM
    }
    # packetdrill's first error line, the path shortened to the script's name.
    first_error() {
        local l
        l=$(grep -m1 -E '\.pkt:[0-9]+: ' "$1")
        [ -n "$l" ] || l=$(grep -m1 -iE 'error|FAIL' "$1")
        printf '%s' "${l##*/}"
    }
    # A run the kernel cannot judge faithfully stays a fail: the script fixes
    # its own addresses (they would be put on the namespace's tun device) or
    # names run_all.py's addresses or cookies (a route, a literal cookie).
    unjudgeable() {
        grep -qE '^[[:space:]]*--(local|remote|gateway)_ip' "$1" && { echo "the script sets its own addresses"; return 0; }
        grep -qiE '192\.168\.|192\.0\.2\.|fd3d:|3021b9d889017eeb|c1d1e9742a47a9bc' "$1" &&
            { echo "the script names run_all.py's addresses or cookies"; return 0; }
        return 1
    }

    jobs_max=${SYNACK_UPSTREAM_JOBS:-4}
    declare -A why_not=()
    if [ -z "$kernel_note" ]; then
        for entry in "${failed[@]}"; do
            IFS='|' read -r i rel fam <<<"$entry"
            if w=$(unjudgeable "$suite/$rel"); then why_not[$i]=$w; continue; fi
            while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
            (kernel_run "$i" "$rel" "$fam") &
            pids+=($!)
        done
        wait
        pids=()
        # A timing error under load is no verdict: again, one at a time, at
        # most twice more.
        for entry in "${failed[@]}"; do
            IFS='|' read -r i rel fam <<<"$entry"
            for _ in 1 2; do
                if [ ! -f "$work/k.$i.rc" ] || [ "$(cat "$work/k.$i.rc")" != 1 ]; then break; fi
                first_error "$work/k.$i.out" | grep -q 'timing error' || break
                (kernel_run "$i" "$rel" "$fam")
            done
        done
    fi

    fail=0
    for entry in "${failed[@]}"; do
        IFS='|' read -r i rel fam <<<"$entry"
        verdict=
        if [ -n "$kernel_note" ]; then
            verdict="no kernel verdict: $kernel_note"
        elif [ -n "${why_not[$i]:-}" ]; then
            verdict="no kernel verdict: ${why_not[$i]}"
        else
            krc=$(cat "$work/k.$i.rc" 2>/dev/null || echo none)
            err=$(first_error "$work/k.$i.out")
            case $krc in
            0) verdict="passes on Linux $release: a divergence" ;;
            77) verdict="no kernel verdict: $(grep -m1 '^SKIP' "$work/k.$i.out" | sed 's/^SKIP: [^:]*: //')" ;;
            1)
                if printf '%s' "$err" | grep -q 'timing error'; then
                    verdict="no kernel verdict: Linux $release failed on timing only, three times: $err"
                elif [ -n "$err" ]; then
                    lines[i]="skip  $rel [$fam]: fails on Linux $release too: $err"
                    skip_linux=$((skip_linux + 1))
                    continue
                else
                    verdict="no kernel verdict: $(tail -1 "$work/k.$i.out")"
                fi ;;
            *) verdict="no kernel verdict (exit $krc)" ;;
            esac
        fi
        lines[i]="${lines[i]} [kernel: $verdict]"
        fail=$((fail + 1))
    done
elif [ "$fail" -gt 0 ]; then
    kernel_note="(not judged by the kernel: run with --kernel-verdict)"
fi

printf '%s\n' "${lines[@]}"
skip=$((skip_data + skip_icmp + skip_family + skip_other + skip_linux))
echo "upstream packetdrill (handshake area): $pass pass, $skip skip ($skip_data data path, $skip_icmp ICMP, $skip_other other not modelled, $skip_family family fixed by the script, $skip_linux fail on Linux $release too), $fail fail${kernel_note:+ $kernel_note}"
[ "$fail" -eq 0 ]
