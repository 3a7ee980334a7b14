// synack/wire/format.hpp — tcpdump-compatible text for TCP segments and IP
// addresses, so that the library's output can be diffed against tcpdump.
//
// The reference is `tcpdump -nn -S` of tcpdump 4.99 (Debian 12: 4.99.3,
// print-tcp.c tcp_print(), print-mptcp.c, addrtostr.c addrtostr6()), without
// -v: `IP 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S], seq 2083760515,
// win 64240, options [mss 1460,sackOK,TS val 945279175 ecr 0,nop,wscale 10],
// length 0`. Every rule below was checked against that binary on crafted
// segments (tests/wire/format.cpp embeds what it printed).
//
// The core is constexpr and allocation-free: a TextSink writes into a
// caller's char buffer and counts what it could not write. The std::string
// wrappers at the end are the only allocating part; this is the one header of
// the library that includes <string> and <ostream>, and the umbrella header
// leaves it out.
//
// Deliberate scope: only the TCP layer is rendered. tcpdump then runs an
// application dissector for some well-known ports when there is payload
// (HTTP 80/8080, SSH 22, DNS 53, BGP 179, ...; print-tcp.c after
// "length N"); that text is not produced here. With -v tcpdump adds
// `cksum 0x.... (correct), ` and RST payload text; not produced either.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/packet.hpp"
#include "synack/wire/tcp.hpp"
#include "synack/wire/tcp_options.hpp"

namespace synack {

// Writes text into a caller's buffer. Never writes past it: characters that
// do not fit are counted, not stored, so size() is the length the whole text
// needs and overflow() says whether it was cut. No NUL terminator.
class TextSink {
  public:
    constexpr explicit TextSink(Span<char> out) noexcept : out_(out) {} // std::span, std::array, char[N] convert

    constexpr void put(char c) noexcept {
        if (n_ < out_.size()) out_[n_] = c;
        ++n_;
    }
    constexpr void put(std::string_view s) noexcept {
        const std::size_t room = n_ < out_.size() ? out_.size() - n_ : 0;
        const std::size_t k = s.size() < room ? s.size() : room;
        for (std::size_t i = 0; i < k; ++i) out_[n_ + i] = s[i];
        n_ += s.size();
    }
    // Decimal, as printf("%u") / PRIu64.
    constexpr void put_dec(std::uint64_t v) noexcept {
        std::array<char, 20> d{};
        std::size_t i = 0;
        do {
            d[i++] = static_cast<char>('0' + v % 10U);
            v /= 10U;
        } while (v != 0);
        while (i != 0) put(d[--i]);
    }
    // Lowercase hex without leading zeros, as printf("%x") / PRIx64.
    constexpr void put_hex(std::uint64_t v) noexcept {
        std::array<char, 16> d{};
        std::size_t i = 0;
        do {
            d[i++] = hex_digit(static_cast<unsigned>(v & 0xFU));
            v >>= 4U;
        } while (v != 0);
        while (i != 0) put(d[--i]);
    }
    // Two lowercase hex digits, as printf("%02x").
    constexpr void put_hex2(std::uint8_t b) noexcept {
        put(hex_digit(b >> 4U));
        put(hex_digit(b & 0xFU));
    }
    // Each byte as %02x.
    constexpr void put_hex_bytes(Bytes b) noexcept {
        for (const std::uint8_t x : b) put_hex2(x);
    }

    // Length of everything put so far (also what did not fit).
    [[nodiscard]] constexpr std::size_t size() const noexcept { return n_; }
    [[nodiscard]] constexpr std::size_t capacity() const noexcept { return out_.size(); }
    [[nodiscard]] constexpr bool overflow() const noexcept { return n_ > out_.size(); }
    // The characters actually stored (all of them unless overflow()).
    [[nodiscard]] constexpr std::string_view view() const noexcept {
        return {out_.data(), n_ < out_.size() ? n_ : out_.size()};
    }
    constexpr void clear() noexcept { n_ = 0; }

  private:
    static constexpr char hex_digit(unsigned v) noexcept {
        return static_cast<char>(v < 10U ? '0' + v : 'a' + (v - 10U));
    }

