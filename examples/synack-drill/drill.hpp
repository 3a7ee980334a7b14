// examples/synack-drill/drill.hpp — the scenario runner behind synack-drill.
//
// Parses scripts in the packetdrill-style language of ../shared/SCENARIOS.md
// and drives one sans-IO machine with them in virtual time: inbound segments
// are built byte for byte (checksum filled), timers fire at every deadline
// crossed on the way to a line's time, and every segment the machine emits
// must match the next `>` line exactly (flags, seq, ack, window, options in
// order, payload) at exactly its time (within `tolerance`, default 0).
//
// Header-only so that tests/handshake/drill.cpp can unit-test the parser and
// the runner's verdicts. This is a program, not the library: it allocates and
// uses <string>, which the machines never do.
//
// Decisions where SCENARIOS.md is silent (also in the README of this folder,
// i.e. the usage text of main.cpp):
//  - Modes: a `connect` line drives a Connection (active open); a `listen`
//    line drives the Listener (handshake/listener.hpp) when the script names
//    a listener key (cookies, backlog, accept_queue, tfo: in `config` or on
//    the `listen` line), a second peer (`@port`), `expect event Accepted` or
//    `accept`, and otherwise a single Connection in LISTEN (so the one-flow
//    scenarios keep their Established/TimedOut events); neither, the
//    closed-port responder (handshake/reset.hpp). Listener keys with values
//    other than their defaults in a `connect` script fail with "not
//    supported by this machine yet".
//  - Listener: completed flows are accepted at once (an `Accepted` event
//    with the Negotiated record, fields as for Established plus `peer_port`),
//    unless the script has `accept` lines: then only an `accept` line takes
//    one from the queue (so a full accept queue can be scripted). An
//    accepted flow continues as a Connection (Connection::adopt()) that
//    receives its peer's later segments and whose events follow.
//  - Fast Open client: `connect FO [hexcookie] ["data"]` (an extension)
//    calls Connection::connect_fast_open(); `tfo=client|both` is accepted
//    by a `connect` script.
//  - Ports: the local side is local_port, the peer remote_port. Defaults:
//    connect 40000 -> 8080 (SCENARIOS.md's active open); listen and closed
//    port 8080 <- 40000. `@port` on a `<`/`>` line names another peer port.
//  - Relative numbering starts for a flow when the machine emits its first
//    SYN (or SYN-ACK) on it: ISS := that seq, TS base := its TS val (or the
//    machine's TS clock at that moment when it carries none). Our seq in `>`
//    lines, the peer's ack and TS ecr in `<` lines that have the ACK flag
//    (a segment without ACK echoes nothing: RFC 7323 §3.2) and the peer's
//    SACK blocks are relative; everything else is as on the wire.
//  - Ordering: a `<` line, a user call (connect, listen, close, abort,
//    consume), `expect nothing` and the end of the script fail if a segment
//    or an event the script has not matched yet is pending. `expect state`
//    and `expect event` only look, so `> .` and `expect event Established`
//    may come in either order at the same time.
//  - Events must be expected at the time they happen (within tolerance),
//    in order. Besides SCENARIOS.md's list, the Connection's PeerClosed
//    (the peer's FIN arrived) is an event name; `rtt=SECONDS` is an extra
//    field of a Negotiated record.
//  - Timers at exactly a line's time fire before the line.
//  - `win` is required on segment lines (use `win *` for any); the ACK flag
//    requires `ack N` or `ack *`.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/core/siphash.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/config.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/handshake/isn.hpp"
#include "synack/handshake/listener.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/format.hpp"
#include "synack/wire/tcp.hpp"
#include "synack/wire/tcp_options.hpp"

namespace synack::drill {

// ===================================================================== text

namespace text {

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

inline Optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max) {
    if (s.empty()) return nullopt;
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (ec != std::errc{} || p != s.data() + s.size() || v > max) return nullopt;
    return v;
}

// Decimal seconds ("0.25", "131", "0.000001") as nanoseconds, exactly.
inline Optional<std::int64_t> parse_seconds(std::string_view s) {
    const std::size_t dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (whole.empty() && frac.empty()) return nullopt;
    std::uint64_t w = 0;
    if (!whole.empty()) {
        const auto v = parse_uint(whole, 9'000'000'000ULL); // ~285 years
        if (!v) return nullopt;
        w = *v;
    }
    if (frac.size() > 9) return nullopt;
    std::uint64_t f = 0;
    for (const char c : frac) {
        if (c < '0' || c > '9') return nullopt;
        f = f * 10 + static_cast<std::uint64_t>(c - '0');
    }
    for (std::size_t i = frac.size(); i < 9; ++i) f *= 10;
    return static_cast<std::int64_t>(w * 1'000'000'000ULL + f);
}

// "1.000", "0.100", "0.000500": at least milliseconds, more when needed.
inline std::string seconds(std::int64_t ns) {
    std::string sign = ns < 0 ? "-" : "";
    const std::uint64_t a = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1U : static_cast<std::uint64_t>(ns);
    std::string frac = std::to_string(a % 1'000'000'000ULL);
    frac.insert(0, 9 - frac.size(), '0');
    while (frac.size() > 3 && frac.back() == '0') frac.pop_back();
    return sign + std::to_string(a / 1'000'000'000ULL) + "." + frac;
}

inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "0a1B..." (an optional 0x prefix) as bytes; an odd count is an error.
inline Optional<std::vector<std::uint8_t>> parse_hex(std::string_view s) {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    if (s.size() % 2 != 0) return nullopt;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = hex_value(s[i]);
        const int lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0) return nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

inline Optional<IpAddress> parse_ipv4(std::string_view s) {
    std::array<std::uint8_t, 4> b{};
    for (std::size_t i = 0; i < 4; ++i) {
        const std::size_t dot = s.find('.');
        if ((i < 3) != (dot != std::string_view::npos)) return nullopt;
        const auto v = parse_uint(s.substr(0, dot), 255);
        if (!v) return nullopt;
        b[i] = static_cast<std::uint8_t>(*v);
        s = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    }
    return IpAddress::v4(b[0], b[1], b[2], b[3]);
}

// RFC 4291 §2.2 text: hex groups, at most one "::", an IPv4 tail allowed.
inline Optional<IpAddress> parse_ipv6(std::string_view s) {
    auto groups = [](std::string_view part, std::vector<std::uint16_t>& out, bool allow_v4_tail) {
        if (part.empty()) return true;
        while (true) {
            const std::size_t colon = part.find(':');
            const std::string_view g = part.substr(0, colon);
            if (colon == std::string_view::npos && allow_v4_tail && g.find('.') != std::string_view::npos) {
                const auto v4 = parse_ipv4(g);
                if (!v4) return false;
                out.push_back(static_cast<std::uint16_t>(v4->bytes[0] << 8U | v4->bytes[1]));
                out.push_back(static_cast<std::uint16_t>(v4->bytes[2] << 8U | v4->bytes[3]));
                return true;
            }
            if (g.empty() || g.size() > 4) return false;
            std::uint16_t v = 0;
            for (const char c : g) {
                const int h = hex_value(c);
                if (h < 0) return false;
                v = static_cast<std::uint16_t>(v * 16 + h);
            }
            out.push_back(v);
            if (colon == std::string_view::npos) return true;
            part = part.substr(colon + 1);
        }
    };
    std::vector<std::uint16_t> head;
    std::vector<std::uint16_t> tail;
    const std::size_t gap = s.find("::");
    if (gap == std::string_view::npos) {
        if (!groups(s, head, true) || head.size() != 8) return nullopt;
    } else {
        if (s.find("::", gap + 1) != std::string_view::npos) return nullopt;
        if (!groups(s.substr(0, gap), head, false) || !groups(s.substr(gap + 2), tail, true)) return nullopt;
        if (head.size() + tail.size() > 7) return nullopt;
    }
    Array<std::uint16_t, 8> g{};
    for (std::size_t i = 0; i < head.size(); ++i) g[i] = head[i];
    for (std::size_t i = 0; i < tail.size(); ++i) g[8 - tail.size() + i] = tail[i];
    return IpAddress::v6_groups(g);
}

inline Optional<IpAddress> parse_ip(std::string_view s) {
    return s.find(':') != std::string_view::npos ? parse_ipv6(s) : parse_ipv4(s);
}

// Drops a `// comment` or `# comment` outside double quotes.
inline std::string_view strip_comment(std::string_view s) {
    bool quoted = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quoted) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
            continue;
        }
        if (c == '"') quoted = true;
        if (c == '#' || (c == '/' && i + 1 < s.size() && s[i + 1] == '/')) return s.substr(0, i);
    }
    return s;
}

// A scanner over one line.
class Cursor {
  public:
    explicit Cursor(std::string_view s) : s_(s) {}
    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    }
    [[nodiscard]] bool done() {
        skip_ws();
        return i_ >= s_.size();
    }
    [[nodiscard]] char peek() {
        skip_ws();
        return i_ < s_.size() ? s_[i_] : '\0';
    }
    bool eat(char c) {
        if (peek() != c) return false;
        ++i_;
        return true;
    }
    // The next run of characters up to white space.
    std::string_view word() {
        skip_ws();
        const std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '\r') ++i_;
        return s_.substr(start, i_ - start);
    }
    // Everything up to (not including) `close`, which is consumed; nullopt
    // if it never comes.
    Optional<std::string_view> until(char close) {
        const std::size_t end = s_.find(close, i_);
        if (end == std::string_view::npos) return nullopt;
        const std::string_view r = s_.substr(i_, end - i_);
        i_ = end + 1;
        return r;
    }
    // A "double-quoted" string with C escapes (\\ \" \n \r \t \0 \xHH);
    // precondition: peek() == '"'.
    Optional<std::string> quoted() {
        skip_ws();
        ++i_;
        std::string out;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return out;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i_ >= s_.size()) return nullopt;
            const char e = s_[i_++];
            switch (e) {
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case '0': out.push_back('\0'); break;
            case 'x': {
                if (i_ + 2 > s_.size()) return nullopt;
                const int hi = hex_value(s_[i_]);
                const int lo = hex_value(s_[i_ + 1]);
                if (hi < 0 || lo < 0) return nullopt;
                out.push_back(static_cast<char>(hi * 16 + lo));
                i_ += 2;
                break;
            }
            default: out.push_back(e); break;
            }
        }
        return nullopt;
    }

  private:
    std::string_view s_;
    std::size_t i_ = 0;
};

} // namespace text

