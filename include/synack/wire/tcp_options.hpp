// synack/wire/tcp_options.hpp — TCP options: lazy wire iteration and a plain
// value that re-encodes byte-for-byte.
//
// RFC 9293 §3.1 (EOL, NOP, MSS), RFC 7323 §2-3 (window scale, timestamps),
// RFC 2018 (SACK-permitted, SACK), RFC 7413 §4.1.1 (Fast Open, kind 34, and
// the experimental kind 254 with magic 0xF989), RFC 2385 (MD5, 19) and
// RFC 5925 (TCP-AO, 29) preserved as raw bytes. Parsing follows Linux's
// tcp_parse_options(); the option rules are numbered as in DESIGN.md.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/result.hpp"

namespace synack {

enum class OptionKind : std::uint8_t {
    Eol = 0,
    Nop = 1,
    Mss = 2,
    WindowScale = 3,
    SackPermitted = 4,
    Sack = 5,
    Timestamps = 8,
    Md5 = 19,
    TcpAo = 29,
    FastOpen = 34,
    Experimental = 254,
};

inline constexpr std::size_t max_option_bytes = 40;        // 60-byte header - 20
inline constexpr std::size_t max_sack_blocks = 4;          // rule 9
inline constexpr std::uint16_t fast_open_exp_magic = 0xF989; // RFC 7413 §4.1.1
inline constexpr std::size_t fast_open_cookie_max = 16;
inline constexpr std::uint8_t max_window_scale = 14;       // RFC 7323 §2.3

struct SackBlock {
    std::uint32_t left = 0;
    std::uint32_t right = 0;
    friend constexpr bool operator==(const SackBlock&, const SackBlock&) = default;
};

struct Timestamps {
    std::uint32_t value = 0;      // TSval
    std::uint32_t echo_reply = 0; // TSecr

    // The same as Timestamps{value, echo_reply}, built as one 64-bit value:
    // g++ otherwise stores the halves separately, and a reader that loads
    // the pair as one word then waits for store forwarding to fail.
    static constexpr Timestamps of(std::uint32_t value, std::uint32_t echo_reply) noexcept {
        if (std::is_constant_evaluated()) return Timestamps{value, echo_reply};
        const std::uint64_t lo = std::endian::native == std::endian::little ? value : echo_reply;
        const std::uint64_t hi = std::endian::native == std::endian::little ? echo_reply : value;
        return std::bit_cast<Timestamps>(lo | (hi << 32U));
    }
    friend constexpr bool operator==(const Timestamps&, const Timestamps&) = default;
};

// A Fast Open option. An empty cookie is a cookie request (RFC 7413 §4.1.1).
struct FastOpenOption {
    bool experimental = false; // kind 254 + magic 0xF989 instead of kind 34
    std::uint8_t cookie_length = 0;
    Array<std::uint8_t, fast_open_cookie_max> cookie{};

    [[nodiscard]] constexpr bool is_request() const noexcept { return cookie_length == 0; }
    [[nodiscard]] constexpr Bytes cookie_bytes() const noexcept { return Bytes(cookie.data(), cookie_length); }
    // A cookie longer than 16 bytes is cut to 16.
    static constexpr FastOpenOption with_cookie(Bytes c, bool exp = false) noexcept {
        FastOpenOption o;
        o.set_cookie(c, exp);
        return o;
    }
    // The same, written into this one (a decoder fills its OptionValues in
    // place: built aside and copied in, the option's byte stores were read
    // back by wide loads, a store-forwarding stall per Fast Open SYN).
    constexpr void set_cookie(Bytes c, bool exp) noexcept {
        experimental = exp;
        cookie_length = static_cast<std::uint8_t>(c.size() < fast_open_cookie_max ? c.size() : fast_open_cookie_max);
        for (std::size_t i = 0; i < cookie_length; ++i) cookie[i] = c[i];
    }
    static constexpr FastOpenOption request(bool exp = false) noexcept {
        FastOpenOption o;
        o.experimental = exp;
        return o;
    }
    friend constexpr bool operator==(const FastOpenOption&, const FastOpenOption&) = default;
};

// One option as it sits on the wire, yielded by the lazy iterator.
struct OptionEntry {
    std::uint8_t kind = 0;
    std::uint8_t length = 0;   // total bytes incl. kind and length; 1 for EOL/NOP
    std::uint16_t offset = 0;  // of the kind byte, from the start of the TCP header
    Bytes data{};              // value bytes (after kind and length)
    // None; a framing error (rule 4: the walk ends with this entry, whose
    // length then covers the rest of the option area); or a content error
    // (rule 5: this option is not interpreted, the walk continues).
    Error error = Error::None;

