// Benchmarks for synack/wire/format.hpp: one tcpdump line for a Linux SYN
// (the first packet of tests/data/a_ipv4_default.pcap), written into a stack
// buffer through TextSink and returned as a std::string; plus an IPv6 line
// and a TcpHeader value (encode + format). Each benchmark reports
// allocs/iter, counted by the replacement operator new below, to show that
// the TextSink path does not allocate.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "synack/wire/format.hpp"

namespace {

std::atomic<std::size_t> g_allocations{0};

} // namespace

// Counting global allocator (this benchmark program only). Kept out of line:
// once inlined, g++ 12 sees malloc/free under new/delete and reports a
// mismatch (-Wmismatched-new-delete).
[[gnu::noinline]] void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace synack;

constexpr std::array<std::uint8_t, 40> capture_syn = {
    0x9c, 0x40, 0x13, 0x88, 0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0xe2, 0x45, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a};

constexpr IpAddress client4 = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress server4 = IpAddress::v4(198, 18, 0, 2);
constexpr IpAddress client6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
constexpr IpAddress server6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});

TcpView syn_view() {
    const result<TcpView> v = TcpView::parse(capture_syn);
    if (!v) std::abort();
    return *v;
}

void report(benchmark::State& state, std::size_t allocs_before, std::size_t bytes_per_iter) {
    const auto iters = static_cast<double>(state.iterations());
    state.counters["allocs/iter"] =
        static_cast<double>(g_allocations.load(std::memory_order_relaxed) - allocs_before) / iters;
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes_per_iter));
}

// `IP 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S], seq ..., length 0`
// into a char array on the stack.
void BM_FormatSynStackBuffer(benchmark::State& state) {
    const TcpView v = syn_view();
    std::size_t len = 0;
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        std::array<char, 256> buf; // NOLINT: the sink writes before anything reads
        TextSink s(buf);
        format_packet(s, client4, server4, v);
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
        len = s.size();
    }
    report(state, before, len);
}

// The same line as a std::string (one allocation: the result).
void BM_FormatSynString(benchmark::State& state) {
    const TcpView v = syn_view();
    std::size_t len = 0;
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        std::string line = packet_to_string(client4, server4, v);
        benchmark::DoNotOptimize(line.data());
        len = line.size();
    }
    report(state, before, len);
}

// Only the TCP part (no addresses), stack buffer.
void BM_FormatSynTcpOnly(benchmark::State& state) {
    const TcpView v = syn_view();
    std::size_t len = 0;
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        std::array<char, 256> buf; // NOLINT
        TextSink s(buf);
        format_tcp(s, v);
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
        len = s.size();
    }
    report(state, before, len);
}

// The SYN between IPv6 addresses (RFC 5952 compression on every call).
void BM_FormatSynIpv6StackBuffer(benchmark::State& state) {
    const TcpView v = syn_view();
    std::size_t len = 0;
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        std::array<char, 256> buf; // NOLINT
        TextSink s(buf);
        format_packet(s, client6, server6, v);
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
        len = s.size();
    }
    report(state, before, len);
}

// A TcpHeader value: encoded into a scratch header, then formatted.
void BM_FormatSynHeaderValue(benchmark::State& state) {
    const result<TcpHeader> h = TcpHeader::decode(capture_syn);
    if (!h) std::abort();
    std::size_t len = 0;
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        std::array<char, 256> buf; // NOLINT
        TextSink s(buf);
        benchmark::DoNotOptimize(format_tcp(s, *h));
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
        len = s.size();
    }
    report(state, before, len);
}

} // namespace

BENCHMARK(BM_FormatSynStackBuffer);
BENCHMARK(BM_FormatSynString);
BENCHMARK(BM_FormatSynTcpOnly);
BENCHMARK(BM_FormatSynIpv6StackBuffer);
BENCHMARK(BM_FormatSynHeaderValue);
