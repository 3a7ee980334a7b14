// Tests for synack/wire/ndp.hpp against two Neighbor Solicitations Linux
// 6.18 sent (captured with tcpdump on the far end of a veth): address
// resolution of 2001:db8:4::2 from 2001:db8:4::1, and duplicate address
// detection of its link-local address (from ::, with a nonce option, RFC
// 7527). That Linux accepts the advertisements written here is checked
// live by the interop_packet6 test.
#include "synack/wire/ndp.hpp"

#include <array>
#include <cstdint>

#include "synack_test.hpp"

using namespace synack;

namespace {

// Ethernet header (14 bytes) + IPv6 (40) + ICMPv6 (32).
constexpr std::array<std::uint8_t, 86> resolution_frame{
    0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0xbe, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01,
    0x02, 0x00, 0x5e, 0x10, 0x00, 0x01,
};
constexpr std::array<std::uint8_t, 86> dad_frame{
    0x33, 0x33, 0xff, 0x10, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x10, 0x00, 0x01, 0x87, 0x00, 0xfa, 0x19, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5e, 0xff, 0xfe, 0x10, 0x00, 0x01, 0x0e, 0x01,
    0xfc, 0x7e, 0x73, 0x5e, 0xa7, 0x04,
};

constexpr IpAddress linux_ip = IpAddress::v6_groups({0x2001, 0x0db8, 4, 0, 0, 0, 0, 1});
constexpr IpAddress our_ip = IpAddress::v6_groups({0x2001, 0x0db8, 4, 0, 0, 0, 0, 2});
constexpr IpAddress linux_link_local = IpAddress::v6_groups({0xfe80, 0, 0, 0, 0, 0x5eff, 0xfe10, 1});
constexpr MacAddress linux_mac{{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01}};
constexpr MacAddress our_mac{{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}};

using Datagram = std::array<std::uint8_t, 72>;

constexpr Datagram datagram_of(const std::array<std::uint8_t, 86>& frame) {
    Datagram d{};
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = frame[14 + i];
    return d;
}

// A variant of a datagram with its ICMPv6 checksum written again, so that
// one validity rule is tested at a time.
Datagram resummed(Datagram d) {
    d[42] = 0;
    d[43] = 0;
    const IpAddress src = IpAddress::from_bytes(IpFamily::V6, Bytes(d.data() + 8, 16));
    const IpAddress dst = IpAddress::from_bytes(IpFamily::V6, Bytes(d.data() + 24, 16));
    const std::uint32_t pseudo = pseudo_header_sum(src, dst, 32, icmpv6_protocol);
    const std::uint16_t c = static_cast<std::uint16_t>(~internet_sum(Bytes(d.data() + 40, 32), pseudo));
    d[42] = static_cast<std::uint8_t>(c >> 8U);
    d[43] = static_cast<std::uint8_t>(c & 0xffU);
    return d;
}

Error error_of(const Datagram& d) { return NeighborSolicitation::decode(Bytes(d.data(), d.size())).error(); }

} // namespace

static_assert(solicited_node(our_ip) == IpAddress::v6_groups({0xff02, 0, 0, 0, 0, 1, 0xff00, 2}));
static_assert(ipv6_multicast_mac(solicited_node(our_ip)) == MacAddress{{0x33, 0x33, 0xff, 0x00, 0x00, 0x02}});

TEST_CASE("ndp: Linux's address resolution solicitation decodes", "[ndp]") {
    const Datagram d = datagram_of(resolution_frame);
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(Bytes(d.data(), d.size()));
    REQUIRE(ns);
    CHECK(ns->source == linux_ip);
    CHECK(ns->destination == solicited_node(our_ip));
    CHECK(ns->target == our_ip);
    REQUIRE(ns->source_link_layer);
    CHECK(*ns->source_link_layer == linux_mac);
}

