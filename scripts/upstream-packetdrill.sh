#!/usr/bin/env bash
# scripts/upstream-packetdrill.sh — runs the handshake-area scripts of
# packetdrill's own suite (gtests/net/tcp: blocking, close, fastopen client
# and server, mss, shutdown, ts_recent, user_timeout, validate,
# syscall_bad_arg, ecn) unmodified through synack-drill, for IPv4 and IPv6
# with the flags packetdrill's run_all.py passes, and prints pass / skip
# (reason) / fail per script and run, then the totals. Exits 1 if any run
# failed (a skip is not a failure: it names what the machines do not model).
#
# usage: scripts/upstream-packetdrill.sh SYNACK_DRILL [PACKETDRILL_TREE]
#   PACKETDRILL_TREE defaults to ../shared/packetdrill next to the project.
set -u
drill=${1:?usage: upstream-packetdrill.sh SYNACK_DRILL [PACKETDRILL_TREE]}
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
pass=0 skip=0 fail=0
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
            0) pass=$((pass + 1)); echo "pass  $rel [$fam]" ;;
            77) skip=$((skip + 1)); echo "skip  $rel [$fam]: ${line#*]: }" ;;
            *) fail=$((fail + 1)); echo "FAIL  $rel [$fam]: ${line:-exit $rc: $out}" ;;
            esac
        done
    done
done
echo "upstream packetdrill (handshake area): $pass pass, $skip skip, $fail fail"
[ $fail -eq 0 ]
