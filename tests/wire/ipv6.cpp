// Tests for synack/wire/ipv6.hpp: the IPv6 headers of Linux-captured packets
// (captures/d_ipv6_default.pcap), byte-exact round trips, the extension-header
// walk, and one test per error with its exact Error and offset.
#include "synack_test.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

#include "synack/wire/ipv6.hpp"

using namespace synack;

namespace {

// d_ipv6_default.pcap records 1-2, Ethernet header stripped:
// #1 SYN (flowlabel 0xfbbd0, hlim 64, payload length 40), #2 SYN-ACK (flowlabel 0x18d90).
constexpr std::array<std::uint8_t, 80> kSyn{
    0x60, 0x0f, 0xbb, 0xd0, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88, 0x05, 0x34, 0xb2, 0xe8,
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20, 0x62, 0xa4, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0x40, 0xc9, 0xe4, 0x28,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 80> kSynAck{
    0x60, 0x01, 0x8d, 0x90, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x13, 0x88, 0x9c, 0x40, 0x45, 0xc0, 0xd9, 0xc1,
    0x05, 0x34, 0xb2, 0xe9, 0xa0, 0x12, 0xfb, 0x04, 0x11, 0x97, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a, 0x03, 0x7c, 0x30, 0x1a,
    0x40, 0xc9, 0xe4, 0x28, 0x01, 0x03, 0x03, 0x0a,
};

constexpr IpAddress kClient = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
constexpr IpAddress kServer = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});

// The capture's SYN with hop-by-hop (8 bytes), routing (16) and destination
// options (8) headers inserted before the TCP header: TCP starts at 72.
constexpr std::array<std::uint8_t, 112> with_extensions() {
    std::array<std::uint8_t, 112> p{};
    for (std::size_t i = 0; i < 40; ++i) p[i] = kSyn[i];
    p[4] = 0;
    p[5] = 72;  // payload length: 8 + 16 + 8 + 40
    p[6] = 0;   // hop-by-hop
    const std::array<std::uint8_t, 32> ext{
        43, 0, 0x01, 0x04, 0, 0, 0, 0,                    // HBH -> routing, PadN
        60, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // routing (type 4, segments left 0) -> dest opts
        6, 0, 0x01, 0x04, 0, 0, 0, 0,                     // dest opts -> TCP, PadN
    };
    for (std::size_t i = 0; i < ext.size(); ++i) p[40 + i] = ext[i];
    for (std::size_t i = 0; i < 40; ++i) p[72 + i] = kSyn[40 + i];
    return p;
}
constexpr auto kWithExtensions = with_extensions();

// Builds a packet from the SYN's fixed header, `first` as its next header, and
// `payload` as its payload (payload length set to match).
std::vector<std::uint8_t> build(std::uint8_t first, std::initializer_list<std::uint8_t> payload) {
    std::vector<std::uint8_t> p(kSyn.begin(), kSyn.begin() + 40);
    p.insert(p.end(), payload);
    store_be16(p, 4, static_cast<std::uint16_t>(payload.size()));
    p[6] = first;
    return p;
}

result<Ipv6Upper> walk(Bytes packet) {
    const auto v = Ipv6View::parse(packet);
    if (!v) return v.failure();
    return find_upper_layer(v.value());
}

template <std::size_t N>
constexpr bool round_trips(const std::array<std::uint8_t, N>& pkt) {
    const auto h = Ipv6Header::decode(pkt);
    if (!h) return false;
    std::array<std::uint8_t, 40> out{};
    const auto n = h->encode(out);
    if (!n || n.value() != 40) return false;
    for (std::size_t i = 0; i < 40; ++i) {
        if (out[i] != pkt[i]) return false;
    }
    return true;
}

} // namespace

static_assert(Ipv6View::parse(kSyn).ok());
static_assert(Ipv6View::parse(kSyn)->flow_label() == 0xfbbd0);
static_assert(round_trips(kSyn));
static_assert(round_trips(kSynAck));
static_assert(find_upper_layer(Ipv6View::parse(kWithExtensions).value()).value().offset == 72);
static_assert(Ipv6View::parse(Bytes(kSyn).first(39)).error() == Error::Ipv6Truncated);

