// fuzz/ethernet.cpp — the link layer (wire/ethernet.hpp, wire/ndp.hpp) on
// arbitrary frames: the Ethernet header, ARP for IPv4 and its answer, IPv6
// Neighbor Solicitations and the advertisement answering them.
//
// Properties:
// - parse fails exactly when the frame is shorter than 14 bytes, and the
//   payload is the rest of the frame, in place;
// - the header re-encoded from the parsed fields is the frame's first 14
//   bytes;
// - an ARP packet that decodes re-encodes to the payload's first 28 bytes
//   (the fields that name the kind of ARP are exactly Ethernet/IPv4);
// - arp_answer() answers exactly a request for the address asked, from a
//   unicast sender, with the reply's addresses those of the request swapped,
//   and the reply itself decodes to the same values;
// - a solicitation that decodes passes RFC 4861 §7.1.1 as checked here
//   independently (hop limit 255, code 0, target not multicast, a checksum
//   that sums to 0xffff, from :: only to the target's solicited-node group);
//   the advertisement for its target is 72 bytes of valid IPv6 + ICMPv6
//   (type 136, checksum, target, our MAC) to the solicitor or to ff02::1,
//   and none is written for another address;
// - an advertisement that decodes passes RFC 4861 §7.1.2 as checked here
//   (the same, plus S clear when sent to a group), its flags and option
//   read from the bytes; our solicitation for its target, from its
//   destination, decodes back to what was written;
// - is_duplicate_evidence() says an address is taken exactly for a valid
//   advertisement for it or another node's probe for it, never for our own
//   probe (duplicate_address_probe(), itself a valid solicitation);
// - arp_request_for() writes a request that decodes to itself, and
//   arp_teaches() learns nothing from a probe or a group sender, anything
//   else when the sender is known, and otherwise only what is for us.
#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "synack/wire/ethernet.hpp"
#include "synack/wire/ndp.hpp"

