// Tests for synack/core/siphash.hpp: the 64 SipHash-2-4 reference vectors
// (veorq/SipHash vectors.h, vectors_sip64: key 00..0f, message 00 01 .. n-1
// for n = 0..63, output as 8 little-endian bytes), at compile time and at run
// time, and SipHasher == siphash24 for every split of the input.
#include "synack/core/siphash.hpp"

#include <array>
#include <cstdint>

#include "synack_test.hpp"

namespace {

using synack::Bytes;
using synack::SipHasher;
using synack::SipKey;
using synack::siphash24;

constexpr std::array<std::array<std::uint8_t, 8>, 64> vectors_sip64 = {{
    {{0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}},
    {{0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74}},
    {{0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d}},
    {{0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85}},
    {{0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf}},
    {{0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18}},
    {{0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb}},
    {{0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab}},
    {{0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}},
    {{0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e}},
    {{0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a}},
    {{0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4}},
    {{0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75}},
    {{0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14}},
    {{0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7}},
    {{0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1}},
    {{0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f}},
    {{0x94, 0x47, 0xbe, 0x2c, 0xf5, 0xe9, 0x9a, 0x69}},
    {{0x9c, 0xd3, 0x8d, 0x96, 0xf0, 0xb3, 0xc1, 0x4b}},
    {{0xbd, 0x61, 0x79, 0xa7, 0x1d, 0xc9, 0x6d, 0xbb}},
    {{0x98, 0xee, 0xa2, 0x1a, 0xf2, 0x5c, 0xd6, 0xbe}},
    {{0xc7, 0x67, 0x3b, 0x2e, 0xb0, 0xcb, 0xf2, 0xd0}},
    {{0x88, 0x3e, 0xa3, 0xe3, 0x95, 0x67, 0x53, 0x93}},
    {{0xc8, 0xce, 0x5c, 0xcd, 0x8c, 0x03, 0x0c, 0xa8}},
    {{0x94, 0xaf, 0x49, 0xf6, 0xc6, 0x50, 0xad, 0xb8}},
    {{0xea, 0xb8, 0x85, 0x8a, 0xde, 0x92, 0xe1, 0xbc}},
    {{0xf3, 0x15, 0xbb, 0x5b, 0xb8, 0x35, 0xd8, 0x17}},
    {{0xad, 0xcf, 0x6b, 0x07, 0x63, 0x61, 0x2e, 0x2f}},
    {{0xa5, 0xc9, 0x1d, 0xa7, 0xac, 0xaa, 0x4d, 0xde}},
    {{0x71, 0x65, 0x95, 0x87, 0x66, 0x50, 0xa2, 0xa6}},
    {{0x28, 0xef, 0x49, 0x5c, 0x53, 0xa3, 0x87, 0xad}},
    {{0x42, 0xc3, 0x41, 0xd8, 0xfa, 0x92, 0xd8, 0x32}},
    {{0xce, 0x7c, 0xf2, 0x72, 0x2f, 0x51, 0x27, 0x71}},
    {{0xe3, 0x78, 0x59, 0xf9, 0x46, 0x23, 0xf3, 0xa7}},
    {{0x38, 0x12, 0x05, 0xbb, 0x1a, 0xb0, 0xe0, 0x12}},
    {{0xae, 0x97, 0xa1, 0x0f, 0xd4, 0x34, 0xe0, 0x15}},
    {{0xb4, 0xa3, 0x15, 0x08, 0xbe, 0xff, 0x4d, 0x31}},
    {{0x81, 0x39, 0x62, 0x29, 0xf0, 0x90, 0x79, 0x02}},
    {{0x4d, 0x0c, 0xf4, 0x9e, 0xe5, 0xd4, 0xdc, 0xca}},
    {{0x5c, 0x73, 0x33, 0x6a, 0x76, 0xd8, 0xbf, 0x9a}},
    {{0xd0, 0xa7, 0x04, 0x53, 0x6b, 0xa9, 0x3e, 0x0e}},
    {{0x92, 0x59, 0x58, 0xfc, 0xd6, 0x42, 0x0c, 0xad}},
    {{0xa9, 0x15, 0xc2, 0x9b, 0xc8, 0x06, 0x73, 0x18}},
    {{0x95, 0x2b, 0x79, 0xf3, 0xbc, 0x0a, 0xa6, 0xd4}},
    {{0xf2, 0x1d, 0xf2, 0xe4, 0x1d, 0x45, 0x35, 0xf9}},
    {{0x87, 0x57, 0x75, 0x19, 0x04, 0x8f, 0x53, 0xa9}},
    {{0x10, 0xa5, 0x6c, 0xf5, 0xdf, 0xcd, 0x9a, 0xdb}},
    {{0xeb, 0x75, 0x09, 0x5c, 0xcd, 0x98, 0x6c, 0xd0}},
    {{0x51, 0xa9, 0xcb, 0x9e, 0xcb, 0xa3, 0x12, 0xe6}},
    {{0x96, 0xaf, 0xad, 0xfc, 0x2c, 0xe6, 0x66, 0xc7}},
    {{0x72, 0xfe, 0x52, 0x97, 0x5a, 0x43, 0x64, 0xee}},
    {{0x5a, 0x16, 0x45, 0xb2, 0x76, 0xd5, 0x92, 0xa1}},
    {{0xb2, 0x74, 0xcb, 0x8e, 0xbf, 0x87, 0x87, 0x0a}},
    {{0x6f, 0x9b, 0xb4, 0x20, 0x3d, 0xe7, 0xb3, 0x81}},
    {{0xea, 0xec, 0xb2, 0xa3, 0x0b, 0x22, 0xa8, 0x7f}},
    {{0x99, 0x24, 0xa4, 0x3c, 0xc1, 0x31, 0x57, 0x24}},
    {{0xbd, 0x83, 0x8d, 0x3a, 0xaf, 0xbf, 0x8d, 0xb7}},
    {{0x0b, 0x1a, 0x2a, 0x32, 0x65, 0xd5, 0x1a, 0xea}},
    {{0x13, 0x50, 0x79, 0xa3, 0x23, 0x1c, 0xe6, 0x60}},
    {{0x93, 0x2b, 0x28, 0x46, 0xe4, 0xd7, 0x06, 0x66}},
    {{0xe1, 0x91, 0x5f, 0x5c, 0xb1, 0xec, 0xa4, 0x6c}},
    {{0xf3, 0x25, 0x96, 0x5c, 0xa1, 0x6d, 0x62, 0x9f}},
    {{0x57, 0x5f, 0xf2, 0x8e, 0x60, 0x38, 0x1b, 0xe5}},
    {{0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95}}
}};

constexpr std::array<std::uint8_t, 64> make_message() noexcept {
    std::array<std::uint8_t, 64> m{};
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(i);
    return m;
}

constexpr std::array<std::uint8_t, 64> message = make_message();
constexpr SipKey key = SipKey::from_bytes(Bytes(message.data(), 16));  // 00 01 .. 0f

constexpr std::uint64_t expected(std::size_t n) noexcept { return synack::load_le64(vectors_sip64[n], 0); }
constexpr Bytes prefix(std::size_t n) noexcept { return Bytes(message.data(), n); }

constexpr bool all_vectors_match() noexcept {
    for (std::size_t n = 0; n < 64; ++n) {
        if (siphash24(key, prefix(n)) != expected(n)) return false;
    }
    return true;
}

// Incremental, with the input cut at `a` and `b` (a <= b <= n).
constexpr std::uint64_t hash_split(std::size_t n, std::size_t a, std::size_t b) noexcept {
    SipHasher h(key);
    h.add(Bytes(message.data(), a));
    h.add(Bytes(message.data() + a, b - a));
    h.add(Bytes(message.data() + b, n - b));
    return h.finish();
}

} // namespace

