// Tests for synack/wire/ethernet.hpp: the Ethernet II header and ARP for
// IPv4 (RFC 826), against bytes written out by hand from the RFC's layout
// (the request is the one Linux sends: "who-has 198.18.4.2 tell 198.18.4.1").
#include "synack/wire/ethernet.hpp"

#include <array>
#include <cstdint>

#include "synack_test.hpp"

using namespace synack;

namespace {

constexpr MacAddress peer_mac{{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}};
constexpr MacAddress our_mac{{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}};
constexpr IpAddress peer_ip = IpAddress::v4(198, 18, 4, 1);
constexpr IpAddress our_ip = IpAddress::v4(198, 18, 4, 2);

// An ARP request frame, broadcast: Ethernet header, then hrd 1, pro 0x0800,
// hln 6, pln 4, op 1, sha, spa, tha (zero), tpa; padded to 60 bytes.
constexpr std::array<std::uint8_t, 60> request_frame{
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x08, 0x06, // Ethernet
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,                                     // hrd pro hln pln op
    0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 198, 18, 4, 1,                                  // sha spa
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 18, 4, 2,                                  // tha tpa
};

constexpr ArpPacket request() {
    return ArpPacket::decode(EthernetView::parse(Bytes(request_frame.data(), request_frame.size())).value().payload()).value();
}

} // namespace

static_assert(EthernetView::parse(Bytes(request_frame.data(), request_frame.size())).value().ether_type() == ethertype_arp);
static_assert(EthernetView::parse(Bytes(request_frame.data(), request_frame.size())).value().source() == peer_mac);
static_assert(EthernetView::parse(Bytes(request_frame.data(), request_frame.size())).value().destination() == MacAddress::broadcast());
static_assert(request().operation == arp_request);
static_assert(request().target_ip == our_ip);
static_assert(arp_answer(request(), our_mac, our_ip)->target_mac == peer_mac);
static_assert(!arp_answer(request(), our_mac, peer_ip));

TEST_CASE("ethernet: the header's fields and payload", "[ethernet]") {
    const result<EthernetView> v = EthernetView::parse(Bytes(request_frame.data(), request_frame.size()));
    REQUIRE(v);
    CHECK(v->destination() == MacAddress::broadcast());
    CHECK(v->destination().is_group());
    CHECK(v->source() == peer_mac);
    CHECK(!v->source().is_group());
    CHECK(v->ether_type() == 0x0806);
    CHECK(v->payload().size() == 46);
    CHECK(v->payload().data() == request_frame.data() + 14);
}

TEST_CASE("ethernet: a frame shorter than 14 bytes is an error, 14 is an empty payload", "[ethernet]") {
    for (std::size_t n = 0; n < 14; ++n) {
        CHECK(EthernetView::parse(Bytes(request_frame.data(), n)).error() == Error::EthernetTruncated);
    }
    const result<EthernetView> v = EthernetView::parse(Bytes(request_frame.data(), 14));
    REQUIRE(v);
    CHECK(v->payload().empty());
}

TEST_CASE("ethernet: encode writes the 14 bytes parse reads", "[ethernet]") {
    std::array<std::uint8_t, 20> out{};
    out.fill(0xAA);
    REQUIRE(encode_ethernet_header(peer_mac, our_mac, ethertype_ipv6, MutableBytes(out.data(), out.size())).value() == 14);
    const result<EthernetView> v = EthernetView::parse(Bytes(out.data(), out.size()));
    REQUIRE(v);
    CHECK(v->destination() == peer_mac);
    CHECK(v->source() == our_mac);
    CHECK(v->ether_type() == 0x86DD);
    CHECK(out[12] == 0x86);
    CHECK(out[13] == 0xDD);
    CHECK(out[14] == 0xAA); // nothing past the header
    CHECK(encode_ethernet_header(peer_mac, our_mac, ethertype_ipv4, MutableBytes(out.data(), 13)).error() ==
          Error::BufferTooSmall);
}

TEST_CASE("arp: a request decodes field by field", "[ethernet][arp]") {
    const ArpPacket a = request();
    CHECK(a.operation == arp_request);
    CHECK(a.sender_mac == peer_mac);
    CHECK(a.sender_ip == peer_ip);
    CHECK(a.target_mac.is_zero());
    CHECK(a.target_ip == our_ip);
}

TEST_CASE("arp: malformed and foreign packets are precise errors", "[ethernet][arp]") {
    const Bytes body = EthernetView::parse(Bytes(request_frame.data(), request_frame.size())).value().payload();
    for (std::size_t n = 0; n < 8; ++n) CHECK(ArpPacket::decode(body.first(n)).error() == Error::ArpTruncated);
    for (std::size_t n = 8; n < arp_length; ++n) CHECK(ArpPacket::decode(body.first(n)).error() == Error::ArpTruncated);
    CHECK(ArpPacket::decode(body.first(arp_length)));
    // Each field of the fixed part that names the kind of ARP.
    for (const std::size_t at : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4}, std::size_t{5}}) {
        std::array<std::uint8_t, arp_length> b{};
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = body[i];
        b[at] ^= 0x10;
        CHECK(ArpPacket::decode(Bytes(b.data(), b.size())).error() == Error::ArpUnsupported);
    }
}