TEST_CASE("ndp: Linux's duplicate address detection decodes, nonce option skipped", "[ndp]") {
    const Datagram d = datagram_of(dad_frame);
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(Bytes(d.data(), d.size()));
    REQUIRE(ns);
    CHECK(ns->source == IpAddress::v6(Array<std::uint8_t, 16>{}));
    CHECK(ns->destination == solicited_node(linux_link_local));
    CHECK(ns->target == linux_link_local);
    CHECK(!ns->source_link_layer);
}

TEST_CASE("ndp: RFC 4861 7.1.1, one rule at a time", "[ndp]") {
    const Datagram good = datagram_of(resolution_frame);
    REQUIRE(error_of(resummed(good)) == Error::None);
    Datagram bad_sum = good;
    bad_sum[43] ^= 1;
    CHECK(error_of(bad_sum) == Error::NdpInvalid);
    Datagram hop = good;
    hop[7] = 254; // crossed a router (the pseudo-header does not cover it)
    CHECK(error_of(hop) == Error::NdpInvalid);
    Datagram code = good;
    code[41] = 1;
    CHECK(error_of(resummed(code)) == Error::NdpInvalid);
    Datagram multicast_target = good;
    multicast_target[48] = 0xff;
    CHECK(error_of(resummed(multicast_target)) == Error::NdpInvalid);
    Datagram zero_option = good;
    zero_option[65] = 0;
    CHECK(error_of(resummed(zero_option)) == Error::NdpInvalid);
    Datagram long_option = good;
    long_option[65] = 2; // 16 bytes, 8 left
    CHECK(error_of(resummed(long_option)) == Error::NdpInvalid);
    Datagram dad_with_address = good; // from :: with a source link-layer option
    for (std::size_t i = 8; i < 24; ++i) dad_with_address[i] = 0;
    CHECK(error_of(resummed(dad_with_address)) == Error::NdpInvalid);
    Datagram dad_unicast = datagram_of(dad_frame); // from :: to the target itself
    for (std::size_t i = 0; i < 16; ++i) dad_unicast[24 + i] = dad_unicast[48 + i];
    CHECK(error_of(resummed(dad_unicast)) == Error::NdpInvalid);
    // Shorter than 24 bytes of ICMPv6.
    Datagram short_icmp = good;
    short_icmp[5] = 20;
    CHECK(NeighborSolicitation::decode(Bytes(short_icmp.data(), 60)).error() == Error::NdpInvalid);
}

TEST_CASE("ndp: what is not a solicitation is said so", "[ndp]") {
    Datagram d = datagram_of(resolution_frame);
    Datagram udp = d;
    udp[6] = 17;
    CHECK(error_of(udp) == Error::NdpNotSolicitation);
    Datagram na = d;
    na[40] = ndp_neighbor_advertisement;
    CHECK(error_of(na) == Error::NdpNotSolicitation);
    CHECK(NeighborSolicitation::decode(Bytes(d.data(), 39)).error() == Error::Ipv6Truncated);
    CHECK(NeighborSolicitation::decode(Bytes(d.data(), 40)).error() == Error::Ipv6BadPayloadLength);
}

TEST_CASE("ndp: the advertisement answering address resolution (RFC 4861 7.2.4)", "[ndp]") {
    const Datagram d = datagram_of(resolution_frame);
    const NeighborSolicitation ns = NeighborSolicitation::decode(Bytes(d.data(), d.size())).value();
    std::array<std::uint8_t, 80> out{};
    REQUIRE(neighbor_advertisement(ns, our_ip, our_mac, MutableBytes(out.data(), out.size())).value() == 72);
    const Ipv6View v = Ipv6View::parse(Bytes(out.data(), 72)).value();
    CHECK(v.hop_limit() == 255);
    CHECK(v.next_header() == 58);
    CHECK(v.payload_length() == 32);
    CHECK(v.source() == our_ip);
    CHECK(v.destination() == linux_ip);
    const Bytes icmp = v.payload();
    CHECK(icmp[0] == 136);
    CHECK(icmp[1] == 0);
    CHECK(load_be32(icmp, 4) == 0x60000000U); // Solicited, Override; not a router
    CHECK(IpAddress::from_bytes(IpFamily::V6, icmp.subspan(8, 16)) == our_ip);
    CHECK(icmp[24] == 2); // target link-layer address, 8 bytes
    CHECK(icmp[25] == 1);
    CHECK(MacAddress::from_bytes(icmp.subspan(26)) == our_mac);
    CHECK(internet_sum(icmp, pseudo_header_sum(our_ip, linux_ip, 32, 58)) == 0xffffU);
}

