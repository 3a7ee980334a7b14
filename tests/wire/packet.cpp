// Tests for synack/wire/packet.hpp: parse_ip_packet on Linux-captured packets
// (captures/a_ipv4_default.pcap, captures/d_ipv6_default.pcap), every error
// it adds to the IP views with its offset, and encode_ip_packet (which
// reproduces Linux's IPv4 SYN-ACK byte for byte).
#include "synack_test.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "synack/wire/checksum.hpp"
#include "synack/wire/packet.hpp"

using namespace synack;

namespace {

// a_ipv4_default.pcap #1 SYN and #2 SYN-ACK (id 0, DF, ttl 64), Ethernet stripped.
constexpr std::array<std::uint8_t, 60> kSyn4{
    0x45, 0x00, 0x00, 0x3c, 0x76, 0x34, 0x40, 0x00, 0x40, 0x06, 0x38, 0x60,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88,
    0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
    0xe2, 0x45, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 60> kSynAck4{
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xae, 0x94,
    0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x13, 0x88, 0x9c, 0x40,
    0x29, 0x3c, 0x7b, 0xa8, 0x7c, 0x33, 0xa9, 0x84, 0xa0, 0x12, 0xfe, 0x88,
    0xde, 0x5d, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0xe2, 0x49, 0x79, 0x10, 0x38, 0x57, 0xd0, 0xc7, 0x01, 0x03, 0x03, 0x0a,
};
// d_ipv6_default.pcap #1 SYN and #2 SYN-ACK.
constexpr std::array<std::uint8_t, 80> kSyn6{
    0x60, 0x0f, 0xbb, 0xd0, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88, 0x05, 0x34, 0xb2, 0xe8,
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20, 0x62, 0xa4, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0x40, 0xc9, 0xe4, 0x28,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 80> kSynAck6{
    0x60, 0x01, 0x8d, 0x90, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x13, 0x88, 0x9c, 0x40, 0x45, 0xc0, 0xd9, 0xc1,
    0x05, 0x34, 0xb2, 0xe9, 0xa0, 0x12, 0xfb, 0x04, 0x11, 0x97, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0x03, 0x7c, 0x30, 0x1a,
    0x40, 0xc9, 0xe4, 0x28, 0x01, 0x03, 0x03, 0x0a,
};

constexpr IpAddress kClient4 = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress kServer4 = IpAddress::v4(198, 18, 0, 2);
constexpr IpAddress kClient6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
constexpr IpAddress kServer6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});

template <std::size_t N>
std::vector<std::uint8_t> copy_of(const std::array<std::uint8_t, N>& a) {
    return {a.begin(), a.end()};
}

// Rewrites the IPv4 header checksum after a test edits a header field, so
// that the error under test is the one reported.
void refresh_ipv4_checksum(std::vector<std::uint8_t>& b) {
    const std::size_t hlen = static_cast<std::size_t>(b[0] & 0x0f) * 4;
    store_be16(b, 10, ipv4_header_checksum(Bytes(b).first(hlen)));
}

constexpr bool encodes_linux_syn_ack() {
    std::array<std::uint8_t, 60> out{};
    const auto n = encode_ip_packet(kServer4, kClient4, 0, 64, Bytes(kSynAck4).subspan(20), out);
    if (!n || n.value() != 60) return false;
    for (std::size_t i = 0; i < 60; ++i) {
        if (out[i] != kSynAck4[i]) return false;
    }
    return true;
}

} // namespace

static_assert(parse_ip_packet(kSyn4).ok());
static_assert(parse_ip_packet(kSyn4)->tcp_offset == 20);
static_assert(parse_ip_packet(kSyn6)->tcp_offset == 40);
static_assert(parse_ip_packet(kSyn6)->family == IpFamily::V6);
static_assert(encodes_linux_syn_ack());
static_assert(parse_ip_packet(Bytes{}).failure() == Failure{Error::Ipv4Truncated, 0});

TEST_CASE("parse_ip_packet: the Linux IPv4 SYN", "[packet][capture]") {
    const auto p = parse_ip_packet(kSyn4);
    REQUIRE(p.ok());
    CHECK(p->family == IpFamily::V4);
    CHECK(p->source == kClient4);
    CHECK(p->destination == kServer4);
    CHECK(p->ecn == 0);
    CHECK(p->ttl_or_hop_limit == 64);
    CHECK(p->tcp_offset == 20);
    REQUIRE(p->tcp.size() == 40);
    CHECK(p->tcp.data() == kSyn4.data() + 20);
    CHECK(verify_tcp_checksum(p->source, p->destination, p->tcp));
    CHECK(load_be16(p->tcp, 16) == 0xe245);
}

