// bench/siphash.cpp — SipHash-2-4 cost for the inputs the handshake hashes:
// an IPv4 4-tuple (12 bytes), an IPv6 4-tuple (36 bytes), one shot vs
// incremental field by field, and throughput over longer buffers.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include "synack/core/siphash.hpp"

namespace {

constexpr synack::SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

void BM_siphash24_ipv4_tuple(benchmark::State& state) {
    std::array<std::uint8_t, 12> tuple{198, 18, 0, 1, 198, 18, 0, 2, 0xc0, 0x00, 0x00, 0x50};
    for (auto _ : state) {
        benchmark::DoNotOptimize(tuple);
        benchmark::DoNotOptimize(synack::siphash24(key, tuple));
    }
}
BENCHMARK(BM_siphash24_ipv4_tuple);

void BM_siphasher_ipv4_fields(benchmark::State& state) {
    std::uint32_t src = 0xc6120001U;
    std::uint32_t dst = 0xc6120002U;
    std::uint16_t sport = 49152;
    std::uint16_t dport = 80;
    for (auto _ : state) {
        benchmark::DoNotOptimize(src);
        benchmark::DoNotOptimize(dst);
        benchmark::DoNotOptimize(sport);
        benchmark::DoNotOptimize(dport);
        benchmark::DoNotOptimize(
            synack::SipHasher(key).add_u32(src).add_u32(dst).add_u16(sport).add_u16(dport).finish());
    }
}
BENCHMARK(BM_siphasher_ipv4_fields);

void BM_siphash24_ipv6_tuple(benchmark::State& state) {
    std::array<std::uint8_t, 36> tuple{};
    tuple[0] = 0x20; tuple[1] = 0x01; tuple[2] = 0x0d; tuple[3] = 0xb8; tuple[15] = 1;
    tuple[16] = 0x20; tuple[17] = 0x01; tuple[18] = 0x0d; tuple[19] = 0xb8; tuple[31] = 2;
    tuple[32] = 0xc0; tuple[35] = 0x50;
    for (auto _ : state) {
        benchmark::DoNotOptimize(tuple);
        benchmark::DoNotOptimize(synack::siphash24(key, tuple));
    }
}
BENCHMARK(BM_siphash24_ipv6_tuple);

void BM_siphash24_bytes(benchmark::State& state) {
    std::array<std::uint8_t, 4096> buf{};
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i);
    const auto n = static_cast<std::size_t>(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(buf);
        benchmark::DoNotOptimize(synack::siphash24(key, synack::Bytes(buf.data(), n)));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_siphash24_bytes)->Arg(64)->Arg(1500)->Arg(4096);

} // namespace
