// fuzz/mutator.cpp — synack::testing::mutate_packet on arbitrary bytes.
//
// Properties (the contract of LLVMFuzzerCustomMutator, and the mutator's own):
// - the result never exceeds max_size (for max_size below, at and above the
//   input size), and bytes past max_size are never written;
// - the same input and seed give the same output.
// (The checksum and framing properties of its outputs are tests/testing/mutator.cpp's.)
// The first byte of the input picks the seed and the slack.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.hpp"
#include "synack/testing/mutator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const unsigned seed = static_cast<unsigned>(data[0]) * 2654435761U;
    const std::size_t slack = data[1] % 64U;
    const std::uint8_t* in = data + 2;
    const std::size_t n = size - 2;
    for (const std::size_t max : {n, n + slack, n > slack ? n - slack : n}) {
        const std::size_t cap = max > n ? max : n;
        std::vector<std::uint8_t> a(cap + 16, 0xA5);
        std::vector<std::uint8_t> b(cap + 16, 0xA5);
        std::memcpy(a.data(), in, n);
        std::memcpy(b.data(), in, n);
        const std::size_t sz = n <= max ? n : max;
        synack::testing::MutatorOptions o;
        o.bad_checksum_percent = 0;
        o.bad_length_percent = 0;
        const std::size_t ra = synack::testing::mutate_packet(a.data(), sz, max, seed, o);
        const std::size_t rb = synack::testing::mutate_packet(b.data(), sz, max, seed, o);
        FUZZ_CHECK(ra <= max);
        FUZZ_CHECK(ra == rb);
        FUZZ_CHECK(std::memcmp(a.data(), b.data(), ra) == 0);
        for (std::size_t i = max; i < a.size(); ++i) FUZZ_CHECK(a[i] == (i < n ? in[i] : 0xA5));
    }
    return 0;
}
