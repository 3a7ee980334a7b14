// synack/wire/martian.hpp — which (source, destination) pairs a host must
// neither accept nor answer: "martian" addresses, classified once here and
// called by whoever routes datagrams (handshake/endpoint.hpp).
//
// IPv4 follows Linux's input route (ip_route_input_slow() and
// fib_validate_source(), net/ipv4/route.c, fib_frontend.c) and the TCP
// receive path (tcp_v4_rcv() keeps only PACKET_HOST; tcp_v4_send_reset()
// answers only RTN_LOCAL destinations):
//   source 0.0.0.0/8, 255.255.255.255, 224.0.0.0/4, 127.0.0.0/8 (a packet
//   from a device is never from loopback: route_localnet is off by default),
//   a subnet broadcast of ours (with rp_filter 1 or 2, the Debian/systemd
//   default; with the kernel's built-in rp_filter=0 Linux 6.18 skips that
//   lookup and answers such a SYN, towards the broadcast address: synack
//   never does), or one of our own addresses (accept_local is off by
//   default)                                               -> martian source
//   destination 0.0.0.0/8, 127.0.0.0/8                   -> martian destination
// (tests/driver/martians.sh sends each of these to the running kernel and
// to synack-server: neither answers.)
//   destination 255.255.255.255, a subnet broadcast of ours, 224.0.0.0/4:
//   not a unicast packet for this host; TCP drops it.
// 240.0.0.0/4 (class E) is ordinary unicast for Linux since 2.6.25.
// IPv6 (RFC 4291, Linux ipv6_rcv() and tcp_v6_rcv()/tcp_v6_conn_request()):
//   source ff00::/8 (RFC 4291 §2.7), ::1 from a device, :: (unspecified:
//   nobody to answer), ::ffff:0:0/96 (v4-mapped: tcp_v6_conn_request drops
//   it), or one of our own addresses                       -> martian source
//   destination ::, ::1, ff00::/8, ::ffff:0:0/96           -> martian destination
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/span.hpp"
#include "synack/wire/address.hpp"