// from_bytes reads little-endian, like the reference U8TO64_LE.
static_assert(key.k0 == 0x0706050403020100ULL);
static_assert(key.k1 == 0x0f0e0d0c0b0a0908ULL);

static_assert(siphash24(key, prefix(0)) == 0x726fdb47dd0e0e31ULL);
static_assert(siphash24(key, prefix(1)) == expected(1));
static_assert(siphash24(key, prefix(7)) == expected(7));
static_assert(siphash24(key, prefix(8)) == expected(8));
static_assert(siphash24(key, prefix(15)) == 0xa129ca6149be45e5ULL);  // the paper's Appendix A example
static_assert(siphash24(key, prefix(63)) == expected(63));
static_assert(all_vectors_match());
static_assert(SipHasher(key).finish() == expected(0));
static_assert(SipHasher(key).add(prefix(15)).finish() == expected(15));
static_assert(hash_split(63, 5, 17) == expected(63));
static_assert(hash_split(64, 8, 8) == siphash24(key, prefix(64)));
static_assert(hash_split(9, 0, 9) == expected(9));

TEST_CASE("siphash24 matches all 64 reference vectors", "[siphash]") {
    for (std::size_t n = 0; n < 64; ++n) {
        INFO("message length " << n);
        CHECK(siphash24(key, prefix(n)) == expected(n));
    }
}

TEST_CASE("SipHasher equals siphash24 for every two-way and many three-way splits", "[siphash]") {
    for (std::size_t n = 0; n <= 64; ++n) {
        const std::uint64_t one_shot = siphash24(key, prefix(n));
        for (std::size_t a = 0; a <= n; ++a) {
            for (std::size_t b = a; b <= n; b += 3) {
                if (hash_split(n, a, b) != one_shot) {
                    FAIL("n " << n << " cut at " << a << " and " << b);
                }
            }
        }
    }
}

TEST_CASE("SipHasher byte at a time equals siphash24", "[siphash]") {
    for (std::size_t n = 0; n <= 64; ++n) {
        SipHasher h(key);
        for (std::size_t i = 0; i < n; ++i) h.add_u8(message[i]);
        CHECK(h.finish() == siphash24(key, prefix(n)));
    }
}

