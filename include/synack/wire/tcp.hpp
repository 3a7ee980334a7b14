// synack/wire/tcp.hpp — the TCP header: flags, a zero-copy view and a plain
// value that decodes fully and encodes into a caller's buffer.
//
// RFC 9293 §3.1 (header format), RFC 3168 §6.1 (ECE, CWR), the AE bit
// (0x100, the former NS bit of RFC 3540, reused by AccECN). Options are in
// tcp_options.hpp; checksums in checksum.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/core/seq.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/tcp_options.hpp"

namespace synack {

enum class TcpFlag : std::uint16_t {
    Fin = 0x001,
    Syn = 0x002,
    Rst = 0x004,
    Psh = 0x008,
    Ack = 0x010,
    Urg = 0x020,
    Ece = 0x040,
    Cwr = 0x080,
    Ae = 0x100,
};

// The 9 flag bits (the 12 bits after the data offset, minus the 3 reserved).
class TcpFlags {
  public:
    static constexpr std::uint16_t mask = 0x1FF;

    constexpr TcpFlags() noexcept = default;
    constexpr TcpFlags(TcpFlag f) noexcept : bits_(static_cast<std::uint16_t>(f)) {} // NOLINT: implicit by design
    static constexpr TcpFlags from_bits(std::uint16_t bits) noexcept {
        TcpFlags f;
        f.bits_ = static_cast<std::uint16_t>(bits & mask);
        return f;
    }

    [[nodiscard]] constexpr std::uint16_t bits() const noexcept { return bits_; }
    [[nodiscard]] constexpr bool has(TcpFlags f) const noexcept { return (bits_ & f.bits_) == f.bits_; }
    [[nodiscard]] constexpr bool any(TcpFlags f) const noexcept { return (bits_ & f.bits_) != 0; }
    [[nodiscard]] constexpr bool fin() const noexcept { return has(TcpFlag::Fin); }
    [[nodiscard]] constexpr bool syn() const noexcept { return has(TcpFlag::Syn); }
    [[nodiscard]] constexpr bool rst() const noexcept { return has(TcpFlag::Rst); }
    [[nodiscard]] constexpr bool psh() const noexcept { return has(TcpFlag::Psh); }
    [[nodiscard]] constexpr bool ack() const noexcept { return has(TcpFlag::Ack); }
    [[nodiscard]] constexpr bool urg() const noexcept { return has(TcpFlag::Urg); }
    [[nodiscard]] constexpr bool ece() const noexcept { return has(TcpFlag::Ece); }
    [[nodiscard]] constexpr bool cwr() const noexcept { return has(TcpFlag::Cwr); }
    [[nodiscard]] constexpr bool ae() const noexcept { return has(TcpFlag::Ae); }

    friend constexpr TcpFlags operator|(TcpFlags a, TcpFlags b) noexcept { return from_bits(a.bits_ | b.bits_); }
    friend constexpr TcpFlags operator&(TcpFlags a, TcpFlags b) noexcept { return from_bits(a.bits_ & b.bits_); }
    friend constexpr TcpFlags operator^(TcpFlags a, TcpFlags b) noexcept { return from_bits(a.bits_ ^ b.bits_); }
    constexpr TcpFlags operator~() const noexcept { return from_bits(static_cast<std::uint16_t>(~bits_)); }
    constexpr TcpFlags& operator|=(TcpFlags o) noexcept { return *this = *this | o; }
    constexpr TcpFlags& operator&=(TcpFlags o) noexcept { return *this = *this & o; }
    friend constexpr bool operator==(TcpFlags, TcpFlags) = default;

  private:
    std::uint16_t bits_ = 0;
};

constexpr TcpFlags operator|(TcpFlag a, TcpFlag b) noexcept { return TcpFlags(a) | TcpFlags(b); }

inline constexpr std::size_t tcp_min_header = 20;
inline constexpr std::size_t tcp_max_header = 60;

// Zero-copy view of a TCP segment (header + payload). parse() validates the
// framing once: length >= 20 (TcpTruncated, offset = input length),
// 5 <= data offset (TcpDataOffsetTooSmall, offset 12), data offset * 4 <=
// length (TcpDataOffsetPastEnd, offset 12). Every accessor is then safe.
class TcpView {
  public:
    static constexpr result<TcpView> parse(Bytes segment) noexcept {
        if (segment.size() < tcp_min_header) {
            return {Error::TcpTruncated, static_cast<std::uint32_t>(segment.size())};
        }
        const std::size_t doff = segment[12] >> 4U;
        if (doff < 5) return {Error::TcpDataOffsetTooSmall, 12};
        if (doff * 4 > segment.size()) return {Error::TcpDataOffsetPastEnd, 12};
        TcpView v;
        v.b_ = segment;
        v.doff_ = static_cast<std::uint8_t>(doff);
        return v;
    }

    constexpr TcpView() noexcept = default;

