// A deterministic SYN flood against one Listener (issue 4): 1,000,000
// spoofed SYNs from random addresses (nobody answers their SYN-ACKs)
// interleaved with 10,000 legitimate clients, each a Connection across a
// simulated network (seeded one-way delay 5-25 ms, in virtual time).
// Checked: every legitimate handshake completes on both sides with mirrored
// parameters; the half-open table never exceeds its capacity; the
// listener's memory never changes after construction and no Listener call
// allocates (operator new is counted). Printed: SYNs per second of wall
// time, cookies sent, entries expired.
//
// SYNACK_FLOOD_SPOOFED scales the flood (compile-time; default 1,000,000,
// about 10 s in the Debug+ASan build on the project's machine).
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <queue>
#include <vector>

#include "synack/handshake/listener.hpp"
#include "synack_test.hpp"

#ifndef SYNACK_FLOOD_SPOOFED
#define SYNACK_FLOOD_SPOOFED 1000000
#endif

#include "alloc_counter.hpp"

using namespace synack;

namespace {

constexpr std::size_t spoofed_total = SYNACK_FLOOD_SPOOFED;
constexpr std::size_t legit_total = 10'000;

const IpAddress server_ip = IpAddress::v4(198, 18, 0, 1);
const Endpoint server_ep{server_ip, 443};

IpAddress legit_ip(std::size_t j) {
    return IpAddress::v4(198, 19, static_cast<std::uint8_t>(j >> 8U), static_cast<std::uint8_t>(j));
}

struct Rng {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31U);
    }
};

struct Packet {
    Time at;
    std::uint64_t order; // FIFO among equal times
    bool to_server;
    std::size_t client;
    std::vector<std::uint8_t> bytes;
    friend bool operator<(const Packet& a, const Packet& b) {
        return a.at != b.at ? a.at > b.at : a.order > b.order; // min-heap
    }
};

using Guard = alloc_counter::Scope;

} // namespace