    [[nodiscard]] constexpr bool ok() const noexcept { return error == Error::None; }
    [[nodiscard]] constexpr bool framing_error() const noexcept {
        return error == Error::OptionMissingLength || error == Error::OptionLengthTooSmall ||
               error == Error::OptionLengthPastEnd;
    }
    // Kind 254 carrying the Fast Open magic.
    [[nodiscard]] constexpr bool is_exp_fast_open() const noexcept {
        return kind == static_cast<std::uint8_t>(OptionKind::Experimental) && data.size() >= 2 &&
               load_be16(data, 0) == fast_open_exp_magic;
    }
    [[nodiscard]] constexpr bool is_fast_open() const noexcept {
        return kind == static_cast<std::uint8_t>(OptionKind::FastOpen) || is_exp_fast_open();
    }
    // Typed accessors; precondition: ok() and the matching kind.
    [[nodiscard]] constexpr std::uint16_t mss() const noexcept { return load_be16(data, 0); }
    [[nodiscard]] constexpr std::uint8_t window_scale() const noexcept { return data[0]; }
    [[nodiscard]] constexpr Timestamps timestamps() const noexcept {
        return {load_be32(data, 0), load_be32(data, 4)};
    }
    [[nodiscard]] constexpr std::size_t sack_count() const noexcept { return data.size() / 8; }
    [[nodiscard]] constexpr SackBlock sack_block(std::size_t i) const noexcept {
        return {load_be32(data, 8 * i), load_be32(data, 8 * i + 4)};
    }
    // The cookie's bytes (after the magic, for kind 254).
    [[nodiscard]] constexpr Bytes fast_open_cookie() const noexcept {
        return is_exp_fast_open() ? data.subspan(2) : data;
    }
    [[nodiscard]] constexpr FastOpenOption fast_open() const noexcept {
        return FastOpenOption::with_cookie(fast_open_cookie(), is_exp_fast_open());
    }
};

namespace detail {

// Rule 5: the content check for a well-framed option; None if acceptable.
constexpr Error check_option_length(std::uint8_t kind, std::size_t length, Bytes data) noexcept {
    switch (static_cast<OptionKind>(kind)) {
    case OptionKind::Mss: return length == 4 ? Error::None : Error::OptionBadMssLength;
    case OptionKind::WindowScale: return length == 3 ? Error::None : Error::OptionBadWindowScaleLength;
    case OptionKind::SackPermitted: return length == 2 ? Error::None : Error::OptionBadSackPermittedLength;
    case OptionKind::Timestamps: return length == 10 ? Error::None : Error::OptionBadTimestampsLength;
    case OptionKind::Sack:
        return (length >= 10 && length <= 34 && (length - 2) % 8 == 0) ? Error::None : Error::OptionBadSackLength;
    case OptionKind::FastOpen: {
        // Linux tcp_parse_fastopen_option(): empty = request, else even 4..16.
        const std::size_t c = length - 2;
        return (c == 0 || (c >= 4 && c <= fast_open_cookie_max && c % 2 == 0)) ? Error::None
                                                                                 : Error::OptionBadFastOpenLength;
    }
    case OptionKind::Experimental: {
        if (data.size() < 2 || load_be16(data, 0) != fast_open_exp_magic) return Error::None; // rule 6
        const std::size_t c = length - 4;
        return (c == 0 || (c >= 4 && c <= fast_open_cookie_max && c % 2 == 0)) ? Error::None
                                                                                 : Error::OptionBadFastOpenLength;
    }
    default: return Error::None;
    }
}

} // namespace detail

// The end of an option walk (std::default_sentinel_t would cost <iterator>,
// a third of the umbrella header's compile time).
struct OptionSentinel {};

// Lazy walk over an option area (the bytes [20, data offset * 4) of a TCP
// header). Never reads outside the span, always terminates: every step
// advances at least one byte, and a framing error ends the walk.
class OptionIterator {
  public:
    using value_type = OptionEntry;
    using difference_type = std::ptrdiff_t;