TEST_CASE("parse_ip_packet: the Linux IPv6 SYN", "[packet][capture]") {
    const auto p = parse_ip_packet(kSyn6);
    REQUIRE(p.ok());
    CHECK(p->family == IpFamily::V6);
    CHECK(p->source == kClient6);
    CHECK(p->destination == kServer6);
    CHECK(p->ecn == 0);
    CHECK(p->ttl_or_hop_limit == 64);
    CHECK(p->tcp_offset == 40);
    REQUIRE(p->tcp.size() == 40);
    CHECK(verify_tcp_checksum(p->source, p->destination, p->tcp));
    CHECK(load_be16(p->tcp, 16) == 0x62a4);
}

TEST_CASE("parse_ip_packet: ECN, padding, IPv4 options, IPv6 extension headers", "[packet]") {
    SECTION("IPv4 ECN CE and Ethernet padding") {
        auto b = copy_of(kSyn4);
        b[1] = 0x03;  // CE
        refresh_ipv4_checksum(b);
        b.resize(b.size() + 4, 0);
        const auto p = parse_ip_packet(b);
        REQUIRE(p.ok());
        CHECK(p->ecn == 3);
        CHECK(p->tcp.size() == 40);
    }
    SECTION("IPv4 with a 4-byte option") {
        std::vector<std::uint8_t> b(kSyn4.begin(), kSyn4.begin() + 20);
        b.insert(b.end(), {0x94, 0x04, 0x00, 0x00});
        b.insert(b.end(), kSyn4.begin() + 20, kSyn4.end());
        b[0] = 0x46;
        store_be16(b, 2, 64);
        refresh_ipv4_checksum(b);
        const auto p = parse_ip_packet(b);
        REQUIRE(p.ok());
        CHECK(p->tcp_offset == 24);
        CHECK(p->tcp.size() == 40);
        CHECK(verify_tcp_checksum(p->source, p->destination, p->tcp));
    }
    SECTION("IPv6 ECT(0) with destination options before TCP") {
        std::vector<std::uint8_t> b(kSyn6.begin(), kSyn6.begin() + 40);
        b.insert(b.end(), {6, 0, 1, 4, 0, 0, 0, 0});
        b.insert(b.end(), kSyn6.begin() + 40, kSyn6.end());
        b[1] = static_cast<std::uint8_t>(0x20 | (b[1] & 0x0f));  // traffic class 0x02
        b[6] = 60;
        store_be16(b, 4, 48);
        const auto p = parse_ip_packet(b);
        REQUIRE(p.ok());
        CHECK(p->ecn == 2);
        CHECK(p->tcp_offset == 48);
        CHECK(p->tcp.size() == 40);
        CHECK(verify_tcp_checksum(p->source, p->destination, p->tcp));
    }
}

