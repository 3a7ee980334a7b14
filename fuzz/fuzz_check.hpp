// fuzz/fuzz_check.hpp — shared helpers for the fuzz targets: a property check
// that aborts with a message (so libFuzzer and the replay programs both
// report it), a byte reader for mutation scripts, an independent reference
// walk of the TCP option rules (DESIGN.md rules 1-6, written from the RFCs,
// not from tcp_options.hpp), and a typed comparison of option sets.
//
// Also: a textbook RFC 1071 sum and TCP pseudo-header checksum, and the
// checks shared by the IPv4 and IPv6 targets for the TCP segment inside.
//
// Not a fuzz target itself: fuzz/CMakeLists.txt globs *.cpp only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/tcp.hpp"
#include "synack/wire/tcp_options.hpp"

namespace fuzz {

[[noreturn]] inline void check_failed(const char* file, int line, const char* what) {
    std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
    std::fflush(stderr);
    std::abort();
}

} // namespace fuzz

// A property, checked in every build (NDEBUG does not remove it).
#define FUZZ_CHECK(cond)                                                                                             \
    do {                                                                                                             \
        if (!(cond)) ::fuzz::check_failed(__FILE__, __LINE__, #cond);                                                \
    } while (false)

namespace fuzz {

// Consumes bytes from a span, yielding zeros when exhausted (so a script of
// any length is a valid script).
class Reader {
  public:
    explicit Reader(synack::Bytes b) noexcept : b_(b) {}
    [[nodiscard]] bool empty() const noexcept { return pos_ >= b_.size(); }
    std::uint8_t u8() noexcept { return pos_ < b_.size() ? b_[pos_++] : std::uint8_t{0}; }
    std::uint16_t u16() noexcept {
        const auto hi = static_cast<unsigned>(u8());
        return static_cast<std::uint16_t>((hi << 8U) | u8());
    }
    std::uint32_t u32() noexcept {
        const std::uint32_t hi = u16();
        return (hi << 16U) | u16();
    }

  private:
    synack::Bytes b_;
    std::size_t pos_ = 0;
};

// One option as the reference walk sees it. Offsets are relative to the start
// of the option area.
struct RefEntry {
    std::uint8_t kind = 0;
    std::size_t offset = 0;
    std::size_t length = 0;      // bytes the entry spans in the area
    std::size_t data_offset = 0; // value bytes start here...
    std::size_t data_length = 0; // ...and are this long
    synack::Error error = synack::Error::None;
};

struct RefWalk {
    std::array<RefEntry, synack::max_option_bytes> entries{};
    std::size_t count = 0;
};

// Rule 5 from the RFCs: MSS 4 (RFC 9293), WS 3 and TS 10 (RFC 7323), SACK-OK
// 2 and SACK 2 + 8n, n in 1..4 (RFC 2018), TFO cookie empty or even 4..16
// (RFC 7413 §4.1.1; kind 254 only when it carries the magic 0xF989).
inline synack::Error ref_content_error(std::uint8_t kind, std::size_t len, const std::uint8_t* value) {
    using synack::Error;
    switch (kind) {
    case 2: return len == 4 ? Error::None : Error::OptionBadMssLength;
    case 3: return len == 3 ? Error::None : Error::OptionBadWindowScaleLength;
    case 4: return len == 2 ? Error::None : Error::OptionBadSackPermittedLength;
    case 8: return len == 10 ? Error::None : Error::OptionBadTimestampsLength;
    case 5: {
        const bool good = len == 10 || len == 18 || len == 26 || len == 34;
        return good ? Error::None : Error::OptionBadSackLength;
    }
    case 34: {
        const std::size_t c = len - 2;
        const bool good = c == 0 || c == 4 || c == 6 || c == 8 || c == 10 || c == 12 || c == 14 || c == 16;
        return good ? Error::None : Error::OptionBadFastOpenLength;
    }
    case 254: {
        if (len < 4 || value[0] != 0xF9 || value[1] != 0x89) return Error::None; // unknown: preserved
        const std::size_t c = len - 4;
        const bool good = c == 0 || c == 4 || c == 6 || c == 8 || c == 10 || c == 12 || c == 14 || c == 16;
        return good ? Error::None : Error::OptionBadFastOpenLength;
    }
    default: return Error::None;
    }
}

// Rules 1-4: EOL ends the list, NOP is one byte, anything else needs a length
// byte >= 2 that stays inside the area; a framing error ends the walk.
inline RefWalk ref_walk(synack::Bytes area) {
    using synack::Error;
    RefWalk w;
    std::size_t at = 0;
    while (at < area.size()) {
        RefEntry& e = w.entries[w.count++];
        e.kind = area[at];
        e.offset = at;
        if (e.kind == 0 || e.kind == 1) {
            e.length = 1;
            if (e.kind == 0) break;
            at += 1;
            continue;
        }
        const std::size_t rest = area.size() - at;
        if (rest < 2) {
            e.length = rest;
            e.error = Error::OptionMissingLength;
            break;
        }
        const std::size_t len = area[at + 1];
        e.data_offset = at + 2;
        if (len < 2 || len > rest) {
            e.length = rest;
            e.data_length = rest - 2;
            e.error = len < 2 ? Error::OptionLengthTooSmall : Error::OptionLengthPastEnd;
            break;
        }
        e.length = len;
        e.data_length = len - 2;
        e.error = ref_content_error(e.kind, len, area.data() + at + 2);
        at += len;
    }
    return w;
}

// The typed fields an option area should decode to, computed from the
// reference walk: the last well-formed occurrence of each kind (rule 8).
inline synack::TcpOptions ref_typed(synack::Bytes area, const RefWalk& w) {
    synack::TcpOptions o;
    for (std::size_t i = 0; i < w.count; ++i) {
        const RefEntry& e = w.entries[i];
        if (e.error != synack::Error::None) continue;
        const synack::Bytes v = area.subspan(e.data_offset, e.data_length);
        switch (e.kind) {
        case 2: o.mss = synack::load_be16(v, 0); break;
        case 3: o.window_scale = v[0]; break;
        case 4: o.sack_permitted = true; break;
        case 8: o.timestamps = synack::Timestamps{synack::load_be32(v, 0), synack::load_be32(v, 4)}; break;
        case 5:
            o.sack_count = static_cast<std::uint8_t>(v.size() / 8);
            for (std::size_t k = 0; k < o.sack_count; ++k) {
                o.sack_blocks[k] = {synack::load_be32(v, 8 * k), synack::load_be32(v, 8 * k + 4)};
            }
            break;
        case 34: o.fast_open = synack::FastOpenOption::with_cookie(v, false); break;
        case 254:
            if (v.size() >= 2 && v[0] == 0xF9 && v[1] == 0x89) {
                o.fast_open = synack::FastOpenOption::with_cookie(v.subspan(2), true);
            }
            break;
        default: break;
        }
    }
    return o;
}

// Typed equality: the values a user sees, ignoring bytes past sack_count /
// cookie_length and the layout/problem bookkeeping.
inline bool same_fast_open(const synack::Optional<synack::FastOpenOption>& a,
                           const synack::Optional<synack::FastOpenOption>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    if (a->experimental != b->experimental || a->cookie_length != b->cookie_length) return false;
    for (std::size_t i = 0; i < a->cookie_length && i < synack::fast_open_cookie_max; ++i) {
        if (a->cookie[i] != b->cookie[i]) return false;
    }
    return true;
}

inline bool same_typed(const synack::TcpOptions& a, const synack::TcpOptions& b) {
    if (a.mss != b.mss || a.window_scale != b.window_scale || a.sack_permitted != b.sack_permitted ||
        a.timestamps != b.timestamps || a.sack_count != b.sack_count) {
        return false;
    }
    for (std::size_t i = 0; i < a.sack_count && i < synack::max_sack_blocks; ++i) {
        if (a.sack_blocks[i] != b.sack_blocks[i]) return false;
    }
    return same_fast_open(a.fast_open, b.fast_open);
}

// Header fields other than options.
inline bool same_fixed_fields(const synack::TcpHeader& a, const synack::TcpHeader& b) {
    return a.source_port == b.source_port && a.destination_port == b.destination_port && a.seq == b.seq &&
           a.ack == b.ack && a.reserved == b.reserved && a.flags == b.flags && a.window == b.window &&
           a.checksum == b.checksum && a.urgent_pointer == b.urgent_pointer;
}

// Checks a decoded TcpHeader against an independent byte-level reading of
// the segment's header and option area (used by several targets).
inline void check_tcp_decode(synack::Bytes seg, const synack::TcpHeader& h) {
    const std::size_t hl = static_cast<std::size_t>(seg[12] >> 4U) * 4U;
    FUZZ_CHECK(h.source_port == synack::load_be16(seg, 0));
    FUZZ_CHECK(h.destination_port == synack::load_be16(seg, 2));
    FUZZ_CHECK(h.seq.raw() == synack::load_be32(seg, 4));
    FUZZ_CHECK(h.ack.raw() == synack::load_be32(seg, 8));
    FUZZ_CHECK(h.reserved == ((seg[12] >> 1U) & 7U));
    FUZZ_CHECK(h.flags.bits() == (((seg[12] & 1U) << 8U) | seg[13]));
    FUZZ_CHECK(h.window == synack::load_be16(seg, 14));
    FUZZ_CHECK(h.checksum == synack::load_be16(seg, 16));
    FUZZ_CHECK(h.urgent_pointer == synack::load_be16(seg, 18));
    const synack::Bytes area = seg.subspan(20, hl - 20);
    const RefWalk w = ref_walk(area);
    FUZZ_CHECK(same_typed(h.options, ref_typed(area, w)));
    std::size_t problems = 0;
    for (std::size_t i = 0; i < w.count; ++i) {
        const RefEntry& e = w.entries[i];
        if (e.error == synack::Error::None) continue;
        if (problems < synack::TcpOptions::problems_max) {
            const synack::OptionProblem& p = h.options.problems[problems];
            FUZZ_CHECK(p.error == e.error);
            FUZZ_CHECK(p.kind == e.kind);
            FUZZ_CHECK(p.offset == 20 + e.offset);
        }
        ++problems;
    }
    FUZZ_CHECK(h.options.problem_count == problems);
    FUZZ_CHECK(h.options.wire_length == area.size());
    for (std::size_t i = 0; i < area.size(); ++i) FUZZ_CHECK(h.options.wire[i] == area[i]);
}

// ---- checksums, the textbook way (RFC 1071 §4.1, RFC 9293 §3.1, RFC 8200 §8.1)

// Adds big-endian 16-bit words; an odd last byte is the high byte of a word.
inline std::uint64_t ref_add_words(synack::Bytes b, std::uint64_t acc) {
    for (std::size_t i = 0; i + 1 < b.size(); i += 2) acc += static_cast<std::uint64_t>((b[i] << 8U) | b[i + 1]);
    if (b.size() % 2 != 0) acc += static_cast<std::uint64_t>(b[b.size() - 1]) << 8U;
    return acc;
}

inline std::uint16_t ref_fold(std::uint64_t acc) {
    while (acc > 0xFFFF) acc = (acc & 0xFFFF) + (acc >> 16U);
    return static_cast<std::uint16_t>(acc);
}

// The one's-complement sum over pseudo-header and segment; with
// zero_checksum the checksum field (bytes 16-17, if present) counts as 0.
inline std::uint16_t ref_tcp_sum(const synack::IpAddress& src, const synack::IpAddress& dst, synack::Bytes seg,
                                 bool zero_checksum) {
    std::uint64_t acc = ref_add_words(src.span(), 0);
    acc = ref_add_words(dst.span(), acc);
    const auto len = static_cast<std::uint32_t>(seg.size());
    if (src.is_v4()) {
        acc += 6U + (len & 0xFFFFU);
    } else {
        acc += (len >> 16U) + (len & 0xFFFFU) + 6U;
    }
    acc = ref_add_words(seg, acc);
    if (zero_checksum && seg.size() >= 18) acc -= synack::load_be16(seg, 16);
    return ref_fold(acc);
}

// The TCP segment of a parsed IP packet: checksum computation, fill and
// verification against the textbook sum, RFC 1624 incremental updates
// against a full recompute, and the TCP header's decode/encode round trip.
inline void check_tcp_in_ip(const synack::IpAddress& src, const synack::IpAddress& dst, synack::Bytes tcp) {
    FUZZ_CHECK(src.family == dst.family);
    const std::uint16_t expect = static_cast<std::uint16_t>(~ref_tcp_sum(src, dst, tcp, true));
    FUZZ_CHECK(synack::tcp_checksum(src, dst, tcp) == expect);
    FUZZ_CHECK(synack::verify_tcp_checksum(src, dst, tcp) == (ref_tcp_sum(src, dst, tcp, false) == 0xFFFF));

    std::vector<std::uint8_t> copy(tcp.begin(), tcp.end());
    synack::fill_tcp_checksum(src, dst, copy);
    if (tcp.size() < 20) {
        for (std::size_t i = 0; i < tcp.size(); ++i) FUZZ_CHECK(copy[i] == tcp[i]); // left untouched
    } else {
        for (std::size_t i = 0; i < tcp.size(); ++i) {
            if (i != 16 && i != 17) FUZZ_CHECK(copy[i] == tcp[i]);
        }
        FUZZ_CHECK(synack::load_be16(copy, 16) == expect);
        FUZZ_CHECK(synack::verify_tcp_checksum(src, dst, copy));
        // The field holding 0xffff instead of 0 verifies too (RFC 1624 §3).
        if (expect == 0) {
            synack::store_be16(copy, 16, 0xFFFF);
            FUZZ_CHECK(synack::verify_tcp_checksum(src, dst, copy));
            synack::store_be16(copy, 16, 0);
        }
        // Incremental updates (window word, then the sequence number) equal
        // a full recompute.
        const std::uint16_t old_win = synack::load_be16(copy, 14);
        const auto new_win = static_cast<std::uint16_t>(~old_win ^ synack::load_be16(copy, 0));
        synack::store_be16(copy, 14, new_win);
        const std::uint16_t c1 = synack::checksum_update16(synack::load_be16(copy, 16), old_win, new_win);
        FUZZ_CHECK(c1 == synack::tcp_checksum(src, dst, copy));
        synack::store_be16(copy, 16, c1);
        const std::uint32_t old_seq = synack::load_be32(copy, 4);
        const std::uint32_t new_seq = old_seq * 2654435761U + synack::load_be32(copy, 8);
        synack::store_be32(copy, 4, new_seq);
        const std::uint16_t c2 = synack::checksum_update32(c1, old_seq, new_seq);
        FUZZ_CHECK(c2 == synack::tcp_checksum(src, dst, copy));
        synack::store_be16(copy, 16, c2);
        FUZZ_CHECK(synack::verify_tcp_checksum(src, dst, copy));
        // A run of bytes (the ack field) through the generic update.
        const std::array<std::uint8_t, 4> old_ack{copy[8], copy[9], copy[10], copy[11]};
        const std::array<std::uint8_t, 4> new_ack{copy[4], copy[11], copy[0], copy[9]};
        for (std::size_t i = 0; i < 4; ++i) copy[8 + i] = new_ack[i];
        const std::uint16_t c3 = synack::checksum_update(c2, old_ack, new_ack);
        FUZZ_CHECK(c3 == synack::tcp_checksum(src, dst, copy));
    }

    // The TCP header inside: decode agrees with the bytes, encode gives them back.
    const synack::result<synack::TcpHeader> h = synack::TcpHeader::decode(tcp);
    if (!h) return;
    check_tcp_decode(tcp, *h);
    std::array<std::uint8_t, synack::tcp_max_header> out{};
    const synack::result<std::size_t> n = h->encode(out);
    FUZZ_CHECK(n.ok() && *n == static_cast<std::size_t>(tcp[12] >> 4U) * 4U);
    for (std::size_t i = 0; i < *n; ++i) FUZZ_CHECK(out[i] == tcp[i]);
}

} // namespace fuzz