    Span<char> out_;
    std::size_t n_ = 0;
};

namespace format_detail {

[[nodiscard]] constexpr std::uint64_t load_be64(Bytes b, std::size_t at) noexcept {
    return (static_cast<std::uint64_t>(load_be32(b, at)) << 32U) | load_be32(b, at + 4);
}

constexpr void put_ipv4(TextSink& s, Bytes a) noexcept {
    for (std::size_t i = 0; i < 4; ++i) {
        if (i != 0) s.put('.');
        s.put_dec(a[i]);
    }
}

// tcpdump's addrtostr6(): RFC 5952 §4 (lowercase, no leading zeros, the
// longest run of two or more zero groups becomes "::", the first one on a
// tie), plus its dotted-quad tail when the first six groups are zero
// (deprecated IPv4-compatible, "::1.2.3.4") or are 0:0:0:0:0:ffff
// (IPv4-mapped, "::ffff:1.2.3.4", RFC 5952 §5). "::" and "::1" have runs
// longer than six groups and print as such.
constexpr void put_ipv6(TextSink& s, Bytes a) noexcept {
    std::array<std::uint16_t, 8> w{};
    for (std::size_t i = 0; i < 8; ++i) w[i] = load_be16(a, 2 * i);
    std::size_t best = 8, best_len = 0, cur = 8, cur_len = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        if (w[i] == 0) {
            if (cur == 8) {
                cur = i;
                cur_len = 0;
            }
            ++cur_len;
            if (cur_len > best_len) { // strictly longer: the first run wins ties
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur = 8;
        }
    }
    if (best_len < 2) best = 8;
    for (std::size_t i = 0; i < 8; ++i) {
        if (best != 8 && i >= best && i < best + best_len) {
            if (i == best) s.put(':');
            continue;
        }
        if (i != 0) s.put(':');
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xFFFF))) {
            put_ipv4(s, a.subspan(12, 4));
            return;
        }
        s.put_hex(w[i]);
    }
    if (best != 8 && best + best_len == 8) s.put(':');
}

// print-tcp.c tcp_flag_values, in table order; only the 8 bits of byte 13
// (th_flags): tcpdump 4.99 ignores the AE bit (0x100) and the reserved bits.
constexpr void put_flag_letters(TextSink& s, std::uint8_t flags) noexcept {
    if (flags == 0) {
        s.put("none");
        return;
    }
    constexpr std::array<char, 8> letter{'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'}; // bits 0..7
    for (std::size_t i = 0; i < 8; ++i) {
        if ((flags >> i) & 1U) s.put(letter[i]);
    }
}

// tcpdump's name for an option kind (print-tcp.c tcp_option_values; kind 13,
// CC.ECHO, really has an empty name there). Unknown kinds: "unknown-N".
constexpr void put_option_name(TextSink& s, std::uint8_t kind) noexcept {
    switch (kind) {
    case 0: s.put("eol"); return;
    case 1: s.put("nop"); return;
    case 2: s.put("mss"); return;
    case 3: s.put("wscale"); return;
    case 4: s.put("sackOK"); return;
    case 5: s.put("sack"); return;
    case 6: s.put("echo"); return;
    case 7: s.put("echoreply"); return;
    case 8: s.put("TS"); return;
    case 11: s.put("cc"); return;
    case 12: s.put("ccnew"); return;
    case 13: return;
    case 19: s.put("md5"); return;
    case 20: s.put("scps"); return;
    case 28: s.put("uto"); return;
    case 29: s.put("tcp-ao"); return;
    case 30: s.put("mptcp"); return;
    case 34: s.put("tfo"); return;
    case 254: s.put("exp"); return;
    default: s.put("unknown-"); s.put_dec(kind); return;
    }
}

// print_tcp_fastopen_option(): `exp` prefixes "tfo" (kind 254 already
// printed "exp-"); kind 34 gets its extra space from the caller.
constexpr void put_fast_open(TextSink& s, Bytes cookie, bool exp) noexcept {
    if (exp) s.put("tfo");
    if (cookie.empty()) {
        s.put(" cookiereq");
    } else if (cookie.size() % 2 != 0 || cookie.size() < 4 || cookie.size() > fast_open_cookie_max) {
        s.put(" (invalid)");
    } else {
        s.put(" cookie ");
        s.put_hex_bytes(cookie);
    }
}

