// synack/wire/packet.hpp — one call from raw IP bytes (a TUN read, a pcap
// record minus its link header) to the TCP segment inside, and back.
//
// RFC 791 §3.1 / RFC 8200 §3-4 framing via ipv4.hpp / ipv6.hpp; RFC 6864 §4
// (Identification of atomic datagrams) for what encode writes. The TCP
// checksum is not checked here: the caller verifies it with the addresses
// (verify_tcp_checksum), as the machines do.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/ipv4.hpp"
#include "synack/wire/ipv6.hpp"

namespace synack {

// A TCP segment found in an IP packet.
struct IpPacket {
    IpAddress source{};
    IpAddress destination{};
    IpFamily family = IpFamily::V4;
    std::uint8_t ecn = 0;               // RFC 3168 §5 ECN field of the IP header
    std::uint8_t ttl_or_hop_limit = 0;
    std::uint32_t tcp_offset = 0;       // where `tcp` starts in the input
    Bytes tcp{};                        // the TCP segment (header + payload), trimmed to the IP length
};

// Whether a datagram is IPv6, by the version in its first four bits;
// anything else is read as IPv4 (whose parser then checks the version).
[[nodiscard]] constexpr bool is_ipv6_datagram(Bytes data) noexcept { return !data.empty() && (data[0] >> 4U) == 6; }

// Dispatches on the version nibble: 6 is IPv6, anything else goes through the
// IPv4 parser (so an empty buffer is Ipv4Truncated at 0 and an unknown
// version Ipv4BadVersion at 0). On top of the view's framing errors:
//   IPv4 header checksum wrong        -> Ipv4BadChecksum at 10 (Linux drops these in ip_rcv)
//   IPv4 MF set or fragment offset    -> Ipv4Fragment at 6
//   IPv4 protocol != 6                -> NotTcp at 9
//   IPv6 extension-header walk errors -> as find_upper_layer reports them
//   IPv6 upper layer != 6             -> NotTcp at the next-header byte naming it
// Offsets are into `data`. With `verify_ipv4_checksum` false the IPv4
// header checksum is not checked (a capture reader reports it apart, so the
// segment behind a bad header is still shown).
//
// This form fills `out` in place and returns the Failure (error None on
// success; `out` is meaningful only then): what a packet path uses, since
// nothing is copied. The form below returns a result<IpPacket>.
constexpr Failure parse_ip_packet(Bytes data, IpPacket& out, bool verify_ipv4_checksum = true) noexcept {
    if (is_ipv6_datagram(data)) {
        const auto v6 = Ipv6View::parse(data);
        if (!v6) return v6.failure();
        const auto up = find_upper_layer(v6.value());
        if (!up) return up.failure();
        if (up->protocol != ip_protocol_tcp) return {Error::NotTcp, up->next_header_offset};
        out.family = IpFamily::V6;
        out.source = v6->source();
        out.destination = v6->destination();
        out.ecn = v6->ecn();
        out.ttl_or_hop_limit = v6->hop_limit();
        out.tcp_offset = up->offset;
        out.tcp = up->bytes;
        return {};
    }
    const auto v4 = Ipv4View::parse(data);
    if (!v4) return v4.failure();
    if (verify_ipv4_checksum && !v4->checksum_ok()) return {Error::Ipv4BadChecksum, 10};
    if (v4->is_fragment()) return {Error::Ipv4Fragment, 6};
    if (v4->protocol() != ip_protocol_tcp) return {Error::NotTcp, 9};
    out.family = IpFamily::V4;
    out.source = v4->source();
    out.destination = v4->destination();
    out.ecn = v4->ecn();
    out.ttl_or_hop_limit = v4->ttl();
    out.tcp_offset = static_cast<std::uint32_t>(v4->header_length());
    out.tcp = v4->payload();
    return {};
}

[[nodiscard]] constexpr result<IpPacket> parse_ip_packet(Bytes data, bool verify_ipv4_checksum = true) noexcept {
    // One object, returned from every path, so the packet is parsed straight
    // into the caller's storage: parsed into a local and copied out, its
    // narrow stores would be read back by wide loads and stall on store
    // forwarding (clang 14 copied it that way: 8-15 ns a packet).
    result<IpPacket> r;
    if (const Failure f = parse_ip_packet(data, *r, verify_ipv4_checksum); f.error != Error::None) r = f;
    return r;
}

// Writes a minimal IP header for a TCP segment of `tcp_length` bytes into
// `out` and returns the header's length (20 or 40); the segment itself goes
// right after it (an Endpoint writes it there first, so nothing is copied).
// IPv4: IHL 5, DSCP 0, identification 0 with DF set (an atomic datagram,
// RFC 6864 §4.1; Linux does the same for its SYN-ACKs), no options. IPv6:
// traffic class = ECN, flow label 0 (unlabelled, RFC 6437 §2), no extension
// headers. `ttl` is the hop limit for IPv6. The family is that of `src`.
// Errors: AddressFamilyMismatch (src and dst differ), Ipv4BadTotalLength /
// Ipv6BadPayloadLength (segment too long for the length field),
// BufferTooSmall (`out` cannot hold header + segment).
// Inlined: called, its six arguments put `out` on the stack, built there
// with two 8-byte stores and read back with one 16-byte load (clang 14),
// a store-forwarding stall per datagram.
[[nodiscard]] SYNACK_ALWAYS_INLINE constexpr result<std::size_t> encode_ip_header(const IpAddress& src, const IpAddress& dst,
                                                             std::uint8_t ecn, std::uint8_t ttl,
                                                             std::size_t tcp_length, MutableBytes out) noexcept {
    if (src.family != dst.family) return Error::AddressFamilyMismatch;
    if (src.is_v4()) {
        Ipv4Header h;
        h.ecn = ecn;
        h.identification = 0;
        h.dont_fragment = true;
        h.ttl = ttl;
        h.protocol = ip_protocol_tcp;
        h.source = src;
        h.destination = dst;
        if (const Error e = h.set_payload_length(tcp_length); e != Error::None) return e;
        if (out.size() < h.total_length) return Error::BufferTooSmall;
        return h.encode(out);
    }
    Ipv6Header h;
    h.ecn = ecn;
    h.flow_label = 0;
    h.next_header = ip_protocol_tcp;
    h.hop_limit = ttl;
    h.source = src;
    h.destination = dst;
    if (const Error e = h.set_payload_length(tcp_length); e != Error::None) return e;
    if (out.size() < ipv6_header_length + tcp_length) return Error::BufferTooSmall;
    return h.encode(out);
}

// encode_ip_header() followed by a copy of `tcp_segment`; returns the bytes
// written (same errors).
[[nodiscard]] constexpr result<std::size_t> encode_ip_packet(const IpAddress& src, const IpAddress& dst,
                                                             std::uint8_t ecn, std::uint8_t ttl, Bytes tcp_segment,
                                                             MutableBytes out) noexcept {
    const result<std::size_t> header = encode_ip_header(src, dst, ecn, ttl, tcp_segment.size(), out);
    if (!header) return header;
    copy_bytes(out, *header, tcp_segment);
    return *header + tcp_segment.size();
}

} // namespace synack
