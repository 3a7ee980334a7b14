// synack/driver/pcap_format.hpp — the capture formats: classic pcap (global
// and record headers) and pcapng (section header, interface description,
// enhanced / simple / obsolete packet blocks, several interfaces with their
// own link types, both byte orders), bounds-checked readers for each and one
// that picks the format by magic, link-layer unwrapping down to the IP
// packet, and the encoders the writers use. One definition of each format,
// shared by the readers, synack-decode and the driver's pcap writer.
//
// pcap: draft-ietf-opsawg-pcap (libpcap's savefile format) — magic
// 0xa1b2c3d4 (microsecond timestamps) or 0xa1b23c4d (nanosecond), in either
// byte order; version 2.4; snaplen; link type (LINKTYPE_* numbers of
// https://www.tcpdump.org/linktypes.html, low 16 bits; bits 26-31 may carry
// an FCS length). pcapng: draft-ietf-opsawg-pcapng (see PcapngReader).
// Link types unwrapped to IP: Ethernet (1, with up to two 802.1Q/802.1ad
// tags), raw IP (101; 228 IPv4; 229 IPv6), Linux cooked capture v1 (113) and
// v2 (276).
//
// Pure: no I/O, no allocation, constexpr. The readers work on a buffer the
// caller filled (a whole file, or a stream's bytes so far: see resume());
// the writers encode into a caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/core/time.hpp"
#include "synack/wire/ethernet.hpp"

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

// One record (a packet) as read from a pcap or a pcapng file.
struct PcapRecord {
    std::uint32_t number = 0; // 1-based, as tcpdump and tshark count frames
    std::uint32_t offset = 0; // of the record header (pcapng: the block) in the file
    PcapRecordHeader header{}; // pcapng: the block's fields in this shape (ts_frac in µs)
    Time timestamp{};         // ns since the Unix epoch
    Bytes data{};             // the incl_len captured bytes
    std::uint32_t data_at = 0;    // file offset of `data`
    std::uint16_t link_type = 0;  // LINKTYPE_* of the packet's interface
    std::uint32_t interface = 0;  // pcapng interface id (0 in a pcap file)

    [[nodiscard]] constexpr std::uint32_t data_offset() const noexcept { return data_at; }
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

// (The EtherTypes, VLAN tags' included, are in wire/ethernet.hpp.)

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
template <class Reader>
class RecordIterator;

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
    [[nodiscard]] constexpr std::size_t position() const noexcept { return base_ + pos_; }
    // Records read successfully so far.
    [[nodiscard]] constexpr std::uint32_t count() const noexcept { return count_; }
    // Why the last next() failed ("" if it did not).
    [[nodiscard]] constexpr std::string_view problem() const noexcept { return problem_; }

