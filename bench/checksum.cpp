// Benchmarks for synack/wire/checksum.hpp: the wide internet_sum against a
// naive byte-pair loop, over segment-sized and jumbo buffers.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "synack/wire/checksum.hpp"

namespace {

std::vector<std::uint8_t> make_buffer(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    std::uint32_t x = 0x9e3779b9U;
    for (auto& b : v) {
        x = x * 1664525U + 1013904223U; // LCG: deterministic filler
        b = static_cast<std::uint8_t>(x >> 24U);
    }
    return v;
}

// The textbook loop: one big-endian 16-bit word per iteration.
std::uint32_t naive_sum(synack::Bytes data) {
    std::uint32_t sum = 0;
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum += static_cast<std::uint32_t>((data[i] << 8U) | data[i + 1]);
    }
    if (i < data.size()) sum += static_cast<std::uint32_t>(data[i]) << 8U;
    while (sum > 0xffffU) sum = (sum & 0xffffU) + (sum >> 16U);
    return sum;
}

void BM_InternetSum(benchmark::State& state) {
    const auto buf = make_buffer(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        synack::Bytes data(buf);
        benchmark::DoNotOptimize(data);
        benchmark::DoNotOptimize(synack::internet_sum(data));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void BM_NaiveSum(benchmark::State& state) {
    const auto buf = make_buffer(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        synack::Bytes data(buf);
        benchmark::DoNotOptimize(data);
        benchmark::DoNotOptimize(naive_sum(data));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

// A full TCP checksum (IPv4 pseudo-header + segment) as the machines compute it.
void BM_TcpChecksum(benchmark::State& state) {
    const auto buf = make_buffer(static_cast<std::size_t>(state.range(0)));
    const auto src = synack::IpAddress::v4(198, 18, 0, 1);
    const auto dst = synack::IpAddress::v4(198, 18, 0, 2);
    for (auto _ : state) {
        synack::Bytes data(buf);
        benchmark::DoNotOptimize(data);
        benchmark::DoNotOptimize(synack::tcp_checksum(src, dst, data));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

} // namespace

BENCHMARK(BM_InternetSum)->Arg(20)->Arg(64)->Arg(1460)->Arg(9000)->Arg(65535);
BENCHMARK(BM_NaiveSum)->Arg(20)->Arg(64)->Arg(1460)->Arg(9000)->Arg(65535);
BENCHMARK(BM_TcpChecksum)->Arg(60)->Arg(1500);