TEST_CASE("ndp: duplicate address detection is answered to all nodes, without S", "[ndp]") {
    const Datagram d = datagram_of(dad_frame);
    const NeighborSolicitation ns = NeighborSolicitation::decode(Bytes(d.data(), d.size())).value();
    std::array<std::uint8_t, 72> out{};
    REQUIRE(neighbor_advertisement(ns, linux_link_local, our_mac, MutableBytes(out.data(), out.size())));
    const Ipv6View v = Ipv6View::parse(Bytes(out.data(), out.size())).value();
    const IpAddress all_nodes = IpAddress::v6_groups({0xff02, 0, 0, 0, 0, 0, 0, 1});
    CHECK(v.destination() == all_nodes);
    CHECK(load_be32(v.payload(), 4) == 0x20000000U);
    CHECK(internet_sum(v.payload(), pseudo_header_sum(linux_link_local, all_nodes, 32, 58)) == 0xffffU);
}

TEST_CASE("ndp: no advertisement for another address, a v4 address or a short buffer", "[ndp]") {
    const Datagram d = datagram_of(resolution_frame);
    const NeighborSolicitation ns = NeighborSolicitation::decode(Bytes(d.data(), d.size())).value();
    std::array<std::uint8_t, 72> out{};
    CHECK(neighbor_advertisement(ns, linux_ip, our_mac, MutableBytes(out.data(), out.size())).error() == Error::NotFound);
    CHECK(neighbor_advertisement(ns, IpAddress::v4(198, 18, 4, 2), our_mac, MutableBytes(out.data(), out.size())).error() ==
          Error::AddressFamilyMismatch);
    CHECK(neighbor_advertisement(ns, our_ip, our_mac, MutableBytes(out.data(), 71)).error() == Error::BufferTooSmall);
}

// ---- resolving a neighbour of our own (RFC 4861 §7.2.2, §7.1.2) ----
//
// Captured with tcpdump on the Linux end of a veth (Linux 6.18), the other
// end served by synack-client through AF_PACKET: the solicitation synack
// wrote for 2001:db8:5::1, and the advertisement Linux answered it with.

namespace {

constexpr std::array<std::uint8_t, 86> our_solicitation_frame{
    0x33, 0x33, 0xff, 0x00, 0x00, 0x01, 0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x00, 0x00, 0x01, 0x87, 0x00, 0xa2, 0x81, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01,
    0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f,
};
constexpr std::array<std::uint8_t, 86> linux_advertisement_frame{
    0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f, 0x86, 0x24, 0xf4, 0x9a, 0xe4, 0xa8, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x88, 0x00, 0x2c, 0xfd, 0x60, 0x00, 0x00, 0x00, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x01,
    0x86, 0x24, 0xf4, 0x9a, 0xe4, 0xa8,
};
constexpr IpAddress linux5 = IpAddress::v6_groups({0x2001, 0x0db8, 5, 0, 0, 0, 0, 1});
constexpr IpAddress synack5 = IpAddress::v6_groups({0x2001, 0x0db8, 5, 0, 0, 0, 0, 2});
constexpr MacAddress linux5_mac{{0x86, 0x24, 0xf4, 0x9a, 0xe4, 0xa8}};
constexpr MacAddress synack5_mac{{0x72, 0x91, 0x7d, 0x8c, 0x8b, 0x7f}};

Error na_error_of(const Datagram& d) { return NeighborAdvertisement::decode(Bytes(d.data(), d.size())).error(); }

} // namespace

