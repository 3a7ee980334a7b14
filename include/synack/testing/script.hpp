// synack/testing/script.hpp — the packetdrill script language: lexer,
// parser and syntax tree.
//
// Reads the scripts of google/packetdrill (its grammar as documented in its
// syntax.md and README; this is an independent implementation written from
// that description, none of packetdrill's code): script options
// (`--tolerance_usecs=10000`), events with their times (`0`, `+0.1`, `*`,
// `0.1~0.2`, `+0.1~+0.2`), TCP packets (`< S 0:0(0) win 65535 <mss 1460,
// sackOK,TS val 100 ecr 0,nop,wscale 7>`, `<...>` for any options, FO and
// FOEXP cookies, `[ect0]`/`(tos 0x..)` IP fields, port pairs), UDP and ICMP
// packets (parsed, then refused by the runner), system calls with their
// arguments (`...`, integers, words, `A|B`, strings, `[arrays]`, `{structs}`
// with `name=value` fields and `f(args)` forms such as `htons(8080)`), their
// results (`= -1 ETIMEDOUT (Connection timed out)`) and blocking end times
// (`+0...0.200 accept(...)`), backquoted shell commands and `%{ }%` Python
// blocks, `/* */` and `//` comments, and `-D name=value` definitions
// (a defined word is replaced by its value, as packetdrill's lexer does).
//
// Errors are values with the line and column of the offending token; bad
// input never crashes, recursion is bounded (nesting depth), and the whole
// script is held in memory (the caller bounds its size).
//
// A program-side header (tools, tests, fuzzers): it allocates and uses
// <string>/<vector>, which the machines never do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synack::testing {

struct SourcePos {
    int line = 0;
    int column = 0;
};

struct ScriptError {
    SourcePos pos{};
    std::string message;
    [[nodiscard]] std::string to_string() const {
        return std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
    }
};

// ------------------------------------------------------------------ tokens

enum class TokenKind : std::uint8_t {
    End,
    Integer,    // decimal or 0x hex; `integer` holds the value, `text` the spelling
    Float,      // [-]digits.digits
    Word,       // [A-Za-z0-9_]+
    String,     // "..." (text without the quotes, escapes kept as written)
    BackQuoted, // `...`
    Code,       // %{ ... }% (text trimmed of blanks at both ends)
    Option,     // --name (text without the dashes)
    Ipv4,       // a.b.c.d
    Ellipsis,   // ...
    Punct,      // any other single character
};

struct Token {
    TokenKind kind = TokenKind::End;
    std::string text;
    std::int64_t integer = 0;
    SourcePos pos{};
    [[nodiscard]] bool is(char c) const { return kind == TokenKind::Punct && text.size() == 1 && text[0] == c; }
    [[nodiscard]] bool is_word(std::string_view w) const { return kind == TokenKind::Word && text == w; }
};

using Defines = std::map<std::string, std::string, std::less<>>;

namespace detail {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline bool is_word_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Decimal (optionally negative) or 0x hex, whole string, within int64.
inline bool parse_int(std::string_view s, std::int64_t& out) {
    bool neg = false;
    if (!s.empty() && s[0] == '-') {
        neg = true;
        s.remove_prefix(1);
    }
    if (s.empty()) return false;
    std::uint64_t v = 0;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (neg) return false;
        s.remove_prefix(2);
        if (s.size() > 16) return false;
        for (const char c : s) {
            if (!is_hex(c)) return false;
            const int h = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
            v = v * 16 + static_cast<std::uint64_t>(h);
        }
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return false;
        out = static_cast<std::int64_t>(v);
        return true;
    }
    for (const char c : s) {
        if (!is_digit(c)) return false;
        if (v > (static_cast<std::uint64_t>(INT64_MAX) - 9) / 10) return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
    return true;
}

} // namespace detail