// print-mptcp.c mptcp_print() (RFC 8684 / RFC 6824 subtypes) for one whole
// option `o` (kind and length bytes included). The subtype printers check
// lengths against the TCP flags; false means tcpdump gives up ("[bad opt]")
// after what it already printed.
constexpr bool put_mptcp(TextSink& s, Bytes o, std::uint8_t tcp_flags) noexcept {
    constexpr std::uint8_t syn = 0x02, ack = 0x10;
    const std::size_t len = o.size();
    if (len < 3) return false;
    s.put(' ');
    s.put_dec(len);
    const unsigned subtype = o[2] >> 4U;
    switch (subtype) {
    case 0: { // MP_CAPABLE
        s.put(" capable");
        if (!((len == 12 || len == 4) && (tcp_flags & syn)) &&
            !((len == 20 || len == 22) && (tcp_flags & (syn | ack)) == ack))
            return false;
        const unsigned version = o[2] & 0xFU;
        if (version > 1) {
            s.put(" Unknown Version (");
            s.put_dec(version);
            s.put(')');
            return true;
        }
        s.put(" v");
        s.put_dec(version);
        if (o[3] & 0x80U) s.put(" csum");
        if (len == 12 || len >= 20) {
            s.put(" {0x");
            s.put_hex(load_be64(o, 4));
            if (len >= 20) {
                s.put(",0x");
                s.put_hex(load_be64(o, 12));
            }
            s.put('}');
        }
        return true;
    }
    case 1: // MP_JOIN
        s.put(" join");
        if (!(len == 12 && (tcp_flags & syn)) && !(len == 16 && (tcp_flags & (syn | ack)) == (syn | ack)) &&
            !(len == 24 && (tcp_flags & ack)))
            return false;
        if (len != 24) {
            if (o[2] & 1U) s.put(" backup");
            s.put(" id ");
            s.put_dec(o[3]);
        }
        if (len == 12) {
            s.put(" token 0x");
            s.put_hex(load_be32(o, 4));
            s.put(" nonce 0x");
            s.put_hex(load_be32(o, 8));
        } else if (len == 16) {
            s.put(" hmac 0x");
            s.put_hex(load_be64(o, 4));
            s.put(" nonce 0x");
            s.put_hex(load_be32(o, 12));
        } else {
            s.put(" hmac 0x");
            s.put_hex_bytes(o.subspan(4, 20));
        }
        return true;
    case 2: { // DSS
        s.put(" dss");
        if (len < 4 || (tcp_flags & syn)) return false;
        const std::uint8_t f = o[3];
        if (f & 0x10U) s.put(" fin");
        std::size_t at = 4;
        std::size_t rest = len - 4;
        auto number = [&](bool wide) constexpr noexcept {
            const std::size_t n = wide ? 8 : 4;
            if (rest < n) return false;
            s.put_dec(wide ? load_be64(o, at) : load_be32(o, at));
            at += n;
            rest -= n;
            return true;
        };
        if (f & 0x01U) { // A: data ACK, 8 bytes if a
            s.put(" ack ");
            if (!number((f & 0x02U) != 0)) return false;
        }
        if (f & 0x04U) { // M: DSN (8 bytes if m), SSN, data-level length, checksum
            s.put(" seq ");
            if (!number((f & 0x08U) != 0)) return false;
            if (rest < 4) return false;
            s.put(" subseq ");
            s.put_dec(load_be32(o, at));
            at += 4;
            rest -= 4;
            if (rest < 2) return false;
            s.put(" len ");
            s.put_dec(load_be16(o, at));
            at += 2;
            rest -= 2;
            if (rest >= 2) {
                s.put(" csum 0x");
                s.put_hex(load_be16(o, at));
                rest -= 2;
            }
        }
        return rest == 0;
    }
    case 3: { // ADD_ADDR
        s.put(" add-addr");
        const bool v4 = len == 8 || len == 10 || len == 16 || len == 18;
        const bool v6 = len == 20 || len == 22 || len == 28 || len == 30;
        if (!v4 && !v6) return false;
        switch (o[2] & 0xFU) {
        case 6: s.put(" v0-ip6"); break;
        case 4: s.put(" v0-ip4"); break;
        case 1: s.put(" v1-echo"); break;
        case 0: s.put(" v1"); break;
        default: s.put(" [bad version/echo]"); break;
        }
        s.put(" id ");
        s.put_dec(o[3]);
        s.put(' ');
        const std::size_t alen = v4 ? 4 : 16;
        if (v4) {
            put_ipv4(s, o.subspan(4, 4));
        } else {
            put_ipv6(s, o.subspan(4, 16));
        }
        const std::size_t base = 4 + alen;       // 8 or 20
        const bool port = len == base + 2 || len == base + 10;
        if (port) {
            s.put(':');
            s.put_dec(load_be16(o, base));
        }
        if (len == base + 8 || len == base + 10) {
            s.put(" hmac 0x");
            s.put_hex(load_be64(o, port ? base + 2 : base));
        }
        return true;
    }
    case 4: // REMOVE_ADDR
        s.put(" rem-addr");
        if (len < 4) return false;
        s.put(" id");
        for (std::size_t i = 3; i < len; ++i) {
            s.put(' ');
            s.put_dec(o[i]);
        }
        return true;
    case 5: // MP_PRIO
        s.put(" prio");
        if (len != 3 && len != 4) return false;
        s.put((o[2] & 1U) ? " backup" : " non-backup");
        if (len == 4) {
            s.put(" id ");
            s.put_dec(o[3]);
        }
        return true;
    case 6: // MP_FAIL
        s.put(" fail");
        if (len != 12) return false;
        s.put(" seq ");
        s.put_dec(load_be64(o, 4));
        return true;
    case 7: // MP_FASTCLOSE
        s.put(" fast-close");
        if (len != 12) return false;
        s.put(" key 0x");
        s.put_hex(load_be64(o, 4));
        return true;
    default: s.put(" unknown"); return true;
    }
}

