// Tests for synack/wire/checksum.hpp: RFC 1071 example, chaining, a naive
// reference over random data, RFC 1624 incremental updates, and the real
// checksums of Linux-captured segments (captures/a_ipv4_default.pcap,
// captures/d_ipv6_default.pcap).
#include "synack_test.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "synack/wire/checksum.hpp"

using namespace synack;

namespace {

// Whole IP packets (Ethernet header stripped) from the captures.
// a_ipv4_default.pcap #1: SYN 198.18.0.1.40000 > 198.18.0.2.5000, cksum 0xe245.
// a_ipv4_default.pcap #2: SYN-ACK, cksum 0xde5d. #4: 24 bytes of data, cksum 0x77b7.
constexpr std::array<std::uint8_t, 60> kV4Syn{
    0x45, 0x00, 0x00, 0x3c, 0x76, 0x34, 0x40, 0x00, 0x40, 0x06, 0x38, 0x60,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88,
    0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
    0xe2, 0x45, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 60> kV4SynAck{
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xae, 0x94,
    0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x13, 0x88, 0x9c, 0x40,
    0x29, 0x3c, 0x7b, 0xa8, 0x7c, 0x33, 0xa9, 0x84, 0xa0, 0x12, 0xfe, 0x88,
    0xde, 0x5d, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0xe2, 0x49, 0x79, 0x10, 0x38, 0x57, 0xd0, 0xc7, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 76> kV4Data{
    0x45, 0x00, 0x00, 0x4c, 0x76, 0x36, 0x40, 0x00, 0x40, 0x06, 0x38, 0x4e,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88,
    0x7c, 0x33, 0xa9, 0x84, 0x29, 0x3c, 0x7b, 0xa9, 0x80, 0x18, 0x00, 0x3f,
    0x77, 0xb7, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x38, 0x57, 0xd0, 0xc7,
    0xe2, 0x49, 0x79, 0x10, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54,
    0x55, 0x56, 0x57, 0x58,
};
// d_ipv6_default.pcap #1: SYN 2001:db8::1.40000 > 2001:db8::2.5000, cksum 0x62a4.
// d_ipv6_default.pcap #7: server's 16 bytes of data, cksum 0xf79b.
constexpr std::array<std::uint8_t, 80> kV6Syn{
    0x60, 0x0f, 0xbb, 0xd0, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88, 0x05, 0x34, 0xb2, 0xe8,
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20, 0x62, 0xa4, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0x40, 0xc9, 0xe4, 0x28,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 88> kV6ServerData{
    0x60, 0x01, 0x8d, 0x90, 0x00, 0x30, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x13, 0x88, 0x9c, 0x40, 0x45, 0xc0, 0xd9, 0xc2,
    0x05, 0x34, 0xb3, 0x02, 0x80, 0x18, 0x00, 0x3f, 0xf7, 0x9b, 0x00, 0x00,
    0x01, 0x01, 0x08, 0x0a, 0x03, 0x7c, 0x30, 0x1a, 0x40, 0xc9, 0xe4, 0x28,
    0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c,
    0x6d, 0x6e, 0x6f, 0x70,
};

constexpr IpAddress kClient4 = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress kServer4 = IpAddress::v4(198, 18, 0, 2);
constexpr IpAddress kClient6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
constexpr IpAddress kServer6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});

template <std::size_t N>
constexpr Bytes tcp_of_v4(const std::array<std::uint8_t, N>& pkt) {
    return Bytes(pkt).subspan(20);
}
template <std::size_t N>
constexpr Bytes tcp_of_v6(const std::array<std::uint8_t, N>& pkt) {
    return Bytes(pkt).subspan(40);
}

// The textbook definition: big-endian 16-bit words, byte by byte, end-around
// carry folded at the end.
std::uint32_t naive_sum(Bytes data, std::uint32_t initial = 0) {
    std::uint64_t sum = initial;
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum += static_cast<std::uint64_t>((data[i] << 8) | data[i + 1]);
    }
    if (i < data.size()) sum += static_cast<std::uint64_t>(data[i]) << 8U;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint32_t>(sum);
}

std::vector<std::uint8_t> random_bytes(std::mt19937& rng, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
}

constexpr std::array<std::uint8_t, 8> kRfc1071{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

} // namespace

// Compile-time checks: the whole API is usable in constant expressions.
static_assert(internet_sum(Bytes(kRfc1071)) == 0xddf2);
static_assert(internet_sum(Bytes{}) == 0);
static_assert(fold_sum(0x1'0000'0000ULL) == 1);
static_assert(fold_sum(0xffff'ffff'ffff'ffffULL) == 0xffff);
static_assert(fold_sum(0x2'fffe) == 0x1);
static_assert(tcp_checksum(kClient4, kServer4, tcp_of_v4(kV4Syn)) == 0xe245);
static_assert(verify_tcp_checksum(kClient4, kServer4, tcp_of_v4(kV4Syn)));
static_assert(tcp_checksum(kClient6, kServer6, tcp_of_v6(kV6Syn)) == 0x62a4);
static_assert(ipv4_header_checksum(Bytes(kV4Syn).first(20)) == 0x3860);
static_assert(checksum_update16(0xdd2f, 0x5555, 0x3285) == 0x0000);
static_assert([] {
    // fill_tcp_checksum on a copy with the field zeroed restores the capture.
    std::array<std::uint8_t, 40> seg{};
    for (std::size_t i = 0; i < seg.size(); ++i) seg[i] = kV4Syn[20 + i];
    seg[16] = 0;
    seg[17] = 0;
    fill_tcp_checksum(kClient4, kServer4, seg);
    return seg[16] == 0xe2 && seg[17] == 0x45;
}());

TEST_CASE("RFC 1071 §3 numerical example", "[checksum]") {
    // 0001 + f203 + f4f5 + f6f7 = 2ddf0 -> ddf2; checksum ~ddf2 = 220d.
    CHECK(internet_sum(kRfc1071) == 0xddf2);
    CHECK(fold_sum(0x2ddf0) == 0xddf2);
    // §2(B): the same bytes swapped pairwise give the swapped sum.
    constexpr std::array<std::uint8_t, 8> swapped{0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6};
    CHECK(internet_sum(swapped) == 0xf2dd);
    // Chaining from the middle (even split).
    CHECK(internet_sum(Bytes(kRfc1071).subspan(4), internet_sum(Bytes(kRfc1071).first(4))) == 0xddf2);
}

TEST_CASE("odd lengths pad the final byte with zero", "[checksum]") {
    constexpr std::array<std::uint8_t, 3> three{0x12, 0x34, 0x56};
    CHECK(internet_sum(three) == 0x1234 + 0x5600);
    constexpr std::array<std::uint8_t, 1> one{0xab};
    CHECK(internet_sum(one) == 0xab00);
    // Odd lengths at every tail size around the 8- and 32-byte strides.
    for (std::size_t n : {1U, 3U, 5U, 7U, 9U, 31U, 33U, 63U, 65U}) {
        std::vector<std::uint8_t> v(n, 0xff);
        const std::uint32_t expect = naive_sum(v);
        CHECK(internet_sum(v) == expect);
    }
}

TEST_CASE("fold_sum and the zero representations", "[checksum]") {
    CHECK(fold_sum(0) == 0);
    CHECK(fold_sum(0xffff) == 0xffff);
    CHECK(fold_sum(0x10000) == 1);
    CHECK(fold_sum(0x1fffe) == 0xffff);
    // All-zero data sums to 0, any non-zero multiple of 0xffff to 0xffff.
    const std::vector<std::uint8_t> zeros(100, 0);
    CHECK(internet_sum(zeros) == 0);
    const std::vector<std::uint8_t> ones(100, 0xff);
    CHECK(internet_sum(ones) == 0xffff);
}

TEST_CASE("fast path equals a naive byte-pair sum (lengths 0..300, random offsets)", "[checksum][property]") {
    std::mt19937 rng(1071);
    const auto buffer = random_bytes(rng, 300 + 16);
    for (std::size_t len = 0; len <= 300; ++len) {
        for (int trial = 0; trial < 8; ++trial) {
            const std::size_t offset = rng() % 16;
            const Bytes piece(buffer.data() + offset, len);
            const std::uint32_t initial = trial % 2 == 0 ? 0U : static_cast<std::uint32_t>(rng());
            INFO("len " << len << " offset " << offset << " initial " << initial);
            REQUIRE(internet_sum(piece, initial) == naive_sum(piece, initial));
        }
    }
    // All-0xff data maximises every carry.
    const std::vector<std::uint8_t> ff(300, 0xff);
    for (std::size_t len = 0; len <= ff.size(); ++len) {
        const Bytes piece(ff.data(), len);
        REQUIRE(internet_sum(piece) == naive_sum(piece));
        REQUIRE(internet_sum(piece, 0xffff'ffffU) == naive_sum(piece, 0xffff'ffffU));
    }
}

TEST_CASE("long buffers cross the accumulation block boundary", "[checksum][property]") {
    std::mt19937 rng(8200);
    for (std::size_t len : {65535U, 65536U, 65537U, 70000U, 200001U}) {
        auto v = random_bytes(rng, len);
        CHECK(internet_sum(v) == naive_sum(v));
        std::fill(v.begin(), v.end(), std::uint8_t{0xff});
        CHECK(internet_sum(v) == naive_sum(v));
    }
}

TEST_CASE("chaining over even-length pieces equals one sum", "[checksum][property]") {
    std::mt19937 rng(1624);
    for (int trial = 0; trial < 500; ++trial) {
        const std::size_t len = rng() % 400;
        const auto v = random_bytes(rng, len);
        const Bytes all(v);
        std::uint32_t chained = 0;
        std::size_t at = 0;
        while (at < len) {
            std::size_t piece = 2 * (rng() % 40);
            if (at + piece > len) piece = len - at; // the last piece may be odd
            chained = internet_sum(all.subspan(at, piece), chained);
            at += piece;
        }
        REQUIRE(chained == internet_sum(all));
    }
}

TEST_CASE("pseudo-header sums", "[checksum]") {
    // IPv4: c612 + 0001 + c612 + 0002 + 0006 + 0028 = 18c55 -> 8c56.
    CHECK(pseudo_header_sum(kClient4, kServer4, 40) == 0x8c56);
    CHECK(pseudo_header_sum(kClient4, kServer4, 40, 17) == 0x8c56 + 11);
    // IPv6: the 32-bit length contributes both halves.
    std::array<std::uint8_t, 40> v6{};
    for (std::size_t i = 0; i < 16; ++i) {
        v6[i] = kClient6.bytes[i];
        v6[16 + i] = kServer6.bytes[i];
    }
    v6[32] = 0x00; v6[33] = 0x01; v6[34] = 0x00; v6[35] = 0x28; // 65576
    v6[39] = 6;
    CHECK(pseudo_header_sum(kClient6, kServer6, 0x10028) == internet_sum(v6));
    // Symmetric in src/dst (the sum commutes).
    CHECK(pseudo_header_sum(kServer6, kClient6, 40) == pseudo_header_sum(kClient6, kServer6, 40));
}

TEST_CASE("Linux-captured segments: TCP and IPv4 header checksums", "[checksum][capture]") {
    CHECK(tcp_checksum(kClient4, kServer4, tcp_of_v4(kV4Syn)) == 0xe245);
    CHECK(tcp_checksum(kServer4, kClient4, tcp_of_v4(kV4SynAck)) == 0xde5d);
    CHECK(tcp_checksum(kClient4, kServer4, tcp_of_v4(kV4Data)) == 0x77b7);
    CHECK(tcp_checksum(kClient6, kServer6, tcp_of_v6(kV6Syn)) == 0x62a4);
    CHECK(tcp_checksum(kServer6, kClient6, tcp_of_v6(kV6ServerData)) == 0xf79b);

    CHECK(verify_tcp_checksum(kClient4, kServer4, tcp_of_v4(kV4Syn)));
    CHECK(verify_tcp_checksum(kServer4, kClient4, tcp_of_v4(kV4SynAck)));
    CHECK(verify_tcp_checksum(kClient4, kServer4, tcp_of_v4(kV4Data)));
    CHECK(verify_tcp_checksum(kClient6, kServer6, tcp_of_v6(kV6Syn)));
    CHECK(verify_tcp_checksum(kServer6, kClient6, tcp_of_v6(kV6ServerData)));
    // Wrong direction or wrong family: the pseudo-header differs.
    CHECK_FALSE(verify_tcp_checksum(kClient4, IpAddress::v4(198, 18, 0, 3), tcp_of_v4(kV4Syn)));
    CHECK_FALSE(verify_tcp_checksum(kClient6, kServer4, tcp_of_v6(kV6Syn)));

    CHECK(ipv4_header_checksum(Bytes(kV4Syn).first(20)) == 0x3860);
    CHECK(ipv4_header_checksum(Bytes(kV4SynAck).first(20)) == 0xae94);
    CHECK(ipv4_header_checksum(Bytes(kV4Data).first(20)) == 0x384e);
    CHECK(internet_sum(Bytes(kV4Syn).first(20)) == 0xffff);
}

TEST_CASE("tcp_checksum ignores the field's current value; fill and verify agree", "[checksum]") {
    std::array<std::uint8_t, 60> pkt = kV4Syn;
    const MutableBytes seg = MutableBytes(pkt).subspan(20);
    for (std::uint16_t junk : {std::uint16_t{0}, std::uint16_t{0xffff}, std::uint16_t{0x1234}}) {
        store_be16(seg, 16, junk);
        CHECK(tcp_checksum(kClient4, kServer4, seg) == 0xe245);
        CHECK(verify_tcp_checksum(kClient4, kServer4, seg) == (junk == 0xe245));
        fill_tcp_checksum(kClient4, kServer4, seg);
        CHECK(load_be16(seg, 16) == 0xe245);
        CHECK(verify_tcp_checksum(kClient4, kServer4, seg));
    }
    // A flipped payload bit is caught.
    pkt[40] ^= 0x01;
    CHECK_FALSE(verify_tcp_checksum(kClient4, kServer4, seg));

    std::array<std::uint8_t, 20> ip{};
    for (std::size_t i = 0; i < 20; ++i) ip[i] = kV4Syn[i];
    ip[10] = 0xab;
    ip[11] = 0xcd;
    CHECK(ipv4_header_checksum(ip) == 0x3860);
}

TEST_CASE("verify accepts 0xffff for a zero checksum (RFC 1624 §3)", "[checksum]") {
    // Random segments until one has checksum 0, then try the -0 form.
    std::mt19937 rng(9293);
    int found = 0;
    for (int trial = 0; trial < 400000 && found < 2; ++trial) {
        auto v = random_bytes(rng, 20);
        fill_tcp_checksum(kClient4, kServer4, v);
        if (load_be16(v, 16) != 0) continue;
        ++found;
        CHECK(verify_tcp_checksum(kClient4, kServer4, v));
        store_be16(v, 16, 0xffff);
        CHECK(verify_tcp_checksum(kClient4, kServer4, v));
    }
    CHECK(found > 0);
}

TEST_CASE("RFC 1624 incremental update equals a full recompute", "[checksum][property]") {
    std::mt19937 rng(6528);
    for (int trial = 0; trial < 2000; ++trial) {
        const std::size_t len = 20 + rng() % 60;
        auto v = random_bytes(rng, len);
        fill_tcp_checksum(kClient4, kServer4, v);
        const std::uint16_t before = load_be16(v, 16);

        // A 16-bit word (not the checksum itself), e.g. the window.
        std::size_t at = 2 * (rng() % (len / 2));
        if (at == 16) at = 14;
        const std::uint16_t old16 = load_be16(v, at);
        const auto new16 = static_cast<std::uint16_t>(rng());
        store_be16(v, at, new16);
        const std::uint16_t after16 = checksum_update16(before, old16, new16);
        REQUIRE(after16 == tcp_checksum(kClient4, kServer4, v));
        store_be16(v, 16, after16);

        // A 32-bit field, e.g. the sequence number at offset 4.
        const std::uint32_t old32 = load_be32(v, 4);
        const auto new32 = static_cast<std::uint32_t>(rng());
        store_be32(v, 4, new32);
        const std::uint16_t after32 = checksum_update32(after16, old32, new32);
        REQUIRE(after32 == tcp_checksum(kClient4, kServer4, v));
        store_be32(v, 4, old32);
        REQUIRE(checksum_update32(after32, new32, old32) == after16);
    }
    // Changing the IPv4 destination (NAT): the pseudo-header changes.
    const std::uint16_t nat = checksum_update32(0xe245, 0xc6120002, 0xc6120063);
    CHECK(nat == tcp_checksum(kClient4, IpAddress::v4(198, 18, 0, 0x63), tcp_of_v4(kV4Syn)));
    // An IPv6 address through the byte-run variant.
    const IpAddress other6 = IpAddress::v6_groups({0x2001, 0xdb8, 0xdead, 0xbeef, 0, 0, 0x1234, 0x5678});
    CHECK(checksum_update(0x62a4, kServer6.span(), other6.span()) ==
          tcp_checksum(kClient6, other6, tcp_of_v6(kV6Syn)));
    // IPv4 header: decrement the TTL (the RFC 1624 §4 use case).
    std::array<std::uint8_t, 20> ip{};
    for (std::size_t i = 0; i < 20; ++i) ip[i] = kV4Syn[i];
    const std::uint16_t old_word = load_be16(ip, 8);
    ip[8] = 63;
    CHECK(checksum_update16(0x3860, old_word, load_be16(ip, 8)) == ipv4_header_checksum(ip));
}