// Splits `src` into tokens (packetdrill's lexical rules, longest match).
// Defined words are replaced by their value: "..." becomes a String, `...`
// a BackQuoted, an integer an Integer, anything else a Word.
inline bool tokenize(std::string_view src, const Defines& defines, std::vector<Token>& out, ScriptError& err) {
    std::size_t i = 0;
    int line = 1;
    std::size_t line_start = 0;
    auto pos_at = [&](std::size_t at) { return SourcePos{line, static_cast<int>(at - line_start) + 1}; };
    auto advance_lines = [&](std::size_t from, std::size_t to) {
        for (std::size_t k = from; k < to; ++k) {
            if (src[k] == '\n') {
                ++line;
                line_start = k + 1;
            }
        }
    };
    auto fail = [&](SourcePos p, std::string m) {
        err = {p, std::move(m)};
        return false;
    };
    while (i < src.size()) {
        const char c = src[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            advance_lines(i, i + 1);
            ++i;
            continue;
        }
        const SourcePos p = pos_at(i);
        Token t;
        t.pos = p;
        if (c == '/' && i + 1 < src.size() && src[i + 1] == '/') {
            while (i < src.size() && src[i] != '\n') ++i;
            continue;
        }
        if (c == '/' && i + 1 < src.size() && src[i + 1] == '*') {
            const std::size_t e = src.find("*/", i + 2);
            if (e == std::string_view::npos) return fail(p, "unterminated /* comment");
            advance_lines(i, e + 2);
            i = e + 2;
            continue;
        }
        if (c == '%' && i + 1 < src.size() && src[i + 1] == '{') {
            const std::size_t e = src.find("}%", i + 2);
            if (e == std::string_view::npos) return fail(p, "unterminated %{ code block");
            std::string_view body = src.substr(i + 2, e - (i + 2));
            while (!body.empty() && (body.front() == ' ' || body.front() == '\t')) body.remove_prefix(1);
            while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);
            t.kind = TokenKind::Code;
            t.text = std::string(body);
            advance_lines(i, e + 2);
            i = e + 2;
            out.push_back(std::move(t));
            continue;
        }
        if (c == '"' || c == '`') {
            std::size_t k = i + 1;
            while (k < src.size() && src[k] != c) k += (src[k] == '\\' && k + 1 < src.size()) ? 2 : 1;
            if (k >= src.size())
                return fail(p, c == '"' ? "unterminated string" : "unterminated backquoted command");
            t.kind = c == '"' ? TokenKind::String : TokenKind::BackQuoted;
            t.text = std::string(src.substr(i + 1, k - i - 1));
            advance_lines(i, k + 1);
            i = k + 1;
            out.push_back(std::move(t));
            continue;
        }
        if (c == '.' && src.substr(i, 3) == "...") {
            t.kind = TokenKind::Ellipsis;
            t.text = "...";
            i += 3;
            out.push_back(std::move(t));
            continue;
        }
        if (c == '-' && i + 2 < src.size() && src[i + 1] == '-' && detail::is_word_char(src[i + 2])) {
            std::size_t k = i + 2;
            while (k < src.size() && detail::is_word_char(src[k])) ++k;
            t.kind = TokenKind::Option;
            t.text = std::string(src.substr(i + 2, k - i - 2));
            i = k;
            out.push_back(std::move(t));
            continue;
        }
        // Numbers, addresses and words (longest match among them).
        {
            std::size_t k = i;
            const bool neg = c == '-';
            if (neg) ++k;
            std::size_t d = k;
            while (d < src.size() && detail::is_digit(src[d])) ++d;
            const bool has_digits = d > k;
            // IPv4 address: four dotted digit groups.
            if (!neg && has_digits) {
                std::size_t q = d;
                int dots = 0;
                while (dots < 3 && q + 1 < src.size() && src[q] == '.' && detail::is_digit(src[q + 1])) {
                    ++q;
                    while (q < src.size() && detail::is_digit(src[q])) ++q;
                    ++dots;
                }
                if (dots == 3 && !(q < src.size() && detail::is_word_char(src[q]))) {
                    t.kind = TokenKind::Ipv4;
                    t.text = std::string(src.substr(i, q - i));
                    i = q;
                    out.push_back(std::move(t));
                    continue;
                }
            }
            // Float: [-]digits* . digits+
            if (d < src.size() && src[d] == '.' && d + 1 < src.size() && detail::is_digit(src[d + 1]) &&
                (has_digits || src.substr(d, 3) != "...")) {
                std::size_t q = d + 1;
                while (q < src.size() && detail::is_digit(src[q])) ++q;
                t.kind = TokenKind::Float;
                t.text = std::string(src.substr(i, q - i));
                i = q;
                out.push_back(std::move(t));
                continue;
            }
            if (has_digits && !neg && src[k] == '0' && d == k + 1 && d < src.size() && (src[d] == 'x' || src[d] == 'X') &&
                d + 1 < src.size() && detail::is_hex(src[d + 1])) {
                std::size_t q = d + 1;
                while (q < src.size() && detail::is_hex(src[q])) ++q;
                if (!(q < src.size() && detail::is_word_char(src[q]))) {
                    t.kind = TokenKind::Integer;
                    t.text = std::string(src.substr(i, q - i));
                    if (!detail::parse_int(t.text, t.integer)) return fail(p, "integer out of range: " + t.text);
                    i = q;
                    out.push_back(std::move(t));
                    continue;
                }
            }
            if (has_digits && !(d < src.size() && detail::is_word_char(src[d]))) {
                t.kind = TokenKind::Integer;
                t.text = std::string(src.substr(i, d - i));
                if (!detail::parse_int(t.text, t.integer)) return fail(p, "integer out of range: " + t.text);
                i = d;
                out.push_back(std::move(t));
                continue;
            }
            if (!neg && detail::is_word_char(c)) {
                std::size_t q = i;
                while (q < src.size() && detail::is_word_char(src[q])) ++q;
                t.kind = TokenKind::Word;
                t.text = std::string(src.substr(i, q - i));
                i = q;
                if (const auto it = defines.find(t.text); it != defines.end()) {
                    const std::string& v = it->second;
                    std::int64_t n = 0;
                    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
                        t.kind = TokenKind::String;
                        t.text = v.substr(1, v.size() - 2);
                    } else if (v.size() >= 2 && v.front() == '`' && v.back() == '`') {
                        t.kind = TokenKind::BackQuoted;
                        t.text = v.substr(1, v.size() - 2);
                    } else if (detail::parse_int(v, n)) {
                        t.kind = TokenKind::Integer;
                        t.text = v;
                        t.integer = n;
                    } else {
                        t.text = v;
                    }
                }
                out.push_back(std::move(t));
                continue;
            }
        }
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return fail(p, "unexpected byte 0x" + std::string(1, "0123456789abcdef"[static_cast<unsigned char>(c) >> 4U]) +
                               std::string(1, "0123456789abcdef"[static_cast<unsigned char>(c) & 15U]));
        t.kind = TokenKind::Punct;
        t.text = std::string(1, c);
        ++i;
        out.push_back(std::move(t));
    }
    Token end;
    end.kind = TokenKind::End;
    end.pos = pos_at(src.size());
    out.push_back(std::move(end));
    return true;
}

