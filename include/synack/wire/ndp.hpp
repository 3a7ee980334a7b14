// synack/wire/ndp.hpp — IPv6 Neighbor Discovery, the part a host on
// Ethernet needs to find and be found (RFC 4861 §4.3, §4.4, §7.1, §7.2):
// decode and validate Neighbor Solicitations and Advertisements, write the
// advertisement that answers a solicitation, and write a solicitation of
// our own; ARP's counterpart (wire/ethernet.hpp).
//
// Only messages whose ICMPv6 header follows the IPv6 header directly
// are decoded (extension headers: NdpNotSolicitation); Linux and every
// other stack send them so. No router, redirect or duplicate-address state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/result.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/ethernet.hpp"
#include "synack/wire/ipv6.hpp"

namespace synack {

inline constexpr std::uint8_t icmpv6_protocol = 58;
inline constexpr std::uint8_t ndp_neighbor_solicitation = 135;
inline constexpr std::uint8_t ndp_neighbor_advertisement = 136;
inline constexpr std::uint8_t ndp_option_source_link_layer = 1;
inline constexpr std::uint8_t ndp_option_target_link_layer = 2;
inline constexpr std::uint8_t ndp_hop_limit = 255; // RFC 4861 §7.1.1: the packet never crossed a router
inline constexpr std::size_t ndp_advertisement_length = 40 + 32; // IPv6 header + ICMPv6 with one option
inline constexpr std::size_t ndp_solicitation_length = 40 + 32;   // the same, for the solicitations written here
inline constexpr std::size_t ndp_probe_length = 40 + 24;          // a duplicate address probe: no option

// ff02::1:ffXX:XXXX for `a` (RFC 4291 §2.7.1).
[[nodiscard]] constexpr IpAddress solicited_node(const IpAddress& a) noexcept {
    Array<std::uint8_t, 16> b{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0};
    b[13] = a.bytes[13];
    b[14] = a.bytes[14];
    b[15] = a.bytes[15];
    return IpAddress::v6(b);
}

// The Ethernet address of an IPv6 multicast group: 33:33 and its last four
// bytes (RFC 2464 §7).
[[nodiscard]] constexpr MacAddress ipv6_multicast_mac(const IpAddress& group) noexcept {
    return {{0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]}};
}

inline constexpr IpAddress ipv6_unspecified = IpAddress::v6(Array<std::uint8_t, 16>{});
inline constexpr IpAddress ipv6_all_nodes = IpAddress::v6_groups({0xff02, 0, 0, 0, 0, 0, 0, 1});

namespace detail {

// What RFC 4861 §7.1.1 and §7.1.2 ask of both messages: an IPv6 datagram
// carrying ICMPv6 `type` right after its header (else `not_it`), hop limit
// 255, a valid checksum, code 0, at least 24 bytes, a target that is not
// multicast, and options each of length > 0 that fit. Gives the ICMPv6
// bytes and the link-layer address options (`want`: source or target).
struct NdpMessage {
    IpAddress source{};
    IpAddress destination{};
    Bytes icmp{};
    IpAddress target{};
    Optional<MacAddress> link_layer; // the option of type `want`, if present
};
[[nodiscard]] constexpr result<NdpMessage> ndp_message(Bytes datagram, std::uint8_t type, std::uint8_t want,
                                                       Error not_it) noexcept {
    const result<Ipv6View> v = Ipv6View::parse(datagram);
    if (!v) return v.failure();
    const Bytes icmp = v->payload();
    if (v->next_header() != icmpv6_protocol || icmp.empty() || icmp[0] != type) return not_it;
    if (v->hop_limit() != ndp_hop_limit || icmp.size() < 24 || icmp[1] != 0) return Error::NdpInvalid;
    const std::uint32_t pseudo =
        pseudo_header_sum(v->source(), v->destination(), static_cast<std::uint32_t>(icmp.size()), icmpv6_protocol);
    if (internet_sum(icmp, pseudo) != 0xffffU) return Error::NdpInvalid;
    NdpMessage m;
    m.source = v->source();
    m.destination = v->destination();
    m.icmp = icmp;
    m.target = IpAddress::from_bytes(IpFamily::V6, icmp.subspan(8, 16));
    if (m.target.bytes[0] == 0xff) return Error::NdpInvalid;
    for (std::size_t at = 24; at < icmp.size();) {
        if (icmp.size() - at < 2 || icmp[at + 1] == 0) return Error::NdpInvalid;
        const std::size_t len = std::size_t{icmp[at + 1]} * 8U;
        if (len > icmp.size() - at) return Error::NdpInvalid;
        if (icmp[at] == want && len >= 8) m.link_layer = MacAddress::from_bytes(icmp.subspan(at + 2, 6));
        at += len;
    }
    return m;
}

// A solicitation or advertisement (RFC 4861 §4.3, §4.4) into `out`: the
// IPv6 header (hop limit 255), then the ICMPv6 message: `type`, code 0, its
// checksum, the 32 bits after it (`flags`), the target, and one link-layer
// address option (72 bytes) or, with `option` 0, none (64 bytes).
constexpr void write_ndp_message(MutableBytes out, const IpAddress& source, const IpAddress& destination,
                                 std::uint8_t type, std::uint32_t flags, const IpAddress& target,
                                 std::uint8_t option, const MacAddress& mac) noexcept {
    const std::uint16_t length = option != 0 ? 32 : 24;
    Ipv6Header h;
    h.payload_length = length;
    h.next_header = icmpv6_protocol;
    h.hop_limit = ndp_hop_limit;
    h.source = source;
    h.destination = destination;
    static_cast<void>(h.encode(out));
    MutableBytes icmp = out.subspan(40, length);
    icmp[0] = type;
    icmp[1] = 0;
    store_be16(icmp, 2, 0);
    store_be32(icmp, 4, flags);
    copy_bytes(icmp, 8, target.span());
    if (option != 0) {
        icmp[24] = option;
        icmp[25] = 1; // 8 bytes
        copy_bytes(icmp, 26, mac.span());
    }
    const std::uint32_t pseudo = pseudo_header_sum(source, destination, length, icmpv6_protocol);
    store_be16(icmp, 2, static_cast<std::uint16_t>(~internet_sum(Bytes(icmp), pseudo)));
}

} // namespace detail

