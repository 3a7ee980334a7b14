#!/usr/bin/env bash
# scripts/build-packetdrill.sh — builds the real packetdrill (google/packetdrill,
# GPL-2.0, a tool beside the project: none of its code goes into synack) for the
# kernel verdict of the scenario scripts (scripts/kernel-verdict.sh).
#
# Copies the read-only source tree $root/../shared/packetdrill (override with
# SYNACK_PACKETDRILL_SRC; from a git worktree, ../shared beside the main
# checkout) into build/packetdrill/ and runs configure + make
# there. Idempotent: does nothing when the binary is newer than every source
# file. Needs gcc, make, bison and flex (scripts/install-deps.sh).
#
#   scripts/build-packetdrill.sh        # prints the binary's path
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src=${SYNACK_PACKETDRILL_SRC:-$root/../shared/packetdrill}
# A git worktree lives elsewhere: then ../shared beside the main checkout.
if [ -z "${SYNACK_PACKETDRILL_SRC:-}" ] && [ ! -d "$src" ]; then
    common=$(git -C "$root" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
    [ -n "$common" ] && src=$(dirname "$common")/../shared/packetdrill
fi
out=$root/build/packetdrill
pd_dir=gtests/net/packetdrill
bin=$out/$pd_dir/packetdrill

if [ ! -d "$src/$pd_dir" ]; then
    echo "build-packetdrill: no packetdrill source at $src (set SYNACK_PACKETDRILL_SRC)" >&2
    exit 1
fi
for tool in gcc make bison flex; do
    command -v "$tool" >/dev/null || { echo "build-packetdrill: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

# Current: the binary exists and no source file is newer.
if [ -x "$bin" ] && [ -z "$(find "$src/$pd_dir" -newer "$bin" -type f -print -quit)" ]; then
    echo "$bin"
    exit 0
fi

mkdir -p "$out"
# A fresh copy of the source (the shared tree is read-only and never built in).
rm -rf "$out/$pd_dir.tmp"
mkdir -p "$out/$pd_dir.tmp"
cp -R "$src/$pd_dir/." "$out/$pd_dir.tmp/"
chmod -R u+w "$out/$pd_dir.tmp"
rm -rf "${out:?}/$pd_dir"
mv "$out/$pd_dir.tmp" "$out/$pd_dir"
(
    cd "$out/$pd_dir"
    ./configure >/dev/null
    make -j"${SYNACK_JOBS:-2}" packetdrill >/dev/null
)
[ -x "$bin" ] || { echo "build-packetdrill: $bin was not built" >&2; exit 1; }
echo "$bin"
