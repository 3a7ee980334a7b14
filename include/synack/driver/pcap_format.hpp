// synack/driver/pcap_format.hpp — the classic pcap capture format: global and
// record headers, a bounds-checked record reader, link-layer unwrapping down
// to the IP packet, and the encoders the pcap writer uses.
//
// Format: draft-ietf-opsawg-pcap (libpcap's savefile format) — magic
// 0xa1b2c3d4 (microsecond timestamps) or 0xa1b23c4d (nanosecond), in either
// byte order; version 2.4; snaplen; link type (LINKTYPE_* numbers of
// https://www.tcpdump.org/linktypes.html, low 16 bits; bits 26-31 may carry
// an FCS length). Not pcapng: its magic 0x0a0d0d0a is reported as bad magic.
// Link types unwrapped to IP: Ethernet (1, with up to two 802.1Q/802.1ad
// tags), raw IP (101; 228 IPv4; 229 IPv6), Linux cooked capture v1 (113) and
// v2 (276).
//
// Pure: no I/O, no allocation, constexpr. The reader works on a buffer the
// caller filled (a whole file); the writer encodes into a caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/core/time.hpp"

namespace synack {

inline constexpr std::uint32_t pcap_magic_micro = 0xa1b2c3d4;
inline constexpr std::uint32_t pcap_magic_nano = 0xa1b23c4d;
inline constexpr std::size_t pcap_global_header_size = 24;
inline constexpr std::size_t pcap_record_header_size = 16;
// The largest record the reader accepts and the snaplen the writer announces:
// libpcap's MAXIMUM_SNAPLEN (256 KiB). A larger incl_len means a corrupt file
// (libpcap: "invalid packet capture length"), not a packet.
inline constexpr std::uint32_t pcap_max_record_length = 262144;

// LINKTYPE_* values this header can unwrap to an IP packet.
enum class PcapLinkType : std::uint16_t {
    Ethernet = 1,    // 14-byte Ethernet II header (+ VLAN tags)
    Raw = 101,       // bare IPv4 or IPv6, by version nibble
    LinuxSll = 113,  // Linux cooked capture v1: 16-byte header, protocol at 14
    Ipv4 = 228,      // bare IPv4
    Ipv6 = 229,      // bare IPv6
    LinuxSll2 = 276, // Linux cooked capture v2: 20-byte header, protocol at 0
};

[[nodiscard]] constexpr bool pcap_link_type_supported(std::uint16_t link_type) noexcept {
    switch (static_cast<PcapLinkType>(link_type)) {
    case PcapLinkType::Ethernet:
    case PcapLinkType::Raw:
    case PcapLinkType::LinuxSll:
    case PcapLinkType::Ipv4:
    case PcapLinkType::Ipv6:
    case PcapLinkType::LinuxSll2: return true;
    }
    return false;
}

[[nodiscard]] constexpr std::string_view pcap_link_type_name(std::uint16_t link_type) noexcept {
    switch (static_cast<PcapLinkType>(link_type)) {
    case PcapLinkType::Ethernet: return "EN10MB";
    case PcapLinkType::Raw: return "RAW";
    case PcapLinkType::LinuxSll: return "LINUX_SLL";
    case PcapLinkType::Ipv4: return "IPV4";
    case PcapLinkType::Ipv6: return "IPV6";
    case PcapLinkType::LinuxSll2: return "LINUX_SLL2";
    }
    return "unsupported";
}

namespace pcap_detail {

[[nodiscard]] constexpr std::uint16_t load_le16(Bytes b, std::size_t at) noexcept {
    return static_cast<std::uint16_t>(b[at] | (static_cast<unsigned>(b[at + 1]) << 8U));
}
constexpr void store_le32(MutableBytes b, std::size_t at, std::uint32_t v) noexcept {
    b[at] = static_cast<std::uint8_t>(v);
    b[at + 1] = static_cast<std::uint8_t>(v >> 8U);
    b[at + 2] = static_cast<std::uint8_t>(v >> 16U);
    b[at + 3] = static_cast<std::uint8_t>(v >> 24U);
}
constexpr void store_le16(MutableBytes b, std::size_t at, std::uint16_t v) noexcept {
    b[at] = static_cast<std::uint8_t>(v);
    b[at + 1] = static_cast<std::uint8_t>(v >> 8U);
}

// Fields in the file's byte order.
[[nodiscard]] constexpr std::uint32_t load32(Bytes b, std::size_t at, bool big_endian) noexcept {
    return big_endian ? load_be32(b, at) : load_le32(b, at);
}
[[nodiscard]] constexpr std::uint16_t load16(Bytes b, std::size_t at, bool big_endian) noexcept {
    return big_endian ? load_be16(b, at) : load_le16(b, at);
}
constexpr void store32(MutableBytes b, std::size_t at, std::uint32_t v, bool big_endian) noexcept {
    if (big_endian) {
        store_be32(b, at, v);
    } else {
        store_le32(b, at, v);
    }
}
constexpr void store16(MutableBytes b, std::size_t at, std::uint16_t v, bool big_endian) noexcept {
    if (big_endian) {
        store_be16(b, at, v);
    } else {
        store_le16(b, at, v);
    }
}

} // namespace pcap_detail

// The 24-byte file header. Values are host numbers whatever the file's byte
// order; `big_endian` records that order, and encode() writes it back.
struct PcapGlobalHeader {
    bool big_endian = false;  // byte order of the file (the writer's host)
    bool nanosecond = false;  // magic 0xa1b23c4d: ts_frac is nanoseconds
    std::uint16_t version_major = 2;
    std::uint16_t version_minor = 4;
    std::int32_t thiszone = 0;   // always 0 in practice
    std::uint32_t sigfigs = 0;   // always 0 in practice
    std::uint32_t snaplen = pcap_max_record_length;
    std::uint16_t link_type = static_cast<std::uint16_t>(PcapLinkType::Raw); // low 16 bits of the field
    std::uint16_t link_type_high = 0; // bits 16-31 (FCS length flags), kept verbatim

