#!/usr/bin/env bash
# The kernel verdict of one scenario script: runs it under the real packetdrill
# (built by scripts/build-packetdrill.sh) against this machine's Linux kernel,
# inside a network namespace of its own that holds nothing but lo and
# packetdrill's tun device, and deletes the namespace at the end.
#
#   scripts/kernel-verdict.sh tests/scenarios/passive-close.pkt
#
# Addresses (network safety: 198.18.0.0/15 and 2001:db8::/32 only) are the ones
# the drill_ tests give synack-drill, so Fast Open cookies computed from them
# match in both verdicts. A script that sets --ip_version=ipv6 in its header
# gets the IPv6 set (SYNACK_KERNEL_FAMILY=ipv4|ipv6 chooses it instead: the
# upstream suite runs one script for both families). Exit status: 0 pass, 1 fail (also on timeout), 77 skipped
# with the reason printed: not root, no /dev/net/tun, or no packetdrill build.
# Environment: SYNACK_PACKETDRILL (the binary), SYNACK_KERNEL_TIMEOUT (seconds,
# default 120), SYNACK_KERNEL_TOLERANCE_USECS (default 25000),
# SYNACK_KERNEL_VERBOSE=1 (packetdrill -v), SYNACK_KERNEL_NS_PREFIX (the
# namespace name's prefix, default sk-kv).
set -u

usage() { echo "usage: $0 script.pkt [extra packetdrill flags...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
script=$1; shift
[ -f "$script" ] || { echo "FAIL: no such script: $script" >&2; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pd=${SYNACK_PACKETDRILL:-$root/build/packetdrill/gtests/net/packetdrill/packetdrill}
name=$(basename "$script" .pkt)

skip() { echo "SKIP: $name: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespace and tun device)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
[ -x "$pd" ] || skip "no packetdrill build at $pd (run scripts/build-packetdrill.sh)"
command -v ip >/dev/null || skip "no ip (iproute2)"

family=${SYNACK_KERNEL_FAMILY:-}
if [ -z "$family" ]; then
    family=ipv4
    grep -qE '^[[:space:]]*--ip_version=ipv6' "$script" && family=ipv6
fi
case $family in ipv4|ipv6) ;; *) echo "FAIL: $name: SYNACK_KERNEL_FAMILY=$family (ipv4 or ipv6)" >&2; exit 1 ;; esac
if [ "$family" = ipv6 ]; then
    addrs=(--ip_version=ipv6 --local_ip=2001:db8::1 --remote_ip=2001:db8::2
           --gateway_ip=2001:db8::fe --netmask_ip=255.255.255.0)
else
    addrs=(--ip_version=ipv4 --local_ip=198.18.0.1 --remote_ip=198.18.0.2
           --gateway_ip=198.18.0.254 --netmask_ip=255.255.255.0)
fi
# Timing: packetdrill's default tolerance is 4 ms (or 12.5% of the interval);
# the kernel's timers run on jiffies (4 ms at HZ=250) and CI shares 2 cores
# between parallel runs, so the kernel verdict allows 25 ms. The scripts'
# times are 50 ms apart or more, and synack-drill checks them exactly.
tolerance=(--tolerance_usecs="${SYNACK_KERNEL_TOLERANCE_USECS:-25000}")
verbose=()
[ "${SYNACK_KERNEL_VERBOSE:-0}" = 1 ] && verbose=(-v)

# A namespace name of our own: <prefix>-<pid>-<random>, never reused while we live.
ns="${SYNACK_KERNEL_NS_PREFIX:-sk-kv}-$$-$RANDOM"
ip netns add "$ns" || { echo "FAIL: $name: cannot create network namespace $ns" >&2; exit 1; }
trap 'ip netns delete "$ns" 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP
ip -n "$ns" link set lo up

dir=$(cd "$(dirname "$script")" && pwd)
cd "$dir" || exit 1
# In the background and waited for, so that a TERM (CTest's timeout) reaches
# the run at once, by its PID, and the EXIT trap still deletes the namespace.
timeout --kill-after=5 "${SYNACK_KERNEL_TIMEOUT:-120}" \
    ip netns exec "$ns" "$pd" "${addrs[@]}" "${tolerance[@]}" "${verbose[@]}" "$@" "$dir/$(basename "$script")" &
run=$!
trap 'kill "$run" 2>/dev/null; wait "$run"; exit 1' INT TERM HUP
wait "$run"
rc=$?
case $rc in
    0)   echo "PASS: $name (kernel $(uname -r))"; exit 0 ;;
    124|137) echo "FAIL: $name: timed out after ${SYNACK_KERNEL_TIMEOUT:-120} s"; exit 1 ;;
    *)   echo "FAIL: $name (packetdrill exit $rc, kernel $(uname -r))"; exit 1 ;;
esac
