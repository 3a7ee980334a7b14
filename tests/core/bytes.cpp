// Tests for synack/core/bytes.hpp: big-endian loads/stores, load_le64 and
// copy_bytes, at compile time and at run time (round trips, byte order).
#include "synack/core/bytes.hpp"

#include <array>
#include <cstdint>

#include "synack_test.hpp"

namespace {

using synack::Bytes;
using synack::MutableBytes;

constexpr std::array<std::uint8_t, 10> sample{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0xff};

constexpr std::uint16_t round_trip16(std::uint16_t v, std::size_t at) noexcept {
    std::array<std::uint8_t, 8> buf{};
    synack::store_be16(buf, at, v);
    return synack::load_be16(buf, at);
}

constexpr std::uint32_t round_trip32(std::uint32_t v, std::size_t at) noexcept {
    std::array<std::uint8_t, 8> buf{};
    synack::store_be32(buf, at, v);
    return synack::load_be32(buf, at);
}

constexpr std::array<std::uint8_t, 4> stored32(std::uint32_t v) noexcept {
    std::array<std::uint8_t, 4> buf{};
    synack::store_be32(buf, 0, v);
    return buf;
}

constexpr std::array<std::uint8_t, 6> copied() noexcept {
    std::array<std::uint8_t, 6> dst{0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
    synack::copy_bytes(dst, 1, Bytes(sample.data(), 3));
    return dst;
}

} // namespace

// Network byte order: most significant byte first.
static_assert(synack::load_be16(sample, 0) == 0x1234);
static_assert(synack::load_be16(sample, 1) == 0x3456);  // unaligned offsets are fine
static_assert(synack::load_be16(sample, 8) == 0x01ff);
static_assert(synack::load_be32(sample, 0) == 0x12345678U);
static_assert(synack::load_be32(sample, 3) == 0x789abcdeU);
static_assert(synack::load_be32(sample, 4) == 0x9abcdef0U);
static_assert(synack::load_le64(sample, 0) == 0xf0debc9a78563412ULL);
static_assert(synack::load_le64(sample, 2) == 0xff01f0debc9a7856ULL);
static_assert(stored32(0xc0a80001U) == std::array<std::uint8_t, 4>{0xc0, 0xa8, 0x00, 0x01});
static_assert(round_trip16(0xbeef, 0) == 0xbeef);
static_assert(round_trip16(0xffff, 7 - 1) == 0xffff);
static_assert(round_trip32(0xdeadbeefU, 3) == 0xdeadbeefU);
static_assert(copied() == std::array<std::uint8_t, 6>{0xee, 0x12, 0x34, 0x56, 0xee, 0xee});

TEST_CASE("load_be16/load_be32 read network byte order at any offset", "[bytes]") {
    CHECK(synack::load_be16(sample, 0) == 0x1234);
    CHECK(synack::load_be16(sample, 5) == 0xbcde);
    CHECK(synack::load_be32(sample, 1) == 0x3456789aU);
    CHECK(synack::load_be32(sample, 6) == 0xdef001ffU);
    CHECK(synack::load_le64(sample, 1) == 0x01f0debc9a785634ULL);
}

TEST_CASE("store then load round-trips every 16-bit value", "[bytes]") {
    std::array<std::uint8_t, 3> buf{};
    for (std::uint32_t v = 0; v <= 0xffffU; ++v) {
        const auto v16 = static_cast<std::uint16_t>(v);
        synack::store_be16(buf, 1, v16);
        if (synack::load_be16(buf, 1) != v16 || buf[0] != 0 || buf[1] != (v >> 8U)) {
            FAIL("16-bit round trip failed for " << v);
        }
    }
    SUCCEED();
}

TEST_CASE("store then load round-trips 32-bit values at every offset", "[bytes]") {
    std::array<std::uint8_t, 12> buf{};
    // Edge values plus a multiplicative walk over the space.
    std::array<std::uint32_t, 6> edges{0U, 1U, 0x80000000U, 0x7fffffffU, 0xffffffffU, 0x01020304U};
    for (std::size_t at = 0; at + 4 <= buf.size(); ++at) {
        for (const std::uint32_t v : edges) {
            synack::store_be32(buf, at, v);
            CHECK(synack::load_be32(buf, at) == v);
        }
        std::uint32_t v = 1;
        for (int i = 0; i < 2000; ++i) {
            v = v * 2654435761U + 12345U;
            synack::store_be32(buf, at, v);
            REQUIRE(synack::load_be32(buf, at) == v);
            REQUIRE(synack::load_be16(buf, at) == static_cast<std::uint16_t>(v >> 16U));
            REQUIRE(synack::load_be16(buf, at + 2) == static_cast<std::uint16_t>(v));
        }
    }
}

TEST_CASE("stores touch only their own bytes", "[bytes]") {
    std::array<std::uint8_t, 8> buf{};
    buf.fill(0xaa);
    synack::store_be32(buf, 2, 0x01020304U);
    CHECK(buf == std::array<std::uint8_t, 8>{0xaa, 0xaa, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xaa});
    synack::store_be16(buf, 0, 0x0506);
    CHECK(buf == std::array<std::uint8_t, 8>{0x05, 0x06, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xaa});
}

TEST_CASE("load_le64 is the little-endian reading of 8 bytes", "[bytes]") {
    std::array<std::uint8_t, 8> b{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    CHECK(synack::load_le64(b, 0) == 0x0706050403020100ULL);
    b.fill(0xff);
    CHECK(synack::load_le64(b, 0) == 0xffffffffffffffffULL);
}

TEST_CASE("copy_bytes copies exactly the source span", "[bytes]") {
    CHECK(copied() == std::array<std::uint8_t, 6>{0xee, 0x12, 0x34, 0x56, 0xee, 0xee});
    std::array<std::uint8_t, 4> dst{1, 2, 3, 4};
    synack::copy_bytes(MutableBytes(dst), 2, Bytes{});  // empty copy is a no-op
    CHECK(dst == std::array<std::uint8_t, 4>{1, 2, 3, 4});
}