TEST_CASE("IPv6 view: the Linux SYN of d_ipv6_default.pcap", "[ipv6][capture]") {
    // tcpdump: IP6 (flowlabel 0xfbbd0, hlim 64, next-header TCP (6) payload length: 40)
    const auto v = Ipv6View::parse(kSyn);
    REQUIRE(v.ok());
    CHECK(v->version() == 6);
    CHECK(v->traffic_class() == 0);
    CHECK(v->dscp() == 0);
    CHECK(v->ecn() == 0);
    CHECK(v->flow_label() == 0xfbbd0);
    CHECK(v->payload_length() == 40);
    CHECK(v->next_header() == 6);
    CHECK(v->hop_limit() == 64);
    CHECK(v->source() == kClient);
    CHECK(v->destination() == kServer);
    CHECK(v->header().size() == 40);
    REQUIRE(v->payload().size() == 40);
    CHECK(v->payload().data() == kSyn.data() + 40);
    CHECK(v->packet().size() == 80);

    const auto up = find_upper_layer(v.value());
    REQUIRE(up.ok());
    CHECK(up->protocol == 6);
    CHECK(up->offset == 40);
    CHECK(up->bytes.size() == 40);
    CHECK(up->next_header_offset == 6);
    CHECK(up->extension_count == 0);

    const auto sa = Ipv6View::parse(kSynAck);
    REQUIRE(sa.ok());
    CHECK(sa->flow_label() == 0x18d90);
    CHECK(sa->source() == kServer);
    CHECK(sa->destination() == kClient);
}

TEST_CASE("IPv6 view: traffic class, DSCP and ECN", "[ipv6]") {
    std::vector<std::uint8_t> b(kSyn.begin(), kSyn.end());
    // traffic class 0xb9 = DSCP 46 (EF), ECN 1; flow label kept.
    b[0] = 0x6b;
    b[1] = static_cast<std::uint8_t>(0x90 | (b[1] & 0x0f));
    const auto v = Ipv6View::parse(b);
    REQUIRE(v.ok());
    CHECK(v->traffic_class() == 0xb9);
    CHECK(v->dscp() == 46);
    CHECK(v->ecn() == 1);
    CHECK(v->flow_label() == 0xfbbd0);
}

TEST_CASE("IPv6 view: bytes past the payload length are ignored", "[ipv6]") {
    std::vector<std::uint8_t> b(kSyn.begin(), kSyn.end());
    b.resize(b.size() + 10, 0xaa);
    const auto v = Ipv6View::parse(b);
    REQUIRE(v.ok());
    CHECK(v->payload().size() == 40);
    CHECK(v->packet().size() == 80);
}

TEST_CASE("IPv6 header: decode and encode are byte-exact on the captures", "[ipv6][capture]") {
    CHECK(round_trips(kSyn));
    CHECK(round_trips(kSynAck));
    const auto h = Ipv6Header::decode(kSyn);
    REQUIRE(h.ok());
    CHECK(h->flow_label == 0xfbbd0);
    CHECK(h->payload_length == 40);
    CHECK(h->next_header == 6);
    CHECK(h->hop_limit == 64);
    CHECK(h->source == kClient);
    CHECK(h->destination == kServer);
}

TEST_CASE("IPv6 header: random headers round trip", "[ipv6][property]") {
    std::mt19937 rng(8200);
    for (int trial = 0; trial < 1000; ++trial) {
        Ipv6Header h;
        h.dscp = static_cast<std::uint8_t>(rng() & 0x3f);
        h.ecn = static_cast<std::uint8_t>(rng() & 0x3);
        h.flow_label = static_cast<std::uint32_t>(rng() & 0xfffff);
        h.next_header = static_cast<std::uint8_t>(rng());
        h.hop_limit = static_cast<std::uint8_t>(rng());
        std::array<std::uint8_t, 16> s{};
        std::array<std::uint8_t, 16> d{};
        for (auto& x : s) x = static_cast<std::uint8_t>(rng());
        for (auto& x : d) x = static_cast<std::uint8_t>(rng());
        h.source = IpAddress::v6(s);
        h.destination = IpAddress::v6(d);
        const std::size_t payload = rng() % 100;
        REQUIRE(h.set_payload_length(payload) == Error::None);
        if (payload == 0 && h.next_header == 0) continue;  // a jumbogram marker: rejected by parse

        std::vector<std::uint8_t> buf(40 + payload, 0x5a);
        REQUIRE(h.encode(buf).value() == 40);
        const auto back = Ipv6Header::decode(buf);
        REQUIRE(back.ok());
        REQUIRE(back.value() == h);
    }
}