// ============================================================ script model

// A number in a segment line, or `*` (any value, `>` lines only).
struct Value {
    bool any = false;
    std::uint32_t v = 0;
};

enum class OptKind : std::uint8_t { Mss, WindowScale, SackPermitted, Sack, Timestamps, Nop, Eol, FastOpen, Unknown };

enum class CookieSpec : std::uint8_t {
    Request, // `FO`: an empty option, a cookie request
    Bytes,   // `FO 0a1b...`
    Any,     // `FO *` (`>` only): any cookie, saved for `FO saved`
    Saved,   // `FO saved` (`<` only): the last cookie `FO *` saw
};

struct OptSpec {
    OptKind kind = OptKind::Nop;
    Value a{};                                                     // mss, wscale, TS val
    Value b{};                                                     // TS ecr
    std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks{}; // sack
    std::uint8_t raw_kind = 0;                                     // unknown
    std::vector<std::uint8_t> bytes{};                             // unknown value, FO cookie
    CookieSpec cookie = CookieSpec::Request;
};

struct SegmentSpec {
    bool outbound = false;                  // `>`: the machine sends it
    Optional<std::uint16_t> peer_port; // `@port`
    std::uint16_t flags = 0;                // TcpFlag bits
    Value seq{};
    std::uint32_t len = 0;                  // payload bytes
    Optional<Value> ack;
    Value win{};
    bool has_options = false;               // `<...>` present (possibly empty)
    std::vector<OptSpec> options;
    std::vector<std::uint8_t> payload;      // exactly len bytes
    bool bad_checksum = false;              // `cksum bad` (`<` only)
};

enum class Action : std::uint8_t {
    Connect,
    Listen,
    Close,
    Abort,
    Consume,
    Accept,
    Inbound,
    Outbound,
    ExpectState,
    ExpectEvent,
    ExpectNothing,
};

// One field of an `expect event` line; booleans are 0/1, rtt nanoseconds.
struct FieldCheck {
    std::string key;
    std::int64_t value = 0;
};

struct Line {
    int number = 0;
    std::string text;        // as written (comment stripped), for messages
    std::int64_t time_ns = 0; // absolute virtual time
    Action action = Action::ExpectNothing;
    SegmentSpec segment{};
    std::uint32_t amount = 0;              // consume
    State state = State::Closed;           // expect state
    Optional<std::uint16_t> port;     // expect state @port
    std::string event;                     // expect event NAME
    std::vector<FieldCheck> fields;        // expect event k=v
    bool fast_open = false;                // connect FO [cookie] ["data"]
    std::vector<std::uint8_t> cookie;      //   (empty: a cookie request)
    std::vector<std::uint8_t> data;
};

enum class Cookies : std::uint8_t { Off, Auto, Always };
enum class FastOpen : std::uint8_t { Off, Client, Server, Both };

// Listener-only settings. The defaults follow Linux: tcp_syncookies=1
// (cookies only when the SYN queue overflows), a SYN backlog of 128
// (tcp_max_syn_backlog's floor), an accept queue of 4096 (SOMAXCONN since
// Linux 5.4), and no Fast Open unless the application asks for it.
struct ListenerSettings {
    Cookies cookies = Cookies::Auto;
    std::uint32_t backlog = 128;
    std::uint32_t accept_queue = 4096;
    FastOpen tfo = FastOpen::Off;
    friend bool operator==(const ListenerSettings&, const ListenerSettings&) = default;
};

// Fixed default secrets, so that runs are reproducible: `key` replaces them.
inline Secrets secrets_from_key(const std::array<std::uint8_t, 16>& key) {
    const SipKey master = SipKey::from_bytes(key);
    auto derive = [&](std::uint8_t label) {
        std::array<std::uint8_t, 2> a{label, 0};
        std::array<std::uint8_t, 2> b{label, 1};
        return SipKey{siphash24(master, a), siphash24(master, b)};
    };
    return Secrets{derive('i'), derive('t'), derive('c')};
}

inline Secrets default_secrets() {
    std::array<std::uint8_t, 16> k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
    return secrets_from_key(k);
}

struct Settings {
    Config config{};
    Optional<IpAddress> local;
    Optional<IpAddress> remote;
    Optional<std::uint16_t> local_port;
    Optional<std::uint16_t> remote_port;
    ListenerSettings listener{};
    int listener_line = 0;      // first line that set a listener key to a non-default value
    bool listener_named = false; // a listener key appears at all (even at its default)
    std::string listener_key{}; // ... and which (key=value as written)
    Duration tolerance{};
    Secrets secrets = default_secrets();
};

enum class Mode : std::uint8_t { Active, Passive, ClosedPort };

[[nodiscard]] inline const char* to_string(Mode m) {
    switch (m) {
    case Mode::Active: return "connect";
    case Mode::Passive: return "listen";
    case Mode::ClosedPort: return "closed port";
    }
    return "?";
}

struct Script {
    std::string name;
    Settings settings{};
    Mode mode = Mode::ClosedPort;
    std::vector<Line> lines;
    bool use_listener = false;   // `listen` drives the Listener (see the header comment)
    bool manual_accept = false;  // the script has `accept` lines
    // Resolved addresses: local endpoint, peer address and default peer port.
    Endpoint local{};
    IpAddress peer{};
    std::uint16_t peer_port = 0;
};

struct ParseError {
    int line = 0;
    std::string message;
};

struct ParseResult {
    Optional<Script> script;
    ParseError error{};
};

// ================================================================== parser

namespace parse_detail {

inline std::string on_off(std::string_view v, bool& out) {
    if (v == "on" || v == "1" || v == "true") {
        out = true;
        return {};
    }
    if (v == "off" || v == "0" || v == "false") {
        out = false;
        return {};
    }
    return "expected on or off, got `" + std::string(v) + "`";
}

template <class T>
std::string uint_value(std::string_view v, T& out, std::uint64_t max) {
    const auto n = text::parse_uint(v, max);
    if (!n) return "expected an integer 0.." + std::to_string(max) + ", got `" + std::string(v) + "`";
    out = static_cast<T>(*n);
    return {};
}

inline std::string duration_value(std::string_view v, Duration& out) {
    const auto ns = text::parse_seconds(v);
    if (!ns) return "expected seconds (like 1 or 0.25), got `" + std::string(v) + "`";
    out = Duration{*ns};
    return {};
}

} // namespace parse_detail

// Applies one `key=value` of a `config` (or `listen`) line; returns an error
// text, empty on success. Unknown keys are errors (SCENARIOS.md).
inline std::string apply_setting(Settings& s, std::string_view key, std::string_view value, int line) {
    using namespace parse_detail;
    Config& c = s.config;
    if (key == "local" || key == "remote") {
        const auto a = text::parse_ip(value);
        if (!a) return "`" + std::string(value) + "` is not an IPv4 or IPv6 address";
        (key == "local" ? s.local : s.remote) = *a;
        return {};
    }
    if (key == "local_port" || key == "remote_port") {
        std::uint16_t p = 0;
        std::string e = uint_value(value, p, 65535);
        if (e.empty()) (key == "local_port" ? s.local_port : s.remote_port) = p;
        return e;
    }
    if (key == "mss") return uint_value(value, c.mss, 65535);
    if (key == "wscale") {
        if (value == "off") {
            c.window_scale.reset();
            return {};
        }
        std::uint8_t w = 0;
        std::string e = uint_value(value, w, max_window_scale);
        if (e.empty()) c.window_scale = w;
        return e.empty() ? e : "wscale: expected off or 0..14, got `" + std::string(value) + "`";
    }
    if (key == "sack") return on_off(value, c.sack);
    if (key == "ts") return on_off(value, c.timestamps);
    if (key == "ecn") return on_off(value, c.ecn);
    if (key == "rcv_wnd") return uint_value(value, c.rcv_wnd, 0xFFFFFFFFULL);
    if (key == "syn_retries") return uint_value(value, c.syn_retries, 255);
    if (key == "syn_linear_timeouts") return uint_value(value, c.syn_linear_timeouts, 255);
    if (key == "synack_retries") return uint_value(value, c.synack_retries, 255);
    if (key == "fin_retries") return uint_value(value, c.fin_retries, 255); // extension: Config::fin_retries
    if (key == "rto_initial") return duration_value(value, c.rto_initial);
    if (key == "rto_min") return duration_value(value, c.rto_min); // extension: Config::rto_min
    if (key == "rto_max") return duration_value(value, c.rto_max);
    if (key == "user_timeout") return duration_value(value, c.user_timeout);
    if (key == "msl") return duration_value(value, c.msl);
    if (key == "challenge_ack_limit") return uint_value(value, c.challenge_ack_limit, 65535);
    if (key == "challenge_ack_window") return duration_value(value, c.challenge_ack_window); // extension
    if (key == "tolerance") return duration_value(value, s.tolerance);
    if (key == "key") {
        const auto b = text::parse_hex(value);
        if (!b || b->size() != 16) return "key: expected 32 hex digits (16 bytes), got `" + std::string(value) + "`";
        std::array<std::uint8_t, 16> k{};
        for (std::size_t i = 0; i < k.size(); ++i) k[i] = (*b)[i];
        s.secrets = secrets_from_key(k);
        return {};
    }
    // Listener keys: parsed and kept; the runner decides whether the machine
    // in use supports them.
    const ListenerSettings defaults{};
    std::string e;
    if (key == "cookies") {
        if (value == "off") {
            s.listener.cookies = Cookies::Off;
        } else if (value == "auto") {
            s.listener.cookies = Cookies::Auto;
        } else if (value == "always") {
            s.listener.cookies = Cookies::Always;
        } else {
            return "cookies: expected off, auto or always, got `" + std::string(value) + "`";
        }
    } else if (key == "backlog") {
        e = uint_value(value, s.listener.backlog, 0xFFFFFFFFULL);
    } else if (key == "accept_queue") {
        e = uint_value(value, s.listener.accept_queue, 0xFFFFFFFFULL);
    } else if (key == "tfo") {
        if (value == "off") {
            s.listener.tfo = FastOpen::Off;
        } else if (value == "client") {
            s.listener.tfo = FastOpen::Client;
        } else if (value == "server") {
            s.listener.tfo = FastOpen::Server;
        } else if (value == "both") {
            s.listener.tfo = FastOpen::Both;
        } else {
            return "tfo: expected off, client, server or both, got `" + std::string(value) + "`";
        }
    } else {
        return "unknown config key `" + std::string(key) + "`";
    }
    s.listener_named = true;
    if (e.empty() && s.listener_line == 0 && !(s.listener == defaults)) {
        s.listener_line = line;
        s.listener_key = std::string(key) + "=" + std::string(value);
    }
    return e;
}