    // The next record. When done(): PcapTruncated at the file size if the
    // reader stopped on an error, NotFound at the file size at a clean end.
    constexpr result<PcapRecord> next() noexcept {
        const auto end = static_cast<std::uint32_t>(base_ + file_.size());
        if (failed_) return {Error::PcapTruncated, end};
        if (pos_ >= file_.size()) return {Error::NotFound, end};
        const auto at = static_cast<std::uint32_t>(base_ + pos_);
        if (file_.size() - pos_ < pcap_record_header_size) {
            incomplete_ = true;
            return fail("record header truncated", end);
        }
        PcapRecord rec;
        rec.number = count_ + 1;
        rec.offset = at;
        rec.data_at = at + static_cast<std::uint32_t>(pcap_record_header_size);
        rec.link_type = header_.link_type;
        rec.header = PcapRecordHeader::decode(file_, pos_, header_.big_endian);
        const std::uint32_t incl = rec.header.incl_len;
        if (incl > pcap_max_record_length) {
            return fail("incl_len over 256 KiB", at + 8, Error::PcapBadRecordLength);
        }
        if (header_.snaplen != 0 && incl > header_.snaplen) {
            return fail("incl_len over snaplen", at + 8, Error::PcapBadRecordLength);
        }
        if (incl > file_.size() - pos_ - pcap_record_header_size) {
            incomplete_ = true;
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

    // Reading a stream: the last next() failed only because the bytes ended
    // inside a record, so more of the stream may complete it.
    [[nodiscard]] constexpr bool incomplete() const noexcept { return failed_ && incomplete_; }
    // Continues over `file`, the same stream with more bytes appended and the
    // first `dropped` bytes of the previous buffer removed (records already
    // delivered; offsets stay those of the whole stream). Clears an
    // incomplete() failure; any other failure stays.
    constexpr void resume(Bytes file, std::size_t dropped = 0) noexcept {
        file_ = file;
        base_ += dropped;
        pos_ -= dropped < pos_ ? dropped : pos_;
        if (incomplete()) {
            failed_ = false;
            incomplete_ = false;
            problem_ = {};
        }
    }
    // Bytes of the current buffer already consumed (safe to drop on resume).
    [[nodiscard]] constexpr std::size_t consumed() const noexcept { return pos_; }

    // Iterates from the current position; the reader itself is not advanced.
    [[nodiscard]] constexpr RecordIterator<PcapReader> begin() const noexcept;
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
    std::size_t base_ = 0;
    std::uint32_t count_ = 0;
    bool failed_ = false;
    bool incomplete_ = false;
    std::string_view problem_{};
};

// Yields result<PcapRecord>: every record, then the error if reading stopped
// on one. Works over a copy of the reader (PcapReader, PcapngReader,
// CaptureReader).
template <class Reader>
class RecordIterator {
  public:
    using value_type = result<PcapRecord>;
    using difference_type = std::ptrdiff_t;

    constexpr RecordIterator() noexcept = default;
    constexpr explicit RecordIterator(const Reader& r) noexcept : reader_(r) { step(); }
    constexpr const value_type& operator*() const noexcept { return cur_; }
    constexpr const value_type* operator->() const noexcept { return &cur_; }
    constexpr RecordIterator& operator++() noexcept {
        step();
        return *this;
    }
    constexpr RecordIterator operator++(int) noexcept {
        RecordIterator t = *this;
        step();
        return t;
    }
    friend constexpr bool operator==(const RecordIterator& it, std::default_sentinel_t) noexcept { return it.done_; }

  private:
    constexpr void step() noexcept {
        if (reader_.done()) {
            done_ = true;
            return;
        }
        cur_ = reader_.next();
    }
    Reader reader_{};
    value_type cur_{Error::NotFound};
    bool done_ = false;
};

using PcapRecordIterator = RecordIterator<PcapReader>;

constexpr RecordIterator<PcapReader> PcapReader::begin() const noexcept { return RecordIterator<PcapReader>(*this); }

// ------------------------------------------------------------------ pcapng
// draft-ietf-opsawg-pcapng (what Wireshark and dumpcap save by default): a
// file is a sequence of blocks, each `type(4) total_length(4) body
// total_length(4)`, total_length a multiple of 4 and at least 12. A Section
// Header Block (SHB) starts each section and fixes its byte order by its
// byte-order magic 0x1A2B3C4D; Interface Description Blocks (IDB) number the
// section's interfaces from 0, each with its link type, snaplen and
// timestamp resolution (option if_tsresol, default microseconds) and offset
// (if_tsoffset, seconds); packets come in Enhanced Packet Blocks (EPB: an
// interface id, a 64-bit timestamp), Simple Packet Blocks (SPB: interface 0,
// no timestamp) or the obsolete Packet Block (PB). Other blocks (name
// resolution, statistics, decryption secrets, custom) are skipped, as
// libpcap does.

inline constexpr std::uint32_t pcapng_block_shb = 0x0A0D0D0A;
inline constexpr std::uint32_t pcapng_block_idb = 0x00000001;
inline constexpr std::uint32_t pcapng_block_pb = 0x00000002; // obsolete Packet Block
inline constexpr std::uint32_t pcapng_block_spb = 0x00000003;
inline constexpr std::uint32_t pcapng_block_epb = 0x00000006;
inline constexpr std::uint32_t pcapng_byte_order_magic = 0x1A2B3C4D;
inline constexpr std::uint16_t pcapng_option_end = 0;
inline constexpr std::uint16_t pcapng_option_if_tsresol = 9;
inline constexpr std::uint16_t pcapng_option_if_tsoffset = 14;
// Interfaces a section may describe. libpcap has no fixed limit; a fixed
// table keeps the reader allocation-free and constexpr, and 64 is far above
// what capture tools write (one per capturing interface).
inline constexpr std::size_t pcapng_max_interfaces = 64;
// The largest block the reader accepts: libpcap's limit (16 MiB), so a
// stream reader never waits for (or buffers) more than this for one block.
inline constexpr std::uint32_t pcapng_max_block_length = 16U * 1024U * 1024U;

// An interface of the current section (from its IDB).
struct PcapngInterface {
    std::uint16_t link_type = 0;
    std::uint32_t snaplen = 0;
    // if_tsresol: bit 7 clear, units of 10^-n s; set, 2^-n s (n = low 7 bits).
    std::uint8_t tsresol = 6;
    std::int64_t tsoffset = 0; // if_tsoffset, seconds added to every timestamp

    friend constexpr bool operator==(const PcapngInterface&, const PcapngInterface&) = default;
};

namespace pcap_detail {

[[nodiscard]] constexpr std::uint64_t pow10(unsigned n) noexcept {
    std::uint64_t v = 1;
    for (unsigned i = 0; i < n; ++i) v *= 10U;
    return v;
}

} // namespace pcap_detail

// A 64-bit pcapng timestamp in the units of `tsresol`, plus `tsoffset`
// seconds, as nanoseconds since the Unix epoch. Resolutions finer than 1 ns
// are truncated; arithmetic wraps rather than overflowing (a corrupt file
// gives a wrong time, never undefined behaviour).
[[nodiscard]] constexpr Time pcapng_time(std::uint64_t units, std::uint8_t tsresol, std::int64_t tsoffset) noexcept {
    const unsigned n = tsresol & 0x7FU;
    std::uint64_t ns = 0;
    if ((tsresol & 0x80U) == 0) {
        if (n <= 9) {
            ns = units * pcap_detail::pow10(9 - n);
        } else if (n - 9 <= 19) {
            ns = units / pcap_detail::pow10(n - 9);
        }
    } else if (n < 64) {
        const std::uint64_t secs = units >> n;
        std::uint64_t frac = units & ((std::uint64_t{1} << n) - 1U);
        unsigned bits = n;
        if (bits > 32) { // keep frac * 10^9 within 64 bits
            frac >>= bits - 32;
            bits = 32;
        }
        ns = secs * 1000000000U + ((frac * 1000000000U) >> bits);
    }
    ns += static_cast<std::uint64_t>(tsoffset) * 1000000000U;
    return Time::from_ns(static_cast<std::int64_t>(ns));
}

// The classic record-header shape of a pcapng packet: seconds and
// microseconds, as libpcap hands pcapng packets to tcpdump.
[[nodiscard]] constexpr PcapRecordHeader pcapng_record_header(Time t, std::uint32_t caplen,
                                                              std::uint32_t len) noexcept {
    const std::int64_t ns = t.ns < 0 ? 0 : t.ns;
    return {static_cast<std::uint32_t>(ns / 1000000000), static_cast<std::uint32_t>((ns % 1000000000) / 1000),
            caplen, len};
}

// Iterates the packets of a whole pcapng file held in memory (or of a stream,
// with resume()); same interface as PcapReader. Errors, after which the
// reader is done:
//   - PcapTruncated (offset = file size): a block cut short by the end of
//     the file (incomplete() is then true);
//   - PcapngBadBlock (offset of the bad field): total length < 12, not a
//     multiple of 4, over 16 MiB, trailing length different from the
//     leading one, a body too short for its block type, an option running
//     past its block, an SHB whose byte-order magic is neither order, or a
//     major version other than 1;
//   - PcapngUnknownInterface (offset of the interface id): a packet for an
//     interface the section did not describe, or an IDB beyond the 64th.
// The first block must be an SHB (PcapBadMagic at 0 otherwise).
class PcapngReader {
  public:
    constexpr PcapngReader() noexcept = default;

    static constexpr result<PcapngReader> open(Bytes file) noexcept {
        if (file.size() < 4) return {Error::PcapTruncated, static_cast<std::uint32_t>(file.size())};
        if (load_be32(file, 0) != pcapng_block_shb) return {Error::PcapBadMagic, 0};
        PcapngReader r;
        r.file_ = file;
        return r;
    }

    [[nodiscard]] constexpr bool big_endian() const noexcept { return big_endian_; }
    [[nodiscard]] constexpr std::size_t interface_count() const noexcept { return interfaces_; }
    // The current section's interface `id` (precondition: id < interface_count()).
    [[nodiscard]] constexpr const PcapngInterface& interface(std::size_t id) const noexcept { return iface_[id]; }
    // Sections started so far (SHBs read).
    [[nodiscard]] constexpr std::uint32_t sections() const noexcept { return sections_; }
    [[nodiscard]] constexpr bool done() const noexcept { return failed_ || pos_ >= file_.size(); }
    [[nodiscard]] constexpr std::size_t position() const noexcept { return base_ + pos_; }
    [[nodiscard]] constexpr std::uint32_t count() const noexcept { return count_; }
    [[nodiscard]] constexpr std::string_view problem() const noexcept { return problem_; }
    [[nodiscard]] constexpr bool incomplete() const noexcept { return failed_ && incomplete_; }
    [[nodiscard]] constexpr std::size_t consumed() const noexcept { return pos_; }
    constexpr void resume(Bytes file, std::size_t dropped = 0) noexcept {
        file_ = file;
        base_ += dropped;
        pos_ -= dropped < pos_ ? dropped : pos_;
        if (incomplete()) {
            failed_ = false;
            incomplete_ = false;
            problem_ = {};
        }
    }

    // The next packet, reading past sections, interfaces and skipped blocks.
    constexpr result<PcapRecord> next() noexcept {
        while (true) {
            const auto end = static_cast<std::uint32_t>(base_ + file_.size());
            if (failed_) return {Error::PcapTruncated, end};
            if (pos_ >= file_.size()) return {Error::NotFound, end};
            const std::size_t left = file_.size() - pos_;
            const auto at = static_cast<std::uint32_t>(base_ + pos_);
            if (left < 12) return incomplete("block header truncated", end);
            const std::uint32_t raw_type = load_be32(file_, pos_);
            if (raw_type == pcapng_block_shb) {
                // The byte order is the SHB's own: read its magic first.
                const std::uint32_t bom = load_be32(file_, pos_ + 8);
                if (bom == pcapng_byte_order_magic) {
                    big_endian_ = true;
                } else if (load_le32(file_, pos_ + 8) == pcapng_byte_order_magic) {
                    big_endian_ = false;
                } else {
                    return fail("section header byte-order magic is neither 0x1A2B3C4D nor swapped", at + 8);
                }
            } else if (sections_ == 0) {
                return fail("the file does not start with a section header block", at, Error::PcapBadMagic);
            }
            const std::uint32_t type = load32(pos_);
            const std::uint32_t length = load32(pos_ + 4);
            if (length < 12 || length % 4 != 0 || length > pcapng_max_block_length) {
                return fail("block total length under 12, not a multiple of 4, or over 16 MiB", at + 4);
            }
            if (length > left) return incomplete("block runs past end of file", end);
            if (load32(pos_ + length - 4) != length) {
                return fail("block trailing total length differs from the leading one", at + length - 4);
            }
            const Bytes body = file_.subspan(pos_ + 8, length - 12);
            const std::size_t block_at = pos_;
            const std::size_t after = pos_ + length; // pos_ moves there once the block is good
            switch (type) {
            case pcapng_block_shb: {
                if (body.size() < 16) return fail("section header block shorter than 28 bytes", at + 4);
                const std::uint16_t major = load16(block_at + 12);
                if (major != 1) return fail("section header major version is not 1", at + 12);
                ++sections_;
                interfaces_ = 0;
                pos_ = after;
                continue;
            }
            case pcapng_block_idb: {
                if (body.size() < 8) return fail("interface description block shorter than 20 bytes", at + 4);
                if (interfaces_ >= pcapng_max_interfaces) {
                    return fail("more than 64 interfaces in one section", at, Error::PcapngUnknownInterface);
                }
                PcapngInterface ifc;
                ifc.link_type = load16(block_at + 8);
                ifc.snaplen = load32(block_at + 12);
                if (const result<bool> o = read_interface_options(body, block_at + 16, ifc); !o) {
                    return fail("interface description option runs past its block", o.offset());
                }
                iface_[interfaces_++] = ifc;
                pos_ = after;
                continue;
            }
            case pcapng_block_epb:
            case pcapng_block_pb: {
                if (body.size() < 20) return fail("packet block shorter than 32 bytes", at + 4);
                const bool obsolete = type == pcapng_block_pb;
                const std::uint32_t id = obsolete ? load16(block_at + 8) : load32(block_at + 8);
                if (id >= interfaces_) {
                    return fail("packet for an interface the section did not describe", at + 8,
                                Error::PcapngUnknownInterface);
                }
                const std::uint64_t units =
                    (std::uint64_t{load32(block_at + 12)} << 32U) | load32(block_at + 16);
                const std::uint32_t caplen = load32(block_at + 20);
                const std::uint32_t len = load32(block_at + 24);
                if (caplen > body.size() - 20) return fail("captured length runs past its block", at + 20);
                const PcapngInterface& ifc = iface_[id];
                pos_ = after;
                return packet(at, block_at + 28, caplen, len, id, pcapng_time(units, ifc.tsresol, ifc.tsoffset));
            }
            case pcapng_block_spb: {
                if (body.size() < 4) return fail("simple packet block shorter than 16 bytes", at + 4);
                if (interfaces_ == 0) {
                    return fail("simple packet block before any interface", at, Error::PcapngUnknownInterface);
                }
                const std::uint32_t len = load32(block_at + 8);
                // Captured bytes: the original length, bounded by the
                // interface's snaplen and the block (the draft's rule).
                std::uint32_t caplen = len;
                if (iface_[0].snaplen != 0 && caplen > iface_[0].snaplen) caplen = iface_[0].snaplen;
                const auto room = static_cast<std::uint32_t>(body.size() - 4);
                if (caplen > room) caplen = room;
                pos_ = after;
                return packet(at, block_at + 12, caplen, len, 0, Time{});
            }
            default: // NRB, ISB, DSB, custom, unknown: skipped
                pos_ = after;
                continue;
            }
        }
    }

    [[nodiscard]] constexpr result<PcapIpPayload> ip_payload(const PcapRecord& rec) const noexcept {
        return pcap_ip_payload(rec.link_type, rec.data);
    }

    [[nodiscard]] constexpr RecordIterator<PcapngReader> begin() const noexcept;
    [[nodiscard]] constexpr std::default_sentinel_t end() const noexcept { return {}; }

  private:
    [[nodiscard]] constexpr std::uint32_t load32(std::size_t at) const noexcept {
        return pcap_detail::load32(file_, at, big_endian_);
    }
    [[nodiscard]] constexpr std::uint16_t load16(std::size_t at) const noexcept {
        return pcap_detail::load16(file_, at, big_endian_);
    }

    // Options of an IDB starting at buffer position `at`, up to the block's
    // trailing length: true, or PcapngBadBlock at the option that overruns.
    constexpr result<bool> read_interface_options(Bytes body, std::size_t at, PcapngInterface& ifc) const noexcept {
        const std::size_t end = at + (body.size() - 8);
        while (end - at >= 4) {
            const std::uint16_t code = load16(at);
            const std::uint16_t len = load16(at + 2);
            if (code == pcapng_option_end) break;
            const std::size_t padded = (std::size_t{len} + 3U) & ~std::size_t{3};
            if (padded > end - at - 4) return {Error::PcapngBadBlock, static_cast<std::uint32_t>(base_ + at)};
            if (code == pcapng_option_if_tsresol && len == 1) ifc.tsresol = file_[at + 4];
            if (code == pcapng_option_if_tsoffset && len == 8) { // one 64-bit field in the section's order
                const std::uint64_t first = load32(at + 4);
                const std::uint64_t second = load32(at + 8);
                ifc.tsoffset = static_cast<std::int64_t>(big_endian_ ? (first << 32U) | second : (second << 32U) | first);
            }
            at += 4 + padded;
        }
        return true;
    }

    constexpr result<PcapRecord> packet(std::uint32_t at, std::size_t data_at, std::uint32_t caplen, std::uint32_t len,
                                        std::uint32_t id, Time t) noexcept {
        PcapRecord rec;
        rec.number = ++count_;
        rec.offset = at;
        rec.data_at = static_cast<std::uint32_t>(base_ + data_at);
        rec.data = file_.subspan(data_at, caplen);
        rec.link_type = iface_[id].link_type;
        rec.interface = id;
        rec.timestamp = t;
        rec.header = pcapng_record_header(t, caplen, len);
        return rec;
    }

    constexpr result<PcapRecord> fail(std::string_view why, std::uint32_t offset,
                                      Error e = Error::PcapngBadBlock) noexcept {
        failed_ = true;
        problem_ = why;
        return {e, offset};
    }
    constexpr result<PcapRecord> incomplete(std::string_view why, std::uint32_t offset) noexcept {
        incomplete_ = true;
        return fail(why, offset, Error::PcapTruncated);
    }

    Bytes file_{};
    PcapngInterface iface_[pcapng_max_interfaces]{};
    std::size_t interfaces_ = 0;
    std::size_t pos_ = 0;
    std::size_t base_ = 0;
    std::uint32_t count_ = 0;
    std::uint32_t sections_ = 0;
    bool big_endian_ = false;
    bool failed_ = false;
    bool incomplete_ = false;
    std::string_view problem_{};
};

constexpr RecordIterator<PcapngReader> PcapngReader::begin() const noexcept {
    return RecordIterator<PcapngReader>(*this);
}

// Either format, chosen by the file's first four bytes (pcap magic in either
// order, or the pcapng SHB type). Same interface as the two readers.
class CaptureReader {
  public:
    enum class Format : std::uint8_t { Pcap, Pcapng };

    constexpr CaptureReader() noexcept = default;

    // PcapTruncated (file size) under 4 bytes; PcapBadMagic (0) for neither
    // format; else what the format's open() says.
    static constexpr result<CaptureReader> open(Bytes file) noexcept {
        CaptureReader r;
        if (file.size() >= 4 && load_be32(file, 0) == pcapng_block_shb) {
            const result<PcapngReader> ng = PcapngReader::open(file);
            if (!ng) return ng.failure();
            r.format_ = Format::Pcapng;
            r.ng_ = *ng;
            return r;
        }
        const result<PcapReader> p = PcapReader::open(file);
        if (!p) return p.failure();
        r.pcap_ = *p;
        return r;
    }

    [[nodiscard]] constexpr Format format() const noexcept { return format_; }
    [[nodiscard]] constexpr const PcapReader& pcap() const noexcept { return pcap_; }
    [[nodiscard]] constexpr const PcapngReader& pcapng() const noexcept { return ng_; }
    // Timestamps finer than microseconds (a nanosecond pcap file); pcapng
    // records carry microseconds in their header, as libpcap delivers them.
    [[nodiscard]] constexpr bool nanosecond() const noexcept {
        return format_ == Format::Pcap && pcap_.header().nanosecond;
    }

    [[nodiscard]] constexpr bool done() const noexcept { return is_ng() ? ng_.done() : pcap_.done(); }
    [[nodiscard]] constexpr std::size_t position() const noexcept { return is_ng() ? ng_.position() : pcap_.position(); }
    [[nodiscard]] constexpr std::uint32_t count() const noexcept { return is_ng() ? ng_.count() : pcap_.count(); }
    [[nodiscard]] constexpr std::string_view problem() const noexcept {
        return is_ng() ? ng_.problem() : pcap_.problem();
    }
    [[nodiscard]] constexpr bool incomplete() const noexcept { return is_ng() ? ng_.incomplete() : pcap_.incomplete(); }
    [[nodiscard]] constexpr std::size_t consumed() const noexcept { return is_ng() ? ng_.consumed() : pcap_.consumed(); }
    constexpr void resume(Bytes file, std::size_t dropped = 0) noexcept {
        if (is_ng()) {
            ng_.resume(file, dropped);
        } else {
            pcap_.resume(file, dropped);
        }
    }
    constexpr result<PcapRecord> next() noexcept { return is_ng() ? ng_.next() : pcap_.next(); }
    [[nodiscard]] constexpr result<PcapIpPayload> ip_payload(const PcapRecord& rec) const noexcept {
        return pcap_ip_payload(rec.link_type, rec.data);
    }

    [[nodiscard]] constexpr RecordIterator<CaptureReader> begin() const noexcept;
    [[nodiscard]] constexpr std::default_sentinel_t end() const noexcept { return {}; }

  private:
    [[nodiscard]] constexpr bool is_ng() const noexcept { return format_ == Format::Pcapng; }

    Format format_ = Format::Pcap;
    PcapReader pcap_{};
    PcapngReader ng_{};
};

constexpr RecordIterator<CaptureReader> CaptureReader::begin() const noexcept {
    return RecordIterator<CaptureReader>(*this);
}

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


// ------------------------------------------------------------------ pcapng writer
// Blocks in either byte order, with the same layouts the reader reads (the
// tests write big-endian files with these, which no Debian tool writes).
// Each returns the bytes written, or BufferTooSmall with the size needed.

// A Section Header Block, version 1.0, section length unknown (-1), no options.
inline constexpr std::size_t pcapng_shb_size = 28;
constexpr result<std::size_t> write_pcapng_section_header(MutableBytes out, bool big_endian = false) noexcept {
    if (out.size() < pcapng_shb_size) return {Error::BufferTooSmall, static_cast<std::uint32_t>(pcapng_shb_size)};
    const bool b = big_endian;
    pcap_detail::store32(out, 0, pcapng_block_shb, b);
    pcap_detail::store32(out, 4, pcapng_shb_size, b);
    pcap_detail::store32(out, 8, pcapng_byte_order_magic, b);
    pcap_detail::store16(out, 12, 1, b);
    pcap_detail::store16(out, 14, 0, b);
    pcap_detail::store32(out, 16, 0xFFFFFFFFU, b);
    pcap_detail::store32(out, 20, 0xFFFFFFFFU, b);
    pcap_detail::store32(out, 24, pcapng_shb_size, b);
    return pcapng_shb_size;
}

// An Interface Description Block; if_tsresol and if_tsoffset options are
// written when they differ from the defaults (6, 0).
[[nodiscard]] constexpr std::size_t pcapng_idb_size(const PcapngInterface& ifc) noexcept {
    std::size_t n = 20;
    if (ifc.tsresol != 6) n += 8;
    if (ifc.tsoffset != 0) n += 12;
    if (n != 20) n += 4; // opt_endofopt
    return n;
}
constexpr result<std::size_t> write_pcapng_interface(MutableBytes out, const PcapngInterface& ifc,
                                                     bool big_endian = false) noexcept {
    const std::size_t n = pcapng_idb_size(ifc);
    if (out.size() < n) return {Error::BufferTooSmall, static_cast<std::uint32_t>(n)};
    const bool b = big_endian;
    pcap_detail::store32(out, 0, pcapng_block_idb, b);
    pcap_detail::store32(out, 4, static_cast<std::uint32_t>(n), b);
    pcap_detail::store16(out, 8, ifc.link_type, b);
    pcap_detail::store16(out, 10, 0, b);
    pcap_detail::store32(out, 12, ifc.snaplen, b);
    std::size_t at = 16;
    if (ifc.tsresol != 6) {
        pcap_detail::store16(out, at, pcapng_option_if_tsresol, b);
        pcap_detail::store16(out, at + 2, 1, b);
        out[at + 4] = ifc.tsresol;
        out[at + 5] = out[at + 6] = out[at + 7] = 0;
        at += 8;
    }
    if (ifc.tsoffset != 0) {
        const auto v = static_cast<std::uint64_t>(ifc.tsoffset);
        pcap_detail::store16(out, at, pcapng_option_if_tsoffset, b);
        pcap_detail::store16(out, at + 2, 8, b);
        pcap_detail::store32(out, at + 4, static_cast<std::uint32_t>(b ? v >> 32U : v), b);
        pcap_detail::store32(out, at + 8, static_cast<std::uint32_t>(b ? v : v >> 32U), b);
        at += 12;
    }
    if (at != 16) {
        pcap_detail::store32(out, at, 0, b); // opt_endofopt, length 0
        at += 4;
    }
    pcap_detail::store32(out, at, static_cast<std::uint32_t>(n), b);
    return n;
}

// An Enhanced Packet Block for interface `id`: `data` (caplen bytes, padded
// to 4) of a packet of `orig_len` bytes, stamped `units` in the interface's
// resolution.
[[nodiscard]] constexpr std::size_t pcapng_epb_size(std::size_t caplen) noexcept {
    return 32 + ((caplen + 3U) & ~std::size_t{3});
}
constexpr result<std::size_t> write_pcapng_enhanced_packet(MutableBytes out, std::uint32_t id, std::uint64_t units,
                                                           Bytes data, std::uint32_t orig_len,
                                                           bool big_endian = false) noexcept {
    const std::size_t n = pcapng_epb_size(data.size());
    if (out.size() < n) return {Error::BufferTooSmall, static_cast<std::uint32_t>(n)};
    const bool b = big_endian;
    pcap_detail::store32(out, 0, pcapng_block_epb, b);
    pcap_detail::store32(out, 4, static_cast<std::uint32_t>(n), b);
    pcap_detail::store32(out, 8, id, b);
    pcap_detail::store32(out, 12, static_cast<std::uint32_t>(units >> 32U), b);
    pcap_detail::store32(out, 16, static_cast<std::uint32_t>(units), b);
    pcap_detail::store32(out, 20, static_cast<std::uint32_t>(data.size()), b);
    pcap_detail::store32(out, 24, orig_len, b);
    for (std::size_t i = 0; i < data.size(); ++i) out[28 + i] = data[i];
    for (std::size_t i = 28 + data.size(); i < n - 4; ++i) out[i] = 0;
    pcap_detail::store32(out, n - 4, static_cast<std::uint32_t>(n), b);
    return n;
}

// A Simple Packet Block (interface 0, no timestamp): `data` is the whole
// packet or its first snaplen bytes; `orig_len` the length on the wire.
[[nodiscard]] constexpr std::size_t pcapng_spb_size(std::size_t caplen) noexcept {
    return 16 + ((caplen + 3U) & ~std::size_t{3});
}
constexpr result<std::size_t> write_pcapng_simple_packet(MutableBytes out, Bytes data, std::uint32_t orig_len,
                                                         bool big_endian = false) noexcept {
    const std::size_t n = pcapng_spb_size(data.size());
    if (out.size() < n) return {Error::BufferTooSmall, static_cast<std::uint32_t>(n)};
    const bool b = big_endian;
    pcap_detail::store32(out, 0, pcapng_block_spb, b);
    pcap_detail::store32(out, 4, static_cast<std::uint32_t>(n), b);
    pcap_detail::store32(out, 8, orig_len, b);
    for (std::size_t i = 0; i < data.size(); ++i) out[12 + i] = data[i];
    for (std::size_t i = 12 + data.size(); i < n - 4; ++i) out[i] = 0;
    pcap_detail::store32(out, n - 4, static_cast<std::uint32_t>(n), b);
    return n;
}

} // namespace synack