// tcpdump's option walk, reproduced step by step rather than with
// OptionIterator, because tcpdump's differs from the codec's (Linux) rules
// and the text must match byte for byte:
//  - after a kind's fixed value (mss 2 bytes, wscale 1, TS 8, md5 16, echo/
//    cc 4, uto/scps 2, sackOK/eol/nop 0) it resumes right there and prints
//    "[len N]" when the length byte said otherwise; the rest of a longer
//    option is then read as further options, and a shorter one lends its
//    successor's bytes ("mss 1[len 6],mss 257[len 3]");
//  - a length < 2 or past the option area, a fixed value running past the
//    area, kind 254 shorter than 4, or an MPTCP option its printer rejects
//    ends the line with "[bad opt]" (plus "]" unless it was the first
//    option) and no ", length N";
//  - a kind in the last option byte has its length byte read from the
//    payload, which always fails the length check ("[bad opt]"), or, with no
//    payload, from past the end of the packet: tcpdump's truncation marker
//    " [|tcp]" (" [|mptcp]" once an MPTCP option was printed) ends the line;
//  - EOL ends the list; whatever follows is not shown.
// MD5 (19) is printed as tcpdump does without -M: it cannot verify the
// signature and says so. Returns false when the line has ended.
constexpr bool put_options(TextSink& s, Bytes area, std::size_t payload_length, std::uint8_t tcp_flags) noexcept {
    s.put(", options [");
    std::string_view protocol = "tcp"; // netdissect's ndo_protocol, for " [|...]"
    bool first = true;
    bool bad_opt = false;
    std::size_t pos = 0;
    while (pos < area.size()) {
        if (!first) s.put(',');
        const std::uint8_t kind = area[pos++];
        std::size_t len = 1;
        const bool single = kind == 0 || kind == 1;
        if (!single) {
            if (pos >= area.size()) {
                if (payload_length == 0) {
                    s.put(" [|");
                    s.put(protocol);
                    s.put(']');
                    return false;
                }
                bad_opt = true; // the length byte is payload[0]: always > the 1 byte left
                break;
            }
            len = area[pos++];
            if (len < 2 || len > area.size() - (pos - 2)) {
                bad_opt = true;
                break;
            }
        }
        const std::size_t rest = area.size() - pos; // tcpdump's hlen here
        const Bytes cp = area.subspan(pos);
        std::size_t datalen = 0;
        bool bad = false;
        // LENCHECK(): the fixed value must fit in the option area.
        auto fixed = [&](std::size_t n) constexpr noexcept {
            datalen = n;
            bad = n > rest;
            return !bad;
        };
        put_option_name(s, kind);
        switch (kind) {
        case 0:
        case 1:
        case 4: break;
        case 2:
            if (fixed(2)) {
                s.put(' ');
                s.put_dec(load_be16(cp, 0));
            }
            break;
        case 3:
            if (fixed(1)) {
                s.put(' ');
                s.put_dec(cp[0]);
            }
            break;
        case 5:
            datalen = len - 2;
            if (datalen % 8 != 0) {
                s.put(" invalid sack");
            } else {
                // With -S tcpdump does not make SACK edges relative.
                s.put(' ');
                s.put_dec(datalen / 8);
                s.put(' ');
                for (std::size_t i = 0; i < datalen; i += 8) {
                    s.put('{');
                    s.put_dec(load_be32(cp, i));
                    s.put(':');
                    s.put_dec(load_be32(cp, i + 4));
                    s.put('}');
                }
            }
            break;
        case 6:
        case 7:
        case 11:
        case 12:
        case 13:
            if (fixed(4)) {
                s.put(' ');
                s.put_dec(load_be32(cp, 0));
            }
            break;
        case 8:
            if (fixed(8)) {
                s.put(" val ");
                s.put_dec(load_be32(cp, 0));
                s.put(" ecr ");
                s.put_dec(load_be32(cp, 4));
            }
            break;
        case 19:
            if (fixed(16)) {
                s.put(" shared secret not supplied with -M, can't check - ");
                s.put_hex_bytes(cp.first(16));
            }
            break;
        case 20:
            if (fixed(2)) {
                s.put(" cap ");
                s.put_hex2(cp[0]);
                s.put(" id ");
                s.put_dec(cp[1]);
            }
            break;
        case 28:
            if (fixed(2)) {
                const unsigned v = load_be16(cp, 0);
                s.put(" 0x");
                s.put_hex(v);
                s.put(' ');
                s.put_dec((v & 1U) ? (v >> 1U) * 60U : v >> 1U); // RFC 5482: G bit = minutes
            }
            break;
        case 29:
            datalen = len - 2;
            if (datalen < 2) {
                s.put(" (invalid)");
            } else {
                s.put(" keyid ");
                s.put_dec(cp[0]);
                s.put(" rnextkeyid ");
                s.put_dec(cp[1]);
                if (datalen > 2) {
                    s.put(" mac 0x");
                    s.put_hex_bytes(cp.subspan(2, datalen - 2));
                }
            }
            break;
        case 30:
            datalen = len - 2;
            protocol = "mptcp";
            bad = !put_mptcp(s, area.subspan(pos - 2, len), tcp_flags);
            break;
        case 34:
            datalen = len - 2;
            s.put(' ');
            put_fast_open(s, cp.first(datalen), false);
            break;
        case 254:
            datalen = len - 2;
            if (datalen < 2) {
                bad = true;
                break;
            }
            s.put('-');
            if (load_be16(cp, 0) == fast_open_exp_magic) {
                put_fast_open(s, cp.subspan(2, datalen - 2), true);
            } else {
                for (std::size_t i = 0; i < 2; ++i) s.put_hex2(cp[i]); // %04x of the magic
            }
            break;
        default:
            datalen = len - 2;
            if (datalen != 0) s.put(" 0x");
            s.put_hex_bytes(cp.first(datalen));
            break;
        }
        if (bad) {
            bad_opt = true;
            break;
        }
        pos += datalen;
        if (datalen + (single ? 1U : 2U) != len) {
            s.put("[len ");
            s.put_dec(len);
            s.put(']');
        }
        first = false;
        if (kind == 0) {
            s.put(']');
            return true;
        }
    }
    if (bad_opt) {
        s.put("[bad opt]");
        if (!first) s.put(']');
        return false;
    }
    s.put(']');
    return true;
}

