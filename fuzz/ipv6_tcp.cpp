// fuzz/ipv6_tcp.cpp — parse_ip_packet on an IPv6 packet carrying TCP.
//
// Input: an IP packet; the version nibble is forced to 6.
//
// Properties:
// - parse_ip_packet() fails exactly as an independent reading of RFC 8200
//   says (truncated, payload length, jumbogram, extension-header walk:
//   truncated / too many / fragment / no next header, upper layer not TCP),
//   with the documented offsets; the walk never leaves the payload;
// - on success the addresses, ECN, hop limit, TCP offset and TCP bytes are
//   those of the input (bytes past 40 + payload length ignored);
// - Ipv6Header decode -> encode reproduces the 40 header bytes exactly;
// - the TCP checksum: fill on a copy, then verify is true; both agree with a
//   textbook RFC 1071 sum over the IPv6 pseudo-header; incremental updates
//   equal a full recompute;
// - the TCP header inside decodes and re-encodes byte-exact;
// - encode_ip_packet() of the found segment parses back to the same thing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.hpp"
#include "synack/wire/ipv6.hpp"
#include "synack/wire/packet.hpp"

namespace {

using synack::Bytes;
using synack::Error;

struct Expected {
    synack::Failure failure{};
    std::size_t tcp_offset = 0;
    std::size_t extensions = 0;
};

// RFC 8200 §4: hop-by-hop (0, first only), routing (43), fragment (44, 8
// bytes; only atomic ones, offset 0 and M 0, are stepped over), destination
// options (60); at most 8 of them; 59 means nothing follows.
Expected expected(Bytes b) {
    Expected e;
    if (b.empty()) { // no version nibble: packet.hpp hands it to the IPv4 parser
        e.failure = {Error::Ipv4Truncated, 0};
        return e;
    }
    if (b.size() < 40) {
        e.failure = {Error::Ipv6Truncated, static_cast<std::uint32_t>(b.size())};
        return e;
    }
    const std::size_t plen = synack::load_be16(b, 4);
    if (40 + plen > b.size() || (plen == 0 && b[6] == 0)) {
        e.failure = {Error::Ipv6BadPayloadLength, 4};
        return e;
    }
    const std::size_t end = 40 + plen;
    std::uint8_t next = b[6];
    std::size_t named_at = 6;
    std::size_t at = 40;
    std::size_t count = 0;
    for (;;) {
        if (next == 59) {
            e.failure = {Error::NotTcp, static_cast<std::uint32_t>(named_at)};
            return e;
        }
        const bool ext = (next == 0 && count == 0) || next == 43 || next == 44 || next == 60;
        if (!ext) break;
        if (count == 8) {
            e.failure = {Error::Ipv6TooManyExtensions, static_cast<std::uint32_t>(at)};
            return e;
        }
        std::size_t len = 8;
        if (next != 44) {
            if (end - at < 2) {
                e.failure = {Error::Ipv6ExtensionTruncated, static_cast<std::uint32_t>(at)};
                return e;
            }
            len = (static_cast<std::size_t>(b[at + 1]) + 1) * 8;
        }
        if (end - at < len) {
            e.failure = {Error::Ipv6ExtensionTruncated, static_cast<std::uint32_t>(at)};
            return e;
        }
        if (next == 44) {
            const unsigned offset = synack::load_be16(b, at + 2) >> 3U;
            const bool more = (b[at + 3] & 1U) != 0;
            if (offset != 0 || more) {
                e.failure = {Error::Ipv6Fragment, static_cast<std::uint32_t>(at + 2)};
                return e;
            }
        }
        next = b[at];
        named_at = at;
        at += len;
        ++count;
    }
    if (next != 6) {
        e.failure = {Error::NotTcp, static_cast<std::uint32_t>(named_at)};
        return e;
    }
    e.tcp_offset = at;
    e.extensions = count;
    return e;
}

void check_header_reencode(Bytes b) {
    const synack::result<synack::Ipv6Header> h = synack::Ipv6Header::decode(b);
    FUZZ_CHECK(h.ok());
    FUZZ_CHECK(h->payload_length == synack::load_be16(b, 4) && h->next_header == b[6] && h->hop_limit == b[7]);
    FUZZ_CHECK(h->flow_label == (synack::load_be32(b, 0) & 0xFFFFFU));
    FUZZ_CHECK(h->traffic_class() == ((synack::load_be16(b, 0) >> 4U) & 0xFFU));
    std::array<std::uint8_t, 40> out{};
    const synack::result<std::size_t> n = h->encode(out);
    FUZZ_CHECK(n.ok() && *n == 40);
    for (std::size_t i = 0; i < 40; ++i) FUZZ_CHECK(out[i] == b[i]);
    const synack::result<synack::Ipv6View> v = synack::Ipv6View::parse(b);
    FUZZ_CHECK(v.ok() && v->packet().size() == 40U + h->payload_length);
}

void check_packet(Bytes b, const Expected& want, const synack::IpPacket& p) {
    const std::size_t plen = synack::load_be16(b, 4);
    FUZZ_CHECK(p.family == synack::IpFamily::V6);
    FUZZ_CHECK(p.source == synack::IpAddress::from_bytes(synack::IpFamily::V6, b.subspan(8, 16)));
    FUZZ_CHECK(p.destination == synack::IpAddress::from_bytes(synack::IpFamily::V6, b.subspan(24, 16)));
    FUZZ_CHECK(p.ecn == ((b[1] >> 4U) & 3U) && p.ttl_or_hop_limit == b[7]);
    FUZZ_CHECK(p.tcp_offset == want.tcp_offset);
    FUZZ_CHECK(p.tcp.data() == b.data() + want.tcp_offset && p.tcp.size() == 40 + plen - want.tcp_offset);

    const synack::result<synack::Ipv6View> v = synack::Ipv6View::parse(b);
    FUZZ_CHECK(v.ok());
    const synack::result<synack::Ipv6Upper> up = synack::find_upper_layer(*v);
    FUZZ_CHECK(up.ok() && up->protocol == 6 && up->offset == want.tcp_offset);
    FUZZ_CHECK(up->extension_count == want.extensions);

    fuzz::check_tcp_in_ip(p.source, p.destination, p.tcp);

    std::vector<std::uint8_t> out(40 + p.tcp.size());
    const synack::result<std::size_t> n =
        synack::encode_ip_packet(p.source, p.destination, p.ecn, p.ttl_or_hop_limit, p.tcp, out);
    FUZZ_CHECK(n.ok() && *n == out.size());
    FUZZ_CHECK(out[0] == 0x60 && (out[1] & 0x0FU) == 0 && out[2] == 0 && out[3] == 0 && out[6] == 6);
    const synack::result<synack::IpPacket> q = synack::parse_ip_packet(out);
    FUZZ_CHECK(q.ok());
    FUZZ_CHECK(q->family == p.family && q->source == p.source && q->destination == p.destination);
    FUZZ_CHECK(q->ecn == p.ecn && q->ttl_or_hop_limit == p.ttl_or_hop_limit && q->tcp_offset == 40);
    FUZZ_CHECK(q->tcp.size() == p.tcp.size());
    for (std::size_t i = 0; i < p.tcp.size(); ++i) FUZZ_CHECK(q->tcp[i] == p.tcp[i]);
    std::vector<std::uint8_t> small(out.size() - 1, 0xA5);
    const synack::result<std::size_t> m =
        synack::encode_ip_packet(p.source, p.destination, p.ecn, p.ttl_or_hop_limit, p.tcp, small);
    FUZZ_CHECK(!m.ok() && m.error() == Error::BufferTooSmall);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> buf(data, data + size);
    if (!buf.empty()) buf[0] = static_cast<std::uint8_t>((buf[0] & 0x0FU) | 0x60U);
    const Bytes b(buf);
    const Expected want = expected(b);
    const synack::result<synack::IpPacket> r = synack::parse_ip_packet(b);
    FUZZ_CHECK(r.failure() == want.failure);
    if (synack::Ipv6View::parse(b).ok()) check_header_reencode(b);
    if (r) check_packet(b, want, *r);
    return 0;
}