TEST_CASE("arp: encode and decode round trip, byte for byte", "[ethernet][arp]") {
    std::array<std::uint8_t, arp_length> out{};
    REQUIRE(request().encode(MutableBytes(out.data(), out.size())).value() == arp_length);
    for (std::size_t i = 0; i < arp_length; ++i) CHECK(out[i] == request_frame[14 + i]);
    CHECK(request().encode(MutableBytes(out.data(), arp_length - 1)).error() == Error::BufferTooSmall);
    ArpPacket v6 = request();
    v6.target_ip = IpAddress::v6_groups({0x2001, 0x0db8, 0, 0, 0, 0, 0, 2});
    CHECK(v6.encode(MutableBytes(out.data(), out.size())).error() == Error::AddressFamilyMismatch);
}

TEST_CASE("arp: a request for our address is answered from us to the requester (RFC 826)", "[ethernet][arp]") {
    const Optional<ArpPacket> r = arp_answer(request(), our_mac, our_ip);
    REQUIRE(r);
    CHECK(r->operation == arp_reply);
    CHECK(r->sender_mac == our_mac);
    CHECK(r->sender_ip == our_ip);
    CHECK(r->target_mac == peer_mac);
    CHECK(r->target_ip == peer_ip);
}

TEST_CASE("arp: what is not a request for our address gets no answer", "[ethernet][arp]") {
    CHECK(!arp_answer(request(), our_mac, IpAddress::v4(198, 18, 4, 3)));
    ArpPacket reply = request();
    reply.operation = arp_reply;
    CHECK(!arp_answer(reply, our_mac, our_ip));
    ArpPacket other = request();
    other.operation = 3; // RARP request
    CHECK(!arp_answer(other, our_mac, our_ip));
    ArpPacket group = request();
    group.sender_mac = MacAddress::broadcast();
    CHECK(!arp_answer(group, our_mac, our_ip));
    ArpPacket zero = request();
    zero.sender_mac = MacAddress{};
    CHECK(!arp_answer(zero, our_mac, our_ip));
    CHECK(!arp_answer(request(), our_mac, IpAddress::v6_groups({0x2001, 0x0db8, 0, 0, 0, 0, 0, 2})));
}

TEST_CASE("arp: an address probe from 0.0.0.0 (RFC 5227) is answered, as Linux does", "[ethernet][arp]") {
    ArpPacket probe = request();
    probe.sender_ip = IpAddress::v4(0, 0, 0, 0);
    const Optional<ArpPacket> r = arp_answer(probe, our_mac, our_ip);
    REQUIRE(r);
    CHECK(r->target_mac == peer_mac);
    CHECK(r->target_ip == IpAddress::v4(0, 0, 0, 0));
}

// Captured on the Linux end of a veth (Linux 6.18): the request
// synack-client (AF_PACKET) sent for 198.18.5.1, and Linux's reply.
namespace {
constexpr std::array<std::uint8_t, 42> our_request_frame{
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f, 0x08, 0x06, 0x00, 0x01,
    0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f, 0xc6, 0x12, 0x05, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x05, 0x01,
};
constexpr std::array<std::uint8_t, 42> linux_reply_frame{
    0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f, 0x86, 0x24, 0xf4, 0x9a, 0xe4, 0xa8, 0x08, 0x06, 0x00, 0x01,
    0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x86, 0x24, 0xf4, 0x9a, 0xe4, 0xa8, 0xc6, 0x12, 0x05, 0x01,
    0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f, 0xc6, 0x12, 0x05, 0x02,
};
constexpr MacAddress synack5_mac{{0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f}};
constexpr MacAddress linux5_mac{{0x86, 0x24, 0xf4, 0x9a, 0xe4, 0xa8}};
constexpr IpAddress synack5 = IpAddress::v4(198, 18, 5, 2);
constexpr IpAddress linux5 = IpAddress::v4(198, 18, 5, 1);
} // namespace

TEST_CASE("arp: our request for a neighbour is the one Linux answered (RFC 826)", "[ethernet][arp]") {
    const Optional<ArpPacket> r = arp_request_for(linux5, synack5_mac, synack5);
    REQUIRE(r);
    std::array<std::uint8_t, 42> f{};
    REQUIRE(encode_ethernet_header(MacAddress::broadcast(), synack5_mac, ethertype_arp, MutableBytes(f.data(), f.size())));
    REQUIRE(r->encode(MutableBytes(f.data() + ethernet_header_length, arp_length)));
    CHECK(f == our_request_frame);
    CHECK(!arp_request_for(IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}), synack5_mac, synack5));
    CHECK(!arp_request_for(linux5, synack5_mac, IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2})));
}

TEST_CASE("arp: what a packet teaches about its sender (RFC 826's merge)", "[ethernet][arp]") {
    const result<ArpPacket> reply = ArpPacket::decode(Bytes(linux_reply_frame.data() + ethernet_header_length, arp_length));
    REQUIRE(reply);
    CHECK(reply->operation == arp_reply);
    CHECK(reply->sender_ip == linux5);
    CHECK(reply->sender_mac == linux5_mac);
    CHECK(arp_teaches(*reply, false, synack5));           // for us: added
    CHECK(arp_teaches(*reply, true, our_ip));             // known: updated, whoever it was for
    CHECK(!arp_teaches(*reply, false, our_ip));           // neither: nothing
    ArpPacket probe = *reply;
    probe.sender_ip = IpAddress::v4(0, 0, 0, 0);          // an address probe (RFC 5227)
    CHECK(!arp_teaches(probe, true, synack5));
    ArpPacket group = *reply;
    group.sender_mac = MacAddress::broadcast();
    CHECK(!arp_teaches(group, true, synack5));
}