    // Bytes of frame check sequence at the end of each frame, when the file
    // says so (bit 26 set, bits 28-31 = FCS length in 16-bit words).
    [[nodiscard]] constexpr std::size_t fcs_length() const noexcept {
        return (link_type_high & 0x0400U) != 0 ? std::size_t{(link_type_high >> 12U) & 0xFU} * 2U : 0U;
    }

    // PcapTruncated (offset = file size) if fewer than 24 bytes; PcapBadMagic
    // (offset 0) for any other magic, pcapng included. Versions other than
    // 2.4 are accepted and reported (libpcap reads 2.x alike).
    static constexpr result<PcapGlobalHeader> decode(Bytes file) noexcept {
        if (file.size() < 4) return {Error::PcapTruncated, static_cast<std::uint32_t>(file.size())};
        PcapGlobalHeader h;
        const std::uint32_t be = load_be32(file, 0);
        const std::uint32_t le = load_le32(file, 0);
        if (be == pcap_magic_micro || be == pcap_magic_nano) {
            h.big_endian = true;
            h.nanosecond = be == pcap_magic_nano;
        } else if (le == pcap_magic_micro || le == pcap_magic_nano) {
            h.big_endian = false;
            h.nanosecond = le == pcap_magic_nano;
        } else {
            return {Error::PcapBadMagic, 0};
        }
        if (file.size() < pcap_global_header_size) {
            return {Error::PcapTruncated, static_cast<std::uint32_t>(file.size())};
        }
        const bool b = h.big_endian;
        h.version_major = pcap_detail::load16(file, 4, b);
        h.version_minor = pcap_detail::load16(file, 6, b);
        h.thiszone = static_cast<std::int32_t>(pcap_detail::load32(file, 8, b));
        h.sigfigs = pcap_detail::load32(file, 12, b);
        h.snaplen = pcap_detail::load32(file, 16, b);
        const std::uint32_t link = pcap_detail::load32(file, 20, b);
        h.link_type = static_cast<std::uint16_t>(link & 0xFFFFU);
        h.link_type_high = static_cast<std::uint16_t>(link >> 16U);
        return h;
    }

    // Writes the 24 bytes; BufferTooSmall if `out` is shorter.
    constexpr result<std::size_t> encode(MutableBytes out) const noexcept {
        if (out.size() < pcap_global_header_size) return Error::BufferTooSmall;
        const bool b = big_endian;
        pcap_detail::store32(out, 0, nanosecond ? pcap_magic_nano : pcap_magic_micro, b);
        pcap_detail::store16(out, 4, version_major, b);
        pcap_detail::store16(out, 6, version_minor, b);
        pcap_detail::store32(out, 8, static_cast<std::uint32_t>(thiszone), b);
        pcap_detail::store32(out, 12, sigfigs, b);
        pcap_detail::store32(out, 16, snaplen, b);
        pcap_detail::store32(out, 20, (static_cast<std::uint32_t>(link_type_high) << 16U) | link_type, b);
        return pcap_global_header_size;
    }

