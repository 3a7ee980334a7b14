// tests/driver/load/kserver.cpp — synack-kserver: the Linux kernel's TCP as
// the reference server for the live benchmarks. epoll; accepts every
// connection, waits for the peer's FIN and closes (the same passive close
// synack-server does), and stops after --count connections or --timeout.
// --threads N: N threads, each with its own SO_REUSEPORT listener and epoll
// set (the kernel spreads connections over them), pinned one per core.
//
//   synack-kserver --listen ADDR:PORT [--count N] [--timeout S] [--threads N] [--backlog N]
//
// Output: "LISTENING ..." once every listener is up, "KSERVER accepted=N
// closed=N" at the end. Only addresses of 198.18.0.0/15.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<long> accepted{0};
std::atomic<long> closed{0};

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int open_listener(const sockaddr_in& a, int backlog) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) < 0 || listen(fd, backlog) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void serve(int lfd, long count, std::int64_t deadline, int cpu) {
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    std::vector<epoll_event> events(256);
    char buf[512];
    while (closed.load(std::memory_order_relaxed) < count && now_ns() < deadline) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == lfd) {
                for (;;) {
                    const int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0) break;
                    accepted.fetch_add(1, std::memory_order_relaxed);
                    epoll_event cev{};
                    cev.events = EPOLLIN | EPOLLRDHUP;
                    cev.data.fd = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            const ssize_t r = read(fd, buf, sizeof buf);
            if (r > 0) continue; // (data: read on; the benchmark sends none)
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            close(fd); // the peer's FIN (or RST): our FIN
            closed.fetch_add(1, std::memory_order_relaxed);
        }
    }
    close(ep);
}

} // namespace

int main(int argc, char** argv) {
    std::string listen_on = "198.19.1.2:8081";
    long count = 1000;
    double timeout_s = 60;
    int threads = 1;
    int backlog = 4096;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) std::exit(2);
            return argv[++i];
        };
        if (a == "--listen") listen_on = next();
        else if (a == "--count") count = std::atol(next().c_str());
        else if (a == "--timeout") timeout_s = std::atof(next().c_str());
        else if (a == "--threads") threads = std::atoi(next().c_str());
        else if (a == "--backlog") backlog = std::atoi(next().c_str());
        else {
            std::fprintf(stderr, "usage: synack-kserver --listen ADDR:PORT [--count N] [--timeout S] [--threads N] [--backlog N]\n");
            return 2;
        }
    }
    const std::size_t colon = listen_on.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (colon == std::string::npos || inet_pton(AF_INET, listen_on.substr(0, colon).c_str(), &a.sin_addr) != 1 ||
        (ntohl(a.sin_addr.s_addr) & 0xFFFE0000U) != 0xC6120000U) {
        std::fprintf(stderr, "--listen must be an address of 198.18.0.0/15 with a port\n");
        return 2;
    }
    a.sin_port = htons(static_cast<std::uint16_t>(std::atoi(listen_on.substr(colon + 1).c_str())));
    if (threads < 1) threads = 1;
    std::vector<int> fds;
    for (int t = 0; t < threads; ++t) {
        const int fd = open_listener(a, backlog);
        if (fd < 0) return std::perror("listen"), 1;
        fds.push_back(fd);
    }
    std::printf("LISTENING %s threads=%d\n", listen_on.c_str(), threads);
    std::fflush(stdout);
    const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(timeout_s * 1e9);
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(serve, fds[static_cast<std::size_t>(t)], count, deadline,
                                                        threads > 1 ? static_cast<int>(t % cores) : -1);
    serve(fds[0], count, deadline, threads > 1 ? 0 : -1);
    for (std::thread& t : pool) t.join();
    std::printf("KSERVER accepted=%ld closed=%ld\n", accepted.load(), closed.load());
    return closed.load() >= count ? 0 : 3;
}