    [[nodiscard]] constexpr std::uint16_t source_port() const noexcept { return load_be16(b_, 0); }
    [[nodiscard]] constexpr std::uint16_t destination_port() const noexcept { return load_be16(b_, 2); }
    [[nodiscard]] constexpr SeqNum seq() const noexcept { return SeqNum(load_be32(b_, 4)); }
    [[nodiscard]] constexpr SeqNum ack() const noexcept { return SeqNum(load_be32(b_, 8)); }
    [[nodiscard]] constexpr std::uint8_t data_offset() const noexcept { return doff_; }
    [[nodiscard]] constexpr std::size_t header_length() const noexcept { return std::size_t{data_offset()} * 4U; }
    // The 3 reserved bits (RFC 9293: must be zero when sent, ignored on receipt).
    [[nodiscard]] constexpr std::uint8_t reserved() const noexcept {
        return static_cast<std::uint8_t>((b_[12] >> 1U) & 0x7U);
    }
    [[nodiscard]] constexpr TcpFlags flags() const noexcept {
        return TcpFlags::from_bits(static_cast<std::uint16_t>(((b_[12] & 1U) << 8U) | b_[13]));
    }
    [[nodiscard]] constexpr std::uint16_t window() const noexcept { return load_be16(b_, 14); }
    [[nodiscard]] constexpr std::uint16_t checksum() const noexcept { return load_be16(b_, 16); }
    [[nodiscard]] constexpr std::uint16_t urgent_pointer() const noexcept { return load_be16(b_, 18); }

    [[nodiscard]] constexpr Bytes bytes() const noexcept { return b_; }
    [[nodiscard]] constexpr Bytes header() const noexcept { return b_.first(header_length()); }
    [[nodiscard]] constexpr Bytes option_bytes() const noexcept {
        return b_.subspan(tcp_min_header, header_length() - tcp_min_header);
    }
    [[nodiscard]] constexpr OptionRange options() const noexcept { return OptionRange(option_bytes(), 20); }
    [[nodiscard]] constexpr Bytes payload() const noexcept { return b_.subspan(header_length()); }

    // SEG.LEN (RFC 9293 §3.3.1): payload plus one for each of SYN and FIN.
    [[nodiscard]] constexpr std::uint32_t segment_length() const noexcept {
        return static_cast<std::uint32_t>(payload().size()) + (flags().syn() ? 1U : 0U) + (flags().fin() ? 1U : 0U);
    }

  private:
    Bytes b_{};
    // Kept from parse(): a store through any byte pointer may alias the
    // segment, so reading byte 12 again would be a reload after each one.
    std::uint8_t doff_ = 0;
};

// The TCP header as a plain value.
// The fixed 20 bytes of a header (everything but the options).
struct TcpFields {
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    SeqNum seq{};
    SeqNum ack{};
    std::uint8_t reserved = 0; // 3 bits
    TcpFlags flags{};
    std::uint16_t window = 0;
    std::uint16_t checksum = 0;
    std::uint16_t urgent_pointer = 0;

    // Writes the fixed fields of a header `hl` bytes long into out[0, 20).
    // Precondition: out.size() >= 20.
    SYNACK_ALWAYS_INLINE constexpr void store(MutableBytes out, std::size_t hl) const noexcept {
        store_front(out, hl);
        store_back(out);
    }
    // Bytes 0-15 (ports, sequence and acknowledgment numbers, offset, flags,
    // window) and bytes 16-19 (checksum, urgent pointer) of store().
    SYNACK_ALWAYS_INLINE constexpr void store_front(MutableBytes out, std::size_t hl) const noexcept {
        store_be32(out, 0, (static_cast<std::uint32_t>(source_port) << 16U) | destination_port);
        store_be32(out, 4, seq.raw());
        store_be32(out, 8, ack.raw());
        store_be32(out, 12, (static_cast<std::uint32_t>(offset_flags(hl)) << 16U) | window);
    }
    SYNACK_ALWAYS_INLINE constexpr void store_back(MutableBytes out) const noexcept {
        store_be32(out, 16, (static_cast<std::uint32_t>(checksum) << 16U) | urgent_pointer);
    }

    // Bytes 12-13: data offset, reserved bits, the 9 flags.
    [[nodiscard]] constexpr std::uint16_t offset_flags(std::size_t hl) const noexcept {
        const auto hi = static_cast<std::uint8_t>(((hl / 4) << 4U) | ((reserved & 0x7U) << 1U) | (flags.bits() >> 8U));
        return static_cast<std::uint16_t>((static_cast<unsigned>(hi) << 8U) | (flags.bits() & 0xFFU));
    }

