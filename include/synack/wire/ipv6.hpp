// synack/wire/ipv6.hpp — the IPv6 header: a zero-copy view, a bounded
// extension-header walk to the upper-layer protocol, and a plain value that
// decodes and encodes the fixed header.
//
// RFC 8200 §3 (header format), §4 (extension headers: §4.3 hop-by-hop,
// §4.4 routing, §4.5 fragment, §4.6 destination options, §4.7 no next
// header), RFC 6946 (atomic fragments), RFC 6437 (flow label), RFC 3168 §5
// (ECN field), RFC 2675 (jumbograms: not supported).
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/wire/address.hpp"

namespace synack {

inline constexpr std::size_t ipv6_header_length = 40;
inline constexpr std::size_t ipv6_max_payload = 65535;
// At most this many extension headers are walked (RFC 8200 §4.1 recommends
// an order in which each appears once, destination options twice: 6).
inline constexpr unsigned ipv6_max_extensions = 8;

// Next-header values the walk understands (IANA protocol numbers).
namespace ipv6_next {
inline constexpr std::uint8_t hop_by_hop = 0;
inline constexpr std::uint8_t routing = 43;
inline constexpr std::uint8_t fragment = 44;
inline constexpr std::uint8_t no_next_header = 59;
inline constexpr std::uint8_t destination_options = 60;
} // namespace ipv6_next

// Zero-copy view over one IPv6 packet. parse() checks, in this order
// (error offsets are into the buffer given to parse()):
//   size < 40                              -> Ipv6Truncated at size
//   version != 6                           -> Ipv6BadVersion at 0
//   payload length > size - 40             -> Ipv6BadPayloadLength at 4
//   payload length 0 with hop-by-hop next  -> Ipv6BadPayloadLength at 4
//     (a jumbogram, RFC 2675 §3; not supported)
// Bytes after 40 + payload length are ignored.
class Ipv6View {
  public:
    constexpr Ipv6View() noexcept = default;

    [[nodiscard]] static constexpr result<Ipv6View> parse(Bytes data) noexcept {
        if (data.size() < ipv6_header_length) return {Error::Ipv6Truncated, static_cast<std::uint32_t>(data.size())};
        if ((data[0] >> 4U) != 6) return {Error::Ipv6BadVersion, 0};
        const std::size_t plen = load_be16(data, 4);
        if (plen > data.size() - ipv6_header_length) return {Error::Ipv6BadPayloadLength, 4};
        if (plen == 0 && data[6] == ipv6_next::hop_by_hop) return {Error::Ipv6BadPayloadLength, 4};
        return Ipv6View(data.first(ipv6_header_length + plen));
    }

