// synack/core/result.hpp — errors as values: synack::Error and result<T>.
//
// Every fallible operation in the library returns result<T> (or Error for
// operations with no value). An error carries an optional byte offset: the
// position in the input where the problem was found, so decoders can say
// exactly where a segment is malformed.
#pragma once

#include <cstdint>
#include <type_traits>

namespace synack {

enum class Error : std::uint8_t {
    None = 0,
    // Buffers
    BufferTooSmall,         // output buffer cannot hold what must be written
    // TCP header framing (DESIGN.md: parse() validates once)
    TcpTruncated,           // fewer than 20 bytes
    TcpDataOffsetTooSmall,  // data offset < 5
    TcpDataOffsetPastEnd,   // data offset * 4 > length
    // TCP option framing (rule 4): the walk stops here
    OptionMissingLength,    // a kind other than EOL/NOP is the last byte
    OptionLengthTooSmall,   // length byte 0 or 1
    OptionLengthPastEnd,    // option runs past data offset * 4
    // TCP option content (rule 5): reported, not interpreted, walk continues
    OptionBadMssLength,
    OptionBadWindowScaleLength,
    OptionBadSackPermittedLength,
    OptionBadSackLength,
    OptionBadTimestampsLength,
    OptionBadFastOpenLength,
    // TCP option encoding
    OptionsTooLong,         // option set does not fit in 40 bytes
    OptionValueInvalid,     // e.g. a TFO cookie of odd length when encoding
    // Checksums
    BadChecksum,
    // IPv4
    Ipv4Truncated,
    Ipv4BadVersion,
    Ipv4BadHeaderLength,    // IHL < 5 or IHL * 4 > buffer
    Ipv4BadTotalLength,     // total length < IHL * 4 or > buffer
    Ipv4Fragment,           // MF set or offset != 0: reported, not reassembled
    Ipv4BadChecksum,
    // IPv6
    Ipv6Truncated,
    Ipv6BadVersion,
    Ipv6BadPayloadLength,   // payload length > buffer (jumbograms unsupported)
    Ipv6ExtensionTruncated, // an extension header runs past the payload
    Ipv6TooManyExtensions,  // more extension headers than the walk allows
    Ipv6Fragment,           // a fragment header: reported, not reassembled
    // Payload / protocol
    NotTcp,                 // the IP payload is not TCP (protocol/next header != 6)
    // Capture files
    PcapBadMagic,
    PcapTruncated,
    PcapUnsupportedLinkType,
    // Machines (handshake/)
    InvalidState,           // call not allowed in the current state
    TableFull,
    QueueFull,
    NotFound,
    // Encoding (wire/ipv4, wire/ipv6, wire/packet)
    AddressFamilyMismatch,  // an address of the wrong family for the header being written
    PcapBadRecordLength,    // a record's incl_len exceeds the snaplen or 256 KiB
    // Configuration a machine cannot honour (handshake/config.hpp validate_*)
    ConfigMss,              // mss outside 88..65535 (Linux TCP_MIN_MSS)
    ConfigWindowScale,      // window_scale above 14 (RFC 7323 §2.3)
    ConfigReceiveWindow,    // rcv_wnd 0, or more than the window field can announce (65535 << shift, at most 2^30)
    ConfigTimer,            // a duration negative, zero where it must not be, over a year, or rto_min > rto_max
    ConfigRetries,          // synack_retries above 15, or syn_retries + syn_linear_timeouts above 255
    ConfigRateLimit,        // challenge_ack_limit above 255 or challenge_ack_window under 1 ms
    ConfigTableSize,        // backlog or accept_queue above 2^31, fastopen_pending above 65536
    PcapngBadBlock,         // a pcapng block's framing or fields are invalid
    PcapngUnknownInterface, // a pcapng packet names an interface not described
    // Link layer (wire/ethernet.hpp)
    EthernetTruncated,      // fewer than the 14 bytes of an Ethernet header
    ArpTruncated,           // an ARP packet shorter than its fixed part
    ArpUnsupported,         // ARP for other than Ethernet hardware and IPv4 (RFC 826 hrd 1, pro 0x0800)
    NdpNotSolicitation,     // not an ICMPv6 Neighbor Solicitation right after the IPv6 header (wire/ndp.hpp)
    NdpInvalid,             // a solicitation or advertisement that fails RFC 4861 §7.1.1's or §7.1.2's validity checks
    NdpNotAdvertisement,    // not an ICMPv6 Neighbor Advertisement right after the IPv6 header
    // Number of errors; keep last.
    Count_
};

// A static, NUL-terminated description (const char*, not std::string_view:
// <string_view> alone would cost a third of the umbrella header's compile-time
// budget; std::string_view and std::string construct from it).
[[nodiscard]] constexpr const char* to_string(Error e) noexcept {
    switch (e) {
    case Error::None: return "none";
    case Error::BufferTooSmall: return "buffer too small";
    case Error::TcpTruncated: return "tcp header truncated (< 20 bytes)";
    case Error::TcpDataOffsetTooSmall: return "tcp data offset < 5";
    case Error::TcpDataOffsetPastEnd: return "tcp data offset past end of segment";
    case Error::OptionMissingLength: return "tcp option without length byte";
    case Error::OptionLengthTooSmall: return "tcp option length < 2";
    case Error::OptionLengthPastEnd: return "tcp option runs past header end";
    case Error::OptionBadMssLength: return "mss option length != 4";
    case Error::OptionBadWindowScaleLength: return "window scale option length != 3";
    case Error::OptionBadSackPermittedLength: return "sack-permitted option length != 2";
    case Error::OptionBadSackLength: return "sack option length not 2 + 8n (n 1..4)";
    case Error::OptionBadTimestampsLength: return "timestamps option length != 10";
    case Error::OptionBadFastOpenLength: return "fast open cookie odd or outside 4..16";
    case Error::OptionsTooLong: return "tcp options exceed 40 bytes";
    case Error::OptionValueInvalid: return "tcp option value invalid";
    case Error::BadChecksum: return "bad checksum";
    case Error::Ipv4Truncated: return "ipv4 header truncated";
    case Error::Ipv4BadVersion: return "ipv4 version != 4";
    case Error::Ipv4BadHeaderLength: return "ipv4 header length invalid";
    case Error::Ipv4BadTotalLength: return "ipv4 total length invalid";
    case Error::Ipv4Fragment: return "ipv4 fragment";
    case Error::Ipv4BadChecksum: return "ipv4 header checksum bad";
    case Error::Ipv6Truncated: return "ipv6 header truncated";
    case Error::Ipv6BadVersion: return "ipv6 version != 6";
    case Error::Ipv6BadPayloadLength: return "ipv6 payload length invalid";
    case Error::Ipv6ExtensionTruncated: return "ipv6 extension header truncated";
    case Error::Ipv6TooManyExtensions: return "too many ipv6 extension headers";
    case Error::Ipv6Fragment: return "ipv6 fragment";
    case Error::NotTcp: return "not tcp";
    case Error::PcapBadMagic: return "pcap: bad magic";
    case Error::PcapTruncated: return "pcap: truncated";
    case Error::PcapUnsupportedLinkType: return "pcap: unsupported link type";
    case Error::InvalidState: return "invalid state for this call";
    case Error::TableFull: return "table full";
    case Error::QueueFull: return "queue full";
    case Error::NotFound: return "not found";
    case Error::AddressFamilyMismatch: return "address family mismatch";
    case Error::PcapBadRecordLength: return "pcap: record length over snaplen or 256 KiB";
    case Error::ConfigMss: return "config: mss outside 88..65535";
    case Error::ConfigWindowScale: return "config: window_scale above 14";
    case Error::ConfigReceiveWindow: return "config: rcv_wnd 0 or over 65535 << window_scale (at most 2^30)";
    case Error::ConfigTimer: return "config: a duration negative, zero, over a year, or rto_min > rto_max";
    case Error::ConfigRetries: return "config: synack_retries above 15 or syn_retries + syn_linear_timeouts above 255";
    case Error::ConfigRateLimit: return "config: challenge_ack_limit above 255 or challenge_ack_window under 1 ms";
    case Error::ConfigTableSize: return "config: backlog or accept_queue above 2^31, or fastopen_pending above 65536";
    case Error::PcapngBadBlock: return "pcapng: malformed block";
    case Error::PcapngUnknownInterface: return "pcapng: packet for an undescribed interface";
    case Error::EthernetTruncated: return "Ethernet: frame shorter than its header";
    case Error::ArpTruncated: return "ARP: packet truncated";
    case Error::ArpUnsupported: return "ARP: not Ethernet/IPv4";
    case Error::NdpNotSolicitation: return "NDP: not an ICMPv6 neighbor solicitation";
    case Error::NdpInvalid: return "NDP: invalid neighbor solicitation or advertisement (RFC 4861 7.1.1, 7.1.2)";
    case Error::NdpNotAdvertisement: return "NDP: not an ICMPv6 neighbor advertisement";
    case Error::Count_: break;
    }
    return "unknown error";
}

// The error and where it was found (byte offset into the input the failing
// function was given; 0 when position is meaningless).
struct Failure {
    Error error = Error::None;
    std::uint32_t offset = 0;
    friend constexpr bool operator==(const Failure&, const Failure&) = default;
};

// result<T>: a T, or a Failure. T must be default-constructible (all of the
// library's value types are), which keeps result usable in constant
// expressions without unions.
template <class T>
class [[nodiscard]] result {
  public:
    // A value-initialized T (as std::expected's default constructor), for a
    // caller that fills the value in place and returns this one object.
    constexpr result() noexcept(std::is_nothrow_default_constructible_v<T>) = default;
    constexpr result(T v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(static_cast<T&&>(v)) {}
    constexpr result(Error e, std::uint32_t offset = 0) noexcept : failure_{e, offset} {}
    constexpr result(Failure f) noexcept : failure_(f) {}

    [[nodiscard]] constexpr bool ok() const noexcept { return failure_.error == Error::None; }
    constexpr explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] constexpr Error error() const noexcept { return failure_.error; }
    [[nodiscard]] constexpr std::uint32_t offset() const noexcept { return failure_.offset; }
    [[nodiscard]] constexpr Failure failure() const noexcept { return failure_; }

    // Precondition: ok().
    [[nodiscard]] constexpr T& value() & noexcept { return value_; }
    [[nodiscard]] constexpr const T& value() const& noexcept { return value_; }
    [[nodiscard]] constexpr T&& value() && noexcept { return static_cast<T&&>(value_); }
    constexpr T* operator->() noexcept { return &value_; }
    constexpr const T* operator->() const noexcept { return &value_; }
    constexpr T& operator*() & noexcept { return value_; }
    constexpr const T& operator*() const& noexcept { return value_; }

    [[nodiscard]] constexpr T value_or(T fallback) const noexcept { return ok() ? value_ : fallback; }

  private:
    T value_{};
    Failure failure_{};
};

} // namespace synack
