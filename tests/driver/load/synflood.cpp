// tests/driver/load/synflood.cpp — synack-synflood: a bounded spoofed-SYN
// generator for the live benchmarks (instead of hping3, whose rate is not
// controlled). A raw IPv4 socket (IP_HDRINCL) writes SYNs to --target from
// source addresses drawn from --spoof (a prefix) with random ports, ISNs and
// Linux's SYN options, at --rate per second (0: as fast as it can) for
// --seconds, never more than --max SYNs.
//
//   synack-synflood --target ADDR:PORT --spoof A.B.C.D/LEN [--rate PPS] [--seconds S] [--max N]
//
// Network safety: both --target and --spoof must lie in 198.18.0.0/15, and
// it is meant to run only inside the namespaces a test creates (the SYN-ACKs
// to the spoofed sources must have nowhere to go: a blackhole route).
// Output: "SYNFLOOD sent=N seconds=T rate=R".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "synack/wire/packet.hpp"
#include "synack/wire/tcp.hpp"

using namespace synack;

namespace {

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool allowed(std::uint32_t host_order) { return (host_order & 0xFFFE0000U) == 0xC6120000U; }

// xorshift64*: fast, and nothing here needs more.
std::uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
std::uint64_t rnd() {
    rng_state ^= rng_state >> 12U;
    rng_state ^= rng_state << 25U;
    rng_state ^= rng_state >> 27U;
    return rng_state * 2685821657736338717ULL;
}

} // namespace

int main(int argc, char** argv) {
    std::string target;
    std::string spoof;
    double rate = 0;
    double seconds = 5;
    long max = 10000000;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) std::exit(2);
            return argv[++i];
        };
        if (a == "--target") target = next();
        else if (a == "--spoof") spoof = next();
        else if (a == "--rate") rate = std::atof(next().c_str());
        else if (a == "--seconds") seconds = std::atof(next().c_str());
        else if (a == "--max") max = std::atol(next().c_str());
        else {
            std::fprintf(stderr, "usage: synack-synflood --target ADDR:PORT --spoof A.B.C.D/LEN [--rate PPS] "
                                 "[--seconds S] [--max N]\n");
            return 2;
        }
    }
    const std::size_t colon = target.rfind(':');
    const std::size_t slash = spoof.rfind('/');
    in_addr dst{};
    in_addr base{};
    if (colon == std::string::npos || slash == std::string::npos ||
        inet_pton(AF_INET, target.substr(0, colon).c_str(), &dst) != 1 ||
        inet_pton(AF_INET, spoof.substr(0, slash).c_str(), &base) != 1) {
        std::fprintf(stderr, "bad --target or --spoof\n");
        return 2;
    }
    const auto port = static_cast<std::uint16_t>(std::atoi(target.substr(colon + 1).c_str()));
    const int len = std::atoi(spoof.substr(slash + 1).c_str());
    if (len < 15 || len > 32) {
        std::fprintf(stderr, "--spoof prefix length must be 15..32\n");
        return 2;
    }
    const std::uint32_t host_bits = len == 32 ? 0 : (~std::uint32_t{0} >> len);
    const std::uint32_t net = ntohl(base.s_addr) & ~host_bits;
    if (!allowed(ntohl(dst.s_addr)) || !allowed(net) || !allowed(net | host_bits)) {
        std::fprintf(stderr, "--target and --spoof must lie in 198.18.0.0/15\n");
        return 2;
    }
    const int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW); // IP_HDRINCL implied
    if (fd < 0) return std::perror("socket(SOCK_RAW)"), 1;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr = dst;
    rng_state ^= static_cast<std::uint64_t>(now_ns());
    const IpAddress daddr = IpAddress::v4(ntohl(dst.s_addr));
    const std::int64_t t0 = now_ns();
    const std::int64_t end = t0 + static_cast<std::int64_t>(seconds * 1e9);
    long sent = 0;
    std::uint8_t seg[60];
    std::uint8_t pkt[100];
    while (sent < max) {
        const std::int64_t now = now_ns();
        if (now >= end) break;
        if (rate > 0 && static_cast<double>(sent) > rate * static_cast<double>(now - t0) / 1e9) {
            struct timespec nap{0, 20000};
            nanosleep(&nap, nullptr);
            continue;
        }
        const std::uint64_t r = rnd();
        const IpAddress saddr = IpAddress::v4(net | (static_cast<std::uint32_t>(r) & host_bits));
        TcpFields h;
        h.source_port = static_cast<std::uint16_t>(1024 + ((r >> 32U) % 64000));
        h.destination_port = port;
        h.seq = SeqNum(static_cast<std::uint32_t>(r >> 16U));
        h.flags = TcpFlag::Syn;
        h.window = 64240;
        OptionValues o;
        o.mss = 1460;
        o.sack_permitted = true;
        o.timestamps = Timestamps::of(static_cast<std::uint32_t>(r), 0);
        o.window_scale = 7;
        const result<std::size_t> n = h.encode(MutableBytes(seg, sizeof seg), o, saddr, daddr, Bytes{});
        if (!n) return 1;
        const result<std::size_t> m = encode_ip_packet(saddr, daddr, 0, 64, Bytes(seg, *n), MutableBytes(pkt, sizeof pkt));
        if (!m) return 1;
        if (sendto(fd, pkt, *m, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) {
            if (errno == ENOBUFS || errno == EAGAIN) continue;
            return std::perror("sendto"), 1;
        }
        ++sent;
    }
    const double secs = static_cast<double>(now_ns() - t0) / 1e9;
    std::printf("SYNFLOOD sent=%ld seconds=%.2f rate=%.0f\n", sent, secs, static_cast<double>(sent) / secs);
    close(fd);
    return 0;
}