    constexpr OptionIterator() noexcept = default;
    constexpr OptionIterator(Bytes area, std::uint16_t base) noexcept : area_(area), base_(base) { step(); }

    constexpr const OptionEntry& operator*() const noexcept { return cur_; }
    constexpr const OptionEntry* operator->() const noexcept { return &cur_; }
    constexpr OptionIterator& operator++() noexcept {
        step();
        return *this;
    }
    constexpr OptionIterator operator++(int) noexcept {
        OptionIterator t = *this;
        step();
        return t;
    }
    friend constexpr bool operator==(const OptionIterator& it, OptionSentinel) noexcept { return it.done_; }

  private:
    constexpr void step() noexcept {
        if (pos_ >= area_.size()) {
            done_ = true;
            return;
        }
        const std::size_t at = pos_;
        const std::uint8_t kind = area_[at];
        cur_ = OptionEntry{};
        cur_.kind = kind;
        cur_.offset = static_cast<std::uint16_t>(base_ + at);
        if (kind == static_cast<std::uint8_t>(OptionKind::Eol)) {
            cur_.length = 1;
            pos_ = area_.size(); // rule 2: the rest is padding
            return;
        }
        if (kind == static_cast<std::uint8_t>(OptionKind::Nop)) { // rule 3
            cur_.length = 1;
            pos_ = at + 1;
            return;
        }
        const std::size_t rest = area_.size() - at;
        // Rule 4: framing errors end the walk; the entry covers the rest.
        if (rest < 2) {
            cur_.length = static_cast<std::uint8_t>(rest);
            cur_.error = Error::OptionMissingLength;
            pos_ = area_.size();
            return;
        }
        const std::uint8_t len = area_[at + 1];
        if (len < 2 || len > rest) {
            cur_.length = static_cast<std::uint8_t>(rest);
            cur_.data = area_.subspan(at + 2, rest - 2);
            cur_.error = len < 2 ? Error::OptionLengthTooSmall : Error::OptionLengthPastEnd;
            pos_ = area_.size();
            return;
        }
        cur_.length = len;
        cur_.data = area_.subspan(at + 2, len - 2U);
        cur_.error = detail::check_option_length(kind, len, cur_.data);
        pos_ = at + len;
    }

    Bytes area_{};
    std::size_t pos_ = 0;
    std::uint16_t base_ = 20;
    OptionEntry cur_{};
    bool done_ = false;
};

// The option area as a range: `for (const OptionEntry& o : view.options())`.
class OptionRange {
  public:
    constexpr OptionRange() noexcept = default;
    constexpr explicit OptionRange(Bytes area, std::uint16_t base = 20) noexcept : area_(area), base_(base) {}
    [[nodiscard]] constexpr OptionIterator begin() const noexcept { return OptionIterator(area_, base_); }
    [[nodiscard]] constexpr OptionSentinel end() const noexcept { return {}; }
    [[nodiscard]] constexpr Bytes bytes() const noexcept { return area_; }

    // The first framing error (rule 4), if any: error + offset from the
    // start of the TCP header.
    [[nodiscard]] constexpr Failure framing() const noexcept {
        for (const OptionEntry& o : *this) {
            if (o.framing_error()) return {o.error, o.offset};
        }
        return {};
    }

  private:
    Bytes area_{};
    std::uint16_t base_ = 20;
};

// A malformation found while decoding (kind and offset of the option).
struct OptionProblem {
    Error error = Error::None;
    std::uint8_t kind = 0;
    std::uint16_t offset = 0;
    friend constexpr bool operator==(const OptionProblem&, const OptionProblem&) = default;
};

// The typed option values of a segment, without its layout: what a
// handshake machine reads from a SYN and writes into one. Cheap to build
// (no 40-byte copy, no problem list): decode() keeps the last well-formed
// occurrence of each kind (rule 8) and ignores everything else; encode()
// writes Linux's canonical layout (tcp_options_write()). TcpOptions adds the
// verbatim layout and the malformations found.
struct OptionValues {
    Optional<std::uint16_t> mss;
    Optional<std::uint8_t> window_scale; // as on the wire (rule 7)
    bool sack_permitted = false;
    Optional<Timestamps> timestamps;
    Array<SackBlock, max_sack_blocks> sack_blocks{};
    std::uint8_t sack_count = 0;
    Optional<FastOpenOption> fast_open;