// ------------------------------------------------------------------ syntax tree

enum class TimeKind : std::uint8_t { Absolute, Relative, Any, AbsoluteRange, RelativeRange };

struct EventTime {
    TimeKind kind = TimeKind::Absolute;
    std::int64_t start_us = 0; // absolute or relative offset, microseconds
    std::int64_t end_us = 0;   // ranges: the end, same reference as start
};

struct TcpOptionSpec {
    enum class Kind : std::uint8_t { Nop, Eol, Mss, WindowScale, SackPermitted, Sack, Md5, Timestamp, FastOpen, FastOpenExp };
    Kind kind = Kind::Nop;
    std::uint32_t a = 0; // mss, wscale, TS val
    std::uint32_t b = 0; // TS ecr
    std::vector<std::pair<std::uint32_t, std::uint32_t>> sack;
    std::vector<std::uint8_t> bytes; // FO / FOEXP cookie, md5 digest
    SourcePos pos{};
};

struct PacketSpec {
    enum class Protocol : std::uint8_t { Tcp, Udp, Icmp };
    bool inbound = true; // '<'
    Protocol protocol = Protocol::Tcp;
    // IP information ([ect0], (tos 0x..), ttl, flowlabel)
    enum class EcnCheck : std::uint8_t { None, NoEcn, Ect0, Ect1, Ce, Ect01, Tos };
    EcnCheck ecn = EcnCheck::None;
    std::uint8_t tos = 0;
    std::uint8_t ttl = 0;
    std::uint32_t flow_label = 0;
    bool has_ports = false;
    std::uint16_t src_port = 0, dst_port = 0;
    bool has_encap = false;          // an ipv4/ipv6/gre/mpls prefix (unsupported by the runner)
    std::string flags;               // letters as written ("S.", "F.", "", ".")
    std::uint32_t seq_start = 0, seq_end = 0, payload = 0;
    bool has_ack = false;
    std::uint32_t ack = 0;
    bool has_win = false;
    std::uint16_t win = 0;
    bool has_urg = false;
    std::uint16_t urg = 0;
    bool options_any = false;        // <...>
    std::vector<TcpOptionSpec> options;
    std::string description;         // ICMP / UDP text for messages
};