TEST_CASE("IPv6 header encode errors", "[ipv6][errors]") {
    Ipv6Header h;
    h.source = kClient;
    h.destination = kServer;
    std::array<std::uint8_t, 40> buf{};
    CHECK(h.encode(buf).ok());
    CHECK(h.encode(MutableBytes(buf).first(39)).error() == Error::BufferTooSmall);
    Ipv6Header v4 = h;
    v4.source = IpAddress::v4(198, 18, 0, 1);
    CHECK(v4.encode(buf).error() == Error::AddressFamilyMismatch);
    CHECK(h.set_payload_length(65535) == Error::None);
    CHECK(h.set_payload_length(65536) == Error::Ipv6BadPayloadLength);
}

TEST_CASE("IPv6 parse errors: exact error and offset", "[ipv6][errors]") {
    SECTION("truncated: fewer than 40 bytes") {
        for (std::size_t n = 0; n < 40; ++n) {
            CHECK(Ipv6View::parse(Bytes(kSyn).first(n)).failure() ==
                  Failure{Error::Ipv6Truncated, static_cast<std::uint32_t>(n)});
        }
    }
    SECTION("bad version") {
        std::vector<std::uint8_t> b(kSyn.begin(), kSyn.end());
        b[0] = 0x40;
        CHECK(Ipv6View::parse(b).failure() == Failure{Error::Ipv6BadVersion, 0});
    }
    SECTION("payload length past the buffer") {
        CHECK(Ipv6View::parse(Bytes(kSyn).first(79)).failure() == Failure{Error::Ipv6BadPayloadLength, 4});
        std::vector<std::uint8_t> b(kSyn.begin(), kSyn.end());
        store_be16(b, 4, 41);
        CHECK(Ipv6View::parse(b).failure() == Failure{Error::Ipv6BadPayloadLength, 4});
        store_be16(b, 4, 0xffff);
        CHECK(Ipv6View::parse(b).failure() == Failure{Error::Ipv6BadPayloadLength, 4});
    }
    SECTION("jumbogram: payload length 0 with a hop-by-hop header") {
        const auto b = build(0, {});
        CHECK(Ipv6View::parse(b).failure() == Failure{Error::Ipv6BadPayloadLength, 4});
        // Payload length 0 is fine otherwise (e.g. No Next Header).
        CHECK(Ipv6View::parse(build(59, {})).ok());
    }
}

TEST_CASE("IPv6 extension-header walk: hop-by-hop, routing, destination options, TCP", "[ipv6]") {
    const auto v = Ipv6View::parse(kWithExtensions);
    REQUIRE(v.ok());
    const auto up = find_upper_layer(v.value());
    REQUIRE(up.ok());
    CHECK(up->protocol == 6);
    CHECK(up->offset == 72);
    CHECK(up->next_header_offset == 64);  // the destination-options header's first byte
    CHECK(up->extension_count == 3);
    REQUIRE(up->bytes.size() == 40);
    CHECK(up->bytes.data() == kWithExtensions.data() + 72);
    CHECK(up->bytes[0] == 0x9c);  // source port 40000
}

TEST_CASE("IPv6 extension-header walk: an atomic fragment is stepped over", "[ipv6]") {
    // RFC 6946: offset 0, M = 0 (the reserved bits are ignored).
    const auto b = build(44, {6, 0, 0x00, 0x06, 0xde, 0xad, 0xbe, 0xef, 0x9c, 0x40});
    const auto up = walk(b);
    REQUIRE(up.ok());
    CHECK(up->protocol == 6);
    CHECK(up->offset == 48);
    CHECK(up->bytes.size() == 2);
    CHECK(up->extension_count == 1);
}