struct NeighborSolicitation {
    IpAddress source{};      // :: for duplicate address detection
    IpAddress destination{}; // the target's solicited-node group, or the target itself
    IpAddress target{};
    Optional<MacAddress> source_link_layer; // the sender's MAC, if it said

    // A whole IPv6 datagram: an NS (else NdpNotSolicitation) that passes
    // RFC 4861 §7.1.1 (else NdpInvalid): hop limit 255, checksum, code 0, at
    // least 24 bytes, target not multicast, every option's length > 0, and
    // from :: only to a solicited-node group and without a source
    // link-layer option. IPv6 framing errors are Ipv6View's.
    [[nodiscard]] static constexpr result<NeighborSolicitation> decode(Bytes datagram) noexcept {
        const result<detail::NdpMessage> m = detail::ndp_message(datagram, ndp_neighbor_solicitation,
                                                                 ndp_option_source_link_layer, Error::NdpNotSolicitation);
        if (!m) return m.failure();
        NeighborSolicitation ns;
        ns.source = m->source;
        ns.destination = m->destination;
        ns.target = m->target;
        ns.source_link_layer = m->link_layer;
        if (ns.source == ipv6_unspecified) {
            if (ns.destination != solicited_node(ns.target) || ns.source_link_layer) return Error::NdpInvalid;
        }
        return ns;
    }
};

struct NeighborAdvertisement {
    IpAddress source{};
    IpAddress destination{};
    IpAddress target{};
    bool router = false;    // R
    bool solicited = false; // S: the answer to a solicitation
    bool override = false;  // O: replaces a cached link-layer address
    Optional<MacAddress> target_link_layer;

    // A whole IPv6 datagram: an NA (else NdpNotAdvertisement) that passes
    // RFC 4861 §7.1.2 (else NdpInvalid): the checks both messages share
    // (detail::ndp_message()), and S clear when sent to a multicast group.
    [[nodiscard]] static constexpr result<NeighborAdvertisement> decode(Bytes datagram) noexcept {
        const result<detail::NdpMessage> m = detail::ndp_message(datagram, ndp_neighbor_advertisement,
                                                                 ndp_option_target_link_layer, Error::NdpNotAdvertisement);
        if (!m) return m.failure();
        NeighborAdvertisement na;
        na.source = m->source;
        na.destination = m->destination;
        na.target = m->target;
        na.target_link_layer = m->link_layer;
        const std::uint32_t flags = load_be32(m->icmp, 4);
        na.router = (flags & 0x80000000U) != 0;
        na.solicited = (flags & 0x40000000U) != 0;
        na.override = (flags & 0x20000000U) != 0;
        if (na.solicited && na.destination.bytes[0] == 0xff) return Error::NdpInvalid;
        return na;
    }
};

