// fuzz/ethernet.cpp — the link-layer codec (wire/ethernet.hpp) on arbitrary
// frames: the Ethernet header, ARP for IPv4, and the ARP answer.
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
//   and the reply itself decodes to the same values.
#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "synack/wire/ethernet.hpp"

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