    friend constexpr bool operator==(const PcapGlobalHeader&, const PcapGlobalHeader&) = default;
};

// The 16-byte header before each captured packet.
struct PcapRecordHeader {
    std::uint32_t ts_sec = 0;   // seconds since the Unix epoch
    std::uint32_t ts_frac = 0;  // microseconds, or nanoseconds in a nanosecond file
    std::uint32_t incl_len = 0; // bytes captured (that follow this header)
    std::uint32_t orig_len = 0; // bytes on the wire (> incl_len when snapped)

    // Precondition: b.size() >= at + 16.
    static constexpr PcapRecordHeader decode(Bytes b, std::size_t at, bool big_endian) noexcept {
        return {pcap_detail::load32(b, at, big_endian), pcap_detail::load32(b, at + 4, big_endian),
                pcap_detail::load32(b, at + 8, big_endian), pcap_detail::load32(b, at + 12, big_endian)};
    }

    constexpr result<std::size_t> encode(MutableBytes out, bool big_endian = false) const noexcept {
        if (out.size() < pcap_record_header_size) return Error::BufferTooSmall;
        pcap_detail::store32(out, 0, ts_sec, big_endian);
        pcap_detail::store32(out, 4, ts_frac, big_endian);
        pcap_detail::store32(out, 8, incl_len, big_endian);
        pcap_detail::store32(out, 12, orig_len, big_endian);
        return pcap_record_header_size;
    }

    // Nanoseconds since the Unix epoch. A fraction out of range (>= 1 s) is
    // added as it is: the reader reports files, it does not repair them.
    [[nodiscard]] constexpr Time time(bool nanosecond) const noexcept {
        return Time::from_ns(static_cast<std::int64_t>(ts_sec) * 1000000000 +
                             static_cast<std::int64_t>(ts_frac) * (nanosecond ? 1 : 1000));
    }

    friend constexpr bool operator==(const PcapRecordHeader&, const PcapRecordHeader&) = default;
};

// One record as read from a file.
struct PcapRecord {
    std::uint32_t number = 0; // 1-based, as tcpdump and tshark count frames
    std::uint32_t offset = 0; // of the record header in the file
    PcapRecordHeader header{};
    Time timestamp{};         // ns since the Unix epoch
    Bytes data{};             // the incl_len captured bytes