TEST_CASE("IPv6 extension-header walk errors: exact error and offset", "[ipv6][errors]") {
    SECTION("extension header truncated: no room for its length byte") {
        CHECK(walk(build(60, {6})).failure() == Failure{Error::Ipv6ExtensionTruncated, 40});
        CHECK(walk(build(43, {})).failure() == Failure{Error::Ipv6ExtensionTruncated, 40});
    }
    SECTION("extension header truncated: length runs past the payload") {
        // HBH (8) then a routing header claiming 16 bytes with only 8 left.
        const auto b = build(0, {43, 0, 1, 4, 0, 0, 0, 0, 6, 1, 4, 0, 0, 0, 0, 0});
        CHECK(walk(b).failure() == Failure{Error::Ipv6ExtensionTruncated, 48});
        // The same in kWithExtensions: cut the payload length short.
        auto c = std::vector<std::uint8_t>(kWithExtensions.begin(), kWithExtensions.end());
        store_be16(c, 4, 23);  // HBH complete, routing needs 16 but 15 remain
        CHECK(walk(c).failure() == Failure{Error::Ipv6ExtensionTruncated, 48});
    }
    SECTION("fragment header truncated") {
        CHECK(walk(build(44, {6, 0, 0, 0, 0, 0, 0})).failure() == Failure{Error::Ipv6ExtensionTruncated, 40});
    }
    SECTION("fragment header with offset != 0") {
        CHECK(walk(build(44, {6, 0, 0x00, 0x08, 0, 0, 0, 1})).failure() == Failure{Error::Ipv6Fragment, 42});
    }
    SECTION("fragment header with M = 1") {
        CHECK(walk(build(44, {6, 0, 0x00, 0x01, 0, 0, 0, 1})).failure() == Failure{Error::Ipv6Fragment, 42});
        // After a destination-options header: offset follows the walk.
        const auto b = build(60, {44, 0, 1, 4, 0, 0, 0, 0, 6, 0, 0x00, 0x01, 0, 0, 0, 1});
        CHECK(walk(b).failure() == Failure{Error::Ipv6Fragment, 50});
    }
    SECTION("too many extension headers") {
        // Eight destination-options headers are walked, a ninth is refused.
        std::vector<std::uint8_t> payload;
        for (int i = 0; i < 9; ++i) {
            const std::uint8_t next = i == 8 ? 6 : 60;
            payload.insert(payload.end(), {next, 0, 1, 4, 0, 0, 0, 0});
        }
        std::vector<std::uint8_t> b(kSyn.begin(), kSyn.begin() + 40);
        b.insert(b.end(), payload.begin(), payload.end());
        b[6] = 60;
        store_be16(b, 4, static_cast<std::uint16_t>(payload.size()));
        CHECK(walk(b).failure() == Failure{Error::Ipv6TooManyExtensions, 40 + 8 * 8});

        // Exactly eight: TCP (here empty) is reached.
        std::vector<std::uint8_t> eight(b.begin(), b.end() - 8);
        eight[40 + 7 * 8] = 6;
        store_be16(eight, 4, 64);
        const auto up = walk(eight);
        REQUIRE(up.ok());
        CHECK(up->extension_count == 8);
        CHECK(up->offset == 104);
        CHECK(up->bytes.empty());
    }
    SECTION("No Next Header") {
        CHECK(walk(build(59, {})).failure() == Failure{Error::NotTcp, 6});
        CHECK(walk(build(60, {59, 0, 1, 4, 0, 0, 0, 0})).failure() == Failure{Error::NotTcp, 40});
    }
}

TEST_CASE("IPv6 extension-header walk: other protocols are the upper layer", "[ipv6]") {
    // UDP directly.
    auto up = walk(build(17, {0, 53, 0, 53, 0, 8, 0, 0}));
    REQUIRE(up.ok());
    CHECK(up->protocol == 17);
    CHECK(up->offset == 40);
    // A hop-by-hop header out of place is not walked (RFC 8200 §4.1).
    up = walk(build(60, {0, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0}));
    REQUIRE(up.ok());
    CHECK(up->protocol == 0);
    CHECK(up->offset == 48);
    CHECK(up->next_header_offset == 40);
    // ESP (50): opaque.
    up = walk(build(50, {0, 0, 0, 1}));
    REQUIRE(up.ok());
    CHECK(up->protocol == 50);
}

TEST_CASE("IPv6 extension-header walk never reads past the payload (random input)", "[ipv6][property]") {
    std::mt19937 rng(6946);
    const std::array<std::uint8_t, 6> kinds{0, 43, 44, 60, 59, 6};
    for (int trial = 0; trial < 20000; ++trial) {
        const std::size_t len = rng() % 80;
        std::vector<std::uint8_t> b(kSyn.begin(), kSyn.begin() + 40);
        for (std::size_t i = 0; i < len; ++i) {
            // Bias toward extension-header numbers and small lengths.
            b.push_back((rng() & 1) != 0 ? kinds[rng() % kinds.size()] : static_cast<std::uint8_t>(rng() % 4));
        }
        store_be16(b, 4, static_cast<std::uint16_t>(len));
        b[6] = kinds[rng() % kinds.size()];
        const auto up = walk(b);
        if (up.ok()) {
            REQUIRE(up->offset >= 40);
            REQUIRE(up->offset + up->bytes.size() == b.size());
            REQUIRE(up->extension_count <= ipv6_max_extensions);
        } else {
            REQUIRE(up.offset() <= b.size());
        }
    }
}
