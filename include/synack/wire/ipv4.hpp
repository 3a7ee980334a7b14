// synack/wire/ipv4.hpp — the IPv4 header: a zero-copy view that validates the
// framing once, and a plain value that decodes fully and encodes with a
// correct header checksum.
//
// RFC 791 §3.1 (header format), RFC 2474 §3 (DSCP), RFC 3168 §5 (ECN field),
// RFC 6864 §4 (Identification of atomic datagrams). Fragments are parsed and
// reported (is_fragment()), never reassembled.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"

namespace synack {

inline constexpr std::size_t ipv4_min_header = 20;
inline constexpr std::size_t ipv4_max_header = 60;  // IHL is 4 bits: 15 * 4
inline constexpr std::size_t ipv4_max_options = 40;
inline constexpr std::size_t ipv4_max_total = 65535;
inline constexpr std::uint8_t ip_protocol_tcp = 6;  // IANA protocol / IPv6 next header number

// Zero-copy view over one IPv4 datagram. parse() checks, in this order
// (error offsets are into the buffer given to parse()):
//   size < 20                          -> Ipv4Truncated at size
//   version != 4                       -> Ipv4BadVersion at 0
//   IHL < 5 or IHL * 4 > size          -> Ipv4BadHeaderLength at 0
//   total length < IHL * 4 or > size   -> Ipv4BadTotalLength at 2
// Bytes after total length (Ethernet padding of short frames) are ignored.
// The header checksum is not checked here: see checksum_ok().
class Ipv4View {
  public:
    constexpr Ipv4View() noexcept = default;

    [[nodiscard]] static constexpr result<Ipv4View> parse(Bytes data) noexcept {
        if (data.size() < ipv4_min_header) return {Error::Ipv4Truncated, static_cast<std::uint32_t>(data.size())};
        if ((data[0] >> 4U) != 4) return {Error::Ipv4BadVersion, 0};
        const std::size_t hlen = static_cast<std::size_t>(data[0] & 0x0fU) * 4U;
        if (hlen < ipv4_min_header || hlen > data.size()) return {Error::Ipv4BadHeaderLength, 0};
        const std::size_t total = load_be16(data, 2);
        if (total < hlen || total > data.size()) return {Error::Ipv4BadTotalLength, 2};
        return Ipv4View(data.first(total));
    }

