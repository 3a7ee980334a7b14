// Benchmarks for synack/wire/tcp.hpp and tcp_options.hpp on real segments
// (tests/data/a_ipv4_default.pcap): the Linux SYN (mss, sackOK+TS, nop,
// wscale: 20 option bytes) and an established ACK (nop,nop,TS).
// Items/s = segments (or option sets) per second.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "synack/wire/tcp.hpp"
#include "synack/wire/tcp_options.hpp"

namespace {

// Frame 1 of a_ipv4_default.pcap: 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S],
// seq 2083760515, win 64240, options [mss 1460,sackOK,TS val 945279175 ecr 0,nop,wscale 10]
constexpr std::array<std::uint8_t, 40> linux_syn{
    0x9c, 0x40, 0x13, 0x88, 0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0xe2, 0x45, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

// Frame 3: the client's ACK, options [nop,nop,TS val 945279175 ecr 3796465936].
constexpr std::array<std::uint8_t, 32> linux_ack{
    0x9c, 0x40, 0x13, 0x88, 0x7c, 0x33, 0xa9, 0x84, 0x29, 0x3c, 0x7b, 0xa9, 0x80, 0x10, 0x00, 0x3f,
    0x0b, 0x77, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x38, 0x57, 0xd0, 0xc7, 0xe2, 0x49, 0x79, 0x10,
};

template <std::size_t N>
synack::TcpHeader decoded(const std::array<std::uint8_t, N>& seg) {
    return synack::TcpHeader::decode(seg).value();
}

// TcpView::parse + a full lazy option walk, reading the typed values.
template <std::size_t N>
void view_and_walk(benchmark::State& state, const std::array<std::uint8_t, N>& seg) {
    for (auto _ : state) {
        synack::Bytes data(seg);
        benchmark::DoNotOptimize(data);
        const synack::result<synack::TcpView> v = synack::TcpView::parse(data);
        std::uint32_t acc = v->window();
        for (const synack::OptionEntry& e : v->options()) {
            if (!e.ok()) continue;
            switch (static_cast<synack::OptionKind>(e.kind)) {
            case synack::OptionKind::Mss: acc += e.mss(); break;
            case synack::OptionKind::WindowScale: acc += e.window_scale(); break;
            case synack::OptionKind::Timestamps: acc += e.timestamps().value; break;
            default: acc += e.kind; break;
            }
        }
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_TcpViewParseWalk_Syn(benchmark::State& state) { view_and_walk(state, linux_syn); }
void BM_TcpViewParseWalk_Ack(benchmark::State& state) { view_and_walk(state, linux_ack); }

// TcpView::parse alone: the framing check.
void BM_TcpViewParse_Syn(benchmark::State& state) {
    for (auto _ : state) {
        synack::Bytes data(linux_syn);
        benchmark::DoNotOptimize(data);
        auto v = synack::TcpView::parse(data);
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <std::size_t N>
void decode(benchmark::State& state, const std::array<std::uint8_t, N>& seg) {
    for (auto _ : state) {
        synack::Bytes data(seg);
        benchmark::DoNotOptimize(data);
        auto h = synack::TcpHeader::decode(data);
        benchmark::DoNotOptimize(h);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_TcpHeaderDecode_Syn(benchmark::State& state) { decode(state, linux_syn); }
void BM_TcpHeaderDecode_Ack(benchmark::State& state) { decode(state, linux_ack); }

// Encode of a decoded header: with its layout (byte-exact re-encode) or,
// after clear_layout(), in Linux's canonical order.
void encode(benchmark::State& state, const synack::TcpHeader& h) {
    std::array<std::uint8_t, synack::tcp_max_header> out{};
    for (auto _ : state) {
        benchmark::DoNotOptimize(&h);
        auto n = h.encode(out);
        benchmark::DoNotOptimize(n);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_TcpHeaderEncodeLayout_Syn(benchmark::State& state) { encode(state, decoded(linux_syn)); }
void BM_TcpHeaderEncodeLayout_Ack(benchmark::State& state) { encode(state, decoded(linux_ack)); }

void BM_TcpHeaderEncodeCanonical_Syn(benchmark::State& state) {
    synack::TcpHeader h = decoded(linux_syn);
    h.options.clear_layout();
    encode(state, h);
}

void BM_TcpHeaderEncodeCanonical_Ack(benchmark::State& state) {
    synack::TcpHeader h = decoded(linux_ack);
    h.options.clear_layout();
    encode(state, h);
}

// A SYN option set built by hand (as the handshake layer does) and encoded
// canonically; with a TFO cookie as a second case.
synack::TcpOptions syn_options(bool tfo) {
    synack::TcpOptions o;
    o.mss = 1460;
    o.sack_permitted = true;
    o.timestamps = synack::Timestamps{945279175U, 0};
    o.window_scale = 10;
    if (tfo) {
        constexpr std::array<std::uint8_t, 8> cookie{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
        o.fast_open = synack::FastOpenOption::with_cookie(cookie);
    }
    return o;
}

void options_encode(benchmark::State& state, const synack::TcpOptions& o) {
    std::array<std::uint8_t, synack::max_option_bytes> out{};
    for (auto _ : state) {
        benchmark::DoNotOptimize(&o);
        auto n = o.encode(out);
        benchmark::DoNotOptimize(n);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_TcpOptionsEncode_Syn(benchmark::State& state) { options_encode(state, syn_options(false)); }
void BM_TcpOptionsEncode_SynTfo(benchmark::State& state) { options_encode(state, syn_options(true)); }

} // namespace

BENCHMARK(BM_TcpViewParse_Syn);
BENCHMARK(BM_TcpViewParseWalk_Syn);
BENCHMARK(BM_TcpViewParseWalk_Ack);
BENCHMARK(BM_TcpHeaderDecode_Syn);
BENCHMARK(BM_TcpHeaderDecode_Ack);
BENCHMARK(BM_TcpHeaderEncodeLayout_Syn);
BENCHMARK(BM_TcpHeaderEncodeLayout_Ack);
BENCHMARK(BM_TcpHeaderEncodeCanonical_Syn);
BENCHMARK(BM_TcpHeaderEncodeCanonical_Ack);
BENCHMARK(BM_TcpOptionsEncode_Syn);
BENCHMARK(BM_TcpOptionsEncode_SynTfo);