  protected:
    // Writes straight into the caller's buffer; past its end nothing is
    // written and `overflow` is set. Multi-byte fields are single stores
    // (store_be16/32) with one bounds check each.
    struct Writer {
        MutableBytes out;
        std::size_t pos = 0;
        bool overflow = false;
        constexpr void put(std::uint8_t b) noexcept {
            if (pos < out.size()) {
                out[pos] = b;
            } else {
                overflow = true;
            }
            ++pos;
        }
        constexpr void put16(std::uint16_t v) noexcept {
            if (pos + 2 <= out.size()) {
                store_be16(out, pos, v);
                pos += 2;
            } else {
                put(static_cast<std::uint8_t>(v >> 8U));
                put(static_cast<std::uint8_t>(v));
            }
        }
        constexpr void put32(std::uint32_t v) noexcept {
            if (pos + 4 <= out.size()) {
                store_be32(out, pos, v);
                pos += 4;
            } else {
                put16(static_cast<std::uint16_t>(v >> 16U));
                put16(static_cast<std::uint16_t>(v));
            }
        }
        constexpr void word(std::uint32_t v) noexcept { put32(v); }
    };

    // The unchecked sink of the canonical writer: room was checked once
    // (canonical_size), so every word is one store; the words are summed
    // on the way for the checksum.
    struct WordStore {
        MutableBytes out;
        std::size_t pos = 0;
        std::uint64_t sum = 0;
        constexpr void word(std::uint32_t v) noexcept {
            store_be32(out, pos, v);
            pos += 4;
            sum += v;
        }
    };

    [[nodiscard]] constexpr Error check_values() const noexcept {
        if (sack_count > max_sack_blocks) return Error::OptionValueInvalid;
        // RFC 7413 §4.1.1: a cookie is empty (a request) or 4..16 bytes,
        // even; anything else could not be decoded back.
        if (fast_open) {
            const std::size_t c = fast_open->cookie_length;
            if (c != 0 && (c < 4 || c > fast_open_cookie_max || c % 2 != 0)) return Error::OptionValueInvalid;
        }
        return Error::None;
    }

    static constexpr result<std::size_t> finish(Writer& w) noexcept {
        while (w.pos % 4 != 0) w.put(0); // EOL + zero padding (RFC 9293 §3.1)
        if (w.pos > max_option_bytes) return Error::OptionsTooLong;
        if (w.overflow) return Error::BufferTooSmall;
        return w.pos;
    }

    // Which typed options a canonical write should emit.
    enum KindMask : unsigned {
        MaskMss = 1U, MaskWs = 2U, MaskSackOk = 4U, MaskTs = 8U, MaskSack = 16U, MaskTfo = 32U,
    };
    static constexpr unsigned all_kinds = 63U;

    constexpr void write_mss(Writer& w) const noexcept { w.put32(0x02040000U | *mss); }
    constexpr void write_ts(Writer& w) const noexcept {
        w.put16(0x080a); w.put32(timestamps->value); w.put32(timestamps->echo_reply);
    }
    constexpr void write_ws(Writer& w) const noexcept {
        w.put(3); w.put(3); w.put(*window_scale);
    }
    constexpr void write_sack(Writer& w) const noexcept {
        w.put(5);
        w.put(static_cast<std::uint8_t>(2 + 8 * sack_count));
        for (std::size_t i = 0; i < sack_count; ++i) {
            w.put32(sack_blocks[i].left);
            w.put32(sack_blocks[i].right);
        }
    }
    // The Fast Open option's length (without padding); the cookie length is
    // clamped as write_tfo() clamps it.
    [[nodiscard]] constexpr std::size_t tfo_length() const noexcept {
        const std::size_t c = fast_open->cookie_length > fast_open_cookie_max ? fast_open_cookie_max
                                                                              : fast_open->cookie_length;
        return (fast_open->experimental ? 4U : 2U) + c;
    }
    // The option's bytes, followed by NOPs up to a multiple of 4.
    [[nodiscard]] constexpr Array<std::uint8_t, 20> tfo_bytes() const noexcept {
        const FastOpenOption& f = *fast_open;
        const std::size_t len = tfo_length();
        Array<std::uint8_t, 20> b{};
        std::size_t i = 0;
        b[i++] = f.experimental ? 254 : 34;
        b[i++] = static_cast<std::uint8_t>(len);
        if (f.experimental) {
            b[i++] = fast_open_exp_magic >> 8U;
            b[i++] = fast_open_exp_magic & 0xFFU;
        }
        for (std::size_t k = 0; i < len; ++k) b[i++] = f.cookie[k];
        while (i % 4 != 0) b[i++] = 1;
        return b;
    }
    // The option alone, without padding (a preserved layout pads as it was).
    constexpr void write_tfo(Writer& w) const noexcept {
        const std::size_t len = tfo_length();
        const Array<std::uint8_t, 20> b = tfo_bytes();
        for (std::size_t i = 0; i < len; ++i) w.put(b[i]);
    }

