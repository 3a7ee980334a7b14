// examples/tun-common/common.hpp — what synack-server and synack-client
// share: address parsing, bringing up the TUN device, and printing a
// connection's negotiated parameters and ladder.
#pragma once

#include <arpa/inet.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "synack/driver/driver.hpp"
#include "synack/driver/packet.hpp"
#include "synack/driver/sharded.hpp"
#include "synack/driver/ladder.hpp"
#include "synack/wire/format.hpp"

namespace tun_example {

using namespace synack;

inline std::optional<IpAddress> parse_address(const std::string& s) {
    std::array<std::uint8_t, 16> b{};
    if (inet_pton(AF_INET, s.c_str(), b.data()) == 1) return IpAddress::v4(b[0], b[1], b[2], b[3]);
    if (inet_pton(AF_INET6, s.c_str(), b.data()) == 1) return IpAddress::v6(b);
    return std::nullopt;
}

// "198.18.0.2:8080" or "[2001:db8::2]:8080"
inline std::optional<Endpoint> parse_endpoint(const std::string& s) {
    std::string host;
    std::string port;
    if (!s.empty() && s[0] == '[') {
        const std::size_t close = s.find("]:");
        if (close == std::string::npos) return std::nullopt;
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else {
        const std::size_t colon = s.rfind(':');
        if (colon == std::string::npos) return std::nullopt;
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    const auto a = parse_address(host);
    if (!a || port.empty()) return std::nullopt;
    const unsigned long p = std::strtoul(port.c_str(), nullptr, 10);
    if (p == 0 || p > 65535) return std::nullopt;
    return Endpoint{*a, static_cast<std::uint16_t>(p)};
}

// "198.18.0.1/24"
struct Prefix {
    IpAddress address;
    std::uint8_t length;
};
inline std::optional<Prefix> parse_prefix(const std::string& s) {
    const std::size_t slash = s.find('/');
    if (slash == std::string::npos) return std::nullopt;
    const auto a = parse_address(s.substr(0, slash));
    if (!a) return std::nullopt;
    const unsigned long len = std::strtoul(s.substr(slash + 1).c_str(), nullptr, 10);
    if (len > (a->is_v4() ? 32U : 128U)) return std::nullopt;
    return Prefix{*a, static_cast<std::uint8_t>(len)};
}

// Creates the device (`queues` > 1: a multi-queue device, one TunDevice per
// queue) and gives the kernel's side of the link its addresses.
inline bool bring_up(std::vector<TunDevice>& tun, const std::string& name, std::size_t queues,
                     const std::vector<Prefix>& kernel_side, int mtu, int txqueuelen = 0) {
    OsStatus st;
    if (queues > 1) {
        st = open_queues(name, queues, tun);
    } else {
        tun.emplace_back();
        st = tun.back().open(name);
    }
    if (st) st = tun.front().set_mtu(mtu);
    if (st && txqueuelen > 0) st = tun.front().set_txqueuelen(txqueuelen);
    if (st) st = tun.front().set_up();
    for (const Prefix& p : kernel_side) {
        if (st) st = tun.front().add_address(p.address, p.length);
    }
    if (!st) {
        std::fprintf(stderr, "tun %s: %s\n", name.c_str(), st.message().c_str());
        return false;
    }
    return true;
}

// Fresh keys from the OS for every secret.
inline bool random_secrets(Secrets& s) {
    for (SipKey* k : {&s.isn_key, &s.ts_key, &s.cookie_key}) {
        if (const OsStatus st = random_key(*k); !st) {
            std::fprintf(stderr, "%s\n", st.message().c_str());
            return false;
        }
    }
    return true;
}

// One parseable line per negotiated connection (the interop tests read it).
inline void print_negotiated(const char* what, const Negotiated& n) {
    std::printf("%s %s > %s mss=%u snd_wscale=%d rcv_wscale=%d sack=%d ts=%d ecn=%d tfo_data=%u", what,
                to_string(n.flow.remote).c_str(), to_string(n.flow.local).c_str(), n.mss,
                n.wscale ? n.snd_wscale : -1, n.wscale ? n.rcv_wscale : -1, n.sack ? 1 : 0, n.timestamps ? 1 : 0,
                n.ecn ? 1 : 0, n.tfo_data);
    if (n.has_rtt) std::printf(" rtt_us=%lld", static_cast<long long>(n.rtt.ns / 1000));
    std::printf("\n");
    std::fflush(stdout);
}

// The ladder of one flow (`left` drawn on the left), from the driver's trace.
inline std::string ladder_of(const Driver& d, const Endpoint& left, const Endpoint& right, bool verbose) {
    std::optional<LadderBuilder> b;
    for (const TraceRecord& r : d.trace()) {
        const auto v = TcpView::parse(r.tcp);
        if (!v) continue;
        const Endpoint src{r.src, v->source_port()};
        const Endpoint dst{r.dst, v->destination_port()};
        if (!((src == left && dst == right) || (src == right && dst == left))) continue;
        if (!b) b.emplace(left, right, r.at);
        b->add(r.at, src, r.tcp);
        if (verbose) std::printf("%s %s\n", r.outbound ? ">" : "<", packet_to_string(r.src, r.dst, *v).c_str());
    }
    return b ? b->render() : std::string();
}

// The flows in the driver's trace, in order of first appearance, as
// (ours, theirs): the ladders a program can draw.
inline std::vector<FourTuple> traced_flows(const Driver& d) {
    std::vector<FourTuple> out;
    for (const TraceRecord& r : d.trace()) {
        const auto v = TcpView::parse(r.tcp);
        if (!v) continue;
        const Endpoint src{r.src, v->source_port()};
        const Endpoint dst{r.dst, v->destination_port()};
        const FourTuple t = r.outbound ? FourTuple{src, dst} : FourTuple{dst, src};
        bool seen = false;
        for (const FourTuple& f : out) seen = seen || f == t;
        if (!seen) out.push_back(t);
    }
    return out;
}

// Resident memory of this process in KiB (/proc/self/statm), 0 if unknown.
inline long resident_kib() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    long pages = 0;
    long rss = 0;
    const int n = std::fscanf(f, "%ld %ld", &pages, &rss);
    std::fclose(f);
    return n == 2 ? rss * (sysconf(_SC_PAGESIZE) / 1024) : 0;
}

// An AF_PACKET device's counters as "name=value ..." (the PACKET lines of
// synack-server and synack-client: the tests read them by name, and
// flows100k.sh reads arp_replies first).
inline std::string packet_stats_fields(const PacketDeviceStats& s) {
    const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    char b[640];
    std::snprintf(b, sizeof b,
                  "arp_replies=%llu arp_ignored=%llu ndp_replies=%llu ndp_ignored=%llu other_frames=%llu truncated=%llu "
                  "no_neighbour=%llu checksums_filled=%llu arp_requests=%llu ndp_solicitations=%llu resolved=%llu "
                  "held=%llu unresolved_drops=%llu dad_probes=%llu dad_duplicates=%llu",
                  u(s.arp_replies), u(s.arp_ignored), u(s.ndp_replies), u(s.ndp_ignored), u(s.other_frames),
                  u(s.truncated), u(s.no_neighbour), u(s.checksums_filled), u(s.arp_requests), u(s.ndp_solicitations),
                  u(s.resolved), u(s.held), u(s.unresolved_drops), u(s.dad_probes), u(s.dad_duplicates));
    return b;
}

} // namespace tun_example