struct Expr {
    enum class Kind : std::uint8_t { Ellipsis, Integer, Word, String, Or, Assign, Array, Struct, Call };
    Kind kind = Kind::Ellipsis;
    std::int64_t integer = 0;
    std::string text;             // Word, String, Call name, Assign name
    bool string_ellipsis = false; // "abc"...
    std::vector<Expr> items;      // Or: [lhs, rhs]; Assign: [value]; Array/Struct/Call: elements
    SourcePos pos{};
};

struct SyscallSpec {
    std::string name;
    std::vector<Expr> args;
    bool has_end = false;        // `...END` blocking end time
    std::int64_t end_us = 0;     // as written (relative when the event time is)
    Expr result;
    std::string errno_name;      // empty if none
    std::string note;            // text of "(...)"
};

struct Event {
    enum class Kind : std::uint8_t { Packet, Syscall, Command, Code };
    Kind kind = Kind::Packet;
    SourcePos pos{};
    bool timed = true; // init/cleanup commands have no time
    EventTime time{};
    PacketSpec packet;
    SyscallSpec syscall;
    std::string text; // Command / Code
};

struct ScriptOption {
    std::string name;
    std::string value; // empty if none
    SourcePos pos{};
};

struct Script {
    std::vector<ScriptOption> options;
    std::vector<Event> events;
};

// ------------------------------------------------------------------ parser

class Parser {
  public:
    static constexpr int max_depth = 32;

    explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

    bool parse(Script& s, ScriptError& err) {
        err_ = &err;
        while (peek().kind == TokenKind::Option) {
            ScriptOption o;
            o.pos = peek().pos;
            o.name = next().text;
            if (peek().is('=')) {
                next();
                // The value: the tokens up to the end of the line (addresses,
                // words, integers, NAME=value...), concatenated.
                const int line = peek().pos.line;
                while (peek().kind != TokenKind::End && peek().pos.line == line && peek().kind != TokenKind::Option)
                    o.value += next().text;
                if (o.value.empty()) return fail(o.pos, "option --" + o.name + " has an empty value");
            }
            s.options.push_back(std::move(o));
        }
        while (peek().kind != TokenKind::End) {
            Event e;
            e.pos = peek().pos;
            if (peek().kind == TokenKind::BackQuoted) { // untimed init/cleanup command
                e.kind = Event::Kind::Command;
                e.timed = false;
                e.text = next().text;
                s.events.push_back(std::move(e));
                continue;
            }
            if (!event_time(e.time)) return false;
            if (!action(e)) return false;
            s.events.push_back(std::move(e));
        }
        return true;
    }

  private:
    std::vector<Token> t_;
    std::size_t i_ = 0;
    ScriptError* err_ = nullptr;
    int depth_ = 0;

    const Token& peek(std::size_t ahead = 0) const {
        const std::size_t k = i_ + ahead;
        return k < t_.size() ? t_[k] : t_.back();
    }
    const Token& next() {
        const Token& t = peek();
        if (i_ < t_.size() - 1) ++i_;
        return t;
    }
    bool fail(SourcePos p, std::string m) {
        *err_ = {p, std::move(m)};
        return false;
    }
    static std::string describe(const Token& t) {
        switch (t.kind) {
        case TokenKind::End: return "end of script";
        case TokenKind::String: return "string \"" + t.text + "\"";
        case TokenKind::BackQuoted: return "backquoted command";
        case TokenKind::Code: return "%{ }% block";
        case TokenKind::Option: return "option --" + t.text;
        default: return "'" + t.text + "'";
        }
    }
    bool expected(std::string_view what) {
        return fail(peek().pos, "expected " + std::string(what) + ", found " + describe(peek()));
    }
    bool expect(char c) {
        if (!peek().is(c)) return expected(std::string("'") + c + "'");
        next();
        return true;
    }
    bool expect_word(std::string_view w) {
        if (!peek().is_word(w)) return expected("'" + std::string(w) + "'");
        next();
        return true;
    }
    bool integer(std::int64_t& v, std::string_view what) {
        if (peek().kind != TokenKind::Integer) return expected(what);
        v = next().integer;
        return true;
    }
    bool u32(std::uint32_t& v, std::string_view what, std::uint64_t max = UINT32_MAX) {
        const SourcePos p = peek().pos;
        std::int64_t x = 0;
        if (!integer(x, what)) return false;
        if (x < 0 || static_cast<std::uint64_t>(x) > max)
            return fail(p, std::string(what) + " out of range (0.." + std::to_string(max) + "): " + std::to_string(x));
        v = static_cast<std::uint32_t>(x);
        return true;
    }