// Everything after "src.port > dst.port: " for a well-framed segment, given
// its header bytes (20..60, data offset consistent) and payload length.
constexpr void put_tcp(TextSink& s, Bytes header, std::size_t payload_length) noexcept {
    const std::uint8_t flags = header[13];
    s.put("Flags [");
    put_flag_letters(s, flags);
    s.put(']');
    const std::uint32_t seq = load_be32(header, 4);
    if (payload_length > 0 || (flags & 0x07U) != 0) { // payload, or SYN/FIN/RST
        s.put(", seq ");
        s.put_dec(seq);
        if (payload_length > 0) {
            s.put(':');
            s.put_dec(static_cast<std::uint32_t>(seq + payload_length)); // modulo 2^32
        }
    }
    if (flags & 0x10U) {
        s.put(", ack ");
        s.put_dec(load_be32(header, 8));
    }
    s.put(", win ");
    s.put_dec(load_be16(header, 14));
    if (flags & 0x20U) {
        s.put(", urg ");
        s.put_dec(load_be16(header, 18));
    }
    if (header.size() > tcp_min_header &&
        !put_options(s, header.subspan(tcp_min_header), payload_length, flags))
        return;
    s.put(", length ");
    s.put_dec(payload_length);
}

constexpr void put_family(TextSink& s, const IpAddress& a) noexcept { s.put(a.is_v4() ? "IP " : "IP6 "); }

} // namespace format_detail