namespace parse_detail {

inline std::string key_values(text::Cursor& c, Settings& s, int line) {
    while (!c.done()) {
        const std::string_view kv = c.word();
        const std::size_t eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0) return "expected key=value, got `" + std::string(kv) + "`";
        std::string e = apply_setting(s, kv.substr(0, eq), kv.substr(eq + 1), line);
        if (!e.empty()) return e;
    }
    return {};
}

inline std::string value(std::string_view w, Value& out, bool allow_any, std::string_view what) {
    if (w == "*") {
        if (!allow_any) return "`*` is only allowed in `>` lines (" + std::string(what) + ")";
        out.any = true;
        return {};
    }
    const auto n = text::parse_uint(w, 0xFFFFFFFFULL);
    if (!n) return std::string(what) + ": expected a 32-bit number" + (allow_any ? " or *" : "") + ", got `" +
                   std::string(w) + "`";
    out.v = static_cast<std::uint32_t>(*n);
    return {};
}

inline std::string option(std::string_view entry, bool outbound, OptSpec& o) {
    text::Cursor c(entry);
    const std::string_view kind = c.word();
    auto number = [&](Value& v, std::string_view what) { return value(c.word(), v, outbound, what); };
    std::string e;
    if (kind == "mss") {
        o.kind = OptKind::Mss;
        e = number(o.a, "mss");
        if (e.empty() && !o.a.any && o.a.v > 0xFFFF) e = "mss: value over 65535";
    } else if (kind == "wscale") {
        o.kind = OptKind::WindowScale;
        e = number(o.a, "wscale");
        if (e.empty() && !o.a.any && o.a.v > 0xFF) e = "wscale: value over 255";
    } else if (kind == "sackOK") {
        o.kind = OptKind::SackPermitted;
    } else if (kind == "sack") {
        o.kind = OptKind::Sack;
        while (!c.done()) {
            const std::string_view blk = c.word();
            const std::size_t colon = blk.find(':');
            const auto l = text::parse_uint(blk.substr(0, colon), 0xFFFFFFFFULL);
            const auto r = colon == std::string_view::npos ? nullopt
                                                           : text::parse_uint(blk.substr(colon + 1), 0xFFFFFFFFULL);
            if (!l || !r) return "sack: expected blocks like 1:1001, got `" + std::string(blk) + "`";
            o.blocks.emplace_back(static_cast<std::uint32_t>(*l), static_cast<std::uint32_t>(*r));
        }
        if (o.blocks.empty() || o.blocks.size() > max_sack_blocks) return "sack: 1 to 4 blocks";
        return {};
    } else if (kind == "TS") {
        o.kind = OptKind::Timestamps;
        if (c.word() != "val") return "TS: expected `TS val N ecr N`";
        e = number(o.a, "TS val");
        if (e.empty() && c.word() != "ecr") return "TS: expected `TS val N ecr N`";
        if (e.empty()) e = number(o.b, "TS ecr");
    } else if (kind == "nop") {
        o.kind = OptKind::Nop;
    } else if (kind == "eol") {
        o.kind = OptKind::Eol;
    } else if (kind == "FO") {
        o.kind = OptKind::FastOpen;
        const std::string_view w = c.word();
        if (w.empty()) {
            o.cookie = CookieSpec::Request;
        } else if (w == "*") {
            if (!outbound) return "`FO *` is only allowed in `>` lines";
            o.cookie = CookieSpec::Any;
        } else if (w == "saved") {
            if (outbound) return "`FO saved` is only allowed in `<` lines";
            o.cookie = CookieSpec::Saved;
        } else {
            const auto b = text::parse_hex(w);
            if (!b || b->empty() || b->size() > fast_open_cookie_max)
                return "FO: expected a hex cookie of 1..16 bytes, `*` or `saved`, got `" + std::string(w) + "`";
            o.cookie = CookieSpec::Bytes;
            o.bytes = *b;
        }
    } else if (kind == "unknown") {
        o.kind = OptKind::Unknown;
        const auto k = text::parse_uint(c.word(), 255);
        if (!k || *k < 2) return "unknown: expected `unknown KIND hexbytes` with KIND 2..255";
        o.raw_kind = static_cast<std::uint8_t>(*k);
        const std::string_view w = c.word();
        if (!w.empty()) {
            const auto b = text::parse_hex(w);
            if (!b) return "unknown: bad hex bytes `" + std::string(w) + "`";
            o.bytes = *b;
        }
    } else {
        return "unknown option `" + std::string(kind) + "`";
    }
    if (!e.empty()) return e;
    if (!c.done()) return "unexpected `" + std::string(c.word()) + "` in option `" + std::string(entry) + "`";
    return {};
}

inline std::string segment(text::Cursor& c, bool outbound, SegmentSpec& s) {
    s.outbound = outbound;
    if (c.eat('@')) {
        const auto p = text::parse_uint(c.word(), 65535);
        if (!p || *p == 0) return "expected a port 1..65535 after @";
        s.peer_port = static_cast<std::uint16_t>(*p);
    }
    const std::string_view flags = c.word();
    if (flags.empty()) return "expected flags (S, S., ., R., F., P., ...)";
    for (const char f : flags) {
        std::uint16_t bit = 0;
        switch (f) {
        case 'F': bit = static_cast<std::uint16_t>(TcpFlag::Fin); break;
        case 'S': bit = static_cast<std::uint16_t>(TcpFlag::Syn); break;
        case 'R': bit = static_cast<std::uint16_t>(TcpFlag::Rst); break;
        case 'P': bit = static_cast<std::uint16_t>(TcpFlag::Psh); break;
        case '.': bit = static_cast<std::uint16_t>(TcpFlag::Ack); break;
        case 'U': bit = static_cast<std::uint16_t>(TcpFlag::Urg); break;
        case 'E': bit = static_cast<std::uint16_t>(TcpFlag::Ece); break;
        case 'W': bit = static_cast<std::uint16_t>(TcpFlag::Cwr); break;
        default: return "unknown flag `" + std::string(1, f) + "` in `" + std::string(flags) + "`";
        }
        if (s.flags & bit) return "flag `" + std::string(1, f) + "` twice in `" + std::string(flags) + "`";
        s.flags = static_cast<std::uint16_t>(s.flags | bit);
    }
    // start:end(len)
    const std::string_view range = c.word();
    const std::size_t colon = range.find(':');
    const std::size_t open = range.find('(');
    if (colon == std::string_view::npos || open == std::string_view::npos || open < colon || range.back() != ')')
        return "expected a sequence range start:end(len), got `" + std::string(range) + "`";
    Value start;
    Value end;
    std::string e = value(range.substr(0, colon), start, outbound, "seq start");
    if (e.empty()) e = value(range.substr(colon + 1, open - colon - 1), end, outbound, "seq end");
    if (!e.empty()) return e;
    const auto len = text::parse_uint(range.substr(open + 1, range.size() - open - 2), 65535);
    if (!len) return "bad length in `" + std::string(range) + "`";
    if (start.any != end.any) return "seq range: use `*` for both start and end";
    if (!start.any && end.v - start.v != *len)
        return "seq range `" + std::string(range) + "`: end - start must equal the length";
    s.seq = start;
    s.len = static_cast<std::uint32_t>(*len);
    bool have_win = false;
    bool have_payload = false;
    while (!c.done()) {
        if (have_payload) return "nothing may follow the payload";
        if (c.peek() == '<') {
            if (s.has_options) return "two option lists";
            c.eat('<');
            const auto inner = c.until('>');
            if (!inner) return "option list `<...` without `>`";
            s.has_options = true;
            std::string_view rest = *inner;
            while (!text::trim(rest).empty()) {
                const std::size_t comma = rest.find(',');
                const std::string_view entry = text::trim(rest.substr(0, comma));
                OptSpec o;
                e = option(entry, outbound, o);
                if (!e.empty()) return e;
                s.options.push_back(std::move(o));
                if (comma == std::string_view::npos) break;
                rest = rest.substr(comma + 1);
                if (text::trim(rest).empty()) return "empty option after `,`";
            }
            continue;
        }
        if (c.peek() == '"') {
            const auto t = c.quoted();
            if (!t) return "unterminated \"payload\"";
            s.payload.assign(t->begin(), t->end());
            have_payload = true;
            continue;
        }
        const std::string_view w = c.word();
        if (w == "ack") {
            Value a;
            e = value(c.word(), a, outbound, "ack");
            if (!e.empty()) return e;
            s.ack = a;
        } else if (w == "win") {
            e = value(c.word(), s.win, outbound, "win");
            if (!e.empty()) return e;
            if (!s.win.any && s.win.v > 0xFFFF) return "win is the raw 16-bit field: at most 65535";
            have_win = true;
        } else if (w == "cksum") {
            if (c.word() != "bad") return "expected `cksum bad`";
            if (outbound) return "`cksum bad` is only allowed in `<` lines";
            s.bad_checksum = true;
        } else if (w.size() >= 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
            const auto b = text::parse_hex(w);
            if (!b) return "bad hex payload `" + std::string(w) + "`";
            s.payload = *b;
            have_payload = true;
        } else {
            return "unexpected `" + std::string(w) + "`";
        }
    }
    if (!have_win) return "missing `win N` (use `win *` in `>` lines to match any)";
    if ((s.flags & static_cast<std::uint16_t>(TcpFlag::Ack)) && !s.ack)
        return "the ACK flag needs `ack N`" + std::string(outbound ? " or `ack *`" : "");
    if (have_payload && s.payload.size() != s.len)
        return "payload has " + std::to_string(s.payload.size()) + " bytes, the range says " + std::to_string(s.len);
    if (!have_payload) s.payload.assign(s.len, 0);
    return {};
}