TEST_CASE("parse_ip_packet errors: exact error and offset", "[packet][errors]") {
    SECTION("empty and truncated") {
        CHECK(parse_ip_packet(Bytes{}).failure() == Failure{Error::Ipv4Truncated, 0});
        CHECK(parse_ip_packet(Bytes(kSyn4).first(10)).failure() == Failure{Error::Ipv4Truncated, 10});
        CHECK(parse_ip_packet(Bytes(kSyn6).first(30)).failure() == Failure{Error::Ipv6Truncated, 30});
    }
    SECTION("unknown version") {
        auto b = copy_of(kSyn4);
        b[0] = 0x55;
        CHECK(parse_ip_packet(b).failure() == Failure{Error::Ipv4BadVersion, 0});
    }
    SECTION("IPv4 framing errors pass through") {
        auto b = copy_of(kSyn4);
        b[0] = 0x44;
        CHECK(parse_ip_packet(b).failure() == Failure{Error::Ipv4BadHeaderLength, 0});
        b = copy_of(kSyn4);
        store_be16(b, 2, 61);
        CHECK(parse_ip_packet(b).failure() == Failure{Error::Ipv4BadTotalLength, 2});
    }
    SECTION("IPv4 bad header checksum") {
        auto b = copy_of(kSyn4);
        b[8] = 63;
        CHECK(parse_ip_packet(b).failure() == Failure{Error::Ipv4BadChecksum, 10});
        // A capture reader may look past it: everything else is checked as before.
        const auto p = parse_ip_packet(b, false);
        REQUIRE(p.ok());
        CHECK(p->ttl_or_hop_limit == 63);
        CHECK(p->tcp.size() == b.size() - 20);
        b[9] = 17;
        CHECK(parse_ip_packet(b, false).failure() == Failure{Error::NotTcp, 9});
    }
    SECTION("IPv4 fragments: MF, offset, both") {
        for (std::uint16_t frag : {std::uint16_t{0x2000}, std::uint16_t{0x0001}, std::uint16_t{0x20b9},
                                   std::uint16_t{0x6000}}) {
            auto b = copy_of(kSyn4);
            store_be16(b, 6, frag);
            refresh_ipv4_checksum(b);
            CHECK(parse_ip_packet(b).failure() == Failure{Error::Ipv4Fragment, 6});
        }
    }
    SECTION("IPv4 not TCP") {
        auto b = copy_of(kSyn4);
        b[9] = 17;
        refresh_ipv4_checksum(b);
        CHECK(parse_ip_packet(b).failure() == Failure{Error::NotTcp, 9});
    }
    SECTION("IPv6 not TCP, directly and after an extension header") {
        auto b = copy_of(kSyn6);
        b[6] = 17;
        CHECK(parse_ip_packet(b).failure() == Failure{Error::NotTcp, 6});
        std::vector<std::uint8_t> c(kSyn6.begin(), kSyn6.begin() + 40);
        c.insert(c.end(), {58, 0, 1, 4, 0, 0, 0, 0, 128, 0, 0, 0});  // dest opts -> ICMPv6
        c[6] = 60;
        store_be16(c, 4, 12);
        CHECK(parse_ip_packet(c).failure() == Failure{Error::NotTcp, 40});
    }
    SECTION("IPv6 framing and walk errors pass through") {
        auto b = copy_of(kSyn6);
        store_be16(b, 4, 41);
        CHECK(parse_ip_packet(b).failure() == Failure{Error::Ipv6BadPayloadLength, 4});

        std::vector<std::uint8_t> frag(kSyn6.begin(), kSyn6.begin() + 40);
        frag.insert(frag.end(), {6, 0, 0x00, 0x01, 0, 0, 0, 7});  // first fragment (M = 1)
        frag.insert(frag.end(), kSyn6.begin() + 40, kSyn6.end());
        frag[6] = 44;
        store_be16(frag, 4, 48);
        CHECK(parse_ip_packet(frag).failure() == Failure{Error::Ipv6Fragment, 42});
        frag[43] = 0x00;  // atomic fragment: passes
        const auto p = parse_ip_packet(frag);
        REQUIRE(p.ok());
        CHECK(p->tcp_offset == 48);

        std::vector<std::uint8_t> nonext(kSyn6.begin(), kSyn6.begin() + 40);
        nonext[6] = 59;
        store_be16(nonext, 4, 0);
        CHECK(parse_ip_packet(nonext).failure() == Failure{Error::NotTcp, 6});

        std::vector<std::uint8_t> cut(kSyn6.begin(), kSyn6.begin() + 40);
        cut.insert(cut.end(), {6, 2, 0, 0, 0, 0, 0, 0});  // claims 24 bytes, has 8
        cut[6] = 0;
        store_be16(cut, 4, 8);
        CHECK(parse_ip_packet(cut).failure() == Failure{Error::Ipv6ExtensionTruncated, 40});
    }
}

TEST_CASE("encode_ip_packet reproduces Linux's IPv4 SYN-ACK byte for byte", "[packet][capture]") {
    // Linux sends SYN-ACKs with id 0 and DF (ip_build_and_send_pkt), ttl 64, tos 0.
    std::array<std::uint8_t, 100> out{};
    const auto n = encode_ip_packet(kServer4, kClient4, 0, 64, Bytes(kSynAck4).subspan(20), out);
    REQUIRE(n.ok());
    REQUIRE(n.value() == 60);
    for (std::size_t i = 0; i < 60; ++i) {
        INFO("byte " << i);
        CHECK(out[i] == kSynAck4[i]);
    }
}