// ------------------------------------------------------------ addresses

// 198.18.0.1 / 2001:db8::1 as tcpdump -n prints them (see put_ipv6 for the
// IPv6 rules: RFC 5952 canonical text, tcpdump's IPv4 tails).
constexpr void format_address(TextSink& s, const IpAddress& a) noexcept {
    if (a.is_v4()) {
        format_detail::put_ipv4(s, a.span());
    } else {
        format_detail::put_ipv6(s, a.span());
    }
}

// tcpdump's `address.port` (a dot, also for IPv6).
constexpr void format_endpoint(TextSink& s, const Endpoint& e) noexcept {
    format_address(s, e.address);
    s.put('.');
    s.put_dec(e.port);
}

// ------------------------------------------------------------ TCP

// The letters inside "Flags [...]": F S R P . U E W in that order, "none" for
// none. Only the 8 classic bits: tcpdump 4.99 does not show AE (0x100).
constexpr void format_flags(TextSink& s, TcpFlags f) noexcept {
    format_detail::put_flag_letters(s, static_cast<std::uint8_t>(f.bits() & 0xFFU));
}

// The TCP part of a tcpdump line: `Flags [S.], seq N, ack N, win N,
// options [...], length N`. `seq` appears for SYN, FIN, RST or payload
// (`seq N:N+len` with payload), `ack` with ACK, `urg` with URG, options when
// the header is longer than 20 bytes; `length` is the payload length.
constexpr void format_tcp(TextSink& s, const TcpView& v) noexcept {
    format_detail::put_tcp(s, v.header(), v.payload().size());
}

// The same for a header value about to be sent (or just decoded) followed by
// `payload_length` bytes of payload. The header is encoded first (options in
// its layout, see TcpOptions::encode); an encoding error is returned and
// nothing is written.
constexpr Error format_tcp(TextSink& s, const TcpHeader& h, std::size_t payload_length = 0) noexcept {
    std::array<std::uint8_t, tcp_max_header> buf{};
    const result<std::size_t> n = h.encode(buf);
    if (!n) return n.error();
    format_detail::put_tcp(s, Bytes(buf.data(), *n), payload_length);
    return Error::None;
}

// A whole line as `tcpdump -nn -S -t` prints it (no timestamp):
// `IP 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S], ...` or `IP6 ...`.
// Precondition: src and dst have the same family.
constexpr void format_packet(TextSink& s, const IpAddress& src, const IpAddress& dst, const TcpView& v) noexcept {
    format_detail::put_family(s, src);
    format_endpoint(s, {src, v.source_port()});
    s.put(" > ");
    format_endpoint(s, {dst, v.destination_port()});
    s.put(": ");
    format_tcp(s, v);
}