TEST_CASE("flood: 1M spoofed SYNs and 10k legitimate clients; every handshake completes, memory fixed",
          "[listener][flood]") {
    Context server_ctx;
    server_ctx.config.backlog = 4096;
    server_ctx.config.accept_queue = 1024;
    server_ctx.secrets.isn_key = {11, 12};
    server_ctx.secrets.ts_key = {13, 14};
    server_ctx.secrets.cookie_key = {15, 16};
    Context client_ctx;
    client_ctx.config.mss = 1400;
    client_ctx.config.window_scale = 9;
    client_ctx.secrets.isn_key = {21, 22};
    client_ctx.secrets.ts_key = {23, 24};

    Listener listener(server_ctx, server_ep);
    const std::size_t memory = listener.memory_bytes();
    std::vector<Connection> clients(legit_total, Connection(client_ctx));
    std::vector<Optional<Negotiated>> server_side(legit_total);
    std::priority_queue<Packet> net;
    std::priority_queue<std::pair<std::int64_t, std::size_t>, std::vector<std::pair<std::int64_t, std::size_t>>,
                        std::greater<>>
        client_timers;
    Rng rng{0xF100D};
    std::uint64_t order = 0;
    std::array<std::uint8_t, 128> buf{};
    std::uint64_t allocations_in_listener = 0;
    std::uint64_t stray_synacks = 0;

    auto delay = [&] { return Duration::milliseconds(5 + static_cast<std::int64_t>(rng.next() % 21)); };

    auto drain_listener = [&](Time now) {
        for (;;) {
            Optional<Transmit> t;
            {
                Guard g;
                t = listener.poll_transmit(buf, now);
            }
            if (!t) break;
            const IpAddress& to = t->flow.remote.address;
            if (to.bytes[0] == 198 && to.bytes[1] == 19) {
                const std::size_t j = (std::size_t{to.bytes[2]} << 8U) | to.bytes[3];
                net.push({now + delay(), order++, false, j, std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(t->length))});
            } else {
                ++stray_synacks; // to a spoofed address: nobody there
            }
        }
        for (;;) {
            Optional<Accepted> a;
            {
                Guard g;
                a = listener.accept();
            }
            if (!a) break;
            const IpAddress& from = a->negotiated.flow.remote.address;
            REQUIRE((from.bytes[0] == 198 && from.bytes[1] == 19)); // never a spoofed flow
            const std::size_t j = (std::size_t{from.bytes[2]} << 8U) | from.bytes[3];
            REQUIRE_FALSE(server_side[j].has_value());
            server_side[j] = a->negotiated;
        }
        allocations_in_listener += alloc_counter::count;
        alloc_counter::count = 0;
    };

    auto drain_client = [&](std::size_t j, Time now) {
        Connection& c = clients[j];
        while (auto t = c.poll_transmit(buf, now)) {
            net.push({now + delay(), order++, true, j, std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(t->length))});
        }
        while (c.poll_event()) {
        }
        if (c.next_deadline() != Time::never()) client_timers.push({c.next_deadline().ns, j});
    };

    auto to_listener = [&](const IpAddress& src, Bytes seg, Time now) {
        {
            Guard g;
            listener.on_segment(src, server_ip, seg, now);
        }
        drain_listener(now);
    };

    // Runs the network, client timers and listener timers up to `now`.
    auto settle = [&](Time now) {
        for (;;) {
            Time next = Time::never();
            if (!net.empty()) next = net.top().at;
            if (!client_timers.empty()) next = std::min(next, Time{client_timers.top().first});
            next = std::min(next, listener.next_deadline());
            if (next > now) return;
            if (listener.next_deadline() == next) {
                {
                    Guard g;
                    listener.on_timer(next);
                }
                drain_listener(next);
            } else if (!net.empty() && net.top().at == next) {
                Packet p = net.top();
                net.pop();
                if (p.to_server) {
                    to_listener(legit_ip(p.client), p.bytes, next);
                } else {
                    clients[p.client].on_segment(server_ip, legit_ip(p.client), p.bytes, next);
                    drain_client(p.client, next);
                }
            } else {
                const auto [at, j] = client_timers.top();
                client_timers.pop();
                if (clients[j].next_deadline() <= next) {
                    clients[j].on_timer(next);
                    drain_client(j, next);
                }
            }
            REQUIRE(listener.half_open() <= listener.capacity());
        }
    };

    // A spoofed SYN template: Linux's options; address, port, seq, TSval vary.
    TcpHeader syn;
    syn.destination_port = server_ep.port;
    syn.flags = TcpFlag::Syn;
    syn.window = 64240;
    syn.options.mss = 1460;
    syn.options.sack_permitted = true;
    syn.options.timestamps = Timestamps{1, 0};
    syn.options.window_scale = 7;
    std::array<std::uint8_t, 60> spoof{};
    const std::size_t spoof_len = syn.encode(spoof).value();

    // 20 SYNs per ms of flood, a legitimate client every spoofed_total /
    // legit_total of them.
    const std::size_t every = spoofed_total / legit_total;
    const auto wall_start = std::chrono::steady_clock::now();
    std::size_t next_client = 0;
    Time now{};
    for (std::size_t k = 0; k < spoofed_total; ++k) {
        now = Time{} + Duration::microseconds(static_cast<std::int64_t>(k) * 50);
        settle(now);
        if (k % every == 0 && next_client < legit_total) {
            REQUIRE(clients[next_client].connect({{legit_ip(next_client), 40000}, server_ep}, now) == Error::None);
            drain_client(next_client, now);
            ++next_client;
        }
        const std::uint64_t r = rng.next();
        IpAddress src = IpAddress::v4(static_cast<std::uint32_t>(0x64400000U | (r & 0x003FFFFFU))); // 100.64.0.0/10
        store_be16(MutableBytes(spoof), 0, static_cast<std::uint16_t>(r >> 32U));
        store_be32(MutableBytes(spoof), 4, static_cast<std::uint32_t>(r >> 16U));
        store_be32(MutableBytes(spoof), 24, static_cast<std::uint32_t>(k)); // TSval
        store_be16(MutableBytes(spoof), 16, 0);
        fill_tcp_checksum(src, server_ip, MutableBytes(spoof.data(), spoof_len));
        to_listener(src, Bytes(spoof.data(), spoof_len), now);
    }
    while (next_client < legit_total) { // only when the flood is scaled below 10k
        REQUIRE(clients[next_client].connect({{legit_ip(next_client), 40000}, server_ep}, now) == Error::None);
        drain_client(next_client, now);
        ++next_client;
    }
    settle(now + Duration::seconds(300));
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

    const ListenerStats& st = listener.stats();
    std::printf("flood: %llu SYNs (%zu spoofed + %zu legitimate) in %.2f s wall: %.0f SYN/s through the whole "
                "simulation; %llu cookies sent, %llu cookie ACKs accepted, %llu table SYN-ACKs, %llu entries "
                "expired, %llu accepted; listener memory %zu bytes throughout (%.0f bytes per half-open entry)\n",
                static_cast<unsigned long long>(st.syns), spoofed_total, legit_total, wall,
                static_cast<double>(st.syns) / wall, static_cast<unsigned long long>(st.cookies_sent),
                static_cast<unsigned long long>(st.cookies_accepted), static_cast<unsigned long long>(st.synacks),
                static_cast<unsigned long long>(st.expired), static_cast<unsigned long long>(st.accepted), memory,
                listener.bytes_per_entry());

    CHECK(allocations_in_listener == 0);
    CHECK(listener.memory_bytes() == memory);
    CHECK(listener.half_open() <= listener.capacity());
    CHECK(st.syns >= spoofed_total + legit_total);
    CHECK(stray_synacks >= spoofed_total);
    CHECK(st.cookies_sent > 0);
    std::size_t completed = 0;
    for (std::size_t j = 0; j < legit_total; ++j) {
        const Connection& c = clients[j];
        if (c.state() != State::Established || !server_side[j]) continue;
        const Negotiated cn = c.negotiated();
        const Negotiated& sn = *server_side[j];
        const bool mirrored = cn.iss == sn.irs && cn.irs == sn.iss && cn.snd_nxt == sn.rcv_nxt &&
                              cn.rcv_nxt == sn.snd_nxt && cn.snd_wscale == sn.rcv_wscale &&
                              cn.rcv_wscale == sn.snd_wscale && cn.sack == sn.sack && cn.timestamps == sn.timestamps;
        // 1400 through a table entry (the first clients, before the table
        // filled), 1300 through a cookie (1400 rounded down to msstab).
        if (mirrored && (sn.mss == 1400 || sn.mss == 1300)) ++completed;
    }
    CHECK(completed == legit_total);
}