    // Linux tcp_options_write(): mss; sackOK+TS packed as 04 02 08 0a, or
    // nop,nop,TS, or nop,nop,sackOK; nop,wscale; nop,nop,sack; TFO padded
    // with two NOPs when its length is 2 mod 4. Every piece is whole 32-bit
    // words; `Sink` takes them (word(v)).
    template <class Sink>
    SYNACK_ALWAYS_INLINE constexpr void emit_canonical(Sink& s, unsigned mask) const noexcept {
        if ((mask & MaskMss) && mss) s.word(0x02040000U | *mss);
        const bool ts = (mask & MaskTs) && timestamps;
        const bool sok = (mask & MaskSackOk) && sack_permitted;
        if (ts) {
            s.word(sok ? 0x0402080aU : 0x0101080aU);
            s.word(timestamps->value);
            s.word(timestamps->echo_reply);
        } else if (sok) {
            s.word(0x01010402U);
        }
        if ((mask & MaskWs) && window_scale) s.word(0x01030300U | *window_scale);
        if ((mask & MaskSack) && sack_count > 0) {
            s.word(0x01010500U | (2U + 8U * sack_count));
            for (std::size_t i = 0; i < sack_count; ++i) {
                s.word(sack_blocks[i].left);
                s.word(sack_blocks[i].right);
            }
        }
        if ((mask & MaskTfo) && fast_open) {
            const Array<std::uint8_t, 20> b = tfo_bytes();
            for (std::size_t i = 0; i < tfo_length(); i += 4) s.word(load_be32(b, i));
        }
    }

  public:

    constexpr void add_sack_block(SackBlock b) noexcept {
        if (sack_count < max_sack_blocks) sack_blocks[sack_count++] = b;
    }

    // Takes one well-formed option (e.ok()); unknown kinds change nothing.
    SYNACK_ALWAYS_INLINE constexpr void apply(const OptionEntry& e) noexcept {
        switch (static_cast<OptionKind>(e.kind)) {
        case OptionKind::Mss: mss = e.mss(); break;
        case OptionKind::WindowScale: window_scale = e.window_scale(); break;
        case OptionKind::SackPermitted: sack_permitted = true; break;
        case OptionKind::Timestamps: timestamps = e.timestamps(); break;
        case OptionKind::Sack:
            sack_count = static_cast<std::uint8_t>(e.sack_count());
            for (std::size_t i = 0; i < sack_count; ++i) sack_blocks[i] = e.sack_block(i);
            break;
        case OptionKind::FastOpen:
        case OptionKind::Experimental:
            if (e.is_fast_open()) fast_open.emplace().set_cookie(e.fast_open_cookie(), e.is_exp_fast_open());
            break;
        default: break;
        }
    }