    [[nodiscard]] constexpr std::uint8_t version() const noexcept { return static_cast<std::uint8_t>(b_[0] >> 4U); }
    // Header length in 32-bit words (5..15).
    [[nodiscard]] constexpr std::uint8_t ihl() const noexcept { return static_cast<std::uint8_t>(b_[0] & 0x0fU); }
    [[nodiscard]] constexpr std::size_t header_length() const noexcept { return std::size_t{ihl()} * 4U; }
    [[nodiscard]] constexpr std::uint8_t tos() const noexcept { return b_[1]; }
    [[nodiscard]] constexpr std::uint8_t dscp() const noexcept { return static_cast<std::uint8_t>(b_[1] >> 2U); }
    [[nodiscard]] constexpr std::uint8_t ecn() const noexcept { return static_cast<std::uint8_t>(b_[1] & 0x03U); }
    [[nodiscard]] constexpr std::uint16_t total_length() const noexcept { return load_be16(b_, 2); }
    [[nodiscard]] constexpr std::uint16_t identification() const noexcept { return load_be16(b_, 4); }
    // Bit 0 of the flags, "reserved, must be zero" (RFC 791).
    [[nodiscard]] constexpr bool reserved_flag() const noexcept { return (b_[6] & 0x80U) != 0; }
    [[nodiscard]] constexpr bool dont_fragment() const noexcept { return (b_[6] & 0x40U) != 0; }
    [[nodiscard]] constexpr bool more_fragments() const noexcept { return (b_[6] & 0x20U) != 0; }
    // In 8-octet units, as on the wire.
    [[nodiscard]] constexpr std::uint16_t fragment_offset() const noexcept {
        return static_cast<std::uint16_t>(load_be16(b_, 6) & 0x1fffU);
    }
    // Part of a fragmented datagram (first, middle or last piece).
    [[nodiscard]] constexpr bool is_fragment() const noexcept { return more_fragments() || fragment_offset() != 0; }
    [[nodiscard]] constexpr std::uint8_t ttl() const noexcept { return b_[8]; }
    [[nodiscard]] constexpr std::uint8_t protocol() const noexcept { return b_[9]; }
    [[nodiscard]] constexpr std::uint16_t header_checksum() const noexcept { return load_be16(b_, 10); }
    // RFC 791 §3.1 / RFC 1071: the header, checksum included, sums to all ones.
    [[nodiscard]] constexpr bool checksum_ok() const noexcept { return internet_sum(header()) == 0xffffU; }
    [[nodiscard]] constexpr IpAddress source() const noexcept {
        return IpAddress::from_bytes(IpFamily::V4, b_.subspan(12, 4));
    }
    [[nodiscard]] constexpr IpAddress destination() const noexcept {
        return IpAddress::from_bytes(IpFamily::V4, b_.subspan(16, 4));
    }
    [[nodiscard]] constexpr Bytes header() const noexcept { return b_.first(header_length()); }
    [[nodiscard]] constexpr Bytes options() const noexcept {
        return b_.subspan(ipv4_min_header, header_length() - ipv4_min_header);
    }
    // Exactly total_length - header_length bytes.
    [[nodiscard]] constexpr Bytes payload() const noexcept { return b_.subspan(header_length()); }
    // The datagram: exactly total_length bytes.
    [[nodiscard]] constexpr Bytes packet() const noexcept { return b_; }

  private:
    constexpr explicit Ipv4View(Bytes b) noexcept : b_(b) {}
    Bytes b_{};
};

// Every header field as a plain value. encode() writes header + options and
// computes the header checksum; total_length is the caller's to set (see
// set_payload_length). Out-of-range field values are masked to their width.
struct Ipv4Header {
    std::uint8_t dscp = 0;                // 6 bits
    std::uint8_t ecn = 0;                 // 2 bits
    std::uint16_t total_length = 20;      // header + payload
    std::uint16_t identification = 0;
    bool reserved_flag = false;           // kept so that decode -> encode is byte-exact
    bool dont_fragment = true;            // Linux sets DF on TCP (path MTU discovery)
    bool more_fragments = false;
    std::uint16_t fragment_offset = 0;    // 13 bits, 8-octet units
    std::uint8_t ttl = 64;                // Linux's default (net.ipv4.ip_default_ttl)
    std::uint8_t protocol = ip_protocol_tcp;
    std::uint16_t header_checksum = 0;    // as decoded; encode() writes the correct value
    IpAddress source{};
    IpAddress destination{};
    Array<std::uint8_t, ipv4_max_options> options{};
    std::uint8_t options_length = 0;      // a multiple of 4, <= 40

    [[nodiscard]] constexpr std::size_t header_length() const noexcept {
        return ipv4_min_header + options_length;
    }
    [[nodiscard]] constexpr Bytes option_bytes() const noexcept {
        return Bytes(options.data(), options_length <= ipv4_max_options ? options_length : ipv4_max_options);
    }

    // Options must already be padded to a multiple of 4 bytes (RFC 791 §3.1:
    // the header ends on a 32-bit boundary); else Ipv4BadHeaderLength.
    constexpr Error set_options(Bytes opts) noexcept {
        if (opts.size() > ipv4_max_options || opts.size() % 4 != 0) return Error::Ipv4BadHeaderLength;
        options = {};
        for (std::size_t i = 0; i < opts.size(); ++i) options[i] = opts[i];
        options_length = static_cast<std::uint8_t>(opts.size());
        return Error::None;
    }

