// bench/connection.cpp — the Connection machine's costs.
//
//   BM_Handshake*        a complete in-memory three-way handshake between two
//                        Connections: connect, SYN encoded + checksummed,
//                        SYN verified + parsed by a LISTEN Connection,
//                        SYN-ACK back, ACK, both Established events polled
//                        (options and checksums included)
//   BM_Segment*          the cost of one processed segment: on_segment() of
//                        an in-window pure ACK in ESTABLISHED (checksum
//                        verify, parse, options, RFC 9293 checks)
//   sizeof(Connection)   reported as a counter (and static_asserted in the
//                        header)
#include <array>
#include <cstdint>

#include <benchmark/benchmark.h>

#include "synack/synack.hpp"

namespace {

using namespace synack;

const Endpoint client_ep{IpAddress::v4(198, 18, 0, 1), 40000};
const Endpoint server_ep{IpAddress::v4(198, 18, 0, 2), 8080};
const Endpoint client_ep6{IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}), 40000};
const Endpoint server_ep6{IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2}), 8080};

Context make_context(bool options) {
    Context ctx;
    ctx.secrets.isn_key = {0x0123456789abcdefULL, 0x0fedcba987654321ULL};
    ctx.secrets.ts_key = {0x1111111111111111ULL, 0x2222222222222222ULL};
    if (!options) {
        ctx.config.window_scale.reset();
        ctx.config.sack = false;
        ctx.config.timestamps = false;
    }
    return ctx;
}

// One handshake; returns how many Established events were seen (2).
int handshake(const Context& ctx, const Endpoint& c_ep, const Endpoint& s_ep, Time now) {
    Connection client(ctx);
    Connection server(ctx);
    std::array<std::uint8_t, 64> buf{};
    static_cast<void>(server.listen(s_ep, now));
    static_cast<void>(client.connect({c_ep, s_ep}, now));
    auto tx = client.poll_transmit(buf, now); // SYN
    static_cast<void>(server.on_segment(c_ep.address, s_ep.address, Bytes(buf.data(), tx->length), now));
    tx = server.poll_transmit(buf, now); // SYN-ACK
    static_cast<void>(client.on_segment(s_ep.address, c_ep.address, Bytes(buf.data(), tx->length), now));
    tx = client.poll_transmit(buf, now); // ACK
    static_cast<void>(server.on_segment(c_ep.address, s_ep.address, Bytes(buf.data(), tx->length), now));
    int established = 0;
    while (auto ev = client.poll_event()) established += ev->kind == EventKind::Established;
    while (auto ev = server.poll_event()) established += ev->kind == EventKind::Established;
    benchmark::DoNotOptimize(client);
    benchmark::DoNotOptimize(server);
    return established;
}

void run_handshakes(benchmark::State& state, bool options, bool v6) {
    const Context ctx = make_context(options);
    Time now = Time::from_ns(1'000'000'000);
    std::int64_t bad = 0;
    for (auto _ : state) {
        now = now + Duration::microseconds(1); // a new ISN and TSval each time
        if (handshake(ctx, v6 ? client_ep6 : client_ep, v6 ? server_ep6 : server_ep, now) != 2) ++bad;
    }
    if (bad != 0) state.SkipWithError("a handshake did not complete");
    state.counters["segments"] = benchmark::Counter(3.0 * static_cast<double>(state.iterations()),
                                                    benchmark::Counter::kIsRate);
}

void BM_Handshake_LinuxOptions_IPv4(benchmark::State& state) { run_handshakes(state, true, false); }
void BM_Handshake_LinuxOptions_IPv6(benchmark::State& state) { run_handshakes(state, true, true); }
void BM_Handshake_NoOptions_IPv4(benchmark::State& state) { run_handshakes(state, false, false); }

// An established pair, then the same in-window pure ACK fed repeatedly (the
// peer's duplicate ACK: accepted, no state change but TS.Recent).
void BM_Segment_EstablishedAck(benchmark::State& state) {
    const Context ctx = make_context(true);
    const Time now = Time::from_ns(1'000'000'000);
    Connection client(ctx);
    Connection server(ctx);
    std::array<std::uint8_t, 64> buf{};
    static_cast<void>(server.listen(server_ep, now));
    static_cast<void>(client.connect({client_ep, server_ep}, now));
    auto tx = client.poll_transmit(buf, now);
    static_cast<void>(server.on_segment(client_ep.address, server_ep.address, Bytes(buf.data(), tx->length), now));
    tx = server.poll_transmit(buf, now);
    static_cast<void>(client.on_segment(server_ep.address, client_ep.address, Bytes(buf.data(), tx->length), now));
    tx = client.poll_transmit(buf, now); // the client's ACK: replayed below
    const std::array<std::uint8_t, 64> ack = buf;
    const std::size_t ack_len = tx->length;
    static_cast<void>(server.on_segment(client_ep.address, server_ep.address, Bytes(ack.data(), ack_len), now));
    while (server.poll_event()) {
    }
    if (server.state() != State::Established) {
        state.SkipWithError("server not established");
        return;
    }
    for (auto _ : state) {
        const Received r = server.on_segment(client_ep.address, server_ep.address, Bytes(ack.data(), ack_len), now);
        benchmark::DoNotOptimize(r);
    }
    state.counters["sizeof_Connection"] = static_cast<double>(sizeof(Connection));
}

BENCHMARK(BM_Handshake_LinuxOptions_IPv4);
BENCHMARK(BM_Handshake_LinuxOptions_IPv6);
BENCHMARK(BM_Handshake_NoOptions_IPv4);
BENCHMARK(BM_Segment_EstablishedAck);

} // namespace