namespace synack {

// An address of ours with its prefix length (IPv4: the subnet whose
// broadcast address is then also ours, as Linux's ifa_broadcast).
struct LocalAddress {
    IpAddress address{};
    std::uint8_t prefix_len = 32;
};

enum class Martian : std::uint8_t {
    None,
    SourceUnspecified,
    SourceBroadcast,
    SourceMulticast,
    SourceLoopback,
    SourceV4Mapped,
    SourceLocal,          // one of our own addresses
    DestinationUnspecified,
    DestinationBroadcast, // limited or subnet broadcast
    DestinationMulticast,
    DestinationLoopback,
    DestinationV4Mapped,
    Count_,
};

[[nodiscard]] constexpr const char* to_string(Martian m) noexcept {
    switch (m) {
    case Martian::None: return "none";
    case Martian::SourceUnspecified: return "source unspecified";
    case Martian::SourceBroadcast: return "source broadcast";
    case Martian::SourceMulticast: return "source multicast";
    case Martian::SourceLoopback: return "source loopback";
    case Martian::SourceV4Mapped: return "source v4-mapped";
    case Martian::SourceLocal: return "source is ours";
    case Martian::DestinationUnspecified: return "destination unspecified";
    case Martian::DestinationBroadcast: return "destination broadcast";
    case Martian::DestinationMulticast: return "destination multicast";
    case Martian::DestinationLoopback: return "destination loopback";
    case Martian::DestinationV4Mapped: return "destination v4-mapped";
    case Martian::Count_: break;
    }
    return "?";
}

namespace detail {

// The kinds of address that matter here, whichever side they are on.
enum class AddressKind : std::uint8_t { Unicast, Unspecified, Broadcast, Multicast, Loopback, V4Mapped };

[[nodiscard]] constexpr std::uint32_t v4_word(const IpAddress& a) noexcept {
    return (std::uint32_t{a.bytes[0]} << 24U) | (std::uint32_t{a.bytes[1]} << 16U) | (std::uint32_t{a.bytes[2]} << 8U) |
           a.bytes[3];
}

// IPv4: the subnet broadcast of `l` (prefixes of 31 and 32 have none, RFC 3021).
[[nodiscard]] constexpr bool is_subnet_broadcast(const IpAddress& a, const LocalAddress& l) noexcept {
    if (!a.is_v4() || !l.address.is_v4() || l.prefix_len >= 31) return false;
    const std::uint32_t host = l.prefix_len == 0 ? ~std::uint32_t{0} : ~std::uint32_t{0} >> l.prefix_len;
    return (v4_word(a) & ~host) == (v4_word(l.address) & ~host) && (v4_word(a) & host) == host;
}

[[nodiscard]] constexpr AddressKind address_kind(const IpAddress& a, Span<const LocalAddress> ours) noexcept {
    if (a.is_v4()) {
        const std::uint32_t w = v4_word(a);
        if ((w >> 24U) == 0) return AddressKind::Unspecified;   // 0.0.0.0/8 ("this network")
        if ((w >> 24U) == 127) return AddressKind::Loopback;    // 127.0.0.0/8
        if ((w >> 28U) == 0xE) return AddressKind::Multicast;   // 224.0.0.0/4
        if (w == 0xFFFFFFFFU) return AddressKind::Broadcast;    // limited broadcast
        for (const LocalAddress& l : ours) {
            if (is_subnet_broadcast(a, l)) return AddressKind::Broadcast;
        }
        return AddressKind::Unicast;
    }
    if (a.bytes[0] == 0xFF) return AddressKind::Multicast; // ff00::/8
    bool zero10 = true;                                    // first 10 bytes zero
    for (std::size_t i = 0; i < 10; ++i) zero10 = zero10 && a.bytes[i] == 0;
    if (zero10 && a.bytes[10] == 0xFF && a.bytes[11] == 0xFF) return AddressKind::V4Mapped;
    if (zero10 && a.bytes[10] == 0 && a.bytes[11] == 0 && a.bytes[12] == 0 && a.bytes[13] == 0 && a.bytes[14] == 0) {
        if (a.bytes[15] == 0) return AddressKind::Unspecified;
        if (a.bytes[15] == 1) return AddressKind::Loopback;
    }
    return AddressKind::Unicast;
}

} // namespace detail

// Whether a datagram from `src` to `dst`, arriving from a device, must be
// dropped without a reply, and why (the first reason found, source first).
// `ours`: the host's addresses (with their prefixes, for IPv4 subnet
// broadcasts). A destination that is unicast but not ours is not a martian
// (a router would forward it): the caller decides what to do with it.
[[nodiscard]] constexpr Martian classify_martian(const IpAddress& src, const IpAddress& dst,
                                                 Span<const LocalAddress> ours) noexcept {
    switch (detail::address_kind(src, ours)) {
    case detail::AddressKind::Unspecified: return Martian::SourceUnspecified;
    case detail::AddressKind::Broadcast: return Martian::SourceBroadcast;
    case detail::AddressKind::Multicast: return Martian::SourceMulticast;
    case detail::AddressKind::Loopback: return Martian::SourceLoopback;
    case detail::AddressKind::V4Mapped: return Martian::SourceV4Mapped;
    case detail::AddressKind::Unicast: break;
    }
    for (const LocalAddress& l : ours) {
        if (l.address == src) return Martian::SourceLocal;
    }
    switch (detail::address_kind(dst, ours)) {
    case detail::AddressKind::Unspecified: return Martian::DestinationUnspecified;
    case detail::AddressKind::Broadcast: return Martian::DestinationBroadcast;
    case detail::AddressKind::Multicast: return Martian::DestinationMulticast;
    case detail::AddressKind::Loopback: return Martian::DestinationLoopback;
    case detail::AddressKind::V4Mapped: return Martian::DestinationV4Mapped;
    case detail::AddressKind::Unicast: break;
    }
    return Martian::None;
}

} // namespace synack