TEST_CASE("ndp: the solicitation written for a neighbour is the one Linux answered", "[ndp]") {
    Datagram d{};
    const result<std::size_t> n = neighbor_solicitation(synack5, synack5_mac, linux5, MutableBytes(d.data(), d.size()));
    REQUIRE(n);
    CHECK(*n == ndp_solicitation_length);
    CHECK(d == datagram_of(our_solicitation_frame));
    // And it is a valid solicitation by our own reading of RFC 4861 §7.1.1.
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(Bytes(d.data(), d.size()));
    REQUIRE(ns);
    CHECK(ns->source == synack5);
    CHECK(ns->destination == solicited_node(linux5));
    CHECK(ns->target == linux5);
    REQUIRE(ns->source_link_layer);
    CHECK(*ns->source_link_layer == synack5_mac);
    // On Ethernet it goes to the solicited-node group's MAC.
    CHECK(ipv6_multicast_mac(ns->destination) ==
          MacAddress::from_bytes(Bytes(our_solicitation_frame.data(), 6)));
}

TEST_CASE("ndp: no solicitation from or for a v4 address, nor into a short buffer", "[ndp]") {
    Datagram d{};
    const IpAddress v4 = IpAddress::v4(198, 18, 5, 1);
    CHECK(neighbor_solicitation(v4, synack5_mac, linux5, MutableBytes(d.data(), d.size())).error() ==
          Error::AddressFamilyMismatch);
    CHECK(neighbor_solicitation(synack5, synack5_mac, v4, MutableBytes(d.data(), d.size())).error() ==
          Error::AddressFamilyMismatch);
    CHECK(neighbor_solicitation(synack5, synack5_mac, linux5, MutableBytes(d.data(), 71)).error() ==
          Error::BufferTooSmall);
}

TEST_CASE("ndp: Linux's advertisement decodes: solicited, override, its MAC", "[ndp]") {
    const Datagram d = datagram_of(linux_advertisement_frame);
    const result<NeighborAdvertisement> na = NeighborAdvertisement::decode(Bytes(d.data(), d.size()));
    REQUIRE(na);
    CHECK(na->source == linux5);
    CHECK(na->destination == synack5);
    CHECK(na->target == linux5);
    CHECK(na->solicited);
    CHECK(na->override);
    CHECK(!na->router);
    REQUIRE(na->target_link_layer);
    CHECK(*na->target_link_layer == linux5_mac);
}

TEST_CASE("ndp: RFC 4861 7.1.2, one rule at a time", "[ndp]") {
    const Datagram good = datagram_of(linux_advertisement_frame);
    REQUIRE(na_error_of(resummed(good)) == Error::None);
    Datagram bad_sum = good;
    bad_sum[43] ^= 1;
    CHECK(na_error_of(bad_sum) == Error::NdpInvalid);
    Datagram hop = good;
    hop[7] = 64;
    CHECK(na_error_of(hop) == Error::NdpInvalid);
    Datagram code = good;
    code[41] = 3;
    CHECK(na_error_of(resummed(code)) == Error::NdpInvalid);
    Datagram multicast_target = good;
    multicast_target[48] = 0xff;
    CHECK(na_error_of(resummed(multicast_target)) == Error::NdpInvalid);
    Datagram zero_option = good;
    zero_option[65] = 0;
    CHECK(na_error_of(resummed(zero_option)) == Error::NdpInvalid);
    // Solicited, to a multicast group: invalid; unsolicited to all nodes: fine.
    Datagram to_group = good;
    for (std::size_t i = 0; i < 16; ++i) to_group[24 + i] = ipv6_all_nodes.bytes[i];
    CHECK(na_error_of(resummed(to_group)) == Error::NdpInvalid);
    Datagram unsolicited = to_group;
    unsolicited[44] = 0x20; // O only
    const Datagram u = resummed(unsolicited);
    const result<NeighborAdvertisement> na = NeighborAdvertisement::decode(Bytes(u.data(), u.size()));
    REQUIRE(na);
    CHECK(!na->solicited);
    CHECK(na->override);
    // Without its option: valid, no MAC.
    Datagram bare = good;
    bare[5] = 24;
    const result<NeighborAdvertisement> b = NeighborAdvertisement::decode(Bytes(bare.data(), 64));
    CHECK(b.error() == Error::NdpInvalid); // (the checksum covered the option)
    Datagram bare_sum{};
    for (std::size_t i = 0; i < 64; ++i) bare_sum[i] = bare[i];
    bare_sum[42] = 0;
    bare_sum[43] = 0;
    const std::uint32_t pseudo = pseudo_header_sum(linux5, synack5, 24, icmpv6_protocol);
    const auto c = static_cast<std::uint16_t>(~internet_sum(Bytes(bare_sum.data() + 40, 24), pseudo));
    bare_sum[42] = static_cast<std::uint8_t>(c >> 8U);
    bare_sum[43] = static_cast<std::uint8_t>(c & 0xffU);
    const result<NeighborAdvertisement> b2 = NeighborAdvertisement::decode(Bytes(bare_sum.data(), 64));
    REQUIRE(b2);
    CHECK(!b2->target_link_layer);
}

