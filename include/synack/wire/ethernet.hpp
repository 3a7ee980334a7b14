// synack/wire/ethernet.hpp — the link layer a device below IP needs: the
// Ethernet II header (IEEE 802.3, the DIX framing every IP host sends) and
// ARP for IPv4 over Ethernet (RFC 826), enough to answer "who has our
// address". Views and values as the rest of wire/: constexpr, no
// allocation, a precise Error for every malformed input.
//
// What is not here: 802.1Q tags (a tagged frame reports EtherType 0x8100
// and its payload starts at the tag: the caller decides), 802.3 length
// fields, and ARP for other hardware or protocols (ArpUnsupported).
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/result.hpp"
#include "synack/wire/address.hpp"

namespace synack {

struct MacAddress {
    Array<std::uint8_t, 6> bytes{};

    static constexpr MacAddress from_bytes(Bytes b) noexcept { // b.size() >= 6
        MacAddress m;
        for (std::size_t i = 0; i < 6; ++i) m.bytes[i] = b[i];
        return m;
    }
    static constexpr MacAddress broadcast() noexcept { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    [[nodiscard]] constexpr Bytes span() const noexcept { return Bytes(bytes.data(), bytes.size()); }
    [[nodiscard]] constexpr bool is_zero() const noexcept { return *this == MacAddress{}; }
    // The group bit (IEEE 802): broadcast and multicast destinations.
    [[nodiscard]] constexpr bool is_group() const noexcept { return (bytes[0] & 1U) != 0; }
    friend constexpr bool operator==(const MacAddress&, const MacAddress&) = default;
};

inline constexpr std::size_t ethernet_header_length = 14;

// EtherTypes (IEEE registry) synack reads: here and in pcap files.
inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_arp = 0x0806;
inline constexpr std::uint16_t ethertype_ipv6 = 0x86DD;
inline constexpr std::uint16_t ethertype_vlan = 0x8100;     // IEEE 802.1Q
inline constexpr std::uint16_t ethertype_qinq = 0x88A8;     // IEEE 802.1ad (S-tag)
inline constexpr std::uint16_t ethertype_qinq_old = 0x9100; // pre-802.1ad QinQ

class EthernetView {
  public:
    static constexpr result<EthernetView> parse(Bytes frame) noexcept {
        if (frame.size() < ethernet_header_length) return Error::EthernetTruncated;
        EthernetView v;
        v.b_ = frame;
        return v;
    }
    [[nodiscard]] constexpr MacAddress destination() const noexcept { return MacAddress::from_bytes(b_); }
    [[nodiscard]] constexpr MacAddress source() const noexcept { return MacAddress::from_bytes(b_.subspan(6)); }
    [[nodiscard]] constexpr std::uint16_t ether_type() const noexcept { return load_be16(b_, 12); }
    // Everything after the header (Ethernet pads short frames to 60 bytes:
    // an IP datagram's own length says where it ends).
    [[nodiscard]] constexpr Bytes payload() const noexcept { return b_.subspan(ethernet_header_length); }

  private:
    Bytes b_{};
};

// Writes the 14-byte header at the front of `out`.
constexpr result<std::size_t> encode_ethernet_header(const MacAddress& destination, const MacAddress& source,
                                                     std::uint16_t ether_type, MutableBytes out) noexcept {
    if (out.size() < ethernet_header_length) return Error::BufferTooSmall;
    copy_bytes(out, 0, destination.span());
    copy_bytes(out, 6, source.span());
    store_be16(out, 12, ether_type);
    return ethernet_header_length;
}

// ------------------------------------------------------------------ ARP

inline constexpr std::size_t arp_length = 28; // Ethernet/IPv4: 8 + 2 * (6 + 4)
inline constexpr std::uint16_t arp_request = 1;
inline constexpr std::uint16_t arp_reply = 2;

// An ARP packet for IPv4 over Ethernet (RFC 826: hrd 1, pro 0x0800, hln
// 6, pln 4), the only kind an IPv4 host on Ethernet answers.
struct ArpPacket {
    std::uint16_t operation = 0; // arp_request, arp_reply or another value as sent
    MacAddress sender_mac{};
    IpAddress sender_ip{};
    MacAddress target_mac{};
    IpAddress target_ip{};