// RFC 4861 §7.2.4: where the advertisement answering `ns` goes: to the
// solicitor, or to all nodes when it asked from :: (duplicate address
// detection).
[[nodiscard]] constexpr IpAddress advertisement_destination(const NeighborSolicitation& ns) noexcept {
    return ns.source == ipv6_unspecified ? ipv6_all_nodes : ns.source;
}

// RFC 4861 §7.2.4: the advertisement of `ours` (with `our_mac` as its
// target link-layer address) answering `ns`, written as a whole IPv6
// datagram (72 bytes). To the solicitation's source with S set, or, for a
// solicitation from :: (duplicate address detection), to all nodes (ff02::1)
// without S; O set, R clear (a host, not a router), as Linux answers for an
// address of its own. Errors: NotFound when `ns` asks for another address,
// BufferTooSmall, AddressFamilyMismatch.
constexpr result<std::size_t> neighbor_advertisement(const NeighborSolicitation& ns, const IpAddress& ours,
                                                     const MacAddress& our_mac, MutableBytes out) noexcept {
    if (!ours.is_v6()) return Error::AddressFamilyMismatch;
    if (ns.target != ours) return Error::NotFound;
    if (out.size() < ndp_advertisement_length) return Error::BufferTooSmall;
    const bool dad = ns.source == ipv6_unspecified;
    detail::write_ndp_message(out, ours, advertisement_destination(ns), ndp_neighbor_advertisement,
                              (dad ? 0U : 0x40000000U) | 0x20000000U, // S, O
                              ours, ndp_option_target_link_layer, our_mac);
    return ndp_advertisement_length;
}

// RFC 4861 §7.2.2: our solicitation for `target`'s link-layer address,
// written as a whole IPv6 datagram (72 bytes): from `ours` to the target's
// solicited-node group (ff02::1:ffXX:XXXX, on Ethernet 33:33:ff:XX:XX:XX),
// hop limit 255, with our link-layer address as its source option (which
// the rule requires of a solicitation from an address). Errors:
// AddressFamilyMismatch (both must be IPv6), BufferTooSmall.
constexpr result<std::size_t> neighbor_solicitation(const IpAddress& ours, const MacAddress& our_mac,
                                                    const IpAddress& target, MutableBytes out) noexcept {
    if (!ours.is_v6() || !target.is_v6()) return Error::AddressFamilyMismatch;
    if (out.size() < ndp_solicitation_length) return Error::BufferTooSmall;
    detail::write_ndp_message(out, ours, solicited_node(target), ndp_neighbor_solicitation, 0, // (reserved)
                              target, ndp_option_source_link_layer, our_mac);
    return ndp_solicitation_length;
}

// RFC 4862 §5.4.2: the probe of duplicate address detection for
// `tentative` (an address we mean to use), written as a whole IPv6 datagram
// (64 bytes): a solicitation from :: to the address's solicited-node group,
// without a source link-layer option (§7.1.1 forbids one from ::). An
// advertisement for `tentative`, or another node's probe for it, then
// means the address is taken (§5.4.3, §5.4.4: is_duplicate_evidence()).
// Errors: AddressFamilyMismatch, BufferTooSmall.
constexpr result<std::size_t> duplicate_address_probe(const IpAddress& tentative, MutableBytes out) noexcept {
    if (!tentative.is_v6()) return Error::AddressFamilyMismatch;
    if (out.size() < ndp_probe_length) return Error::BufferTooSmall;
    detail::write_ndp_message(out, ipv6_unspecified, solicited_node(tentative), ndp_neighbor_solicitation, 0, tentative,
                              0, MacAddress{});
    return ndp_probe_length;
}

// RFC 4862 §5.4.3 and §5.4.4: a received datagram that shows `tentative`
// is in use by another node: a valid advertisement for it, or another
// node's duplicate address probe for it (a solicitation from :: for it;
// `our_probe` is ours, looped back by a link that echoes multicast, which
// is no evidence: RFC 7527 would tell them apart by a nonce, which this
// probe does not carry, so every identical probe counts as ours).
[[nodiscard]] constexpr bool is_duplicate_evidence(Bytes datagram, const IpAddress& tentative, Bytes our_probe) noexcept {
    if (const result<NeighborAdvertisement> na = NeighborAdvertisement::decode(datagram)) return na->target == tentative;
    const result<NeighborSolicitation> ns = NeighborSolicitation::decode(datagram);
    if (!ns || ns->target != tentative || ns->source != ipv6_unspecified) return false;
    if (datagram.size() != our_probe.size()) return true;
    for (std::size_t i = 0; i < datagram.size(); ++i) {
        if (datagram[i] != our_probe[i]) return true;
    }
    return false;
}

} // namespace synack