inline Optional<State> state_named(std::string_view w) {
    std::string n(w);
    for (char& ch : n) {
        if (ch == '_') ch = '-';
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    }
    for (std::uint8_t i = 0; i <= static_cast<std::uint8_t>(State::LastAck); ++i) {
        const auto st = static_cast<State>(i);
        if (n == to_string(st)) return st;
    }
    return nullopt;
}

inline bool event_known(std::string_view n) {
    return n == "Established" || n == "Accepted" || n == "Refused" || n == "TimedOut" || n == "Reset" ||
           n == "Closed" || n == "PeerClosed";
}

inline std::string event_fields(text::Cursor& c, std::vector<FieldCheck>& out) {
    while (!c.done()) {
        const std::string_view kv = c.word();
        const std::size_t eq = kv.find('=');
        if (eq == std::string_view::npos) return "expected field=value, got `" + std::string(kv) + "`";
        const std::string_view k = kv.substr(0, eq);
        const std::string_view v = kv.substr(eq + 1);
        FieldCheck f{std::string(k), 0};
        if (k == "sack" || k == "ts" || k == "ecn") {
            bool b = false;
            std::string e = on_off(v, b);
            if (!e.empty()) return std::string(k) + ": " + e;
            f.value = b ? 1 : 0;
        } else if (k == "mss" || k == "snd_wscale" || k == "rcv_wscale" || k == "tfo_data" || k == "peer_window" ||
                   k == "peer_port") {
            const auto n = text::parse_uint(v, 0xFFFFFFFFULL);
            if (!n) return std::string(k) + ": expected a number, got `" + std::string(v) + "`";
            f.value = static_cast<std::int64_t>(*n);
        } else if (k == "rtt") {
            const auto ns = text::parse_seconds(v);
            if (!ns) return "rtt: expected seconds, got `" + std::string(v) + "`";
            f.value = *ns;
        } else {
            return "unknown event field `" + std::string(k) +
                   "` (mss snd_wscale rcv_wscale sack ts ecn tfo_data peer_window peer_port rtt)";
        }
        out.push_back(std::move(f));
    }
    return {};
}

} // namespace parse_detail

// Parses a whole script. `name` is used in messages only.
inline ParseResult parse_script(std::string_view source, std::string name) {
    using namespace parse_detail;
    ParseResult r;
    Script s;
    s.name = std::move(name);
    std::int64_t prev_time = 0;
    bool timed_seen = false;
    bool connect = false;
    bool listen = false;
    bool listener_features = false; // @port, Accepted, accept
    int number = 0;
    auto fail = [&](std::string msg) {
        r.error = {number, std::move(msg)};
        return r;
    };
    while (!source.empty()) {
        ++number;
        const std::size_t nl = source.find('\n');
        const std::string_view raw = source.substr(0, nl);
        source = nl == std::string_view::npos ? std::string_view{} : source.substr(nl + 1);
        std::string_view body = text::trim(text::strip_comment(raw));
        if (body.empty()) continue;

        // `config k=v ...` (backticks as in SCENARIOS.md, or bare).
        if (body.front() == '`') {
            if (body.size() < 2 || body.back() != '`') return fail("unterminated `...` line");
            body = text::trim(body.substr(1, body.size() - 2));
            if (body.substr(0, 7) != "config " && body != "config") return fail("a `...` line must be a config line");
        }
        if (body.substr(0, 7) == "config " || body == "config") {
            if (timed_seen) return fail("config must come before the first timed line");
            text::Cursor c(body.substr(6));
            std::string e = key_values(c, s.settings, number);
            if (!e.empty()) return fail(e);
            continue;
        }

        Line l;
        l.number = number;
        l.text = std::string(body);
        text::Cursor c(body);
        const std::string_view t = c.word();
        const bool rel = !t.empty() && t.front() == '+';
        const auto ns = text::parse_seconds(rel ? t.substr(1) : t);
        if (!ns) return fail("expected a time (like 0.1 or +0.1) at the start of the line, got `" + std::string(t) + "`");
        l.time_ns = rel ? prev_time + *ns : *ns;
        if (l.time_ns < prev_time)
            return fail("time goes backwards: " + text::seconds(l.time_ns) + " after " + text::seconds(prev_time));
        prev_time = l.time_ns;
        timed_seen = true;

        if (c.peek() == '<' || c.peek() == '>') {
            const bool out = c.peek() == '>';
            c.eat(c.peek());
            l.action = out ? Action::Outbound : Action::Inbound;
            std::string e = segment(c, out, l.segment);
            if (!e.empty()) return fail(e);
            if (l.segment.peer_port) listener_features = true;
            s.lines.push_back(std::move(l));
            continue;
        }
        const std::string_view kw = c.word();
        std::string e;
        if (kw == "connect") {
            l.action = Action::Connect;
            connect = true;
            // Extension: `connect FO [hexcookie] ["data"]` opens with Fast Open.
            if (!c.done()) {
                if (c.word() != "FO") return fail("expected `connect` or `connect FO [hexcookie] [\"data\"]`");
                l.fast_open = true;
                if (!c.done() && c.peek() != '"') {
                    const std::string_view hx = c.word();
                    const auto b = text::parse_hex(hx);
                    if (!b) return fail("FO: expected a hex cookie, got `" + std::string(hx) + "`");
                    l.cookie = *b;
                }
                if (!c.done()) {
                    const auto q = c.quoted();
                    if (!q) return fail("unterminated \"data\"");
                    l.data.assign(q->begin(), q->end());
                }
            }
        } else if (kw == "listen") {
            l.action = Action::Listen;
            listen = true;
            e = key_values(c, s.settings, number); // Listener keys
        } else if (kw == "close") {
            l.action = Action::Close;
        } else if (kw == "abort") {
            l.action = Action::Abort;
        } else if (kw == "accept") {
            l.action = Action::Accept;
            listener_features = true;
            s.manual_accept = true;
        } else if (kw == "consume") {
            l.action = Action::Consume;
            e = uint_value(c.word(), l.amount, 0xFFFFFFFFULL);
        } else if (kw == "expect") {
            const std::string_view what = c.word();
            if (what == "state") {
                l.action = Action::ExpectState;
                if (c.eat('@')) {
                    const auto p = text::parse_uint(c.word(), 65535);
                    if (!p) return fail("expected a port after @");
                    l.port = static_cast<std::uint16_t>(*p);
                }
                const std::string_view n = c.word();
                const auto st = state_named(n);
                if (!st) return fail("unknown state `" + std::string(n) + "`");
                l.state = *st;
            } else if (what == "event") {
                l.action = Action::ExpectEvent;
                l.event = std::string(c.word());
                if (!event_known(l.event))
                    return fail("unknown event `" + l.event +
                                "` (Established Accepted Refused TimedOut Reset Closed PeerClosed)");
                e = event_fields(c, l.fields);
                if (l.event == "Accepted") listener_features = true;
            } else if (what == "nothing") {
                l.action = Action::ExpectNothing;
            } else {
                return fail("expected `expect state`, `expect event` or `expect nothing`");
            }
        } else {
            return fail("unknown command `" + std::string(kw) + "`");
        }
        if (!e.empty()) return fail(e);
        if (l.action != Action::Listen && l.action != Action::ExpectEvent && !c.done())
            return fail("unexpected `" + std::string(c.word()) + "`");
        s.lines.push_back(std::move(l));
    }
    number = 0;
    if (connect && listen) return fail("a script either connects or listens, not both");
    s.mode = connect ? Mode::Active : listen ? Mode::Passive : Mode::ClosedPort;
    s.use_listener = listen && (s.settings.listener_named || listener_features);
    if (s.manual_accept && !s.use_listener) return fail("`accept` needs a `listen` script (the Listener)");

    // Addresses: IPv4 defaults; a single IPv6 setting brings the IPv6 default
    // for the other side (2001:db8::1 local, ::2 peer).
    const bool v6 = (s.settings.local && s.settings.local->is_v6()) || (s.settings.remote && s.settings.remote->is_v6());
    const IpAddress dl = v6 ? IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}) : IpAddress::v4(198, 18, 0, 1);
    const IpAddress dr = v6 ? IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2}) : IpAddress::v4(198, 18, 0, 2);
    s.local.address = s.settings.local.value_or(dl);
    s.peer = s.settings.remote.value_or(dr);
    if (s.local.address.family != s.peer.family) return fail("local and remote must be of the same family");
    const bool active = s.mode == Mode::Active;
    s.local.port = s.settings.local_port.value_or(active ? 40000 : 8080);
    s.peer_port = s.settings.remote_port.value_or(active ? 8080 : 40000);
    r.script = std::move(s);
    return r;
}