    [[nodiscard]] constexpr std::uint32_t data_offset() const noexcept {
        return offset + static_cast<std::uint32_t>(pcap_record_header_size);
    }
    // Fewer bytes captured than were on the wire (snaplen cut the packet).
    [[nodiscard]] constexpr bool snapped() const noexcept { return header.incl_len < header.orig_len; }
};

// The IP packet inside a frame, and where it starts in the frame.
struct PcapIpPayload {
    Bytes packet{};
    std::uint32_t offset = 0;    // of the IP header, from the start of the frame
    std::uint16_t ethertype = 0; // 0x0800 or 0x86DD; for raw IP (101) from the
                                 // version nibble, 0 if it is neither 4 nor 6
};

inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_ipv6 = 0x86DD;
inline constexpr std::uint16_t ethertype_vlan = 0x8100;   // IEEE 802.1Q
inline constexpr std::uint16_t ethertype_qinq = 0x88A8;   // IEEE 802.1ad (S-tag)
inline constexpr std::uint16_t ethertype_qinq_old = 0x9100; // pre-802.1ad QinQ

namespace pcap_detail {

[[nodiscard]] constexpr bool is_vlan(std::uint16_t et) noexcept {
    return et == ethertype_vlan || et == ethertype_qinq || et == ethertype_qinq_old;
}

// Follows the protocol field at `et_at` whose payload starts at `payload_at`
// through at most two VLAN tags (each: 2 bytes TCI, 2 bytes inner type), as
// tcpdump does for Ethernet and both cooked formats.
[[nodiscard]] constexpr result<PcapIpPayload> ethertype_walk(Bytes frame, std::size_t et_at,
                                                             std::size_t payload_at) noexcept {
    const auto end = static_cast<std::uint32_t>(frame.size());
    if (frame.size() < payload_at) return {Error::PcapTruncated, end};
    std::uint16_t et = load_be16(frame, et_at);
    for (int tags = 0; tags < 2 && is_vlan(et); ++tags) {
        if (frame.size() < payload_at + 4) return {Error::PcapTruncated, end};
        et_at = payload_at + 2;
        payload_at += 4;
        et = load_be16(frame, et_at);
    }
    // Not IP (ARP, LLDP, an 802.3 length, a third VLAN tag, ...): this is a
    // TCP decoder, so the frame carries no TCP. The offset is the type field.
    if (et != ethertype_ipv4 && et != ethertype_ipv6) return {Error::NotTcp, static_cast<std::uint32_t>(et_at)};
    return PcapIpPayload{frame.subspan(payload_at), static_cast<std::uint32_t>(payload_at), et};
}

} // namespace pcap_detail

// The IP packet a frame of `link_type` carries. Errors (offsets from the
// start of the frame): PcapUnsupportedLinkType (0) for a link type not in
// PcapLinkType; PcapTruncated (frame size) when the frame is shorter than its
// link header (or, for raw IP, empty); NotTcp (the protocol field's offset)
// when the frame holds something other than IPv4/IPv6. Trailing bytes
// (Ethernet padding, an FCS) stay in `packet`: the IP length fields bound it.
[[nodiscard]] constexpr result<PcapIpPayload> pcap_ip_payload(std::uint16_t link_type, Bytes frame) noexcept {
    switch (static_cast<PcapLinkType>(link_type)) {
    case PcapLinkType::Ethernet: // dst(6) src(6) type(2)
        return pcap_detail::ethertype_walk(frame, 12, 14);
    case PcapLinkType::LinuxSll: // pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
        return pcap_detail::ethertype_walk(frame, 14, 16);
    case PcapLinkType::LinuxSll2: // protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
        return pcap_detail::ethertype_walk(frame, 0, 20);
    case PcapLinkType::Raw: {
        if (frame.empty()) return {Error::PcapTruncated, 0};
        const unsigned version = frame[0] >> 4U;
        const std::uint16_t et = version == 4 ? ethertype_ipv4 : version == 6 ? ethertype_ipv6 : std::uint16_t{0};
        return PcapIpPayload{frame, 0, et};
    }
    case PcapLinkType::Ipv4:
        if (frame.empty()) return {Error::PcapTruncated, 0};
        return PcapIpPayload{frame, 0, ethertype_ipv4};
    case PcapLinkType::Ipv6:
        if (frame.empty()) return {Error::PcapTruncated, 0};
        return PcapIpPayload{frame, 0, ethertype_ipv6};
    }
    return {Error::PcapUnsupportedLinkType, 0};
}

// Iterates the records of a whole capture held in memory.
//
//     result<PcapReader> r = PcapReader::open(file);
//     while (r && !r->done()) {
//         result<PcapRecord> rec = r->next();
//         if (!rec) { /* rec.error(), rec.offset(), r->problem() */ break; }
//     }
//
// or `for (const result<PcapRecord>& rec : *r)`, which yields the error, if
// any, as its last element. Record errors, all PcapTruncated, after which the
// reader is done (a length it cannot trust leaves no next record to find):
//   - fewer than 16 bytes left for a record header: offset = file size;
//   - incl_len past the end of the file, over snaplen (when snaplen != 0)
//     or over 256 KiB: offset = the incl_len field (record offset + 8).
// problem() says which, in words.
class PcapRecordIterator;

class PcapReader {
  public:
    constexpr PcapReader() noexcept = default;

    static constexpr result<PcapReader> open(Bytes file) noexcept {
        const result<PcapGlobalHeader> h = PcapGlobalHeader::decode(file);
        if (!h) return h.failure();
        PcapReader r;
        r.file_ = file;
        r.header_ = *h;
        r.pos_ = pcap_global_header_size;
        return r;
    }

    [[nodiscard]] constexpr const PcapGlobalHeader& header() const noexcept { return header_; }
    [[nodiscard]] constexpr std::uint16_t link_type() const noexcept { return header_.link_type; }
    // No more records: end of file reached, or the last next() failed.
    [[nodiscard]] constexpr bool done() const noexcept { return failed_ || pos_ >= file_.size(); }
    // Offset of the next record header (of the bad one after a failure).
    [[nodiscard]] constexpr std::size_t position() const noexcept { return pos_; }
    // Records read successfully so far.
    [[nodiscard]] constexpr std::uint32_t count() const noexcept { return count_; }
    // Why the last next() failed ("" if it did not).
    [[nodiscard]] constexpr std::string_view problem() const noexcept { return problem_; }