    // Seconds as microseconds (packetdrill's times are microsecond-precise).
    bool seconds(std::int64_t& us) {
        const Token& t = peek();
        if (t.kind == TokenKind::Integer) {
            if (t.integer < 0 || t.integer > 1'000'000'000) return fail(t.pos, "time out of range: " + t.text);
            us = t.integer * 1'000'000;
            next();
            return true;
        }
        if (t.kind == TokenKind::Float) {
            const std::string& s = t.text;
            if (s[0] == '-') return fail(t.pos, "negative time: " + s);
            const std::size_t dot = s.find('.');
            std::int64_t whole = 0;
            if (dot > 0 && (!detail::parse_int(s.substr(0, dot), whole) || whole > 1'000'000'000))
                return fail(t.pos, "time out of range: " + s);
            std::int64_t frac = 0;
            int digits = 0;
            for (std::size_t k = dot + 1; k < s.size(); ++k) {
                if (digits < 6) {
                    frac = frac * 10 + (s[k] - '0');
                    ++digits;
                } else if (digits == 6 && s[k] != '0') {
                    return fail(t.pos, "time finer than a microsecond: " + s);
                }
            }
            for (; digits < 6; ++digits) frac *= 10;
            us = whole * 1'000'000 + frac;
            next();
            return true;
        }
        return expected("a time");
    }

    bool event_time(EventTime& et) {
        if (peek().is('*')) {
            next();
            et.kind = TimeKind::Any;
            return true;
        }
        bool rel = false;
        if (peek().is('+')) {
            next();
            rel = true;
        } else if (peek().kind != TokenKind::Integer && peek().kind != TokenKind::Float) {
            return expected("an event time (0, +0.1, *, ...)");
        }
        if (!seconds(et.start_us)) return false;
        et.kind = rel ? TimeKind::Relative : TimeKind::Absolute;
        if (peek().is('~')) {
            const SourcePos p = next().pos;
            if (rel) {
                if (!peek().is('+')) return fail(peek().pos, "a relative range is written +A~+B");
                next();
            } else if (peek().is('+')) {
                return fail(peek().pos, "an absolute range is written A~B");
            }
            if (!seconds(et.end_us)) return false;
            if (et.end_us < et.start_us) return fail(p, "time range ends before it starts");
            et.kind = rel ? TimeKind::RelativeRange : TimeKind::AbsoluteRange;
        }
        return true;
    }

    bool action(Event& e) {
        const Token& t = peek();
        if (t.is('<') || t.is('>')) {
            e.kind = Event::Kind::Packet;
            return packet(e.packet);
        }
        if (t.kind == TokenKind::BackQuoted) {
            e.kind = Event::Kind::Command;
            e.text = next().text;
            return true;
        }
        if (t.kind == TokenKind::Code) {
            e.kind = Event::Kind::Code;
            e.text = next().text;
            return true;
        }
        if (t.kind == TokenKind::Ellipsis || (t.kind == TokenKind::Word && peek(1).is('('))) {
            e.kind = Event::Kind::Syscall;
            return syscall(e.syscall);
        }
        return expected("a packet (< or >), a system call, a `command` or a %{ code }% block");
    }

    // ---- packets

    bool ip_info(PacketSpec& p) {
        const char close = peek().is('(') ? ')' : ']';
        next();
        while (true) {
            const Token& w = peek();
            if (w.is_word("ect0")) p.ecn = PacketSpec::EcnCheck::Ect0;
            else if (w.is_word("ect1")) p.ecn = PacketSpec::EcnCheck::Ect1;
            else if (w.is_word("ce")) p.ecn = PacketSpec::EcnCheck::Ce;
            else if (w.is_word("noecn")) p.ecn = PacketSpec::EcnCheck::NoEcn;
            else if (w.is_word("ect01")) p.ecn = PacketSpec::EcnCheck::Ect01;
            else if (w.is_word("tos")) {
                next();
                std::uint32_t v = 0;
                if (!u32(v, "a tos value", 255)) return false;
                p.ecn = PacketSpec::EcnCheck::Tos;
                p.tos = static_cast<std::uint8_t>(v);
                goto sep;
            } else if (w.is_word("ttl")) {
                next();
                std::uint32_t v = 0;
                if (!u32(v, "a ttl", 255)) return false;
                p.ttl = static_cast<std::uint8_t>(v);
                goto sep;
            } else if (w.is_word("flowlabel")) {
                next();
                if (!u32(p.flow_label, "a flow label", 0xFFFFF)) return false;
                goto sep;
            } else return expected("ect0, ect1, ce, noecn, ect01, tos, ttl or flowlabel");
            next();
        sep:
            if (peek().is(',')) {
                next();
                continue;
            }
            return expect(close);
        }
    }

    bool packet(PacketSpec& p) {
        p.inbound = next().is('<');
        // Encapsulation prefixes: ipv4/ipv6 a > b:, gre..., mpls...: kept as
        // a flag, their text skipped up to the ':' that ends them.
        while (peek().is_word("ipv4") || peek().is_word("ipv6") || peek().is_word("gre") ||
               peek().is_word("GREv0") || peek().is_word("mpls")) {
            p.has_encap = true;
            int guard = 0;
            while (!peek().is(':')) {
                if (peek().kind == TokenKind::End || ++guard > 64) return expected("':' ending the encapsulation");
                next();
            }
            next();
        }
        if (peek().is('[') || peek().is('(')) {
            if (!ip_info(p)) return false;
        }
        if (peek().is_word("encap")) return fail(peek().pos, "PSP encapsulation is not supported");
        if (peek().kind == TokenKind::Integer && peek(1).is('>')) {
            std::uint32_t a = 0, b = 0;
            if (!u32(a, "a port", 65535)) return false;
            next();
            if (!u32(b, "a port", 65535)) return false;
            p.has_ports = true;
            p.src_port = static_cast<std::uint16_t>(a);
            p.dst_port = static_cast<std::uint16_t>(b);
        }
        if (peek().is_word("udp")) {
            next();
            p.protocol = PacketSpec::Protocol::Udp;
            p.description = "udp";
            if (!expect('(')) return false;
            if (!u32(p.payload, "a UDP payload length", 65507)) return false;
            return expect(')');
        }
        if (peek().is_word("icmp")) {
            next();
            p.protocol = PacketSpec::Protocol::Icmp;
            p.description = "icmp";
            // icmp TYPE [CODE] [mtu N] [id N] [[echoed]]
            for (int k = 0; k < 2 && peek().kind == TokenKind::Word && !peek().is_word("mtu") && !peek().is_word("id"); ++k)
                p.description += " " + next().text;
            for (const char* kw : {"mtu", "id"}) {
                if (peek().is_word(kw)) {
                    p.description += std::string(" ") + next().text;
                    std::uint32_t v = 0;
                    if (!u32(v, kw)) return false;
                    p.description += " " + std::to_string(v);
                }
            }
            if (peek().is('[')) {
                next();
                int guard = 0;
                while (!peek().is(']')) {
                    if (peek().kind == TokenKind::End || ++guard > 16) return expected("']'");
                    next();
                }
                next();
            }
            return true;
        }
        // flags: WORD ['.'] | '.' | '-'
        const SourcePos flags_pos = peek().pos;
        if (peek().is('.')) {
            p.flags = next().text;
        } else if (peek().is('-')) {
            next();
        } else if (peek().kind == TokenKind::Word) {
            p.flags = next().text;
            if (peek().is('.')) p.flags += next().text;
        } else {
            return expected("TCP flags (S, S., ., F., R, P., -, ...)");
        }
        for (const char f : p.flags) {
            if (std::string_view("FSRP.EWUA").find(f) == std::string_view::npos)
                return fail(flags_pos, std::string("unknown TCP flag '") + f + "' in \"" + p.flags + "\"");
        }
        // seq: A:B(N)
        if (!u32(p.seq_start, "a sequence number (start:end(length))")) return false;
        if (!expect(':')) return false;
        const SourcePos endpos = peek().pos;
        if (!u32(p.seq_end, "the end sequence number")) return false;
        if (!expect('(')) return false;
        if (!u32(p.payload, "a payload length", 65535)) return false;
        if (!expect(')')) return false;
        if (static_cast<std::uint32_t>(p.seq_end - p.seq_start) != p.payload)
            return fail(endpos, "inconsistent TCP sequence numbers: " + std::to_string(p.seq_start) + ":" +
                                    std::to_string(p.seq_end) + " with length " + std::to_string(p.payload));
        if (peek().is_word("ack")) {
            next();
            p.has_ack = true;
            if (!u32(p.ack, "an ack number")) return false;
        }
        if (peek().is_word("win")) {
            next();
            p.has_win = true;
            std::uint32_t w = 0;
            if (!u32(w, "a window", 65535)) return false;
            p.win = static_cast<std::uint16_t>(w);
        }
        if (peek().is_word("urg")) {
            next();
            p.has_urg = true;
            std::uint32_t u = 0;
            if (!u32(u, "an urgent pointer", 65535)) return false;
            p.urg = static_cast<std::uint16_t>(u);
        }
        if (peek().is('<')) {
            next();
            if (peek().kind == TokenKind::Ellipsis) {
                next();
                p.options_any = true;
                return expect('>');
            }
            while (true) {
                if (p.options.size() >= 40) return fail(peek().pos, "too many TCP options");
                TcpOptionSpec o;
                if (!option(o)) return false;
                p.options.push_back(std::move(o));
                if (peek().is(',')) {
                    next();
                    continue;
                }
                return expect('>');
            }
        }
        return true;
    }

    bool hex_blob(std::vector<std::uint8_t>& out, std::string_view what) {
        const Token& t = peek();
        if (t.kind != TokenKind::Word && t.kind != TokenKind::Integer) return expected(what);
        std::string_view s = t.text;
        if (s.size() % 2 != 0) return fail(t.pos, std::string(what) + " has an odd number of hex digits: " + t.text);
        for (std::size_t k = 0; k < s.size(); k += 2) {
            if (!detail::is_hex(s[k]) || !detail::is_hex(s[k + 1])) return fail(t.pos, std::string(what) + " is not hex: " + t.text);
            auto h = [](char c) { return detail::is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; };
            out.push_back(static_cast<std::uint8_t>(h(s[k]) * 16 + h(s[k + 1])));
        }
        next();
        return true;
    }

    bool option(TcpOptionSpec& o) {
        using K = TcpOptionSpec::Kind;
        o.pos = peek().pos;
        const Token& w = peek();
        if (w.kind != TokenKind::Word) return expected("a TCP option (nop, mss, wscale, sackOK, sack, TS, FO, ...)");
        const std::string name = next().text;
        if (name == "nop") { o.kind = K::Nop; return true; }
        if (name == "eol") { o.kind = K::Eol; return true; }
        if (name == "sackOK") { o.kind = K::SackPermitted; return true; }
        if (name == "mss") { o.kind = K::Mss; return u32(o.a, "an MSS", 65535); }
        if (name == "wscale") { o.kind = K::WindowScale; return u32(o.a, "a window scale", 255); }
        if (name == "TS") {
            o.kind = K::Timestamp;
            return expect_word("val") && u32(o.a, "a TS val") && expect_word("ecr") && u32(o.b, "a TS ecr");
        }
        if (name == "sack") {
            o.kind = K::Sack;
            while (peek().kind == TokenKind::Integer && peek(1).is(':')) {
                std::uint32_t l = 0, r = 0;
                if (!u32(l, "a SACK block start")) return false;
                next();
                if (!u32(r, "a SACK block end")) return false;
                if (o.sack.size() >= 4) return fail(o.pos, "more than 4 SACK blocks");
                o.sack.emplace_back(l, r);
            }
            if (o.sack.empty()) return expected("a SACK block (left:right)");
            return true;
        }
        if (name == "md5") { o.kind = K::Md5; return hex_blob(o.bytes, "an MD5 digest"); }
        if (name == "FO" || name == "FOEXP") {
            o.kind = name == "FO" ? K::FastOpen : K::FastOpenExp;
            if (peek().kind == TokenKind::Word || peek().kind == TokenKind::Integer) {
                if (!hex_blob(o.bytes, "a Fast Open cookie")) return false;
                if (o.bytes.size() > 36) return fail(o.pos, "Fast Open cookie longer than the option space");
            }
            return true;
        }
        return fail(o.pos, "unknown or unsupported TCP option '" + name + "'");
    }

    // ---- system calls

    bool expression(Expr& e) {
        if (++depth_ > max_depth) return fail(peek().pos, "expression nested too deeply");
        const bool ok = or_expression(e);
        --depth_;
        return ok;
    }

    bool or_expression(Expr& e) {
        if (!primary(e)) return false;
        while (peek().is('|')) {
            const SourcePos p = next().pos;
            Expr rhs;
            if (!primary(rhs)) return false;
            Expr o;
            o.kind = Expr::Kind::Or;
            o.pos = p;
            o.items.push_back(std::move(e));
            o.items.push_back(std::move(rhs));
            e = std::move(o);
        }
        return true;
    }

    bool list(std::vector<Expr>& items, char close) {
        if (peek().is(close)) {
            next();
            return true;
        }
        while (true) {
            if (items.size() >= 64) return fail(peek().pos, "too many elements");
            Expr x;
            if (!expression(x)) return false;
            items.push_back(std::move(x));
            if (peek().is(',')) {
                next();
                continue;
            }
            return expect(close);
        }
    }

    bool primary(Expr& e) {
        const Token& t = peek();
        e.pos = t.pos;
        switch (t.kind) {
        case TokenKind::Ellipsis: next(); e.kind = Expr::Kind::Ellipsis; return true;
        case TokenKind::Integer: e.kind = Expr::Kind::Integer; e.integer = next().integer; return true;
        case TokenKind::String:
            e.kind = Expr::Kind::String;
            e.text = next().text;
            if (peek().kind == TokenKind::Ellipsis) {
                next();
                e.string_ellipsis = true;
            }
            return true;
        case TokenKind::Word: {
            std::string name = next().text;
            if (peek().is('(')) {
                next();
                e.kind = Expr::Kind::Call;
                e.text = std::move(name);
                if (!list(e.items, ')')) return false;
                if (peek().is('=')) { // msg_name(...)=..., msg_iov(1)=[...]
                    next();
                    Expr v;
                    if (!expression(v)) return false;
                    Expr a;
                    a.kind = Expr::Kind::Assign;
                    a.pos = e.pos;
                    a.text = e.text;
                    a.items.push_back(std::move(e));
                    a.items.push_back(std::move(v));
                    e = std::move(a);
                }
                return true;
            }
            if (peek().is('=')) {
                next();
                e.kind = Expr::Kind::Assign;
                e.text = std::move(name);
                Expr v;
                if (!expression(v)) return false;
                e.items.push_back(std::move(v));
                return true;
            }
            e.kind = Expr::Kind::Word;
            e.text = std::move(name);
            return true;
        }
        case TokenKind::Punct:
            if (t.is('[')) {
                next();
                e.kind = Expr::Kind::Array;
                return list(e.items, ']');
            }
            if (t.is('{')) {
                next();
                e.kind = Expr::Kind::Struct;
                return list(e.items, '}');
            }
            break;
        default: break;
        }
        return expected("an expression");
    }

    bool syscall(SyscallSpec& s) {
        if (peek().kind == TokenKind::Ellipsis) {
            next();
            s.has_end = true;
            if (!seconds(s.end_us)) return false;
        }
        if (peek().kind != TokenKind::Word) return expected("a system call name");
        s.name = next().text;
        if (!expect('(')) return false;
        if (!list(s.args, ')')) return false;
        if (!expect('=')) return false;
        if (!expression(s.result)) return false;
        if (peek().kind == TokenKind::Word && (s.result.kind == Expr::Kind::Integer || s.result.kind == Expr::Kind::Word)) {
            // opt_errno: a WORD (E...) on the same line as the result
            if (peek().pos.line == s.result.pos.line) s.errno_name = next().text;
        }
        if (peek().is('(') && peek().pos.line == s.result.pos.line) {
            const SourcePos p = next().pos;
            int guard = 0;
            while (!peek().is(')')) {
                if (peek().kind == TokenKind::End || ++guard > 64) return fail(p, "unterminated note '('");
                if (!s.note.empty()) s.note += ' ';
                s.note += next().text;
            }
            next();
        }
        return true;
    }
};

// Tokenizes and parses one script. `defines`: -D name=value definitions.
inline bool parse_script(std::string_view src, const Defines& defines, Script& out, ScriptError& err) {
    std::vector<Token> tokens;
    if (!tokenize(src, defines, tokens, err)) return false;
    Parser p(std::move(tokens));
    return p.parse(out, err);
}

} // namespace synack::testing