// ================================================================ machines

// The runner's view of a machine. A Listener joins as a third implementation.
class Machine {
  public:
    Machine() = default;
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;
    virtual ~Machine() = default;

    [[nodiscard]] virtual const char* name() const = 0;
    // Whether it implements the Listener keys (cookies, backlog, accept queue, TFO).
    [[nodiscard]] virtual bool has_listener_keys() const { return false; }

    virtual Received on_segment(const IpAddress& src, const IpAddress& dst, Bytes segment, Time now) = 0;
    virtual void on_timer(Time now) = 0;
    [[nodiscard]] virtual Time next_deadline() const = 0;
    virtual Optional<Transmit> poll_transmit(MutableBytes buf, Time now) = 0;
    virtual Optional<Event> poll_event() = 0;
    // An event with its script name: the Connection's EventKind names, and
    // the Listener's `Accepted` (which has no EventKind).
    struct Named {
        std::string name;
        Event event{};
    };
    virtual Optional<Named> poll_named_event() {
        const Optional<Event> e = poll_event();
        if (!e) return nullopt;
        return Named{to_string(e->kind), *e};
    }

    // User calls: an empty string on success, else what went wrong.
    virtual std::string connect(const FourTuple&, Time) { return std::string("connect: not supported by the ") + name(); }
    virtual std::string connect_fast_open(const FourTuple&, const std::vector<std::uint8_t>&,
                                          const std::vector<std::uint8_t>&, Time) {
        return std::string("connect FO: not supported by the ") + name();
    }
    // The first listener setting this machine cannot honour, as `key=value`
    // (empty: all fine). By default only Linux's defaults are.
    [[nodiscard]] virtual std::string unsupported(const ListenerSettings& l) const {
        const ListenerSettings d{};
        if (l.cookies != d.cookies) return std::string("cookies=") + (l.cookies == Cookies::Off ? "off" : "always");
        if (l.backlog != d.backlog) return "backlog=" + std::to_string(l.backlog);
        if (l.accept_queue != d.accept_queue) return "accept_queue=" + std::to_string(l.accept_queue);
        if (l.tfo != d.tfo) return std::string("tfo=") + tfo_name(l.tfo);
        return {};
    }
    static const char* tfo_name(FastOpen f) {
        switch (f) {
        case FastOpen::Off: return "off";
        case FastOpen::Client: return "client";
        case FastOpen::Server: return "server";
        case FastOpen::Both: return "both";
        }
        return "?";
    }
    virtual std::string listen(const Endpoint&, Time) { return std::string("listen: not supported by the ") + name(); }
    virtual std::string close(Time) { return std::string("close: not supported by the ") + name(); }
    virtual std::string abort(Time) { return std::string("abort: not supported by the ") + name(); }
    virtual std::string consume(std::uint32_t) { return std::string("consume: not supported by the ") + name(); }
    virtual std::string accept(Time) { return std::string("accept: not supported by the ") + name(); }

    // The state of the flow with `peer` (nullopt: the machine has no such flow).
    [[nodiscard]] virtual Optional<State> state(const Endpoint& peer) const = 0;
    // The TSval the machine would send on that flow now, if it keeps a TS clock.
    [[nodiscard]] virtual Optional<std::uint32_t> ts_value(const Endpoint&, Time) const { return nullopt; }
};

class ConnectionMachine final : public Machine {
  public:
    explicit ConnectionMachine(const Settings& s) : ctx_{config_of(s), s.secrets}, conn_(ctx_) {}

    static Config config_of(const Settings& s) {
        Config c = s.config;
        c.fastopen = s.listener.tfo == FastOpen::Client ? FastOpenMode::Client
                     : s.listener.tfo == FastOpen::Both ? FastOpenMode::Both
                                                        : FastOpenMode::Off;
        return c;
    }
    // A Connection is a Fast Open client: tfo=client (or both) is fine.
    [[nodiscard]] std::string unsupported(const ListenerSettings& l) const override {
        ListenerSettings rest = l;
        if (rest.tfo == FastOpen::Client || rest.tfo == FastOpen::Both) rest.tfo = FastOpen::Off;
        return Machine::unsupported(rest);
    }
    std::string connect_fast_open(const FourTuple& t, const std::vector<std::uint8_t>& cookie,
                                  const std::vector<std::uint8_t>& data, Time now) override {
        cookie_ = cookie; // the Connection keeps views: they live here
        data_ = data;
        return result(conn_.connect_fast_open(t, cookie_, data_, now), "connect_fast_open");
    }

    [[nodiscard]] const char* name() const override { return "Connection"; }
    Received on_segment(const IpAddress& src, const IpAddress& dst, Bytes seg, Time now) override {
        return conn_.on_segment(src, dst, seg, now);
    }
    void on_timer(Time now) override { conn_.on_timer(now); }
    [[nodiscard]] Time next_deadline() const override { return conn_.next_deadline(); }
    Optional<Transmit> poll_transmit(MutableBytes buf, Time now) override { return conn_.poll_transmit(buf, now); }
    Optional<Event> poll_event() override { return conn_.poll_event(); }
    std::string connect(const FourTuple& t, Time now) override { return result(conn_.connect(t, now), "connect"); }
    std::string listen(const Endpoint& e, Time now) override { return result(conn_.listen(e, now), "listen"); }
    std::string close(Time now) override { return result(conn_.close(now), "close"); }
    std::string abort(Time now) override { return result(conn_.abort(now), "abort"); }
    std::string consume(std::uint32_t n) override {
        conn_.consume(n);
        return {};
    }
    [[nodiscard]] Optional<State> state(const Endpoint&) const override { return conn_.state(); }
    [[nodiscard]] Optional<std::uint32_t> ts_value(const Endpoint&, Time now) const override {
        return timestamp_clock(now) + conn_.ts_offset();
    }
    [[nodiscard]] const Connection& connection() const { return conn_; }

  private:
    [[nodiscard]] std::string result(Error e, const char* call) const {
        if (e == Error::None) return {};
        return std::string(call) + "() returned \"" + std::string(synack::to_string(e)) + "\" in state " +
               synack::to_string(conn_.state());
    }

    Context ctx_; // outlives conn_ (declared first)
    std::vector<std::uint8_t> cookie_, data_;
    Connection conn_;
};

// The closed-port responder: what a host answers for a port nobody owns
// (handshake/reset.hpp, RFC 9293 §3.10.7.1).
class ClosedPortMachine final : public Machine {
  public:
    explicit ClosedPortMachine(const Endpoint& local) : local_(local) {}

    [[nodiscard]] const char* name() const override { return "closed-port responder"; }
    Received on_segment(const IpAddress& src, const IpAddress& dst, Bytes seg, Time) override {
        const result<TcpView> v = TcpView::parse(seg);
        if (!v) return {v.error()};
        if (!verify_tcp_checksum(src, dst, seg)) return {Error::BadChecksum}; // dropped, as Linux does
        if (dst != local_.address || v->destination_port() != local_.port) return {Error::NotFound};
        const Optional<TcpHeader> h = reset_for(*v);
        if (!h) return {};
        std::vector<std::uint8_t> b(tcp_max_header);
        const result<std::size_t> n = h->encode(b);
        if (!n) return {n.error()};
        b.resize(*n);
        fill_tcp_checksum(dst, src, b);
        pending_.push_back({FourTuple{local_, {src, v->source_port()}}, std::move(b)});
        return {};
    }
    void on_timer(Time) override {}
    [[nodiscard]] Time next_deadline() const override { return Time::never(); }
    Optional<Transmit> poll_transmit(MutableBytes buf, Time) override {
        if (pending_.empty() || buf.size() < pending_.front().second.size()) return nullopt;
        auto [flow, bytes] = std::move(pending_.front());
        pending_.pop_front();
        for (std::size_t i = 0; i < bytes.size(); ++i) buf[i] = bytes[i];
        return Transmit{flow, bytes.size(), 0};
    }
    Optional<Event> poll_event() override { return nullopt; }
    [[nodiscard]] Optional<State> state(const Endpoint&) const override { return State::Closed; }

  private:
    Endpoint local_;
    std::deque<std::pair<FourTuple, std::vector<std::uint8_t>>> pending_;
};

// The Listener (handshake/listener.hpp), and a Connection per accepted flow
// (Connection::adopt()) that takes that peer's later segments. One peer
// address, many ports: flows are told apart by the peer port.
class ListenerMachine final : public Machine {
  public:
    ListenerMachine(const Settings& s, const Endpoint& local, std::uint16_t default_peer_port, bool manual_accept)
        : ctx_{listener_config(s), s.secrets}, local_(local), peer_port_(default_peer_port), manual_(manual_accept) {}

    static Config listener_config(const Settings& s) {
        Config c = s.config;
        const ListenerSettings& l = s.listener;
        c.syncookies = l.cookies == Cookies::Off      ? SynCookies::Off
                       : l.cookies == Cookies::Always ? SynCookies::Always
                                                      : SynCookies::Auto;
        c.backlog = l.backlog;
        c.accept_queue = l.accept_queue;
        c.fastopen = l.tfo == FastOpen::Off      ? FastOpenMode::Off
                     : l.tfo == FastOpen::Client ? FastOpenMode::Client
                     : l.tfo == FastOpen::Server ? FastOpenMode::Server
                                                 : FastOpenMode::Both;
        return c;
    }

    [[nodiscard]] const char* name() const override { return "Listener"; }
    [[nodiscard]] bool has_listener_keys() const override { return true; }