TEST_CASE("add_u16/u32/u64 hash the network-order bytes", "[siphash]") {
    // Every byte offset of the pending word, so the packed paths that cross
    // a word boundary are all taken.
    for (std::size_t lead = 0; lead < 8; ++lead) {
        SipHasher fields(key);
        fields.add(prefix(lead));
        fields.add_u16(0x1234).add_u32(0xc0a80001U).add_u64(0x0102030405060708ULL).add_u16(0xbeef);
        const std::array<std::uint8_t, 16> wire{0x12, 0x34, 0xc0, 0xa8, 0x00, 0x01, 0x01, 0x02,
                                                0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xbe, 0xef};
        std::array<std::uint8_t, 24> flat{};
        for (std::size_t i = 0; i < lead; ++i) flat[i] = message[i];
        for (std::size_t i = 0; i < wire.size(); ++i) flat[lead + i] = wire[i];
        INFO("lead " << lead);
        CHECK(fields.finish() == siphash24(key, Bytes(flat.data(), lead + wire.size())));
    }
}

TEST_CASE("a 4-tuple hashed field by field equals its buffer", "[siphash]") {
    // 198.18.0.1:49152 -> 198.18.0.2:80, as an ISN generator would feed it.
    constexpr std::array<std::uint8_t, 12> buf{198, 18, 0, 1, 198, 18, 0, 2, 0xc0, 0x00, 0x00, 0x50};
    constexpr std::uint64_t by_fields =
        SipHasher(key).add_u32(0xc6120001U).add_u32(0xc6120002U).add_u16(49152).add_u16(80).finish();
    static_assert(by_fields == siphash24(key, buf));
    CHECK(by_fields == siphash24(key, buf));
}

TEST_CASE("finish() does not consume the hasher; keys and lengths matter", "[siphash]") {
    SipHasher h(key);
    h.add(prefix(20));
    const std::uint64_t first = h.finish();
    CHECK(h.finish() == first);
    h.add(Bytes(message.data() + 20, 5));
    CHECK(h.finish() == expected(25));

    const SipKey other{key.k0 ^ 1U, key.k1};
    CHECK(siphash24(other, prefix(10)) != expected(10));
    CHECK(SipKey::from_bytes(prefix(16)) == key);
    CHECK_FALSE(other == key);

    // Length is part of the hash: trailing zero bytes change it.
    const std::array<std::uint8_t, 2> zeros{};
    CHECK(siphash24(key, Bytes(zeros.data(), 1)) != siphash24(key, Bytes(zeros.data(), 2)));
}

// SipHash-1-3, the flow table's hash. Vectors: key 0, message 00 01 .. n-1,
// from CPython 3.11's bytes hash (sys.hash_info.algorithm == "siphash13";
// PYTHONHASHSEED=0 sets its key to zero):
//   PYTHONHASHSEED=0 python3 -c 'print(hash(bytes(range(12))) & (2**64 - 1))'
TEST_CASE("SipHash-1-3 matches CPython's, and the packed-word form matches the buffer", "[siphash]") {
    struct Vector {
        std::size_t n;
        std::uint64_t h;
    };
    constexpr std::array<Vector, 8> v13{{{1, 0x68a914128e01e473ULL},
                                         {7, 0x2f098ab0c751325aULL},
                                         {8, 0xead411e67ebe2eeaULL},
                                         {9, 0x75927f9d95124362ULL},
                                         {12, 0xa6baf4fb0f9fe1c2ULL},
                                         {15, 0xf30eb725bb91c9eaULL},
                                         {16, 0x8972188433a5c5b7ULL},
                                         {36, 0xac77921fcc642bd3ULL}}};
    constexpr SipKey zero{};
    static_assert(synack::siphash13(zero, prefix(12)) == 0xa6baf4fb0f9fe1c2ULL);
    for (const Vector& t : v13) CHECK(synack::siphash13(zero, prefix(t.n)) == t.h);
    // 12 bytes as one word and a 4-byte tail; 36 as four words and 4.
    const std::uint64_t w12[1] = {synack::load_le64(prefix(12), 0)};
    CHECK(synack::siphash13_words(zero, w12, synack::load_le32(prefix(12), 8), 12) == 0xa6baf4fb0f9fe1c2ULL);
    const std::uint64_t w36[4] = {synack::load_le64(prefix(36), 0), synack::load_le64(prefix(36), 8),
                                  synack::load_le64(prefix(36), 16), synack::load_le64(prefix(36), 24)};
    CHECK(synack::siphash13_words(zero, w36, synack::load_le32(prefix(36), 32), 36) == 0xac77921fcc642bd3ULL);
    // Keyed: another key, another hash; not SipHash-2-4.
    CHECK(synack::siphash13(key, prefix(12)) != synack::siphash13(zero, prefix(12)));
    CHECK(synack::siphash13(key, prefix(12)) != siphash24(key, prefix(12)));
}