TEST_CASE("ndp: solicitations and advertisements are told apart", "[ndp]") {
    const Datagram na = datagram_of(linux_advertisement_frame);
    const Datagram ns = datagram_of(our_solicitation_frame);
    CHECK(NeighborSolicitation::decode(Bytes(na.data(), na.size())).error() == Error::NdpNotSolicitation);
    CHECK(NeighborAdvertisement::decode(Bytes(ns.data(), ns.size())).error() == Error::NdpNotAdvertisement);
    Datagram udp = na;
    udp[6] = 17;
    CHECK(na_error_of(udp) == Error::NdpNotAdvertisement);
}

TEST_CASE("ndp: the duplicate address probe (RFC 4862 5.4.2) is a valid solicitation from ::", "[ndp]") {
    std::array<std::uint8_t, ndp_probe_length> d{};
    REQUIRE(duplicate_address_probe(synack5, MutableBytes(d.data(), d.size())).value() == ndp_probe_length);
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(Bytes(d.data(), d.size()));
    REQUIRE(ns);
    CHECK(ns->source == ipv6_unspecified);
    CHECK(ns->destination == solicited_node(synack5));
    CHECK(ns->target == synack5);
    CHECK(!ns->source_link_layer);
    CHECK(duplicate_address_probe(IpAddress::v4(198, 18, 5, 2), MutableBytes(d.data(), d.size())).error() ==
          Error::AddressFamilyMismatch);
    CHECK(duplicate_address_probe(synack5, MutableBytes(d.data(), 63)).error() == Error::BufferTooSmall);
}

TEST_CASE("ndp: what shows a tentative address taken (RFC 4862 5.4.3, 5.4.4)", "[ndp]") {
    std::array<std::uint8_t, ndp_probe_length> probe{};
    REQUIRE(duplicate_address_probe(linux_link_local, MutableBytes(probe.data(), probe.size())));
    const Bytes ours(probe.data(), probe.size());
    // An advertisement for it: Linux's, for 2001:db8:5::1.
    const Datagram na = datagram_of(linux_advertisement_frame);
    CHECK(is_duplicate_evidence(Bytes(na.data(), na.size()), linux5, ours));
    CHECK(!is_duplicate_evidence(Bytes(na.data(), na.size()), synack5, ours));
    // Another node's probe for it: Linux's own, with a nonce (RFC 7527).
    const Datagram dad = datagram_of(dad_frame);
    CHECK(is_duplicate_evidence(Bytes(dad.data(), dad.size()), linux_link_local, ours));
    CHECK(!is_duplicate_evidence(Bytes(dad.data(), dad.size()), linux5, ours));
    // Our own probe, looped back: no evidence.
    CHECK(!is_duplicate_evidence(ours, linux_link_local, ours));
    // Address resolution for it (from an address, not ::): no evidence.
    const Datagram res = datagram_of(resolution_frame);
    CHECK(!is_duplicate_evidence(Bytes(res.data(), res.size()), our_ip, ours));
    // Anything invalid: no evidence.
    Datagram bad = na;
    bad[43] ^= 1;
    CHECK(!is_duplicate_evidence(Bytes(bad.data(), bad.size()), linux5, ours));
}