    // The typed values of an option area; malformed options are skipped
    // (rules 4-5), as Linux's tcp_parse_options() skips them.
    // A plain loop rather than OptionRange: the walk (rules 2-4) without
    // building an entry per option; well-formed options (rule 5) go to
    // apply(). The fuzz target tcp_options checks it against TcpOptions.
    SYNACK_ALWAYS_INLINE static constexpr OptionValues decode(Bytes area, std::uint16_t base = 20) noexcept {
        OptionValues o;
        const std::size_t n = area.size();
        std::size_t i = 0;
        // Linux writes its options as whole 32-bit words (tcp_options_write()):
        // those words are read at once, each exactly as the byte walk below
        // reads it; the walk takes over at the first other word.
        while (i + 4 <= n) {
            const std::uint32_t w = load_be32(area, i);
            if ((w >> 16U) == 0x0204U) { // mss
                o.mss = static_cast<std::uint16_t>(w);
            } else if ((w >> 8U) == 0x010303U) { // nop, wscale
                o.window_scale = static_cast<std::uint8_t>(w);
            } else if (w == 0x01010402U) { // nop, nop, sackOK
                o.sack_permitted = true;
            } else if ((w == 0x0402080aU || w == 0x0101080aU) && i + 12 <= n) { // sackOK or nop, nop; TS
                if (w == 0x0402080aU) o.sack_permitted = true;
                o.timestamps = Timestamps::of(load_be32(area, i + 4), load_be32(area, i + 8));
                i += 8;
            } else {
                break;
            }
            i += 4;
        }
        while (i < n) {
            const std::uint8_t kind = area[i];
            if (kind == static_cast<std::uint8_t>(OptionKind::Eol)) break; // rule 2
            if (kind == static_cast<std::uint8_t>(OptionKind::Nop)) {     // rule 3
                ++i;
                continue;
            }
            if (n - i < 2) break; // rule 4
            const std::uint8_t len = area[i + 1];
            if (len < 2 || len > n - i) break;
            // Rule 5. The four kinds of every SYN are read in place (their
            // lengths as in detail::check_option_length); the rest go
            // through the checked entry.
            switch (static_cast<OptionKind>(kind)) {
            case OptionKind::Mss:
                if (len == 4) o.mss = load_be16(area, i + 2);
                break;
            case OptionKind::WindowScale:
                if (len == 3) o.window_scale = area[i + 2];
                break;
            case OptionKind::SackPermitted:
                if (len == 2) o.sack_permitted = true;
                break;
            case OptionKind::Timestamps:
                if (len == 10) o.timestamps = Timestamps::of(load_be32(area, i + 2), load_be32(area, i + 6));
                break;
            default: {
                OptionEntry e;
                e.kind = kind;
                e.length = len;
                e.offset = static_cast<std::uint16_t>(base + i);
                e.data = area.subspan(i + 2, len - 2U);
                if (detail::check_option_length(kind, len, e.data) == Error::None) o.apply(e);
                break;
            }
            }
            i += len;
        }
        return o;
    }

    // Bytes encode() would write (a multiple of 4), or an error.
    [[nodiscard]] constexpr result<std::size_t> encoded_size() const noexcept { return canonical_size(); }

    // Writes Linux's canonical layout (padded with EOL/zero to a multiple
    // of 4) and returns its length. OptionsTooLong if it exceeds 40 bytes;
    // BufferTooSmall if `out` cannot hold it; OptionValueInvalid for a SACK
    // count over 4 or a Fast Open cookie length that is not 0 or even 4..16.
    constexpr result<std::size_t> encode(MutableBytes out) const noexcept {
        const result<std::size_t> n = canonical_size();
        if (!n) return n;
        if (out.size() < *n) return Error::BufferTooSmall;
        WordStore s{out, 0};
        emit_canonical(s, all_kinds);
        return *n;
    }

    // The length of Linux's canonical layout, computed without writing it
    // (a multiple of 4), or the error encode() would return before writing.
    [[nodiscard]] SYNACK_ALWAYS_INLINE constexpr result<std::size_t> canonical_size() const noexcept {
        if (const Error e = check_values(); e != Error::None) return e;
        std::size_t n = (mss ? 4U : 0U) + (timestamps ? 12U : sack_permitted ? 4U : 0U) + (window_scale ? 4U : 0U) +
                        (sack_count > 0 ? 4U + 8U * sack_count : 0U);
        if (fast_open) n += (tfo_length() + 3U) & ~std::size_t{3}; // padded with two NOPs when 2 mod 4
        if (n > max_option_bytes) return Error::OptionsTooLong;
        return n;
    }