// The same from the raw TCP bytes an IP packet carries, including the
// segments TcpView::parse() rejects, as tcpdump prints them:
//   < 4 bytes:            `IP a > b: [|tcp]`
//   < 20 bytes:           `IP a.p > b.p:  [|tcp]`
//   data offset < 5:      `IP a.p > b.p:  tcp N [bad hdr length H - too short, < 20]`
//   data offset past end: `IP a.p > b.p: Flags [S] [bad hdr length H - too long, > L]`
constexpr void format_packet(TextSink& s, const IpAddress& src, const IpAddress& dst, Bytes segment) noexcept {
    format_detail::put_family(s, src);
    if (segment.size() < 4) {
        format_address(s, src);
        s.put(" > ");
        format_address(s, dst);
        s.put(": [|tcp]");
        return;
    }
    format_endpoint(s, {src, load_be16(segment, 0)});
    s.put(" > ");
    format_endpoint(s, {dst, load_be16(segment, 2)});
    s.put(": ");
    if (segment.size() < tcp_min_header) {
        s.put(" [|tcp]");
        return;
    }
    const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(segment[12] >> 4U)} * 4U;
    if (hlen < tcp_min_header) {
        s.put(" tcp ");
        s.put_dec(segment.size() - hlen);
        s.put(" [bad hdr length ");
        s.put_dec(hlen);
        s.put(" - too short, < 20]");
        return;
    }
    if (hlen > segment.size()) {
        s.put("Flags [");
        format_detail::put_flag_letters(s, segment[13]);
        s.put("] [bad hdr length ");
        s.put_dec(hlen);
        s.put(" - too long, > ");
        s.put_dec(segment.size());
        s.put(']');
        return;
    }
    format_detail::put_tcp(s, segment.first(hlen), segment.size() - hlen);
}

// A packet found by parse_ip_packet(). tcpdump shows IPv6 extension headers
// (and then the ports without addresses) before the TCP part; this prints
// the line as if the TCP header followed the fixed IPv6 header.
constexpr void format_packet(TextSink& s, const IpPacket& p) noexcept {
    format_packet(s, p.source, p.destination, p.tcp);
}

// ------------------------------------------------------------ std::string

namespace format_detail {

// Formats into a stack buffer and copies once. Any TCP line fits (40 option
// bytes print as about 200 characters at most, two IPv6 endpoints as 90);
// longer text gets an exact-size second pass.
template <class Write>
std::string render(Write&& write) {
    std::array<char, 512> buf; // NOLINT: written before read
    TextSink s(buf);
    write(s);
    if (!s.overflow()) return std::string(s.view());
    std::string out(s.size(), '\0');
    TextSink again(Span<char>(out.data(), out.size()));
    write(again);
    return out;
}

} // namespace format_detail

inline std::string to_string(const IpAddress& a) {
    return format_detail::render([&](TextSink& s) { format_address(s, a); });
}

inline std::string to_string(const Endpoint& e) {
    return format_detail::render([&](TextSink& s) { format_endpoint(s, e); });
}

// "S.", "FSRP.UEW", "none".
inline std::string to_string(TcpFlags f) {
    return format_detail::render([&](TextSink& s) { format_flags(s, f); });
}

inline std::string to_string(const TcpView& v) {
    return format_detail::render([&](TextSink& s) { format_tcp(s, v); });
}

// An unencodable header gives "[" + to_string(error) + "]".
inline std::string to_string(const TcpHeader& h, std::size_t payload_length = 0) {
    return format_detail::render([&](TextSink& s) {
        const Error e = format_tcp(s, h, payload_length);
        if (e != Error::None) {
            s.put('[');
            s.put(to_string(e));
            s.put(']');
        }
    });
}

inline std::string packet_to_string(const IpAddress& src, const IpAddress& dst, const TcpView& v) {
    return format_detail::render([&](TextSink& s) { format_packet(s, src, dst, v); });
}

inline std::string packet_to_string(const IpAddress& src, const IpAddress& dst, Bytes segment) {
    return format_detail::render([&](TextSink& s) { format_packet(s, src, dst, segment); });
}

inline std::string packet_to_string(const IpPacket& p) {
    return format_detail::render([&](TextSink& s) { format_packet(s, p); });
}

// Stream output (also what Catch2 shows for failed comparisons).
inline std::ostream& operator<<(std::ostream& os, const IpAddress& a) { return os << to_string(a); }
inline std::ostream& operator<<(std::ostream& os, const Endpoint& e) { return os << to_string(e); }

} // namespace synack