    // The next record. When done(): PcapTruncated at the file size if the
    // reader stopped on an error, NotFound at the file size at a clean end.
    constexpr result<PcapRecord> next() noexcept {
        const auto end = static_cast<std::uint32_t>(file_.size());
        if (failed_) return {Error::PcapTruncated, end};
        if (pos_ >= file_.size()) return {Error::NotFound, end};
        const auto at = static_cast<std::uint32_t>(pos_);
        if (file_.size() - pos_ < pcap_record_header_size) {
            return fail("record header truncated", end);
        }
        PcapRecord rec;
        rec.number = count_ + 1;
        rec.offset = at;
        rec.header = PcapRecordHeader::decode(file_, pos_, header_.big_endian);
        const std::uint32_t incl = rec.header.incl_len;
        if (incl > pcap_max_record_length) {
            return fail("incl_len over 256 KiB", at + 8, Error::PcapBadRecordLength);
        }
        if (header_.snaplen != 0 && incl > header_.snaplen) {
            return fail("incl_len over snaplen", at + 8, Error::PcapBadRecordLength);
        }
        if (incl > file_.size() - pos_ - pcap_record_header_size) {
            return fail("record data runs past end of file", at + 8);
        }
        rec.timestamp = rec.header.time(header_.nanosecond);
        rec.data = file_.subspan(pos_ + pcap_record_header_size, incl);
        pos_ += pcap_record_header_size + incl;
        ++count_;
        return rec;
    }

    // The IP packet in a record's frame (see pcap_ip_payload).
    [[nodiscard]] constexpr result<PcapIpPayload> ip_payload(const PcapRecord& rec) const noexcept {
        return pcap_ip_payload(header_.link_type, rec.data);
    }

    // Iterates from the current position; the reader itself is not advanced.
    [[nodiscard]] constexpr PcapRecordIterator begin() const noexcept;
    [[nodiscard]] constexpr std::default_sentinel_t end() const noexcept { return {}; }

  private:
    constexpr result<PcapRecord> fail(std::string_view why, std::uint32_t offset,
                                      Error e = Error::PcapTruncated) noexcept {
        failed_ = true;
        problem_ = why;
        return {e, offset};
    }

    Bytes file_{};
    PcapGlobalHeader header_{};
    std::size_t pos_ = 0;
    std::uint32_t count_ = 0;
    bool failed_ = false;
    std::string_view problem_{};
};

// Yields result<PcapRecord>: every record, then the error if reading stopped
// on one.
class PcapRecordIterator {
  public:
    using value_type = result<PcapRecord>;
    using difference_type = std::ptrdiff_t;

    constexpr PcapRecordIterator() noexcept = default;
    constexpr explicit PcapRecordIterator(const PcapReader& r) noexcept : reader_(r) { step(); }
    constexpr const value_type& operator*() const noexcept { return cur_; }
    constexpr const value_type* operator->() const noexcept { return &cur_; }
    constexpr PcapRecordIterator& operator++() noexcept {
        step();
        return *this;
    }
    constexpr PcapRecordIterator operator++(int) noexcept {
        PcapRecordIterator t = *this;
        step();
        return t;
    }
    friend constexpr bool operator==(const PcapRecordIterator& it, std::default_sentinel_t) noexcept { return it.done_; }

  private:
    constexpr void step() noexcept {
        if (reader_.done()) {
            done_ = true;
            return;
        }
        cur_ = reader_.next();
    }
    PcapReader reader_{};
    value_type cur_{Error::NotFound};
    bool done_ = false;
};

constexpr PcapRecordIterator PcapReader::begin() const noexcept { return PcapRecordIterator(*this); }

// ------------------------------------------------------------------ writer
// What the driver's pcap writer emits: little-endian (as tcpdump writes on
// x86 and arm64, and the same bytes on every host), version 2.4, microsecond
// timestamps, link type raw IP (101), since a TUN device carries bare IP
// packets.

// Writes the 24-byte global header; BufferTooSmall if `out` is shorter.
constexpr result<std::size_t> write_pcap_global_header(MutableBytes out,
                                                       std::uint32_t snaplen = pcap_max_record_length) noexcept {
    PcapGlobalHeader h;
    h.snaplen = snaplen;
    return h.encode(out);
}

// Writes the 16-byte record header for a packet of `orig_len` bytes of which
// `incl_len` follow, stamped `timestamp` (ns since the Unix epoch; negative
// times are written as 0). BufferTooSmall if `out` is shorter.
constexpr result<std::size_t> write_pcap_record_header(MutableBytes out, Time timestamp, std::uint32_t incl_len,
                                                       std::uint32_t orig_len) noexcept {
    const std::int64_t ns = timestamp.ns < 0 ? 0 : timestamp.ns;
    PcapRecordHeader h;
    h.ts_sec = static_cast<std::uint32_t>(ns / 1000000000);
    h.ts_frac = static_cast<std::uint32_t>((ns % 1000000000) / 1000);
    h.incl_len = incl_len;
    h.orig_len = orig_len;
    return h.encode(out);
}

} // namespace synack
