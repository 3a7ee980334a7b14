#!/usr/bin/env bash
# scripts/install-deps.sh — install what synack's build, tests, benchmarks and
# fuzzers need on Debian 12 (apt only). Idempotent: packages already installed
# are skipped, and apt-get runs only when something is missing, so this is
# fast on a prepared machine.
#
#   build      build-essential cmake ninja-build bison flex (bison, flex: packetdrill)
#   tests      catch2 (v2.13 on Debian 12), tcpdump tshark (capture cross-checks;
#              tshark brings wireshark-common: editcap, mergecap, which made the
#              pcapng test captures), pkg-config (the consumer test),
#              liblwip-dev (lwIP 2.1.3: the second TCP peer of tests/interop/lwip.cpp),
#              iproute2, procps, python3, hping3 (the TUN driver's interop and flood tests)
#   bench      libbenchmark-dev, libtins-dev (bench_versus compares against libtins)
#   fuzz       clang libclang-rt-14-dev (libFuzzer + sanitizer runtimes)
set -euo pipefail

packages=(
    build-essential cmake ninja-build bison flex
    catch2
    libbenchmark-dev libtins-dev
    clang libclang-rt-14-dev
    tcpdump tshark wireshark-common iproute2 procps python3 hping3 pkg-config
    liblwip-dev
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages already installed"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "install-deps: not root and no sudo; install these packages: ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture; answer
# "no" up front so the install never prompts.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${SUDO[@]}" debconf-set-selections

"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
echo "install-deps: done"
