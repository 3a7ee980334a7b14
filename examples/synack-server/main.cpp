// examples/synack-server/main.cpp — a synack Listener behind a TUN device.
//
// Creates the TUN interface, gives the kernel's side of the link its
// address(es), listens on --listen, accepts handshakes (SYN cookies with
// --cookies always), closes each connection gracefully once the peer has
// closed (or after --hold-ms), and prints for each connection its
// negotiated parameters and its ladder diagram. -v prints every segment as
// tcpdump does; --pcap writes everything to a pcap file.
//
// Run it only inside a network namespace of your own (see
// tests/driver/interop.sh): it configures interfaces.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../tun-common/common.hpp"

using namespace synack;
using namespace tun_example;

namespace {
const char* usage =
    "usage: synack-server [--tun NAME] [--kernel-addr A/LEN]... [--listen ADDR:PORT]\n"
    "                     [--count N] [--timeout S] [--hold-ms MS] [--cookies off|auto|always]\n"
    "                     [--fastopen] [--mss N] [--mtu N] [--pcap FILE] [--no-ladder] [--no-trace] [-v]\n"
    "defaults: --tun synack0 --kernel-addr 198.18.0.1/24 --listen 198.18.0.2:8080 --count 1 --timeout 30\n";
}

int main(int argc, char** argv) {
    std::string tun_name = "synack0";
    std::vector<Prefix> kernel_side;
    Endpoint local{IpAddress::v4(198, 18, 0, 2), 8080};
    int count = 1;
    double timeout_s = 30;
    long hold_ms = -1; // close only after the peer does
    bool verbose = false;
    bool ladders = true;
    bool trace = true;
    std::string pcap;
    int mtu = 1500;
    Context ctx;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n%s", a.c_str(), usage);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--tun") {
            tun_name = next();
        } else if (a == "--kernel-addr") {
            const auto p = parse_prefix(next());
            if (!p) return std::fprintf(stderr, "bad --kernel-addr\n"), 2;
            kernel_side.push_back(*p);
        } else if (a == "--listen") {
            const auto e = parse_endpoint(next());
            if (!e) return std::fprintf(stderr, "bad --listen\n"), 2;
            local = *e;
        } else if (a == "--count") {
            count = std::atoi(next().c_str());
        } else if (a == "--timeout") {
            timeout_s = std::atof(next().c_str());
        } else if (a == "--hold-ms") {
            hold_ms = std::atol(next().c_str());
        } else if (a == "--cookies") {
            const std::string m = next();
            ctx.config.syncookies = m == "always" ? SynCookies::Always : m == "off" ? SynCookies::Off : SynCookies::Auto;
        } else if (a == "--fastopen") { // RFC 7413 server: cookies, data in the SYN
            ctx.config.fastopen = FastOpenMode::Server;
        } else if (a == "--mss") {
            ctx.config.mss = static_cast<std::uint16_t>(std::atoi(next().c_str()));
        } else if (a == "--mtu") {
            mtu = std::atoi(next().c_str());
        } else if (a == "--pcap") {
            pcap = next();
        } else if (a == "--no-ladder") {
            ladders = false;
        } else if (a == "--no-trace") { // keep no segments (floods): no ladders either
            ladders = false;
            trace = false;
        } else if (a == "-v") {
            verbose = true;
        } else {
            std::fprintf(stderr, "%s", usage);
            return 2;
        }
    }
    if (kernel_side.empty()) kernel_side.push_back({IpAddress::v4(198, 18, 0, 1), 24});
    if (!random_secrets(ctx.secrets)) return 1;

    TunDevice tun;
    if (!bring_up(tun, tun_name, kernel_side, mtu)) return 1;
    Driver d(tun, ctx);
    if (!pcap.empty()) {
        if (const OsStatus st = d.open_pcap(pcap); !st) return std::fprintf(stderr, "%s\n", st.message().c_str()), 1;
    }
    d.keep_trace = trace;
    d.listen(local);
    int closed = 0;
    std::vector<Driver::Flow*> established;
    d.on_event = [&](Driver::Flow& f, const Event& e) {
        switch (e.kind) {
        case EventKind::Established:
            print_negotiated("ESTABLISHED", e.negotiated);
            established.push_back(&f);
            break;
        case EventKind::PeerClosed: // passive close: our FIN once the peer's came
            static_cast<void>(f.conn.close(monotonic_now()));
            break;
        case EventKind::Closed:
        case EventKind::Reset:
        case EventKind::TimedOut:
        case EventKind::Refused:
            std::printf("%s %s\n", e.kind == EventKind::Closed ? "CLOSED" : to_string(e.kind),
                        to_string(f.conn.flow().remote).c_str());
            std::fflush(stdout);
            ++closed;
            break;
        }
    };
    d.on_accept = [&](Driver::Flow&, const Accepted& a) {
        if (a.state != State::SynReceived) return;
        // Fast Open: the SYN's data, delivered before the handshake's end.
        std::printf("ACCEPTED-0RTT %s data=\"%.*s\"\n", to_string(a.negotiated.flow.remote).c_str(),
                    static_cast<int>(a.data.size()), reinterpret_cast<const char*>(a.data.data()));
        std::fflush(stdout);
    };
    std::printf("READY %s listening on %s\n", tun.name().c_str(), to_string(local).c_str());
    std::fflush(stdout);

    const Time start = monotonic_now();
    const OsStatus st = d.run(
        [&](Driver& drv) {
            // --hold-ms: close established connections ourselves after a while.
            if (hold_ms >= 0) {
                for (auto& f : drv.flows()) {
                    const State s = f->conn.state();
                    if ((s == State::Established || s == State::CloseWait) && !f->events.empty() &&
                        monotonic_now() - start >= Duration::milliseconds(hold_ms)) {
                        static_cast<void>(f->conn.close(monotonic_now()));
                    }
                }
            }
            return closed >= count;
        },
        Duration::milliseconds(static_cast<std::int64_t>(timeout_s * 1000)));
    if (!st) {
        std::fprintf(stderr, "synack-server: %s\n", st.message().c_str());
        return 1;
    }
    if (ladders || verbose) {
        for (const auto& f : d.flows()) {
            const std::string l = ladder_of(d, f->conn.flow().remote, f->conn.flow().local, verbose);
            if (ladders) std::printf("\n%s", l.c_str());
        }
    }
    const ListenerStats& s = d.listener()->stats();
    std::printf("MEMORY listener_bytes=%zu half_open_capacity=%u\n", d.listener()->memory_bytes(),
                d.listener()->capacity());
    std::printf("STATS syns=%llu synacks=%llu cookies_sent=%llu cookies_accepted=%llu accepted=%llu closed=%d\n",
                static_cast<unsigned long long>(s.syns), static_cast<unsigned long long>(s.synacks),
                static_cast<unsigned long long>(s.cookies_sent), static_cast<unsigned long long>(s.cookies_accepted),
                static_cast<unsigned long long>(s.accepted), closed);
    return closed >= count ? 0 : 3;
}
