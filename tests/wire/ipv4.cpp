// Tests for synack/wire/ipv4.hpp: the IPv4 headers of Linux-captured packets
// (captures/a_ipv4_default.pcap), byte-exact round trips, and one test per
// framing error with its exact Error and offset.
#include "synack_test.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "synack/wire/ipv4.hpp"

using namespace synack;

namespace {

// a_ipv4_default.pcap records 1-4, Ethernet header stripped:
// #1 SYN (id 30260), #2 SYN-ACK (id 0), #3 ACK (length 52), #4 24 bytes of data.
constexpr std::array<std::uint8_t, 60> kSyn{
    0x45, 0x00, 0x00, 0x3c, 0x76, 0x34, 0x40, 0x00, 0x40, 0x06, 0x38, 0x60,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88,
    0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
    0xe2, 0x45, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 60> kSynAck{
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xae, 0x94,
    0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x13, 0x88, 0x9c, 0x40,
    0x29, 0x3c, 0x7b, 0xa8, 0x7c, 0x33, 0xa9, 0x84, 0xa0, 0x12, 0xfe, 0x88,
    0xde, 0x5d, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0xe2, 0x49, 0x79, 0x10, 0x38, 0x57, 0xd0, 0xc7, 0x01, 0x03, 0x03, 0x0a,
};
constexpr std::array<std::uint8_t, 52> kAck{
    0x45, 0x00, 0x00, 0x34, 0x76, 0x35, 0x40, 0x00, 0x40, 0x06, 0x38, 0x67,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88,
    0x7c, 0x33, 0xa9, 0x84, 0x29, 0x3c, 0x7b, 0xa9, 0x80, 0x10, 0x00, 0x3f,
    0x0b, 0x77, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x38, 0x57, 0xd0, 0xc7,
    0xe2, 0x49, 0x79, 0x10,
};
constexpr std::array<std::uint8_t, 76> kData{
    0x45, 0x00, 0x00, 0x4c, 0x76, 0x36, 0x40, 0x00, 0x40, 0x06, 0x38, 0x4e,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88,
    0x7c, 0x33, 0xa9, 0x84, 0x29, 0x3c, 0x7b, 0xa9, 0x80, 0x18, 0x00, 0x3f,
    0x77, 0xb7, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x38, 0x57, 0xd0, 0xc7,
    0xe2, 0x49, 0x79, 0x10, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54,
    0x55, 0x56, 0x57, 0x58,
};

constexpr IpAddress kClient = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress kServer = IpAddress::v4(198, 18, 0, 2);

template <std::size_t N>
std::vector<std::uint8_t> copy_of(const std::array<std::uint8_t, N>& a) {
    return {a.begin(), a.end()};
}

// A header with a 4-byte Router Alert option (RFC 2113: 94 04 00 00).
constexpr Ipv4Header with_router_alert() {
    Ipv4Header h;
    h.dscp = 46;  // EF
    h.ecn = 2;    // ECT(0)
    h.identification = 0x1234;
    h.ttl = 1;
    h.protocol = 2;
    h.source = kClient;
    h.destination = IpAddress::v4(224, 0, 0, 22);
    const std::array<std::uint8_t, 4> ra{0x94, 0x04, 0x00, 0x00};
    (void)h.set_options(ra);
    (void)h.set_payload_length(8);
    return h;
}

// decode -> encode must reproduce the first header_length bytes exactly.
template <std::size_t N>
constexpr bool round_trips(const std::array<std::uint8_t, N>& pkt) {
    const auto h = Ipv4Header::decode(pkt);
    if (!h) return false;
    std::array<std::uint8_t, 60> out{};
    const auto n = h->encode(out);
    if (!n || n.value() != h->header_length()) return false;
    for (std::size_t i = 0; i < n.value(); ++i) {
        if (out[i] != pkt[i]) return false;
    }
    return true;
}

} // namespace

static_assert(Ipv4View::parse(kSyn).ok());
static_assert(Ipv4View::parse(kSyn)->identification() == 30260);
static_assert(Ipv4View::parse(kSyn)->checksum_ok());
static_assert(round_trips(kSyn));
static_assert(round_trips(kSynAck));
static_assert(round_trips(kAck));
static_assert(round_trips(kData));
static_assert([] {
    const Ipv4Header h = with_router_alert();
    std::array<std::uint8_t, 32> buf{};
    if (!h.encode(buf)) return false;
    const auto back = Ipv4Header::decode(buf);
    return back && back->options_length == 4 && back->total_length == 32 && back->dscp == 46 && back->ecn == 2;
}());
static_assert(Ipv4View::parse(Bytes(kSyn).first(19)).error() == Error::Ipv4Truncated);

TEST_CASE("IPv4 view: the Linux SYN of a_ipv4_default.pcap", "[ipv4][capture]") {
    // tcpdump: IP (tos 0x0, ttl 64, id 30260, offset 0, flags [DF], proto TCP (6), length 60)
    const auto v = Ipv4View::parse(kSyn);
    REQUIRE(v.ok());
    CHECK(v->version() == 4);
    CHECK(v->ihl() == 5);
    CHECK(v->header_length() == 20);
    CHECK(v->tos() == 0);
    CHECK(v->dscp() == 0);
    CHECK(v->ecn() == 0);
    CHECK(v->total_length() == 60);
    CHECK(v->identification() == 30260);
    CHECK_FALSE(v->reserved_flag());
    CHECK(v->dont_fragment());
    CHECK_FALSE(v->more_fragments());
    CHECK(v->fragment_offset() == 0);
    CHECK_FALSE(v->is_fragment());
    CHECK(v->ttl() == 64);
    CHECK(v->protocol() == ip_protocol_tcp);
    CHECK(v->header_checksum() == 0x3860);
    CHECK(v->checksum_ok());
    CHECK(v->source() == kClient);
    CHECK(v->destination() == kServer);
    CHECK(v->options().empty());
    CHECK(v->header().size() == 20);
    REQUIRE(v->payload().size() == 40);
    CHECK(v->payload().data() == kSyn.data() + 20);
    CHECK(v->packet().size() == 60);
}

TEST_CASE("IPv4 view: SYN-ACK (id 0) and data packet", "[ipv4][capture]") {
    const auto sa = Ipv4View::parse(kSynAck);
    REQUIRE(sa.ok());
    CHECK(sa->identification() == 0);
    CHECK(sa->dont_fragment());
    CHECK(sa->source() == kServer);
    CHECK(sa->destination() == kClient);
    CHECK(sa->header_checksum() == 0xae94);
    CHECK(sa->checksum_ok());

    const auto d = Ipv4View::parse(kData);
    REQUIRE(d.ok());
    CHECK(d->total_length() == 76);
    CHECK(d->identification() == 30262);
    CHECK(d->payload().size() == 56);
    CHECK(d->checksum_ok());
}

TEST_CASE("IPv4 view: bytes past total length are ignored", "[ipv4]") {
    // Ethernet pads frames to 60 bytes; a 40-byte IP packet then arrives with 6 more.
    auto buf = copy_of(kAck);
    buf.resize(buf.size() + 6, 0x00);
    const auto v = Ipv4View::parse(buf);
    REQUIRE(v.ok());
    CHECK(v->total_length() == 52);
    CHECK(v->packet().size() == 52);
    CHECK(v->payload().size() == 32);
}

TEST_CASE("IPv4 header: decode and encode are byte-exact on the captures", "[ipv4][capture]") {
    CHECK(round_trips(kSyn));
    CHECK(round_trips(kSynAck));
    CHECK(round_trips(kAck));
    CHECK(round_trips(kData));

    const auto h = Ipv4Header::decode(kSyn);
    REQUIRE(h.ok());
    CHECK(h->total_length == 60);
    CHECK(h->identification == 30260);
    CHECK(h->dont_fragment);
    CHECK(h->ttl == 64);
    CHECK(h->header_checksum == 0x3860);
    CHECK(h->source == kClient);
    CHECK(h->destination == kServer);
    CHECK(h->option_bytes().empty());

    // The checksum member is ignored on encode: a stale value is corrected.
    Ipv4Header stale = h.value();
    stale.header_checksum = 0;
    stale.ttl = 63;
    std::array<std::uint8_t, 20> out{};
    REQUIRE(stale.encode(out).value() == 20);  // header only: 20 bytes suffice
    CHECK(internet_sum(out) == 0xffff);
    CHECK(load_be16(out, 10) == checksum_update16(0x3860, 0x4006, 0x3f06));
}

TEST_CASE("IPv4 header with options round trips", "[ipv4]") {
    const Ipv4Header h = with_router_alert();
    CHECK(h.header_length() == 24);
    CHECK(h.total_length == 32);
    std::array<std::uint8_t, 32> buf{};
    const auto n = h.encode(buf);
    REQUIRE(n.ok());
    CHECK(n.value() == 24);
    CHECK(buf[0] == 0x46);
    CHECK(buf[1] == 0xba);  // 46 << 2 | 2
    const auto v = Ipv4View::parse(buf);
    REQUIRE(v.ok());
    CHECK(v->ihl() == 6);
    CHECK(v->checksum_ok());
    REQUIRE(v->options().size() == 4);
    CHECK(v->options()[0] == 0x94);
    CHECK(v->payload().size() == 8);
    const auto back = Ipv4Header::from_view(v.value());
    Ipv4Header expect = h;
    expect.header_checksum = load_be16(buf, 10);
    CHECK(back == expect);
}

TEST_CASE("IPv4 header: random headers round trip", "[ipv4][property]") {
    std::mt19937 rng(791);
    for (int trial = 0; trial < 1000; ++trial) {
        Ipv4Header h;
        h.dscp = static_cast<std::uint8_t>(rng() & 0x3f);
        h.ecn = static_cast<std::uint8_t>(rng() & 0x3);
        h.identification = static_cast<std::uint16_t>(rng());
        h.reserved_flag = (rng() & 1) != 0;
        h.dont_fragment = (rng() & 1) != 0;
        h.more_fragments = (rng() & 1) != 0;
        h.fragment_offset = static_cast<std::uint16_t>(rng() & 0x1fff);
        h.ttl = static_cast<std::uint8_t>(rng());
        h.protocol = static_cast<std::uint8_t>(rng());
        h.source = IpAddress::v4(static_cast<std::uint32_t>(rng()));
        h.destination = IpAddress::v4(static_cast<std::uint32_t>(rng()));
        std::array<std::uint8_t, 40> opts{};
        for (auto& b : opts) b = static_cast<std::uint8_t>(rng());
        REQUIRE(h.set_options(Bytes(opts).first(4 * (rng() % 11))) == Error::None);
        const std::size_t payload = rng() % 64;
        REQUIRE(h.set_payload_length(payload) == Error::None);

        std::vector<std::uint8_t> buf(h.total_length, 0xee);
        const auto n = h.encode(buf);
        REQUIRE(n.ok());
        REQUIRE(n.value() == h.header_length());
        const auto v = Ipv4View::parse(buf);
        REQUIRE(v.ok());
        CHECK(v->checksum_ok());
        CHECK(v->payload().size() == payload);
        CHECK(v->is_fragment() == (h.more_fragments || h.fragment_offset != 0));
        Ipv4Header back = Ipv4Header::from_view(v.value());
        back.header_checksum = 0;
        REQUIRE(back == h);
    }
}

TEST_CASE("IPv4 header encode errors", "[ipv4][errors]") {
    std::array<std::uint8_t, 60> buf{};
    Ipv4Header h;
    h.source = kClient;
    h.destination = kServer;
    CHECK(h.encode(buf).ok());

    Ipv4Header bad_opts = h;
    bad_opts.options_length = 3;
    CHECK(bad_opts.encode(buf).error() == Error::Ipv4BadHeaderLength);
    bad_opts.options_length = 44;
    CHECK(bad_opts.encode(buf).error() == Error::Ipv4BadHeaderLength);
    const std::array<std::uint8_t, 6> six{};
    CHECK(h.set_options(six) == Error::Ipv4BadHeaderLength);

    Ipv4Header short_total = h;
    short_total.total_length = 19;
    CHECK(short_total.encode(buf).error() == Error::Ipv4BadTotalLength);

    Ipv4Header v6 = h;
    v6.destination = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
    CHECK(v6.encode(buf).error() == Error::AddressFamilyMismatch);

    CHECK(h.encode(MutableBytes(buf).first(19)).error() == Error::BufferTooSmall);

    Ipv4Header big = h;
    CHECK(big.set_payload_length(65515) == Error::None);
    CHECK(big.total_length == 65535);
    CHECK(big.set_payload_length(65516) == Error::Ipv4BadTotalLength);
}

TEST_CASE("IPv4 parse errors: exact error and offset", "[ipv4][errors]") {
    SECTION("truncated: fewer than 20 bytes") {
        for (std::size_t n = 0; n < 20; ++n) {
            const auto r = Ipv4View::parse(Bytes(kSyn).first(n));
            CHECK(r.failure() == Failure{Error::Ipv4Truncated, static_cast<std::uint32_t>(n)});
        }
    }
    SECTION("bad version") {
        auto b = copy_of(kSyn);
        b[0] = 0x65;
        CHECK(Ipv4View::parse(b).failure() == Failure{Error::Ipv4BadVersion, 0});
        b[0] = 0x05;
        CHECK(Ipv4View::parse(b).failure() == Failure{Error::Ipv4BadVersion, 0});
    }
    SECTION("IHL < 5") {
        auto b = copy_of(kSyn);
        for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
            b[0] = static_cast<std::uint8_t>(0x40 | ihl);
            CHECK(Ipv4View::parse(b).failure() == Failure{Error::Ipv4BadHeaderLength, 0});
        }
    }
    SECTION("IHL past the buffer") {
        auto b = copy_of(kSyn);
        b[0] = 0x4f;  // 60-byte header
        CHECK(Ipv4View::parse(Bytes(b).first(59)).failure() == Failure{Error::Ipv4BadHeaderLength, 0});
        CHECK(Ipv4View::parse(b).ok());  // 60 bytes: header exactly fills the buffer
    }
    SECTION("total length smaller than the header") {
        auto b = copy_of(kSyn);
        store_be16(b, 2, 19);
        CHECK(Ipv4View::parse(b).failure() == Failure{Error::Ipv4BadTotalLength, 2});
        b[0] = 0x46;  // 24-byte header
        store_be16(b, 2, 23);
        CHECK(Ipv4View::parse(b).failure() == Failure{Error::Ipv4BadTotalLength, 2});
        store_be16(b, 2, 24);
        CHECK(Ipv4View::parse(b).ok());  // header only, empty payload
    }
    SECTION("total length past the buffer") {
        CHECK(Ipv4View::parse(Bytes(kSyn).first(59)).failure() == Failure{Error::Ipv4BadTotalLength, 2});
        auto b = copy_of(kSyn);
        store_be16(b, 2, 61);
        CHECK(Ipv4View::parse(b).failure() == Failure{Error::Ipv4BadTotalLength, 2});
    }
}