    // total_length = header_length() + payload; Ipv4BadTotalLength past 65535.
    constexpr Error set_payload_length(std::size_t payload) noexcept {
        if (payload > ipv4_max_total - header_length()) return Error::Ipv4BadTotalLength;
        total_length = static_cast<std::uint16_t>(header_length() + payload);
        return Error::None;
    }

    [[nodiscard]] static constexpr result<Ipv4Header> decode(Bytes data) noexcept {
        const auto parsed = Ipv4View::parse(data);
        if (!parsed) return parsed.failure();
        return from_view(parsed.value());
    }

    [[nodiscard]] static constexpr Ipv4Header from_view(const Ipv4View& v) noexcept {
        Ipv4Header h;
        h.dscp = v.dscp();
        h.ecn = v.ecn();
        h.total_length = v.total_length();
        h.identification = v.identification();
        h.reserved_flag = v.reserved_flag();
        h.dont_fragment = v.dont_fragment();
        h.more_fragments = v.more_fragments();
        h.fragment_offset = v.fragment_offset();
        h.ttl = v.ttl();
        h.protocol = v.protocol();
        h.header_checksum = v.header_checksum();
        h.source = v.source();
        h.destination = v.destination();
        const Bytes opts = v.options();
        for (std::size_t i = 0; i < opts.size(); ++i) h.options[i] = opts[i];
        h.options_length = static_cast<std::uint8_t>(opts.size());
        return h;
    }

    // Writes header_length() bytes. Errors: Ipv4BadHeaderLength (options not
    // a multiple of 4 or > 40), Ipv4BadTotalLength (total_length <
    // header_length()), AddressFamilyMismatch (an address is not IPv4),
    // BufferTooSmall.
    [[nodiscard]] SYNACK_ALWAYS_INLINE constexpr result<std::size_t> encode(MutableBytes out) const noexcept {
        if (options_length > ipv4_max_options || options_length % 4 != 0) return Error::Ipv4BadHeaderLength;
        const std::size_t hlen = header_length();
        if (total_length < hlen) return Error::Ipv4BadTotalLength;
        if (!source.is_v4() || !destination.is_v4()) return Error::AddressFamilyMismatch;
        if (out.size() < hlen) return Error::BufferTooSmall;
        // Five 32-bit words, summed as they are stored (the checksum is
        // never computed by reading the fresh bytes back: that would wait on
        // store forwarding), then the options from this value.
        const unsigned flags = (reserved_flag ? 0x8000U : 0U) | (dont_fragment ? 0x4000U : 0U) |
                               (more_fragments ? 0x2000U : 0U);
        const std::uint32_t w0 = ((0x40U | static_cast<std::uint32_t>(hlen / 4U)) << 24U) |
                                 (((dscp & 0x3fU) << 2U | (ecn & 0x03U)) << 16U) | total_length;
        const std::uint32_t w1 = (static_cast<std::uint32_t>(identification) << 16U) | flags | (fragment_offset & 0x1fffU);
        const std::uint32_t w2 = (static_cast<std::uint32_t>(ttl) << 24U) | (static_cast<std::uint32_t>(protocol) << 16U);
        const std::uint32_t w3 = load_be32(source.bytes, 0);
        const std::uint32_t w4 = load_be32(destination.bytes, 0);
        store_be32(out, 0, w0);
        store_be32(out, 4, w1);
        store_be32(out, 12, w3);
        store_be32(out, 16, w4);
        copy_bytes(out, ipv4_min_header, option_bytes());
        std::uint64_t sum = std::uint64_t{w0} + w1 + w2 + w3 + w4;
        if (options_length != 0) sum += internet_sum(option_bytes());
        store_be32(out, 8, w2 | static_cast<std::uint16_t>(~fold_sum(sum)));
        return hlen;
    }

    friend constexpr bool operator==(const Ipv4Header&, const Ipv4Header&) = default;
};

} // namespace synack