    [[nodiscard]] constexpr std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(b_[0] >> 4U); }
    [[nodiscard]] constexpr std::uint8_t traffic_class() const noexcept {
        return static_cast<std::uint8_t>(((b_[0] & 0x0fU) << 4U) | (b_[1] >> 4U));
    }
    [[nodiscard]] constexpr std::uint8_t dscp() const noexcept {
        return static_cast<std::uint8_t>(traffic_class() >> 2U);
    }
    [[nodiscard]] constexpr std::uint8_t ecn() const noexcept {
        return static_cast<std::uint8_t>(traffic_class() & 0x03U);
    }
    // 20 bits.
    [[nodiscard]] constexpr std::uint32_t flow_label() const noexcept { return load_be32(b_, 0) & 0x000f'ffffU; }
    [[nodiscard]] constexpr std::uint16_t payload_length() const noexcept { return load_be16(b_, 4); }
    // The first next header (an extension header or the upper layer).
    [[nodiscard]] constexpr std::uint8_t next_header() const noexcept { return b_[6]; }
    [[nodiscard]] constexpr std::uint8_t hop_limit() const noexcept { return b_[7]; }
    [[nodiscard]] constexpr IpAddress source() const noexcept {
        return IpAddress::from_bytes(IpFamily::V6, b_.subspan(8, 16));
    }
    [[nodiscard]] constexpr IpAddress destination() const noexcept {
        return IpAddress::from_bytes(IpFamily::V6, b_.subspan(24, 16));
    }
    [[nodiscard]] constexpr Bytes header() const noexcept { return b_.first(ipv6_header_length); }
    // Exactly payload_length bytes (extension headers included).
    [[nodiscard]] constexpr Bytes payload() const noexcept { return b_.subspan(ipv6_header_length); }
    // 40 + payload_length bytes.
    [[nodiscard]] constexpr Bytes packet() const noexcept { return b_; }

  private:
    constexpr explicit Ipv6View(Bytes b) noexcept : b_(b) {}
    Bytes b_{};
};

// Where the upper layer starts. Offsets count from the first byte of the
// IPv6 header.
struct Ipv6Upper {
    std::uint8_t protocol = 0;              // upper-layer protocol number
    std::uint32_t offset = 0;               // where its bytes start
    Bytes bytes{};                          // up to the end of the payload
    std::uint32_t next_header_offset = 6;   // the byte that named `protocol`
    std::uint8_t extension_count = 0;       // extension headers walked
};

// Walks hop-by-hop (only first, RFC 8200 §4.1), routing, destination-options
// and fragment headers to the upper layer, at most ipv6_max_extensions of
// them. Errors (offsets from the start of the IPv6 header):
//   an extension header running past the payload -> Ipv6ExtensionTruncated at its start
//   a ninth extension header                     -> Ipv6TooManyExtensions at its start
//   a fragment header with offset != 0 or M = 1  -> Ipv6Fragment at its offset field
//   No Next Header (59)                          -> NotTcp at the byte that says 59
// An atomic fragment (offset 0, M = 0; RFC 6946 §4) is stepped over. Any
// other next header is the upper layer, including a hop-by-hop header out of
// place (Linux answers it as an unknown next header), AH and ESP, which this
// library does not process.
[[nodiscard]] constexpr result<Ipv6Upper> find_upper_layer(const Ipv6View& packet) noexcept {
    const Bytes p = packet.payload();
    std::uint8_t next = packet.next_header();
    std::uint32_t next_at = 6;  // where `next` was read
    std::size_t at = 0;         // into the payload
    std::uint8_t count = 0;
    for (;;) {
        const auto here = static_cast<std::uint32_t>(ipv6_header_length + at);
        const bool extension = (next == ipv6_next::hop_by_hop && count == 0) || next == ipv6_next::routing ||
                               next == ipv6_next::destination_options || next == ipv6_next::fragment;
        if (next == ipv6_next::no_next_header) return {Error::NotTcp, next_at};
        if (!extension) {
            Ipv6Upper up;
            up.protocol = next;
            up.offset = here;
            up.bytes = p.subspan(at);
            up.next_header_offset = next_at;
            up.extension_count = count;
            return up;
        }
        if (count == ipv6_max_extensions) return {Error::Ipv6TooManyExtensions, here};
        const std::size_t left = p.size() - at;
        std::size_t length = 8;  // the fragment header's fixed size (§4.5)
        if (next == ipv6_next::fragment) {
            if (left < length) return {Error::Ipv6ExtensionTruncated, here};
            // Fragment Offset (13 bits) | Res (2) | M (1).
            const std::uint16_t off_m = load_be16(p, at + 2);
            if ((off_m & 0xfff9U) != 0) return {Error::Ipv6Fragment, here + 2};
        } else {
            // Hdr Ext Len: 8-octet units, not counting the first 8 (§4.3-4.6).
            if (left < 2) return {Error::Ipv6ExtensionTruncated, here};
            length = (std::size_t{p[at + 1]} + 1U) * 8U;
            if (left < length) return {Error::Ipv6ExtensionTruncated, here};
        }
        next = p[at];
        next_at = here;
        at += length;
        ++count;
    }
}

// The fixed header as a plain value. encode() writes no extension headers:
// next_header names the upper layer directly.
struct Ipv6Header {
    std::uint8_t dscp = 0;             // 6 bits
    std::uint8_t ecn = 0;              // 2 bits
    std::uint32_t flow_label = 0;      // 20 bits; 0 = unlabelled (RFC 6437 §2)
    std::uint16_t payload_length = 0;
    std::uint8_t next_header = 6;
    std::uint8_t hop_limit = 64;       // Linux's default (net.ipv6.conf.*.hop_limit)
    IpAddress source = IpAddress::v6(Array<std::uint8_t, 16>{});
    IpAddress destination = IpAddress::v6(Array<std::uint8_t, 16>{});

    [[nodiscard]] constexpr std::uint8_t traffic_class() const noexcept {
        return static_cast<std::uint8_t>(((dscp & 0x3fU) << 2U) | (ecn & 0x03U));
    }

    // Ipv6BadPayloadLength past 65535 (no jumbograms).
    constexpr Error set_payload_length(std::size_t payload) noexcept {
        if (payload > ipv6_max_payload) return Error::Ipv6BadPayloadLength;
        payload_length = static_cast<std::uint16_t>(payload);
        return Error::None;
    }

    [[nodiscard]] static constexpr result<Ipv6Header> decode(Bytes data) noexcept {
        const auto parsed = Ipv6View::parse(data);
        if (!parsed) return parsed.failure();
        return from_view(parsed.value());
    }

    [[nodiscard]] static constexpr Ipv6Header from_view(const Ipv6View& v) noexcept {
        Ipv6Header h;
        h.dscp = v.dscp();
        h.ecn = v.ecn();
        h.flow_label = v.flow_label();
        h.payload_length = v.payload_length();
        h.next_header = v.next_header();
        h.hop_limit = v.hop_limit();
        h.source = v.source();
        h.destination = v.destination();
        return h;
    }

    // Writes 40 bytes. Errors: AddressFamilyMismatch (an address is not
    // IPv6), BufferTooSmall. Out-of-range fields are masked to their width.
    [[nodiscard]] constexpr result<std::size_t> encode(MutableBytes out) const noexcept {
        if (!source.is_v6() || !destination.is_v6()) return Error::AddressFamilyMismatch;
        if (out.size() < ipv6_header_length) return Error::BufferTooSmall;
        const std::uint32_t first = (6U << 28U) | (std::uint32_t{traffic_class()} << 20U) | (flow_label & 0x000f'ffffU);
        store_be32(out, 0, first);
        store_be16(out, 4, payload_length);
        out[6] = next_header;
        out[7] = hop_limit;
        copy_bytes(out, 8, source.span());
        copy_bytes(out, 24, destination.span());
        return ipv6_header_length;
    }

    friend constexpr bool operator==(const Ipv6Header&, const Ipv6Header&) = default;
};

} // namespace synack
