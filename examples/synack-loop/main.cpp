// examples/synack-loop/main.cpp — driving two sans-IO Connections by hand.
//
// The loop every synack user writes: feed received segments and timer expiries
// in, poll segments and events out, sleep until the earliest deadline. Here
// the "network" is a queue with a fixed one-way delay and a clock that jumps
// to the next thing that happens, so the program is deterministic. The first
// SYN is lost on purpose, to show Linux's 1 s SYN retransmission.
//
// Usage: synack-loop [--delay-ms N] [--no-loss]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "synack/synack.hpp"
#include "synack/wire/format.hpp"

using namespace synack;

namespace {

struct InFlight {
    Time arrival;
    IpAddress src, dst;
    std::vector<std::uint8_t> bytes;
    int to; // 0 client, 1 server
};

double secs(Time t) { return static_cast<double>(t.ns) / 1e9; }

void print_negotiated(const char* who, const Negotiated& n) {
    std::printf("  %s: mss %u, wscale %s (send shift %u, receive shift %u), sack %s, timestamps %s, ecn %s",
                who, n.mss, n.wscale ? "on" : "off", n.snd_wscale, n.rcv_wscale, n.sack ? "on" : "off",
                n.timestamps ? "on" : "off", n.ecn ? "on" : "off");
    if (n.has_rtt) std::printf(", first RTT %.3f ms", static_cast<double>(n.rtt.ns) / 1e6);
    std::printf("\n  %s: iss %u irs %u snd.nxt %u rcv.nxt %u peer window %u\n", who, n.iss.raw(), n.irs.raw(),
                n.snd_nxt.raw(), n.rcv_nxt.raw(), n.peer_window);
}

} // namespace

int main(int argc, char** argv) {
    std::int64_t delay_ms = 50;
    bool lose_first_syn = true;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--delay-ms") == 0 && i + 1 < argc) {
            delay_ms = std::atoll(argv[++i]);
        } else if (std::strcmp(argv[i], "--no-loss") == 0) {
            lose_first_syn = false;
        } else {
            std::fprintf(stderr, "usage: synack-loop [--delay-ms N] [--no-loss]\n");
            return 2;
        }
    }
    const Duration delay = Duration::milliseconds(delay_ms);

    // Keys come from the caller (a real program reads them from the OS
    // random source once); fixed here so that every run prints the same.
    Context ctx;
    ctx.secrets.isn_key = {0x0123456789abcdefULL, 0x0fedcba987654321ULL};
    ctx.secrets.ts_key = {0x1111111111111111ULL, 0x2222222222222222ULL};

    const Endpoint client_ep{IpAddress::v4(198, 18, 0, 1), 40000};
    const Endpoint server_ep{IpAddress::v4(198, 18, 0, 2), 8080};
    Connection peers[2] = {Connection(ctx), Connection(ctx)};
    const char* names[2] = {"client", "server"};

    Time now{};
    static_cast<void>(peers[1].listen(server_ep, now));
    static_cast<void>(peers[0].connect({client_ep, server_ep}, now));

    std::vector<InFlight> wire;
    std::uint8_t buf[1500];
    int established = 0;
    bool dropped = false;
    for (int step = 0; step < 1000 && established < 2; ++step) {
        // 1. Poll every machine until it has nothing more to say.
        for (int i = 0; i < 2; ++i) {
            while (auto tx = peers[i].poll_transmit(buf, now)) {
                const Bytes seg(buf, tx->length);
                const auto view = TcpView::parse(seg);
                std::printf("%8.3f %s %s", secs(now), names[i],
                            packet_to_string(tx->flow.local.address, tx->flow.remote.address, *view).c_str());
                if (lose_first_syn && !dropped && view->flags().syn()) {
                    dropped = true;
                    std::printf("   (lost)\n");
                    continue;
                }
                std::printf("\n");
                wire.push_back({now + delay, tx->flow.local.address, tx->flow.remote.address,
                                std::vector<std::uint8_t>(seg.begin(), seg.end()), 1 - i});
            }
            while (auto ev = peers[i].poll_event()) {
                std::printf("%8.3f %s event %s, state %s\n", secs(now), names[i], to_string(ev->kind),
                            to_string(peers[i].state()));
                if (ev->kind == EventKind::Established) {
                    print_negotiated(names[i], ev->negotiated);
                    ++established;
                }
            }
        }
        if (established == 2) break;
        // 2. Sleep until the earliest of: a segment arriving, a deadline.
        Time next = Time::never();
        for (const InFlight& f : wire) next = f.arrival < next ? f.arrival : next;
        for (const Connection& c : peers) next = c.next_deadline() < next ? c.next_deadline() : next;
        if (next == Time::never()) break;
        now = next;
        // 3. Deliver what has arrived, then fire due timers.
        for (std::size_t k = 0; k < wire.size();) {
            if (wire[k].arrival <= now) {
                const InFlight f = wire[k];
                wire.erase(wire.begin() + static_cast<long>(k));
                const Received r = peers[f.to].on_segment(f.src, f.dst, f.bytes, now);
                if (r.error != Error::None) std::printf("  dropped: %s\n", to_string(r.error));
            } else {
                ++k;
            }
        }
        for (Connection& c : peers) {
            if (c.next_deadline() <= now) c.on_timer(now);
        }
    }
    return established == 2 ? 0 : 1;
}