namespace {

using namespace synack;

// RFC 8200 §8.1 with RFC 1071's sum, the textbook way: an ICMPv6 message
// whose checksum is right sums to 0xffff with its pseudo-header.
bool icmpv6_sum_ok(const IpAddress& src, const IpAddress& dst, Bytes msg) {
    std::uint64_t acc = fuzz::ref_add_words(src.span(), 0);
    acc = fuzz::ref_add_words(dst.span(), acc);
    const auto len = static_cast<std::uint32_t>(msg.size());
    acc += (len >> 16U) + (len & 0xFFFFU) + 58U;
    return fuzz::ref_fold(fuzz::ref_add_words(msg, acc)) == 0xFFFF;
}

void check_ndp(Bytes body, const MacAddress& ours) {
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(body);
    if (!ns) return;
    const Ipv6View v = Ipv6View::parse(body).value();
    FUZZ_CHECK(v.hop_limit() == 255 && v.next_header() == 58 && v.payload().size() >= 24);
    FUZZ_CHECK(v.payload()[0] == 135 && v.payload()[1] == 0 && ns->target.bytes[0] != 0xff);
    FUZZ_CHECK(icmpv6_sum_ok(v.source(), v.destination(), v.payload()));
    if (ns->source == IpAddress::v6(Array<std::uint8_t, 16>{})) {
        FUZZ_CHECK(ns->destination == solicited_node(ns->target) && !ns->source_link_layer);
    }
    std::array<std::uint8_t, ndp_advertisement_length> out{};
    FUZZ_CHECK(neighbor_advertisement(*ns, ns->target, ours, MutableBytes(out.data(), out.size())).value() ==
               ndp_advertisement_length);
    const result<Ipv6View> a = Ipv6View::parse(Bytes(out.data(), out.size()));
    FUZZ_CHECK(a && a->hop_limit() == 255 && a->next_header() == 58 && a->payload().size() == 32);
    FUZZ_CHECK(a->source() == ns->target);
    const bool dad = ns->source == IpAddress::v6(Array<std::uint8_t, 16>{});
    FUZZ_CHECK(a->destination() == (dad ? IpAddress::v6_groups({0xff02, 0, 0, 0, 0, 0, 0, 1}) : ns->source));
    FUZZ_CHECK(a->payload()[0] == 136 && IpAddress::from_bytes(IpFamily::V6, a->payload().subspan(8, 16)) == ns->target);
    FUZZ_CHECK(MacAddress::from_bytes(a->payload().subspan(26)) == ours);
    FUZZ_CHECK(icmpv6_sum_ok(a->source(), a->destination(), a->payload()));
    IpAddress other = ns->target;
    other.bytes[15] = static_cast<std::uint8_t>(other.bytes[15] + 1U);
    FUZZ_CHECK(neighbor_advertisement(*ns, other, ours, MutableBytes(out.data(), out.size())).error() == Error::NotFound);
}

void check_advertisement(Bytes body, const MacAddress& ours) {
    const result<NeighborAdvertisement> na = NeighborAdvertisement::decode(body);
    if (!na) {
        FUZZ_CHECK(na.error() != Error::None);
        return;
    }
    const Ipv6View v = Ipv6View::parse(body).value();
    const Bytes icmp = v.payload();
    FUZZ_CHECK(v.hop_limit() == 255 && v.next_header() == 58 && icmp.size() >= 24);
    FUZZ_CHECK(icmp[0] == 136 && icmp[1] == 0 && na->target.bytes[0] != 0xff);
    FUZZ_CHECK(icmpv6_sum_ok(v.source(), v.destination(), icmp));
    FUZZ_CHECK(na->router == ((icmp[4] & 0x80U) != 0) && na->solicited == ((icmp[4] & 0x40U) != 0) &&
               na->override == ((icmp[4] & 0x20U) != 0));
    FUZZ_CHECK(!(na->solicited && v.destination().bytes[0] == 0xff));
    FUZZ_CHECK(IpAddress::from_bytes(IpFamily::V6, icmp.subspan(8, 16)) == na->target);
    // Our solicitation for the advertised target, from its destination.
    std::array<std::uint8_t, ndp_solicitation_length> out{};
    FUZZ_CHECK(neighbor_solicitation(na->destination, ours, na->target, MutableBytes(out.data(), out.size())).value() ==
               ndp_solicitation_length);
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(Bytes(out.data(), out.size()));
    const bool from_unspecified = na->destination == IpAddress::v6(Array<std::uint8_t, 16>{});
    FUZZ_CHECK(ns.ok() == !from_unspecified); // (from :: with a link-layer option is invalid, §7.1.1)
    if (ns) {
        FUZZ_CHECK(ns->source == na->destination && ns->target == na->target &&
                   ns->destination == solicited_node(na->target) && ns->source_link_layer && *ns->source_link_layer == ours);
    }
}

void check_dad(Bytes body) {
    // The tentative address: the bytes where a target would be, else ::2.
    IpAddress t = IpAddress::v6_groups({0, 0, 0, 0, 0, 0, 0, 2});
    if (body.size() >= 64) t = IpAddress::from_bytes(IpFamily::V6, body.subspan(48, 16));
    if (t.bytes[0] == 0xff) t.bytes[0] = 0xfe; // (a multicast target is never tentative)
    std::array<std::uint8_t, ndp_probe_length> probe{};
    FUZZ_CHECK(duplicate_address_probe(t, MutableBytes(probe.data(), probe.size())).value() == ndp_probe_length);
    const Bytes ours(probe.data(), probe.size());
    const result<NeighborSolicitation> own = NeighborSolicitation::decode(ours);
    FUZZ_CHECK(own && own->target == t && own->source == IpAddress::v6(Array<std::uint8_t, 16>{}) && !own->source_link_layer);
    FUZZ_CHECK(!is_duplicate_evidence(ours, t, ours));
    const result<NeighborAdvertisement> na = NeighborAdvertisement::decode(body);
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(body);
    bool same = body.size() == ours.size();
    for (std::size_t i = 0; same && i < body.size(); ++i) same = body[i] == ours[i];
    const bool expected = (na && na->target == t) ||
                          (ns && ns->target == t && ns->source == IpAddress::v6(Array<std::uint8_t, 16>{}) && !same);
    FUZZ_CHECK(is_duplicate_evidence(body, t, ours) == expected);
}

void check_arp_rules(const ArpPacket& a, const MacAddress& ours) {
    const Optional<ArpPacket> req = arp_request_for(a.target_ip, ours, a.sender_ip);
    FUZZ_CHECK(req.has_value());
    std::array<std::uint8_t, arp_length> out{};
    FUZZ_CHECK(req->encode(MutableBytes(out.data(), out.size())).value() == arp_length);
    const result<ArpPacket> back = ArpPacket::decode(Bytes(out.data(), out.size()));
    FUZZ_CHECK(back && back->operation == arp_request && back->sender_mac == ours && back->sender_ip == a.sender_ip &&
               back->target_mac.is_zero() && back->target_ip == a.target_ip);
    const bool silent = a.sender_mac.is_group() || a.sender_mac.is_zero() || a.sender_ip == IpAddress::v4(0, 0, 0, 0);
    FUZZ_CHECK(arp_teaches(a, true, a.target_ip) == !silent);
    FUZZ_CHECK(arp_teaches(a, false, a.target_ip) == !silent);
    const IpAddress other = IpAddress::v4(static_cast<std::uint32_t>(load_be32(Bytes(a.target_ip.bytes.data(), 4), 0) ^ 1U));
    FUZZ_CHECK(!arp_teaches(a, false, other));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synack;
    const Bytes frame(data, size);
    const result<EthernetView> v = EthernetView::parse(frame);
    FUZZ_CHECK(v.ok() == (size >= ethernet_header_length));
    if (!v) {
        FUZZ_CHECK(v.error() == Error::EthernetTruncated);
        return 0;
    }
    FUZZ_CHECK(v->payload().data() == data + ethernet_header_length);
    FUZZ_CHECK(v->payload().size() == size - ethernet_header_length);
    std::array<std::uint8_t, ethernet_header_length> h{};
    FUZZ_CHECK(encode_ethernet_header(v->destination(), v->source(), v->ether_type(), MutableBytes(h.data(), h.size())).value() ==
               ethernet_header_length);
    for (std::size_t i = 0; i < h.size(); ++i) FUZZ_CHECK(h[i] == data[i]);

    const Bytes body = v->payload();
    check_ndp(body, v->destination());
    check_advertisement(body, v->source());
    check_dad(body);
    const result<ArpPacket> a = ArpPacket::decode(body);
    if (!a) {
        FUZZ_CHECK(a.error() == Error::ArpTruncated || a.error() == Error::ArpUnsupported);
        FUZZ_CHECK(a.error() == Error::ArpUnsupported || body.size() < arp_length);
        return 0;
    }
    FUZZ_CHECK(body.size() >= arp_length);
    std::array<std::uint8_t, arp_length> out{};
    FUZZ_CHECK(a->encode(MutableBytes(out.data(), out.size())).value() == arp_length);
    for (std::size_t i = 0; i < arp_length; ++i) FUZZ_CHECK(out[i] == body[i]);

    // Our MAC and address from the frame's destination and the packet's target.
    const MacAddress ours = v->destination();
    check_arp_rules(*a, ours);
    const Optional<ArpPacket> r = arp_answer(*a, ours, a->target_ip);
    const bool expected = a->operation == arp_request && !a->sender_mac.is_group() && !a->sender_mac.is_zero();
    FUZZ_CHECK(r.has_value() == expected);
    const IpAddress other = IpAddress::v4(static_cast<std::uint32_t>(load_be32(Bytes(a->target_ip.bytes.data(), 4), 0) + 1U));
    FUZZ_CHECK(!arp_answer(*a, ours, other));
    if (!r) return 0;
    FUZZ_CHECK(r->operation == arp_reply && r->sender_mac == ours && r->sender_ip == a->target_ip &&
               r->target_mac == a->sender_mac && r->target_ip == a->sender_ip);
    FUZZ_CHECK(r->encode(MutableBytes(out.data(), out.size())).value() == arp_length);
    const result<ArpPacket> back = ArpPacket::decode(Bytes(out.data(), out.size()));
    FUZZ_CHECK(back && back->operation == r->operation && back->sender_mac == r->sender_mac &&
               back->sender_ip == r->sender_ip && back->target_mac == r->target_mac && back->target_ip == r->target_ip);
    return 0;
}