TEST_CASE("IPv4 fragments are parsed and reported", "[ipv4]") {
    auto b = copy_of(kSyn);
    b[6] = 0x20;  // MF, offset 0: first fragment
    b[7] = 0x00;
    auto v = Ipv4View::parse(b);
    REQUIRE(v.ok());
    CHECK(v->more_fragments());
    CHECK_FALSE(v->dont_fragment());
    CHECK(v->fragment_offset() == 0);
    CHECK(v->is_fragment());

    b[6] = 0x00;  // last fragment at offset 0x123 * 8
    b[7] = 0x00;
    store_be16(b, 6, 0x0123);
    v = Ipv4View::parse(b);
    REQUIRE(v.ok());
    CHECK_FALSE(v->more_fragments());
    CHECK(v->fragment_offset() == 0x123);
    CHECK(v->is_fragment());

    store_be16(b, 6, 0x8000);  // the reserved ("evil") bit alone is not a fragment
    v = Ipv4View::parse(b);
    REQUIRE(v.ok());
    CHECK(v->reserved_flag());
    CHECK_FALSE(v->is_fragment());
}

TEST_CASE("IPv4 checksum_ok detects a corrupted header", "[ipv4]") {
    auto b = copy_of(kSyn);
    b[8] = 63;  // TTL changed without updating the checksum
    auto v = Ipv4View::parse(b);
    REQUIRE(v.ok());
    CHECK_FALSE(v->checksum_ok());
    store_be16(b, 10, checksum_update16(0x3860, 0x4006, 0x3f06));
    v = Ipv4View::parse(b);
    REQUIRE(v.ok());
    CHECK(v->checksum_ok());
}