    Received on_segment(const IpAddress& src, const IpAddress& dst, Bytes seg, Time now) override {
        Received r{Error::NotFound};
        const result<TcpView> v = TcpView::parse(seg);
        Connection* c = v ? live(v->source_port()) : nullptr;
        if (c != nullptr) {
            r = c->on_segment(src, dst, seg, now);
        } else if (l_) {
            r = l_->on_segment(src, dst, seg, now);
        }
        collect();
        return r;
    }
    void on_timer(Time now) override {
        if (l_) l_->on_timer(now);
        for (auto& [port, c] : conns_) {
            if (c.next_deadline() <= now) c.on_timer(now);
        }
        collect();
    }
    [[nodiscard]] Time next_deadline() const override {
        Time t = l_ ? l_->next_deadline() : Time::never();
        for (const auto& [port, c] : conns_) t = std::min(t, c.next_deadline());
        return t;
    }
    Optional<Transmit> poll_transmit(MutableBytes buf, Time now) override {
        if (l_) {
            if (auto t = l_->poll_transmit(buf, now)) return t;
        }
        for (auto& [port, c] : conns_) {
            if (auto t = c.poll_transmit(buf, now)) return t;
        }
        return nullopt;
    }
    Optional<Event> poll_event() override { return nullopt; }
    Optional<Named> poll_named_event() override {
        collect();
        if (events_.empty()) return nullopt;
        Named n = std::move(events_.front());
        events_.pop_front();
        return n;
    }

    std::string listen(const Endpoint& e, Time) override {
        if (l_) return "listen: already listening";
        l_ = std::make_unique<Listener>(ctx_, e);
        return {};
    }
    std::string accept(Time) override {
        if (!l_) return "accept: not listening";
        if (!take_one()) return "accept: the accept queue is empty";
        return {};
    }
    std::string close(Time now) override { return on_default("close", [&](Connection& c) { return c.close(now); }); }
    std::string abort(Time now) override { return on_default("abort", [&](Connection& c) { return c.abort(now); }); }
    std::string consume(std::uint32_t n) override {
        return on_default("consume", [&](Connection& c) {
            c.consume(n);
            return Error::None;
        });
    }

    [[nodiscard]] Optional<State> state(const Endpoint& peer) const override {
        const auto it = conns_.find(peer.port);
        if (it != conns_.end() && it->second.state() != State::Closed) return it->second.state();
        if (!l_) return State::Closed;
        return l_->has_half_open(peer) ? State::SynReceived : State::Listen;
    }
    [[nodiscard]] Optional<std::uint32_t> ts_value(const Endpoint& peer, Time now) const override {
        return timestamp_clock(now) + timestamp_offset(ctx_.secrets.ts_key, local_.address, peer.address);
    }

  private:
    Connection* live(std::uint16_t port) {
        const auto it = conns_.find(port);
        return it != conns_.end() && it->second.state() != State::Closed ? &it->second : nullptr;
    }

    template <class F>
    std::string on_default(const char* what, F f) {
        Connection* c = live(peer_port_);
        if (c == nullptr) return std::string(what) + ": no accepted connection with peer port " + std::to_string(peer_port_);
        const Error e = f(*c);
        collect();
        if (e == Error::None) return {};
        return std::string(what) + "() returned \"" + std::string(synack::to_string(e)) + "\"";
    }

    bool take_one() {
        Optional<Accepted> a = l_->accept();
        if (!a) return false;
        const auto port = a->negotiated.flow.remote.port;
        conns_.insert_or_assign(port, a->connection(ctx_));
        events_.push_back({"Accepted", Event{EventKind::Established, a->negotiated}});
        return true;
    }

    // Accepts (unless the script does) and gathers the Connections' events.
    void collect() {
        if (l_ && !manual_) {
            while (take_one()) {
            }
        }
        for (auto& [port, c] : conns_) {
            while (const Optional<Event> e = c.poll_event()) events_.push_back({to_string(e->kind), *e});
        }
    }

    Context ctx_; // outlives the Listener and the Connections (declared first)
    Endpoint local_;
    std::uint16_t peer_port_;
    bool manual_;
    std::unique_ptr<Listener> l_;
    std::map<std::uint16_t, Connection> conns_;
    std::deque<Named> events_;
};

// ================================================================== runner

struct Verdict {
    bool pass = false;
    int line = 0;                     // the failing line; 0 for the script as a whole
    std::string message;              // one line
    std::vector<std::string> details; // script line, expected and actual segments, ...
    int lines_run = 0;
    int segments_matched = 0;
};

// Relative numbering of one flow (see the header comment).
struct FlowNumbers {
    bool mapped = false;
    std::uint32_t iss = 0;
    std::uint32_t ts_base = 0;
};

// Adds (to_wire) or subtracts the flow's offsets on the fields that are
// relative: our seq and TS val in our segments; the ACK-flagged peer's ack,
// TS ecr and its SACK blocks in the peer's.
inline void shift_numbers(std::vector<std::uint8_t>& seg, bool ours, const FlowNumbers& f, bool to_wire) {
    if (!f.mapped) return;
    const result<TcpView> pv = TcpView::parse(seg);
    if (!pv) return;
    const TcpView v = *pv;
    const bool ack = v.flags().ack();
    auto adj = [&](std::size_t at, std::uint32_t by) {
        const std::uint32_t x = load_be32(seg, at);
        store_be32(seg, at, to_wire ? x + by : x - by);
    };
    if (ours) {
        adj(4, f.iss);
    } else if (ack) {
        adj(8, f.iss);
    }
    std::vector<std::pair<std::size_t, std::uint32_t>> edits; // (offset, by)
    for (const OptionEntry& o : v.options()) {
        if (!o.ok()) continue;
        if (o.kind == static_cast<std::uint8_t>(OptionKind::Timestamps)) {
            if (ours) edits.emplace_back(o.offset + 2U, f.ts_base);
            if (!ours && ack) edits.emplace_back(o.offset + 6U, f.ts_base);
        } else if (o.kind == static_cast<std::uint8_t>(OptionKind::Sack) && !ours) {
            for (std::size_t i = 0; i < o.sack_count(); ++i) {
                edits.emplace_back(o.offset + 2U + 8U * i, f.iss);
                edits.emplace_back(o.offset + 6U + 8U * i, f.iss);
            }
        }
    }
    for (const auto& [at, by] : edits) adj(at, by);
}

class Runner {
  public:
    // `trace`, when given, receives a line per segment, event and timer.
    explicit Runner(const Script& script, std::ostream* trace = nullptr) : s_(script), trace_(trace) {}

    Verdict run() {
        v_ = Verdict{};
        if (s_.mode == Mode::ClosedPort) {
            m_ = std::make_unique<ClosedPortMachine>(s_.local);
        } else if (s_.use_listener) {
            m_ = std::make_unique<ListenerMachine>(s_.settings, s_.local, s_.peer_port, s_.manual_accept);
        } else {
            m_ = std::make_unique<ConnectionMachine>(s_.settings);
        }
        if (s_.settings.listener_line != 0 && !m_->has_listener_keys()) {
            const std::string bad = m_->unsupported(s_.settings.listener);
            if (!bad.empty()) {
                fail(s_.settings.listener_line,
                     bad + ": not supported by this machine yet (the " + m_->name() +
                         " has no SYN cookies, SYN backlog, accept queue or Fast Open server; they come with the "
                         "Listener)");
                return v_;
            }
        }
        for (const Line& l : s_.lines) {
            if (!exec(l)) return v_;
            ++v_.lines_run;
        }
        // The end: anything the script did not match is unexpected.
        if (!quiet(nullptr)) return v_;
        v_.pass = true;
        return v_;
    }

  private:
    struct Emitted {
        Time at{};
        FourTuple flow{};
        std::vector<std::uint8_t> bytes;
    };
    struct Noted {
        Time at{};
        std::string name;
        Event event{};
    };

    // ---- failures ----

    bool fail(int line, std::string message, std::vector<std::string> details = {}) {
        v_.pass = false;
        v_.line = line;
        v_.message = std::move(message);
        v_.details = std::move(details);
        return false;
    }

    [[nodiscard]] std::string at(Time t) const { return text::seconds(t.ns); }

    // A segment as a tcpdump line with relative numbers, prefixed by its
    // time (and by its direction, `<` or `>`, when `arrow`).
    [[nodiscard]] std::string show(const std::vector<std::uint8_t>& wire, bool ours, std::uint16_t peer_port, Time t,
                                   bool arrow = false) const {
        std::vector<std::uint8_t> rel = wire;
        shift_numbers(rel, ours, flow(peer_port), false);
        const IpAddress& src = ours ? s_.local.address : s_.peer;
        const IpAddress& dst = ours ? s_.peer : s_.local.address;
        return at(t) + (arrow ? (ours ? " > " : " < ") : " ") + packet_to_string(src, dst, Bytes(rel));
    }

    [[nodiscard]] std::string numbering_note(std::uint16_t peer_port) const {
        const FlowNumbers f = flow(peer_port);
        if (!f.mapped) return "(numbers as on the wire: no SYN sent on this flow yet)";
        return "(numbers relative: our ISS " + std::to_string(f.iss) + " and TS val " + std::to_string(f.ts_base) +
               " are 0)";
    }

    // ---- flows and numbering ----

    [[nodiscard]] FlowNumbers flow(std::uint16_t peer_port) const {
        const auto it = flows_.find(peer_port);
        return it == flows_.end() ? FlowNumbers{} : it->second;
    }

    [[nodiscard]] std::uint16_t peer_port_of(const SegmentSpec& s) const { return s.peer_port.value_or(s_.peer_port); }