TEST_CASE("encode_ip_packet: IPv6 matches the capture but for the flow label", "[packet][capture]") {
    std::array<std::uint8_t, 80> out{};
    const auto n = encode_ip_packet(kServer6, kClient6, 0, 64, Bytes(kSynAck6).subspan(40), out);
    REQUIRE(n.ok());
    REQUIRE(n.value() == 80);
    // Linux labels flows (auto flowlabels, 0x18d90 here); we send 0.
    CHECK(out[0] == 0x60);
    CHECK(out[1] == 0x00);
    CHECK(out[2] == 0x00);
    CHECK(out[3] == 0x00);
    for (std::size_t i = 4; i < 80; ++i) {
        INFO("byte " << i);
        CHECK(out[i] == kSynAck6[i]);
    }
}

TEST_CASE("encode_ip_packet -> parse_ip_packet round trips (random segments)", "[packet][property]") {
    std::mt19937 rng(6864);
    std::vector<std::uint8_t> out(2000);
    for (int trial = 0; trial < 2000; ++trial) {
        const bool v6 = (rng() & 1) != 0;
        IpAddress src;
        IpAddress dst;
        if (v6) {
            std::array<std::uint8_t, 16> s{};
            std::array<std::uint8_t, 16> d{};
            for (auto& x : s) x = static_cast<std::uint8_t>(rng());
            for (auto& x : d) x = static_cast<std::uint8_t>(rng());
            src = IpAddress::v6(s);
            dst = IpAddress::v6(d);
        } else {
            src = IpAddress::v4(static_cast<std::uint32_t>(rng()));
            dst = IpAddress::v4(static_cast<std::uint32_t>(rng()));
        }
        std::vector<std::uint8_t> seg(20 + rng() % 1400);
        for (auto& x : seg) x = static_cast<std::uint8_t>(rng());
        fill_tcp_checksum(src, dst, seg);
        const auto ecn = static_cast<std::uint8_t>(rng() & 3);
        const auto ttl = static_cast<std::uint8_t>(rng());

        const auto n = encode_ip_packet(src, dst, ecn, ttl, seg, out);
        REQUIRE(n.ok());
        REQUIRE(n.value() == seg.size() + (v6 ? 40 : 20));
        const auto p = parse_ip_packet(Bytes(out).first(n.value()));
        REQUIRE(p.ok());
        CHECK(p->family == (v6 ? IpFamily::V6 : IpFamily::V4));
        CHECK(p->source == src);
        CHECK(p->destination == dst);
        CHECK(p->ecn == ecn);
        CHECK(p->ttl_or_hop_limit == ttl);
        REQUIRE(p->tcp.size() == seg.size());
        CHECK(std::equal(seg.begin(), seg.end(), p->tcp.begin()));
        CHECK(verify_tcp_checksum(p->source, p->destination, p->tcp));
    }
}

TEST_CASE("encode_ip_packet errors", "[packet][errors]") {
    std::array<std::uint8_t, 100> out{};
    const Bytes seg = Bytes(kSyn4).subspan(20);
    CHECK(encode_ip_packet(kClient4, kServer6, 0, 64, seg, out).error() == Error::AddressFamilyMismatch);
    CHECK(encode_ip_packet(kClient6, kServer4, 0, 64, seg, out).error() == Error::AddressFamilyMismatch);
    CHECK(encode_ip_packet(kClient4, kServer4, 0, 64, seg, MutableBytes(out).first(59)).error() ==
          Error::BufferTooSmall);
    CHECK(encode_ip_packet(kClient6, kServer6, 0, 64, seg, MutableBytes(out).first(79)).error() ==
          Error::BufferTooSmall);
    CHECK(encode_ip_packet(kClient4, kServer4, 0, 64, seg, MutableBytes(out).first(60)).ok());

    std::vector<std::uint8_t> huge(65536);
    std::vector<std::uint8_t> big_out(65536 + 40);
    CHECK(encode_ip_packet(kClient4, kServer4, 0, 64, Bytes(huge).first(65516), big_out).error() ==
          Error::Ipv4BadTotalLength);
    CHECK(encode_ip_packet(kClient4, kServer4, 0, 64, Bytes(huge).first(65515), big_out).value() == 65535);
    CHECK(encode_ip_packet(kClient6, kServer6, 0, 64, huge, big_out).error() == Error::Ipv6BadPayloadLength);
    CHECK(encode_ip_packet(kClient6, kServer6, 0, 64, Bytes(huge).first(65535), big_out).value() == 65575);
}
