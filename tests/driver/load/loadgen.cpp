// tests/driver/load/loadgen.cpp — synack-loadgen: N TCP connections through
// the kernel's stack, K in flight at once (epoll, non-blocking connect),
// each opened and closed (our FIN first; --rst: SO_LINGER 0, a RST), spread
// over many source addresses and ports. Reports connections/s and the
// connect latency (connect() to writable: the SYN -> SYN-ACK round trip plus
// the kernel's own work) p50/p99.
//
//   synack-loadgen --connect ADDR:PORT --count N [--inflight K] [--sources A.B.C.D:M]
//                  [--timeout S] [--conn-timeout-ms MS] [--label NAME] [--rst]
//
// --sources A.B.C.D:M binds connection i to A.B.C.D + (i mod M) with
// IP_BIND_ADDRESS_NO_PORT (the port is chosen at connect() by the 4-tuple,
// so each source address has the whole ephemeral range). Only addresses of
// 198.18.0.0/15 are accepted, for --connect and --sources alike (the
// project's network-safety rule): run it inside a test's namespaces.
//
// Output: "RATE label ok/N connections in T s = X connections/s",
// "LATENCY label p50_us=.. p99_us=.. max_us=..", "FAILED label n" when some
// did not complete. Exit 0 when all completed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// 198.18.0.0/15 only (RFC 2544 benchmarking range).
bool allowed(in_addr a) { return (ntohl(a.s_addr) & 0xFFFE0000U) == 0xC6120000U; }

struct Slot {
    int fd = -1;
    std::int64_t started = 0;
};

} // namespace