    static constexpr result<ArpPacket> decode(Bytes b) noexcept {
        if (b.size() < 8) return Error::ArpTruncated;
        if (load_be16(b, 0) != 1 || load_be16(b, 2) != ethertype_ipv4 || b[4] != 6 || b[5] != 4) {
            return Error::ArpUnsupported;
        }
        if (b.size() < arp_length) return Error::ArpTruncated;
        ArpPacket a;
        a.operation = load_be16(b, 6);
        a.sender_mac = MacAddress::from_bytes(b.subspan(8));
        a.sender_ip = IpAddress::v4(b[14], b[15], b[16], b[17]);
        a.target_mac = MacAddress::from_bytes(b.subspan(18));
        a.target_ip = IpAddress::v4(b[24], b[25], b[26], b[27]);
        return a;
    }

    // The 28 bytes (addresses of another family than IPv4 are an error).
    constexpr result<std::size_t> encode(MutableBytes out) const noexcept {
        if (!sender_ip.is_v4() || !target_ip.is_v4()) return Error::AddressFamilyMismatch;
        if (out.size() < arp_length) return Error::BufferTooSmall;
        store_be16(out, 0, 1);
        store_be16(out, 2, ethertype_ipv4);
        out[4] = 6;
        out[5] = 4;
        store_be16(out, 6, operation);
        copy_bytes(out, 8, sender_mac.span());
        copy_bytes(out, 14, sender_ip.span());
        copy_bytes(out, 18, target_mac.span());
        copy_bytes(out, 24, target_ip.span());
        return arp_length;
    }
};

// RFC 826 "Packet Reception": a request for `ours` is answered with a reply
// from (our_mac, ours) to the requester's MAC and address; a probe from
// 0.0.0.0 (RFC 5227 §2.1.1) is answered the same way, as Linux
// arp_process() does. Anything else gets nothing (nullopt): a reply, a
// request for another address, a requester claiming a group or zero MAC.
[[nodiscard]] constexpr Optional<ArpPacket> arp_answer(const ArpPacket& request, const MacAddress& our_mac,
                                                       const IpAddress& ours) noexcept {
    if (request.operation != arp_request || request.target_ip != ours || !ours.is_v4()) return nullopt;
    if (request.sender_mac.is_group() || request.sender_mac.is_zero()) return nullopt;
    ArpPacket r;
    r.operation = arp_reply;
    r.sender_mac = our_mac;
    r.sender_ip = ours;
    r.target_mac = request.sender_mac;
    r.target_ip = request.sender_ip;
    return r;
}

// RFC 826: our request for `target`'s hardware address, from (our_mac,
// ours), the target hardware address left zero; sent to the broadcast
// address. Nullopt unless both addresses are IPv4.
[[nodiscard]] constexpr Optional<ArpPacket> arp_request_for(const IpAddress& target, const MacAddress& our_mac,
                                                            const IpAddress& ours) noexcept {
    if (!target.is_v4() || !ours.is_v4()) return nullopt;
    ArpPacket r;
    r.operation = arp_request;
    r.sender_mac = our_mac;
    r.sender_ip = ours;
    r.target_ip = target;
    return r;
}

// RFC 826 "Packet Reception" (the merge): what an ARP packet teaches about
// its sender, for a host whose addresses include `ours`: an entry the
// table already holds is updated from any packet (`known`), and one is
// added when the packet is for us. Nothing from a sender of 0.0.0.0 (a
// probe) or a group hardware address.
[[nodiscard]] constexpr bool arp_teaches(const ArpPacket& p, bool known, const IpAddress& ours) noexcept {
    if (p.sender_mac.is_group() || p.sender_mac.is_zero() || p.sender_ip == IpAddress::v4(0, 0, 0, 0)) return false;
    return known || p.target_ip == ours;
}

} // namespace synack