    // Writes the canonical layout into out[at, at + canonical_size()) as
    // 32-bit words and returns their one's-complement sum (unfolded, at most
    // 10 words of 32 bits: no overflow), so a caller can fill a checksum
    // without reading the bytes back. Precondition: canonical_size() is a
    // value and out has room for it.
    SYNACK_ALWAYS_INLINE constexpr std::uint64_t write_canonical_words(MutableBytes out, std::size_t at) const noexcept {
        WordStore s{out, at};
        emit_canonical(s, all_kinds);
        return s.sum;
    }

    friend constexpr bool operator==(const OptionValues&, const OptionValues&) = default;

};

// The decoded option set of one segment: the typed values plus everything
// needed to re-encode it byte for byte.
//
// decode() fills the typed fields (the last well-formed occurrence of each
// kind wins, rule 8) and keeps the option area verbatim in `wire`. encode()
// with a non-empty `wire` reproduces that layout: every byte is copied except
// the last well-formed occurrence of each known kind, which is rewritten from
// the typed field (so edits take effect; a cleared field is dropped); typed
// options missing from the layout are inserted, in canonical order, where the
// layout ends (before an EOL). With an empty `wire`, encode() writes Linux's
// canonical layout (tcp_options_write()). Unknown options (rule 6) live only
// in `wire`: add_raw() appends one.
struct TcpOptions : OptionValues {
    // Malformations found by decode(): the first problems_max, and how many.
    static constexpr std::size_t problems_max = 8;
    Array<OptionProblem, problems_max> problems{};
    std::uint8_t problem_count = 0;

    // The decoded option area, verbatim (empty for a value built by hand).
    Array<std::uint8_t, max_option_bytes> wire{};
    std::uint8_t wire_length = 0;

    [[nodiscard]] constexpr Bytes layout() const noexcept { return Bytes(wire.data(), wire_length); }
    [[nodiscard]] constexpr OptionRange raw() const noexcept { return OptionRange(layout(), 20); }
    constexpr void clear_layout() noexcept {
        wire = {};
        wire_length = 0;
    }
    [[nodiscard]] constexpr bool malformed() const noexcept { return problem_count != 0; }

    // Appends an option as kind + value bytes to the preserved layout.
    constexpr Error add_raw(std::uint8_t kind, Bytes value) noexcept {
        if (kind <= 1) { // EOL/NOP are single bytes
            if (wire_length + 1U > max_option_bytes) return Error::OptionsTooLong;
            wire[wire_length++] = kind;
            return Error::None;
        }
        if (value.size() > max_option_bytes - 2 || wire_length + 2U + value.size() > max_option_bytes)
            return Error::OptionsTooLong;
        wire[wire_length++] = kind;
        wire[wire_length++] = static_cast<std::uint8_t>(value.size() + 2);
        for (std::uint8_t b : value) wire[wire_length++] = b;
        return Error::None;
    }

    // Never fails: malformations are recorded in `problems` (the decoder
    // reports, the handshake layer decides). Precondition: area.size() <= 40.
    static constexpr TcpOptions decode(Bytes area, std::uint16_t base = 20) noexcept {
        TcpOptions o;
        o.decode_into(area, base);
        return o;
    }

    // The same into this object, which must be as default-constructed (a
    // TcpHeader decodes its options where they live: built aside and
    // copied in, 140 bytes of fresh narrow stores were read back by wide
    // loads and stalled on store forwarding).
    constexpr void decode_into(Bytes area, std::uint16_t base = 20) noexcept {
        TcpOptions& o = *this;
        const std::size_t n = area.size() < max_option_bytes ? area.size() : max_option_bytes;
        for (std::size_t i = 0; i < n; ++i) o.wire[i] = area[i];
        o.wire_length = static_cast<std::uint8_t>(n);
        for (const OptionEntry& e : OptionRange(area.first(n), base)) {
            if (!e.ok()) {
                if (o.problem_count < problems_max) o.problems[o.problem_count] = {e.error, e.kind, e.offset};
                if (o.problem_count < 255) ++o.problem_count;
                continue;
            }
            o.apply(e);
        }
    }

    // Bytes encode() would write (a multiple of 4), or OptionsTooLong.
    [[nodiscard]] constexpr result<std::size_t> encoded_size() const noexcept {
        Array<std::uint8_t, max_option_bytes> scratch{};
        return encode(scratch);
    }