    void note_first_syn(const Emitted& e) {
        const result<TcpView> v = TcpView::parse(e.bytes);
        if (!v || !v->flags().syn()) return;
        FlowNumbers& f = flows_[e.flow.remote.port];
        if (f.mapped) return;
        f.mapped = true;
        f.iss = v->seq().raw();
        const TcpOptions o = TcpOptions::decode(v->option_bytes());
        if (o.timestamps) {
            f.ts_base = o.timestamps->value;
        } else {
            f.ts_base = m_->ts_value(e.flow.remote, e.at).value_or(0);
        }
    }

    // ---- driving the machine ----

    void drain() {
        std::vector<std::uint8_t> buf(65535);
        while (const Optional<Transmit> t = m_->poll_transmit(buf, now_)) {
            if (!t->ok()) { // larger than buf (Fast Open data): the segment stays queued
                if (t->needed > buf.size()) buf.resize(t->needed);
                continue;
            }
            Emitted e{now_, t->flow, std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(t->length))};
            note_first_syn(e);
            if (trace_) *trace_ << "    " << show(e.bytes, true, e.flow.remote.port, now_, true) << "\n";
            out_.push_back(std::move(e));
        }
        while (Optional<Machine::Named> ev = m_->poll_named_event()) {
            if (trace_) *trace_ << "    " << at(now_) << " event " << ev->name << "\n";
            events_.push_back({now_, std::move(ev->name), ev->event});
        }
    }

    // Fires the next deadline if it is at or before `limit`.
    bool fire_one(Time limit, int line, bool& fired) {
        fired = false;
        const Time d = m_->next_deadline();
        if (d > limit) return true;
        now_ = d > now_ ? d : now_;
        if (trace_) *trace_ << "    " << at(now_) << " timer\n";
        m_->on_timer(now_);
        drain();
        fired = true;
        if (m_->next_deadline() == d && d <= now_)
            return fail(line, "the " + std::string(m_->name()) + "'s deadline " + at(d) + " did not move after on_timer");
        return true;
    }

    bool advance_to(Time t, int line) {
        for (int guard = 0; guard < 1'000'000; ++guard) {
            bool fired = false;
            if (!fire_one(t, line, fired)) return false;
            if (!fired) {
                if (now_ < t) now_ = t;
                return true;
            }
        }
        return fail(line, "more than a million timer expiries before " + at(t));
    }

    // No segment or event may be pending (l == nullptr: the end of the script).
    bool quiet(const Line* l) {
        const int n = l ? l->number : 0;
        const std::string next = l ? "the script's next line is `" + l->text + "`" : "the script ended";
        if (!out_.empty()) {
            const Emitted& e = out_.front();
            return fail(n, "unexpected segment sent at " + at(e.at),
                        {"expected: (none: " + next + ")", "actual:   " + show(e.bytes, true, e.flow.remote.port, e.at),
                         numbering_note(e.flow.remote.port)});
        }
        if (!events_.empty()) {
            const Noted& e = events_.front();
            return fail(n, "unexpected event " + e.name + " at " + at(e.at),
                        {"expected: (none: " + next + ")"});
        }
        return true;
    }

    // ---- segments ----

    // Builds the segment of `s` in relative numbers. With `actual` (relative
    // too), `*` fields take its values; without, they are 0.
    bool build(const SegmentSpec& s, const std::vector<std::uint8_t>* actual, std::vector<std::uint8_t>& out,
               std::string& error) {
        Optional<TcpView> av;
        std::vector<OptionEntry> aopts;
        if (actual) {
            const result<TcpView> pv = TcpView::parse(*actual);
            if (pv) {
                av = *pv;
                for (const OptionEntry& o : av->options()) aopts.push_back(o);
            }
        }
        std::vector<std::uint8_t> opts;
        auto put32 = [&](std::uint32_t x) {
            for (int sh = 24; sh >= 0; sh -= 8) opts.push_back(static_cast<std::uint8_t>(x >> static_cast<unsigned>(sh)));
        };
        for (std::size_t i = 0; i < s.options.size(); ++i) {
            const OptSpec& o = s.options[i];
            const OptionEntry* a = i < aopts.size() && aopts[i].ok() ? &aopts[i] : nullptr;
            auto same = [&](OptionKind k) { return a && a->kind == static_cast<std::uint8_t>(k); };
            switch (o.kind) {
            case OptKind::Mss: {
                const std::uint32_t m = o.a.any ? (same(OptionKind::Mss) ? a->mss() : 0U) : o.a.v;
                opts.insert(opts.end(), {2, 4, static_cast<std::uint8_t>(m >> 8U), static_cast<std::uint8_t>(m)});
                break;
            }
            case OptKind::WindowScale: {
                const std::uint32_t w = o.a.any ? (same(OptionKind::WindowScale) ? a->window_scale() : 0U) : o.a.v;
                opts.insert(opts.end(), {3, 3, static_cast<std::uint8_t>(w)});
                break;
            }
            case OptKind::SackPermitted: opts.insert(opts.end(), {4, 2}); break;
            case OptKind::Sack:
                opts.push_back(5);
                opts.push_back(static_cast<std::uint8_t>(2 + 8 * o.blocks.size()));
                for (const auto& [l, r] : o.blocks) {
                    put32(l);
                    put32(r);
                }
                break;
            case OptKind::Timestamps: {
                const Timestamps ts = same(OptionKind::Timestamps) ? a->timestamps() : Timestamps{};
                opts.insert(opts.end(), {8, 10});
                put32(o.a.any ? ts.value : o.a.v);
                put32(o.b.any ? ts.echo_reply : o.b.v);
                break;
            }
            case OptKind::Nop: opts.push_back(1); break;
            case OptKind::Eol: opts.push_back(0); break;
            case OptKind::FastOpen: {
                std::vector<std::uint8_t> cookie = o.bytes;
                if (o.cookie == CookieSpec::Any) {
                    if (a && a->is_fast_open()) {
                        // Copy the option as sent (kind 34 or 254 + magic) and keep the cookie.
                        opts.push_back(a->kind);
                        opts.push_back(a->length);
                        opts.insert(opts.end(), a->data.begin(), a->data.end());
                        const FastOpenOption fo = a->fast_open();
                        saved_cookie_.assign(fo.cookie_bytes().begin(), fo.cookie_bytes().end());
                        has_saved_cookie_ = true;
                        break;
                    }
                    cookie.clear();
                } else if (o.cookie == CookieSpec::Saved) {
                    if (!has_saved_cookie_) {
                        error = "`FO saved`: no cookie was saved by an earlier `FO *`";
                        return false;
                    }
                    cookie = saved_cookie_;
                }
                opts.push_back(34);
                opts.push_back(static_cast<std::uint8_t>(2 + cookie.size()));
                opts.insert(opts.end(), cookie.begin(), cookie.end());
                break;
            }
            case OptKind::Unknown:
                opts.push_back(o.raw_kind);
                opts.push_back(static_cast<std::uint8_t>(2 + o.bytes.size()));
                opts.insert(opts.end(), o.bytes.begin(), o.bytes.end());
                break;
            }
        }
        while (opts.size() % 4 != 0) opts.push_back(0); // EOL + zero padding, as every encoder pads
        if (opts.size() > max_option_bytes) {
            error = "the options take " + std::to_string(opts.size()) + " bytes; at most 40 fit";
            return false;
        }
        const std::size_t hl = tcp_min_header + opts.size();
        out.assign(hl, 0);
        const std::uint16_t peer = peer_port_of(s);
        store_be16(out, 0, s.outbound ? s_.local.port : peer);
        store_be16(out, 2, s.outbound ? peer : s_.local.port);
        store_be32(out, 4, s.seq.any ? (av ? av->seq().raw() : 0U) : s.seq.v);
        std::uint32_t ackv = 0;
        if (s.ack) ackv = s.ack->any ? (av ? av->ack().raw() : 0U) : s.ack->v;
        store_be32(out, 8, ackv);
        out[12] = static_cast<std::uint8_t>(((hl / 4) << 4U) | (s.flags >> 8U));
        out[13] = static_cast<std::uint8_t>(s.flags & 0xFFU);
        store_be16(out, 14, static_cast<std::uint16_t>(s.win.any ? (av ? av->window() : 0U) : s.win.v));
        for (std::size_t i = 0; i < opts.size(); ++i) out[tcp_min_header + i] = opts[i];
        out.insert(out.end(), s.payload.begin(), s.payload.end());
        return true;
    }

    // Which fields of two segments (relative numbers) differ.
    static std::string differences(const std::vector<std::uint8_t>& exp, const std::vector<std::uint8_t>& act) {
        const result<TcpView> pe = TcpView::parse(exp);
        const result<TcpView> pa = TcpView::parse(act);
        if (!pe || !pa) return "framing";
        const TcpView e = *pe;
        const TcpView a = *pa;
        std::string d;
        auto add = [&](std::string what) {
            if (!d.empty()) d += ", ";
            d += what;
        };
        auto num = [&](const char* what, std::uint32_t x, std::uint32_t y) {
            if (x != y) add(std::string(what) + " (expected " + std::to_string(x) + ", got " + std::to_string(y) + ")");
        };
        if (e.flags() != a.flags()) add("flags (expected [" + to_string(e.flags()) + "], got [" + to_string(a.flags()) + "])");
        num("source port", e.source_port(), a.source_port());
        num("destination port", e.destination_port(), a.destination_port());
        num("seq", e.seq().raw(), a.seq().raw());
        num("ack", e.ack().raw(), a.ack().raw());
        num("win", e.window(), a.window());
        num("urgent pointer", e.urgent_pointer(), a.urgent_pointer());
        num("reserved bits", e.reserved(), a.reserved());
        const Bytes eo = e.option_bytes();
        const Bytes ao = a.option_bytes();
        if (!std::equal(eo.begin(), eo.end(), ao.begin(), ao.end())) add("options");
        const Bytes ep = e.payload();
        const Bytes ap = a.payload();
        if (ep.size() != ap.size()) {
            num("payload length", static_cast<std::uint32_t>(ep.size()), static_cast<std::uint32_t>(ap.size()));
        } else if (!std::equal(ep.begin(), ep.end(), ap.begin())) {
            add("payload bytes");
        }
        return d;
    }

    bool inbound(const Line& l) {
        const SegmentSpec& s = l.segment;
        const std::uint16_t peer = peer_port_of(s);
        std::vector<std::uint8_t> seg;
        std::string error;
        if (!build(s, nullptr, seg, error)) return fail(l.number, error);
        shift_numbers(seg, false, flow(peer), true);
        fill_tcp_checksum(s_.peer, s_.local.address, seg);
        if (s.bad_checksum) seg[17] = static_cast<std::uint8_t>(seg[17] ^ 0xFFU); // never ≡ the right sum
        if (trace_) *trace_ << "    " << show(seg, false, peer, now_, true) << "\n";
        const Received r = m_->on_segment(s_.peer, s_.local.address, seg, now_);
        if (s.bad_checksum && r.error != Error::BadChecksum)
            return fail(l.number, "the " + std::string(m_->name()) + " accepted a segment with a bad checksum");
        if (!s.bad_checksum && r.error == Error::NotFound)
            return fail(l.number, "the " + std::string(m_->name()) +
                                      " does not serve this flow (NotFound): a Connection serves one peer; several "
                                      "peers need the Listener");
        if (!s.bad_checksum && r.error != Error::None && r.error != Error::NotFound && trace_)
            *trace_ << "    (segment refused: " << synack::to_string(r.error) << ")\n";
        drain();
        return true;
    }

    bool outbound(const Line& l) {
        const SegmentSpec& s = l.segment;
        const Time t{l.time_ns};
        const Duration tol = s_.settings.tolerance;
        const Time limit = t + tol;
        const std::uint16_t peer = peer_port_of(s);
        while (out_.empty()) {
            bool fired = false;
            if (!fire_one(limit, l.number, fired)) return false;
            if (!fired) break;
        }
        if (out_.empty()) {
            if (now_ < t) now_ = t;
            std::vector<std::uint8_t> exp;
            std::string error;
            if (!build(s, nullptr, exp, error)) return fail(l.number, error);
            return fail(l.number, "expected segment not sent by " + at(limit),
                        {"script:   " + l.text, "expected: " + show_rel(exp, t), "actual:   (nothing)",
                         numbering_note(peer)});
        }
        Emitted e = std::move(out_.front());
        out_.pop_front();
        std::vector<std::uint8_t> act = e.bytes;
        shift_numbers(act, true, flow(e.flow.remote.port), false);
        std::vector<std::uint8_t> exp;
        std::string error;
        if (!build(s, &act, exp, error)) return fail(l.number, error);
        auto details = [&]() {
            return std::vector<std::string>{"script:   " + l.text, "expected: " + show_rel(exp, t),
                                            "actual:   " + at(e.at) + " " +
                                                packet_to_string(s_.local.address, s_.peer, Bytes(act)),
                                            numbering_note(e.flow.remote.port)};
        };
        if (e.flow.remote.port != peer || e.flow.remote.address != s_.peer || e.flow.local != s_.local) {
            return fail(l.number,
                        "segment sent to " + to_string(e.flow.remote) + " from " + to_string(e.flow.local) +
                            ", expected " + to_string(Endpoint{s_.peer, peer}) + " from " + to_string(s_.local),
                        details());
        }
        if (e.at < t - tol || e.at > limit) {
            return fail(l.number,
                        "segment sent at " + at(e.at) + ", expected at " + at(t) +
                            (tol.ns > 0 ? " (tolerance " + text::seconds(tol.ns) + ")" : ""),
                        details());
        }
        const bool same = exp.size() == act.size() && std::equal(exp.begin(), exp.begin() + 16, act.begin()) &&
                          std::equal(exp.begin() + 18, exp.end(), act.begin() + 18);
        if (!same) return fail(l.number, "segment differs in " + differences(exp, act), details());
        if (!verify_tcp_checksum(e.flow.local.address, e.flow.remote.address, e.bytes))
            return fail(l.number, "segment has a bad checksum", details());
        ++v_.segments_matched;
        return true;
    }

    [[nodiscard]] std::string show_rel(const std::vector<std::uint8_t>& rel, Time t) const {
        return at(t) + " " + packet_to_string(s_.local.address, s_.peer, Bytes(rel));
    }

    // ---- events ----

    static Optional<std::int64_t> field(const Event& e, const std::string& k) {
        const Negotiated& n = e.negotiated;
        if (k == "mss") return n.mss;
        if (k == "snd_wscale") return n.snd_wscale;
        if (k == "rcv_wscale") return n.rcv_wscale;
        if (k == "sack") return n.sack ? 1 : 0;
        if (k == "ts") return n.timestamps ? 1 : 0;
        if (k == "ecn") return n.ecn ? 1 : 0;
        if (k == "tfo_data") return n.tfo_data;
        if (k == "peer_window") return n.peer_window;
        if (k == "peer_port") return n.flow.remote.port;
        if (k == "rtt") return n.has_rtt ? Optional<std::int64_t>(n.rtt.ns) : nullopt;
        return nullopt;
    }

    static std::string field_text(const std::string& k, Optional<std::int64_t> v) {
        if (!v) return "none";
        if (k == "sack" || k == "ts" || k == "ecn") return *v ? "on" : "off";
        if (k == "rtt") return text::seconds(*v);
        return std::to_string(*v);
    }

    bool expect_event(const Line& l) {
        const Time t{l.time_ns};
        const Duration tol = s_.settings.tolerance;
        const Time limit = t + tol;
        while (events_.empty()) {
            bool fired = false;
            if (!fire_one(limit, l.number, fired)) return false;
            if (!fired) break;
        }
        if (events_.empty()) {
            if (now_ < t) now_ = t;
            return fail(l.number, "expected event " + l.event + " did not happen by " + at(limit));
        }
        const Noted e = events_.front();
        events_.pop_front();
        const std::string got = e.name;
        if (got != l.event) return fail(l.number, "expected event " + l.event + ", got " + got + " at " + at(e.at));
        if (e.at < t - tol || e.at > limit)
            return fail(l.number, "event " + got + " happened at " + at(e.at) + ", expected at " + at(t));
        for (const FieldCheck& f : l.fields) {
            const Optional<std::int64_t> v = field(e.event, f.key);
            if (!v || *v != f.value)
                return fail(l.number, "event " + got + ": " + f.key + " is " + field_text(f.key, v) + ", expected " +
                                          field_text(f.key, f.value));
        }
        return true;
    }

    // ---- lines ----

    bool exec(const Line& l) {
        const Time t{l.time_ns};
        if (trace_) *trace_ << "  " << l.number << ": " << l.text << "\n";
        switch (l.action) {
        case Action::Outbound: return outbound(l);
        case Action::ExpectEvent: return expect_event(l);
        case Action::ExpectState: {
            if (!advance_to(t, l.number)) return false;
            const Endpoint peer{s_.peer, l.port.value_or(s_.peer_port)};
            const Optional<State> st = m_->state(peer);
            if (!st) return fail(l.number, "no flow with " + to_string(peer));
            if (*st != l.state)
                return fail(l.number, std::string("state is ") + to_string(*st) + ", expected " + to_string(l.state));
            return true;
        }
        case Action::ExpectNothing: return advance_to(t, l.number) && quiet(&l);
        default: break;
        }
        if (!advance_to(t, l.number) || !quiet(&l)) return false;
        std::string e;
        switch (l.action) {
        case Action::Connect:
            e = l.fast_open ? m_->connect_fast_open({s_.local, {s_.peer, s_.peer_port}}, l.cookie, l.data, now_)
                            : m_->connect({s_.local, {s_.peer, s_.peer_port}}, now_);
            break;
        case Action::Listen: e = m_->listen(s_.local, now_); break;
        case Action::Close: e = m_->close(now_); break;
        case Action::Abort: e = m_->abort(now_); break;
        case Action::Consume: e = m_->consume(l.amount); break;
        case Action::Accept: e = m_->accept(now_); break;
        case Action::Inbound: return inbound(l);
        default: break;
        }
        if (!e.empty()) return fail(l.number, e);
        drain();
        return true;
    }

    const Script& s_;
    std::ostream* trace_;
    std::unique_ptr<Machine> m_;
    Time now_{};
    std::deque<Emitted> out_;
    std::deque<Noted> events_;
    std::map<std::uint16_t, FlowNumbers> flows_;
    std::vector<std::uint8_t> saved_cookie_;
    bool has_saved_cookie_ = false;
    Verdict v_;
};

// Parses and runs one script.
inline Verdict run_script(std::string_view source, const std::string& name, std::ostream* trace = nullptr) {
    const ParseResult p = parse_script(source, name);
    if (!p.script) {
        Verdict v;
        v.line = p.error.line;
        v.message = "parse error: " + p.error.message;
        return v;
    }
    return Runner(*p.script, trace).run();
}

// "PASS name" or "FAIL name:line: message", then indented details.
inline std::string verdict_text(const std::string& name, const Verdict& v) {
    std::string s;
    if (v.pass) {
        s = "PASS " + name + " (" + std::to_string(v.lines_run) + " lines, " + std::to_string(v.segments_matched) +
            std::string(v.segments_matched == 1 ? " segment" : " segments") + " matched)\n";
        return s;
    }
    s = "FAIL " + name + (v.line > 0 ? ":" + std::to_string(v.line) : std::string()) + ": " + v.message + "\n";
    for (const std::string& d : v.details) s += "    " + d + "\n";
    return s;
}

} // namespace synack::drill