    // Writes a header with `options` in Linux's canonical layout and returns
    // its length: the handshake machines' path, which builds no TcpHeader.
    SYNACK_ALWAYS_INLINE constexpr result<std::size_t> encode(MutableBytes out, const OptionValues& options) const noexcept {
        if (out.size() < tcp_min_header) return Error::BufferTooSmall;
        const result<std::size_t> o = options.canonical_size();
        if (!o) return o.failure();
        const std::size_t hl = tcp_min_header + *o;
        if (out.size() < hl) return Error::BufferTooSmall;
        store(out, hl);
        static_cast<void>(options.write_canonical_words(out, tcp_min_header));
        return hl;
    }

    // The same, with the checksum field filled (RFC 9293 §3.1) for a segment
    // from `src` to `dst` whose payload is `payload` (which the caller puts
    // right after the header, before or after this call). The header is
    // summed from the values as they are written, never read back: a read
    // of freshly stored bytes would wait on store forwarding. Every byte of
    // the header is written exactly once, in aligned 32-bit stores (bytes
    // 16-19, checksum and urgent pointer, last, once the sum is known), so
    // that a reader of the fresh segment (a peer's verify in the same
    // thread) loading 32-bit words gets each from a single store.
    SYNACK_ALWAYS_INLINE constexpr result<std::size_t> encode(MutableBytes out, const OptionValues& options, const IpAddress& src,
                                         const IpAddress& dst, Bytes payload = {}) const noexcept {
        if (out.size() < tcp_min_header) return Error::BufferTooSmall;
        const result<std::size_t> o = options.canonical_size();
        if (!o) return o.failure();
        const std::size_t hl = tcp_min_header + *o;
        if (out.size() < hl) return Error::BufferTooSmall;
        TcpFields f = *this;
        f.checksum = 0;
        f.store_front(out, hl);
        std::uint64_t sum = options.write_canonical_words(out, tcp_min_header) + f.word_sum(hl) +
                            pseudo_header_sum(src, dst, static_cast<std::uint32_t>(hl + payload.size()));
        if (!payload.empty()) sum += internet_sum(payload);
        f.checksum = static_cast<std::uint16_t>(~fold_sum(sum));
        f.store_back(out);
        return hl;
    }

    // The one's-complement sum (unfolded) of the 20 fixed bytes store()
    // writes for a header `hl` bytes long, as five 32-bit words.
    [[nodiscard]] constexpr std::uint64_t word_sum(std::size_t hl) const noexcept {
        return std::uint64_t{(static_cast<std::uint32_t>(source_port) << 16U) | destination_port} + seq.raw() +
               ack.raw() + ((static_cast<std::uint32_t>(offset_flags(hl)) << 16U) | window) +
               ((static_cast<std::uint32_t>(checksum) << 16U) | urgent_pointer);
    }

    friend constexpr bool operator==(const TcpFields&, const TcpFields&) = default;
};

// A decoded header: the fixed fields and every option, layout included.
struct TcpHeader : TcpFields {
    TcpOptions options{};

    // Decodes the header of a segment (the payload is not copied; take it
    // from TcpView::payload()). Fails only on framing (see TcpView::parse);
    // option malformations are recorded in options.problems.
    // Decoded into the one result returned on every path (see assign()).
    static constexpr result<TcpHeader> decode(Bytes segment) noexcept {
        result<TcpHeader> r;
        const result<TcpView> v = TcpView::parse(segment);
        if (v) {
            r->assign(*v);
        } else {
            r = v.failure();
        }
        return r;
    }

    static constexpr TcpHeader from_view(const TcpView& v) noexcept {
        TcpHeader h;
        h.assign(v);
        return h;
    }

    // The fields and options of `v` into this header, which must be as
    // default-constructed: filled in place, never built aside and copied
    // (the copy's wide loads of fresh narrow stores stall on store
    // forwarding).
    constexpr void assign(const TcpView& v) noexcept {
        TcpHeader& h = *this;
        h.source_port = v.source_port();
        h.destination_port = v.destination_port();
        h.seq = v.seq();
        h.ack = v.ack();
        h.reserved = v.reserved();
        h.flags = v.flags();
        h.window = v.window();
        h.checksum = v.checksum();
        h.urgent_pointer = v.urgent_pointer();
        h.options.decode_into(v.option_bytes(), 20);
    }

    // Header length encode() writes: 20 + options, or OptionsTooLong.
    [[nodiscard]] constexpr result<std::size_t> encoded_size() const noexcept {
        const result<std::size_t> o = options.encoded_size();
        if (!o) return o.failure();
        return tcp_min_header + *o;
    }

    // Writes header and options into `out` (the checksum field as held in
    // `checksum`: see fill_tcp_checksum) and returns the header length.
    constexpr result<std::size_t> encode(MutableBytes out) const noexcept {
        if (out.size() < tcp_min_header) return Error::BufferTooSmall;
        const result<std::size_t> o = options.encode(out.subspan(tcp_min_header));
        if (!o) return o.failure();
        const std::size_t hl = tcp_min_header + *o;
        store(out, hl);
        return hl;
    }

    friend constexpr bool operator==(const TcpHeader&, const TcpHeader&) = default;
};

} // namespace synack