int main(int argc, char** argv) {
    std::string target;
    std::string sources;
    std::string label = "load";
    long count = 1000;
    long inflight = 64;
    double timeout_s = 60;
    long conn_timeout_ms = 10000;
    bool rst = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--connect") target = next();
        else if (a == "--sources") sources = next();
        else if (a == "--count") count = std::atol(next().c_str());
        else if (a == "--inflight") inflight = std::atol(next().c_str());
        else if (a == "--timeout") timeout_s = std::atof(next().c_str());
        else if (a == "--conn-timeout-ms") conn_timeout_ms = std::atol(next().c_str());
        else if (a == "--label") label = next();
        else if (a == "--rst") rst = true;
        else {
            std::fprintf(stderr, "usage: synack-loadgen --connect ADDR:PORT --count N [--inflight K] "
                                 "[--sources A.B.C.D:M] [--timeout S] [--conn-timeout-ms MS] [--label NAME] [--rst]\n");
            return 2;
        }
    }
    const std::size_t colon = target.rfind(':');
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    if (colon == std::string::npos || inet_pton(AF_INET, target.substr(0, colon).c_str(), &dst.sin_addr) != 1) {
        std::fprintf(stderr, "bad --connect\n");
        return 2;
    }
    dst.sin_port = htons(static_cast<std::uint16_t>(std::atoi(target.substr(colon + 1).c_str())));
    in_addr src_base{};
    long src_count = 0;
    if (!sources.empty()) {
        const std::size_t c = sources.rfind(':');
        if (c == std::string::npos || inet_pton(AF_INET, sources.substr(0, c).c_str(), &src_base) != 1) {
            std::fprintf(stderr, "bad --sources\n");
            return 2;
        }
        src_count = std::atol(sources.substr(c + 1).c_str());
        in_addr last{};
        last.s_addr = htonl(ntohl(src_base.s_addr) + static_cast<std::uint32_t>(src_count - 1));
        if (src_count < 1 || !allowed(src_base) || !allowed(last)) {
            std::fprintf(stderr, "--sources must lie in 198.18.0.0/15\n");
            return 2;
        }
    }
    if (!allowed(dst.sin_addr)) {
        std::fprintf(stderr, "--connect must be in 198.18.0.0/15\n");
        return 2;
    }
    if (inflight < 1) inflight = 1;
    if (inflight > count) inflight = count;

    const int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return std::perror("epoll_create1"), 1;
    std::vector<Slot> slots(static_cast<std::size_t>(inflight));
    std::vector<std::uint32_t> latency_us;
    latency_us.reserve(static_cast<std::size_t>(count));
    long started = 0;
    long ok = 0;
    long failed = 0;
    const std::int64_t t0 = now_ns();
    const std::int64_t deadline = t0 + static_cast<std::int64_t>(timeout_s * 1e9);

    const auto start = [&](std::size_t s) -> bool {
        while (started < count) {
            const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                std::perror("socket");
                return false;
            }
            ++started;
            if (src_count > 0) {
                const int one = 1;
                setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
                sockaddr_in src{};
                src.sin_family = AF_INET;
                src.sin_addr.s_addr = htonl(ntohl(src_base.s_addr) + static_cast<std::uint32_t>(started % src_count));
                if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) < 0) {
                    ++failed;
                    close(fd);
                    continue;
                }
            }
            if (rst) {
                const linger l{1, 0};
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            const std::int64_t t = now_ns();
            if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) < 0 && errno != EINPROGRESS) {
                ++failed;
                close(fd);
                continue;
            }
            epoll_event ev{};
            ev.events = EPOLLOUT;
            ev.data.u64 = s;
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            slots[s] = {fd, t};
            return true;
        }
        slots[s].fd = -1;
        return true;
    };
    for (std::size_t s = 0; s < slots.size(); ++s) {
        if (!start(s)) return 1;
    }
    std::vector<epoll_event> events(slots.size());
    long active = 0;
    for (const Slot& s : slots) active += s.fd >= 0 ? 1 : 0;
    std::int64_t last_sweep = t0;
    while (active > 0 && now_ns() < deadline) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        if (n < 0 && errno != EINTR) return std::perror("epoll_wait"), 1;
        const std::int64_t now = now_ns();
        for (int i = 0; i < n; ++i) {
            const std::size_t s = events[static_cast<std::size_t>(i)].data.u64;
            Slot& sl = slots[s];
            if (sl.fd < 0) continue;
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(sl.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) {
                ++ok;
                latency_us.push_back(static_cast<std::uint32_t>((now - sl.started) / 1000));
            } else {
                ++failed;
            }
            close(sl.fd); // removes it from the epoll set; our FIN (or RST with --rst)
            --active;
            if (!start(s)) return 1;
            if (slots[s].fd >= 0) ++active;
        }
        // Connections stuck longer than --conn-timeout-ms count as failed.
        if (now - last_sweep > 100000000) {
            last_sweep = now;
            for (std::size_t s = 0; s < slots.size(); ++s) {
                if (slots[s].fd >= 0 && now - slots[s].started > conn_timeout_ms * 1000000) {
                    close(slots[s].fd);
                    ++failed;
                    --active;
                    if (!start(s)) return 1;
                    if (slots[s].fd >= 0) ++active;
                }
            }
        }
    }
    const double secs = static_cast<double>(now_ns() - t0) / 1e9;
    std::sort(latency_us.begin(), latency_us.end());
    const auto pct = [&](double p) -> unsigned {
        if (latency_us.empty()) return 0;
        std::size_t i = static_cast<std::size_t>(p * static_cast<double>(latency_us.size() - 1) + 0.5);
        return latency_us[std::min(i, latency_us.size() - 1)];
    };
    std::printf("RATE %s %ld/%ld connections in %.3f s = %.0f connections/s\n", label.c_str(), ok, count, secs,
                static_cast<double>(ok) / secs);
    std::printf("LATENCY %s p50_us=%u p99_us=%u max_us=%u\n", label.c_str(), pct(0.5), pct(0.99),
                latency_us.empty() ? 0U : latency_us.back());
    if (ok != count) std::printf("FAILED %s %ld (errors %ld)\n", label.c_str(), count - ok, failed);
    std::fflush(stdout);
    close(ep);
    return ok == count ? 0 : 1;
}