    // Writes the option area (padded with EOL/zero to a multiple of 4) and
    // returns its length. OptionsTooLong if it exceeds 40 bytes;
    // BufferTooSmall if `out` cannot hold it; OptionValueInvalid for a SACK
    // count over 4 or a Fast Open cookie length that is not 0 or even 4..16.
    constexpr result<std::size_t> encode(MutableBytes out) const noexcept {
        Writer w{out};
        if (const Error e = check_values(); e != Error::None) return e;
        if (wire_length == 0) {
            emit_canonical(w, all_kinds);
        } else {
            write_layout(w);
        }
        return finish(w);
    }

    friend constexpr bool operator==(const TcpOptions&, const TcpOptions&) = default;

  private:
    static constexpr unsigned mask_of(const OptionEntry& e) noexcept {
        switch (static_cast<OptionKind>(e.kind)) {
        case OptionKind::Mss: return MaskMss;
        case OptionKind::WindowScale: return MaskWs;
        case OptionKind::SackPermitted: return MaskSackOk;
        case OptionKind::Timestamps: return MaskTs;
        case OptionKind::Sack: return MaskSack;
        case OptionKind::FastOpen: return MaskTfo;
        case OptionKind::Experimental: return e.is_exp_fast_open() ? MaskTfo : 0U;
        default: return 0U;
        }
    }

    constexpr void write_layout(Writer& w) const noexcept {
        const OptionRange range = raw();
        // The offset of the last well-formed occurrence of each typed kind.
        Array<std::uint16_t, 6> last{};
        last.fill(0xFFFF);
        unsigned present = 0;
        for (const OptionEntry& e : range) {
            const unsigned m = e.ok() ? mask_of(e) : 0U;
            if (m == 0) continue;
            present |= m;
            last[index_of(m)] = e.offset;
        }
        const unsigned missing = all_kinds & ~present;
        bool inserted = false;
        std::size_t consumed = 0;
        for (const OptionEntry& e : range) {
            if (e.kind == 0 || e.framing_error()) {
                // The layout ends here: typed options it lacks go first,
                // then the EOL/padding or malformed tail verbatim.
                emit_canonical(w, missing);
                inserted = true;
                // A malformed tail must stay malformed: zero padding after
                // it could complete a truncated option (02 04 05 -> mss
                // 0x0500), so the padding goes in front of it as NOPs and
                // the tail keeps running past the end.
                if (e.kind != 0) {
                    const std::size_t tail = wire_length - consumed;
                    while ((w.pos + tail) % 4 != 0) w.put(1);
                }
                for (std::size_t i = consumed; i < wire_length; ++i) w.put(wire[i]);
                consumed = wire_length;
                break;
            }
            consumed += e.length;
            const unsigned m = e.ok() ? mask_of(e) : 0U;
            if (m != 0 && last[index_of(m)] == e.offset) {
                write_typed(w, m);
                continue;
            }
            // An earlier duplicate of a field that was cleared goes too:
            // copied verbatim it would become the last one and win (rule 8).
            if (m != 0 && !has_typed(m)) continue;
            for (std::size_t i = 0; i < e.length; ++i) w.put(wire[e.offset - 20U + i]);
        }
        if (!inserted) emit_canonical(w, missing);
    }

    static constexpr std::size_t index_of(unsigned single_mask) noexcept {
        std::size_t i = 0;
        while ((single_mask >> i) != 1U) ++i;
        return i;
    }

    [[nodiscard]] constexpr bool has_typed(unsigned m) const noexcept {
        switch (m) {
        case MaskMss: return mss.has_value();
        case MaskWs: return window_scale.has_value();
        case MaskSackOk: return sack_permitted;
        case MaskTs: return timestamps.has_value();
        case MaskSack: return sack_count > 0;
        case MaskTfo: return fast_open.has_value();
        default: return false;
        }
    }

    constexpr void write_typed(Writer& w, unsigned m) const noexcept {
        switch (m) {
        case MaskMss: if (mss) write_mss(w); break;
        case MaskWs: if (window_scale) write_ws(w); break;
        case MaskSackOk: if (sack_permitted) { w.put(4); w.put(2); } break;
        case MaskTs: if (timestamps) write_ts(w); break;
        case MaskSack: if (sack_count > 0) write_sack(w); break;
        case MaskTfo: if (fast_open) write_tfo(w); break;
        default: break;
        }
    }
};

} // namespace synack
