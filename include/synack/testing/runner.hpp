// synack/testing/runner.hpp — runs a packetdrill script (script.hpp) against
// the sans-IO handshake machines in virtual time, through a socket layer
// with Linux's semantics and errno values.
//
// packetdrill's rules, as its README and syntax.md describe them (an
// independent implementation, none of its code):
//  - Numbering: the script's remote sequence numbers are used as written
//    (the peer's ISN is the one its SYN says); our sequence numbers are
//    relative to the ISN of our first SYN or SYN-ACK on the flow (the
//    script's value in that line, usually 0), and so are the acks and SACK
//    blocks of inbound lines. Inbound TS ecr values name an outbound TS val
//    of the script and are mapped to the one actually sent (or, failing an
//    exact match, interpolated from the first one). Outbound TS values are
//    not compared (packetdrill's default tcp_ts_tick_usecs = 0).
//  - Matching of `>` lines: flags, seq, ack (also 0 when the ACK flag is
//    off), payload length, urgent pointer, reserved bits; the window only
//    where `win` is written; the options in order, byte for byte except the
//    TS values, and none at all when no `<...>` list is written; `<...>`
//    accepts any. The IP ECN field only where `[ect0]` etc. is written.
//  - Time: an event's time is relative to the previous event's actual
//    time (`+x`), or absolute from the script's start; consecutive inbound
//    packets are anchored to each other's script times. A `>` packet must
//    leave within max(--tolerance_usecs, --tolerance_percent of the gap since
//    the last event) of its time; `*` takes any time; `a~b` a range.
//  - One flow under test at a time: socket() and connect() make their
//    socket the one inbound lines go to; after listen(), an inbound segment
//    opens a new child flow from a fresh remote port; later inbound lines go
//    to that child.
//  - Blocking system calls with an end time (`+0...0.2 accept(...)`) run
//    while later lines proceed; the call's return is checked at its end.
//
// What the machines lack (a data path: writes of payload, reads beyond the
// data the handshake delivered; UDP/ICMP; encapsulation; sysctls and socket
// options that have no Config counterpart; Python code other than asserts on
// the tcpi_* fields modelled) makes the script's verdict SKIP with the
// reason, never a silent pass.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synack/core/bytes.hpp"
#include "synack/core/siphash.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/config.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/handshake/fastopen.hpp"
#include "synack/handshake/fastopen_linux.hpp"
#include "synack/handshake/isn.hpp"
#include "synack/handshake/listener.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/testing/script.hpp"
#include "synack/testing/tcpi.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/tcp.hpp"

namespace synack::testing {

enum class Verdict : std::uint8_t { Pass, Fail, Skip };

struct RunOptions {
    IpFamily family = IpFamily::V4;
    Optional<IpAddress> local_ip;  // default 192.168.0.1 / fd3d:a0b:17d6::1 (packetdrill's run_all.py)
    Optional<IpAddress> remote_ip; // default 192.0.2.1 / fd3d:fa7b:d17d::1
    std::int64_t tolerance_us = 4000;   // packetdrill's default
    double tolerance_percent = 0;       // packetdrill --tolerance_percent
    std::uint16_t bind_port = 8080;     // packetdrill's live_bind_port / live_connect_port
    std::uint16_t connect_port = 8080;
    std::uint16_t mtu = 1500;           // packetdrill --mtu: our MSS is derived from it
    bool verbose = false;
};

struct RunResult {
    Verdict verdict = Verdict::Pass;
    SourcePos pos{};
    std::string message;
    std::string trace; // -v output
};

namespace runner_detail {

inline IpAddress default_local(IpFamily f) {
    return f == IpFamily::V4 ? IpAddress::v4(192, 168, 0, 1)
                             : IpAddress::v6_groups({0xfd3d, 0x0a0b, 0x17d6, 0, 0, 0, 0, 1});
}
inline IpAddress default_remote(IpFamily f) {
    return f == IpFamily::V4 ? IpAddress::v4(192, 0, 2, 1)
                             : IpAddress::v6_groups({0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1});
}

inline std::string usecs(std::int64_t us) {
    std::string sign = us < 0 ? "-" : "";
    const std::uint64_t a = us < 0 ? static_cast<std::uint64_t>(-us) : static_cast<std::uint64_t>(us);
    std::string frac = std::to_string(a % 1000000);
    frac.insert(0, 6 - frac.size(), '0');
    return sign + std::to_string(a / 1000000) + "." + frac;
}

// Linux errno values (asm-generic/errno.h), by name.
inline int errno_value(std::string_view n) {
    static const std::pair<const char*, int> table[] = {
        {"EPERM", 1},       {"ENOENT", 2},       {"EINTR", 4},         {"EIO", 5},
        {"EBADF", 9},       {"EAGAIN", 11},      {"EWOULDBLOCK", 11},  {"ENOMEM", 12},
        {"EFAULT", 14},     {"EINVAL", 22},      {"EPIPE", 32},        {"ENOTSOCK", 88},
        {"EDESTADDRREQ", 89}, {"EMSGSIZE", 90},  {"EPROTOTYPE", 91},   {"ENOPROTOOPT", 92},
        {"EOPNOTSUPP", 95}, {"EAFNOSUPPORT", 97}, {"EADDRINUSE", 98},  {"EADDRNOTAVAIL", 99},
        {"ENETUNREACH", 101}, {"ECONNABORTED", 103}, {"ECONNRESET", 104}, {"EISCONN", 106},
        {"ENOTCONN", 107},  {"ETIMEDOUT", 110},  {"ECONNREFUSED", 111}, {"EHOSTUNREACH", 113},
        {"EALREADY", 114},  {"EINPROGRESS", 115},
    };
    for (const auto& [name, v] : table)
        if (n == name) return v;
    return -1;
}
inline const char* errno_name(int e) {
    switch (e) {
    case 9: return "EBADF";
    case 11: return "EAGAIN";
    case 22: return "EINVAL";
    case 32: return "EPIPE";
    case 92: return "ENOPROTOOPT";
    case 98: return "EADDRINUSE";
    case 103: return "ECONNABORTED";
    case 104: return "ECONNRESET";
    case 106: return "EISCONN";
    case 107: return "ENOTCONN";
    case 110: return "ETIMEDOUT";
    case 111: return "ECONNREFUSED";
    case 114: return "EALREADY";
    case 115: return "EINPROGRESS";
    default: return "E?";
    }
}

// Integer constants scripts pass to system calls (Linux values).
inline bool constant(std::string_view n, std::int64_t& v) {
    static const std::pair<const char*, std::int64_t> table[] = {
        {"AF_INET", 2}, {"AF_INET6", 10}, {"AF_UNSPEC", 0}, {"PF_INET", 2}, {"PF_INET6", 10},
        {"SOCK_STREAM", 1}, {"SOCK_DGRAM", 2}, {"SOCK_NONBLOCK", 04000}, {"SOCK_CLOEXEC", 02000000},
        {"IPPROTO_TCP", 6}, {"IPPROTO_IP", 0}, {"IPPROTO_UDP", 17},
        {"SOL_SOCKET", 1}, {"SOL_TCP", 6}, {"SOL_IP", 0}, {"SOL_IPV6", 41},
        {"SO_REUSEADDR", 2}, {"SO_ERROR", 4}, {"SO_KEEPALIVE", 9}, {"SO_LINGER", 13}, {"SO_REUSEPORT", 15},
        {"SO_SNDBUF", 7}, {"SO_RCVBUF", 8},
        {"TCP_NODELAY", 1}, {"TCP_MAXSEG", 2}, {"TCP_CORK", 3}, {"TCP_KEEPIDLE", 4}, {"TCP_KEEPINTVL", 5},
        {"TCP_KEEPCNT", 6}, {"TCP_SYNCNT", 7}, {"TCP_LINGER2", 8}, {"TCP_DEFER_ACCEPT", 9},
        {"TCP_WINDOW_CLAMP", 10}, {"TCP_INFO", 11}, {"TCP_QUICKACK", 12}, {"TCP_CONGESTION", 13},
        {"TCP_USER_TIMEOUT", 18}, {"TCP_FASTOPEN", 23}, {"TCP_FASTOPEN_CONNECT", 30},
        {"TCP_FASTOPEN_KEY", 33}, {"TCP_FASTOPEN_NO_COOKIE", 34},
        {"F_GETFL", 3}, {"F_SETFL", 4}, {"O_RDWR", 2}, {"O_NONBLOCK", 04000},
        {"SHUT_RD", 0}, {"SHUT_WR", 1}, {"SHUT_RDWR", 2},
        {"MSG_FASTOPEN", 0x20000000}, {"MSG_DONTWAIT", 0x40}, {"MSG_PEEK", 2}, {"MSG_ZEROCOPY", 0x4000000},
        {"POLLIN", 1}, {"POLLPRI", 2}, {"POLLOUT", 4}, {"POLLERR", 8}, {"POLLHUP", 16}, {"POLLNVAL", 32},
        {"POLLRDNORM", 0x40}, {"POLLWRNORM", 0x100}, {"POLLRDHUP", 0x2000},
        {"TCP_ESTABLISHED", 1}, {"TCP_SYN_SENT", 2}, {"TCP_SYN_RECV", 3}, {"TCP_FIN_WAIT1", 4},
        {"TCP_FIN_WAIT2", 5}, {"TCP_TIME_WAIT", 6}, {"TCP_CLOSE", 7}, {"TCP_CLOSE_WAIT", 8},
        {"TCP_LAST_ACK", 9}, {"TCP_LISTEN", 10}, {"TCP_CLOSING", 11},
    };
    for (const auto& [name, val] : table) {
        if (n == name) {
            v = val;
            return true;
        }
    }
    return false;
}

// Linux's tcp_states.h numbering, as tcpi_state reports it.
inline std::int64_t linux_state(State s) {
    switch (s) {
    case State::Established: return 1;
    case State::SynSent: return 2;
    case State::SynReceived: return 3;
    case State::FinWait1: return 4;
    case State::FinWait2: return 5;
    case State::TimeWait: return 6;
    case State::Closed: return 7;
    case State::CloseWait: return 8;
    case State::LastAck: return 9;
    case State::Listen: return 10;
    case State::Closing: return 11;
    }
    return 7;
}

} // namespace runner_detail

// Linux's defaults for the sysctls that have a Config counterpart, as a
// fresh network namespace has them (net.ipv4.tcp_*), with the defaults.sh
// of packetdrill's suite applied where it is called.
struct Sysctls {
    // tcp_rmem[2]: 32 MB since Linux 6.12 or so, hence window scale 10 (the
    // capture-a-handshake-replay scenario passes against this machine's 6.18
    // kernel with it, untouched sysctls).
    std::uint32_t rmem_max = 33554432;
    std::uint32_t core_rmem_max = 212992;
    bool timestamps = true;
    bool sack = true;
    bool window_scaling = true;
    int ecn = 2;
    std::uint8_t syn_retries = 6;
    std::uint8_t synack_retries = 5;
    std::uint8_t syn_linear_timeouts = 4;
    int syncookies = 1;
    std::uint32_t invalid_ratelimit_ms = 500; // tcp_invalid_ratelimit
    std::uint32_t fastopen = 1;
    Optional<SipKey> fastopen_key;

    // Linux tcp_select_initial_window(): the shift that makes the largest
    // receive buffer fit in 16 bits, at most 14.
    [[nodiscard]] std::uint8_t wscale() const {
        std::uint32_t space = std::max(rmem_max, core_rmem_max);
        std::uint8_t s = 0;
        while (space > 65535 && s < 14) {
            space >>= 1U;
            ++s;
        }
        return s;
    }
};

class Runner {
  public:
    Runner(const Script& script, RunOptions opts) : script_(script), opt_(std::move(opts)) {
        local_ip_ = opt_.local_ip ? *opt_.local_ip : runner_detail::default_local(opt_.family);
        remote_ip_ = opt_.remote_ip ? *opt_.remote_ip : runner_detail::default_remote(opt_.family);
    }

    RunResult run() {
        for (const Event& e : script_.events) {
            if (!step(e)) return result_;
            if (opt_.verbose) pump_trace();
        }
        if (pending_ && !fail_or_skip_set()) {
            // A blocking call still waiting: let time run out to its end.
            if (!finish_pending(Time::never())) return result_;
        }
        return result_;
    }

  private:
    // ------------------------------------------------------------ state

    struct Flow {
        FourTuple tuple{};
        bool has_isn = false;
        std::uint32_t script_isn = 0;
        std::uint32_t live_isn = 0;
        bool has_remote_isn = false;
        std::uint32_t remote_isn = 0; // the peer's SYN's seq (script and live alike)
        std::map<std::uint32_t, std::uint32_t> ts_map; // script TS val -> live TS val
        bool has_first_ts = false;
        std::uint32_t first_script_ts = 0;
        std::uint32_t first_live_ts = 0;
    };

    struct Sock {
        int fd = -1;
        bool open = true;
        bool nonblock = false;
        bool listening = false;
        Optional<std::uint16_t> bound_port;
        Sock* parent = nullptr;
        std::unique_ptr<Context> ctx;
        std::unique_ptr<Listener> listener;
        std::deque<Sock*> ready; // children handed over by the Listener, not yet accept()ed
        std::unique_ptr<Connection> conn;
        enum class Cs : std::uint8_t { None, Connecting, Connected, Failed } cs = Cs::None;
        int so_error = 0;
        bool connect_called = false;
        bool eof = false;
        std::uint32_t readable = 0;
        std::uint32_t received = 0;
        bool fo_data_syn = false;
        bool fo_syn = false;   // this socket sent a Fast Open SYN (cookie request or data)
        bool deferred = false; // TCP_FASTOPEN_CONNECT with a cookie: connect() returned, SYN deferred to a write
        // socket options
        std::uint16_t user_mss = 0;
        std::uint8_t syncnt = 0;
        std::uint32_t user_timeout_ms = 0;
        bool linger_on = false;
        std::int64_t linger_s = 0;
        std::uint32_t fo_qlen = 0;
        bool fo_connect = false;
        Optional<SipKey> fo_key;
        std::vector<std::uint8_t> fo_cookie;
        std::vector<std::uint8_t> fo_payload;
        FourTuple tuple{};
        bool alive() const { return listener || conn; }
    };

    struct Out {
        Time at{};
        FourTuple flow{};
        std::vector<std::uint8_t> bytes;
        std::uint8_t ecn = 0;
    };

    struct Pending {
        const Event* event = nullptr;
        Sock* sock = nullptr;
        std::int64_t end_us = 0; // expected end (script time)
        bool has_end = false;
        Time deadline = Time::never(); // poll timeout
    };

    const Script& script_;
    RunOptions opt_;
    IpAddress local_ip_{};
    IpAddress remote_ip_{};
    RunResult result_{};
    Sysctls sys_{};
    Time now_{};
    std::int64_t last_event_us_ = 0;
    bool last_anchored_ = false;
    std::int64_t last_script_us_ = 0;
    std::vector<std::unique_ptr<Sock>> socks_;
    std::map<int, Sock*> fds_;
    Sock* under_test_ = nullptr; // socket that inbound lines go to
    Optional<FourTuple> child_;   // after an inbound SYN to a listener: the child flow
    bool dontwait_ = false;       // the call in progress has MSG_DONTWAIT
    std::uint32_t ignored_ = 0;   // packets of sockets not under test, passed over
    std::map<std::pair<std::uint16_t, std::uint16_t>, Flow> flows_; // (local port, remote port)
    std::deque<Out> out_;
    std::deque<Out> closed_out_; // replies of the closed-port responder
    std::uint16_t next_remote_port_ = 48000;
    std::uint16_t next_local_port_ = 40000;
    std::optional<Pending> pending_;
    std::map<std::vector<std::uint8_t>, std::pair<std::vector<std::uint8_t>, std::uint16_t>> fo_cache_; // server address -> cookie, mss
    Secrets secrets_{{0x0123456789abcdefULL, 0x0fedcba987654321ULL},
                     {0x1111111122222222ULL, 0x3333333344444444ULL},
                     {0x5555555566666666ULL, 0x7777777788888888ULL}};

    bool fail_or_skip_set() const { return result_.verdict != Verdict::Pass; }
    bool fail(SourcePos p, std::string m) {
        if (result_.verdict == Verdict::Pass) result_ = {Verdict::Fail, p, std::move(m), std::move(result_.trace)};
        return false;
    }
    bool skip(SourcePos p, std::string m) {
        if (result_.verdict == Verdict::Pass) result_ = {Verdict::Skip, p, std::move(m), std::move(result_.trace)};
        return false;
    }
    void trace(const std::string& s) {
        if (opt_.verbose) result_.trace += runner_detail::usecs(now_.ns / 1000) + " " + s + "\n";
    }
    void pump_trace() {}

    std::int64_t now_us() const { return now_.ns / 1000; }

    // ------------------------------------------------------------ configuration

    // `passive`: for a listener (Linux tcp_ecn=2 answers ECN setup but does
    // not ask for it).
    Config base_config(const Sock& s, bool passive = false) const {
        Config c;
        c.timestamps = sys_.timestamps;
        c.sack = sys_.sack;
        c.window_scale = sys_.window_scaling ? Optional<std::uint8_t>(sys_.wscale()) : nullopt;
        c.ecn = sys_.ecn == 1 || (passive && sys_.ecn == 2);
        // The MSS we announce: the device MTU less the IP and TCP headers
        // (packetdrill's --mtu, default 1500: 1460 for IPv4, 1440 for IPv6).
        c.mss = static_cast<std::uint16_t>(opt_.mtu - (opt_.family == IpFamily::V4 ? 40 : 60));
        c.syn_retries = s.syncnt != 0 ? s.syncnt : sys_.syn_retries;
        c.synack_retries = sys_.synack_retries;
        c.syn_linear_timeouts = sys_.syn_linear_timeouts;
        c.syncookies = sys_.syncookies == 0 ? SynCookies::Off : sys_.syncookies == 2 ? SynCookies::Always : SynCookies::Auto;
        const bool client = (sys_.fastopen & 1U) != 0;
        const bool server = (sys_.fastopen & 2U) != 0 && (s.fo_qlen != 0 || (sys_.fastopen & 0x400U) != 0);
        c.fastopen = client && server ? FastOpenMode::Both : client ? FastOpenMode::Client : server ? FastOpenMode::Server : FastOpenMode::Off;
        if (s.fo_qlen != 0) c.fastopen_pending = s.fo_qlen;
        if (s.user_mss != 0) c.mss = std::min<std::uint16_t>(c.mss, s.user_mss);
        // (The first window, Linux tcp_select_initial_window(), is the
        // machines' rule: handshake/negotiate.hpp initial_window().)
        c.challenge_ack_window = Duration::milliseconds(sys_.invalid_ratelimit_ms);
        if (s.user_timeout_ms != 0) c.user_timeout = Duration::milliseconds(s.user_timeout_ms);
        return c;
    }

    // A backquoted command: what it sets, mapped onto Sysctls.
    bool command(const Event& e) {
        std::string joined;
        for (std::size_t i = 0; i < e.text.size(); ++i) {
            if (e.text[i] == '\\' && i + 1 < e.text.size() && e.text[i + 1] == '\n') {
                joined += ' ';
                ++i;
                continue;
            }
            joined += e.text[i];
        }
        std::string_view text = joined;
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            std::string_view line = text.substr(start, end - start);
            start = end + 1;
            // Split a line on ';' and '&&'.
            while (!line.empty()) {
                std::size_t cut = line.find(';');
                const std::size_t amp = line.find("&&");
                std::size_t skip_len = 1;
                if (amp != std::string_view::npos && (cut == std::string_view::npos || amp < cut)) {
                    cut = amp;
                    skip_len = 2;
                }
                std::string_view part = line.substr(0, cut);
                line = cut == std::string_view::npos ? std::string_view{} : line.substr(cut + skip_len);
                if (!shell_part(e, part)) return false;
            }
            if (end == text.size()) break;
        }
        return true;
    }

    static std::vector<std::string> words(std::string_view s) {
        std::vector<std::string> w;
        std::size_t i = 0;
        while (i < s.size()) {
            while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\\' || s[i] == '\r')) ++i;
            if (i >= s.size()) break;
            // A word; quotes group spaces into it and are dropped (sh).
            std::string cur;
            char quote = 0;
            while (i < s.size() && (quote != 0 || (s[i] != ' ' && s[i] != '\t'))) {
                if (quote == 0 && (s[i] == '"' || s[i] == '\'')) quote = s[i];
                else if (quote != 0 && s[i] == quote) quote = 0;
                else cur += s[i];
                ++i;
            }
            w.push_back(cur);
        }
        return w;
    }

    bool shell_part(const Event& e, std::string_view part) {
        std::vector<std::string> w = words(part);
        // A shell comment: from a word starting with '#' to the line's end.
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (!w[i].empty() && w[i][0] == '#') {
                w.resize(i);
                break;
            }
        }
        if (w.empty()) return true;
        const std::string& cmd = w[0];
        auto ends_with = [](std::string_view s, std::string_view suf) {
            return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
        };
        if (ends_with(cmd, "defaults.sh")) return defaults_sh(e);
        if (cmd.find("sysctl_restore") != std::string::npos) return true;
        if (ends_with(cmd, "set_sysctls.py")) {
            for (std::size_t i = 1; i < w.size(); ++i) {
                const std::size_t eq = w[i].find('=');
                if (eq == std::string::npos) return skip(e.pos, "set_sysctls.py argument not understood: " + w[i]);
                std::string key = w[i].substr(0, eq);
                if (key.rfind("/proc/sys/", 0) == 0) key = key.substr(10);
                for (char& ch : key)
                    if (ch == '/') ch = '.';
                if (!sysctl(e, key, w[i].substr(eq + 1))) return false;
            }
            return true;
        }
        if (cmd == "sysctl") {
            for (std::size_t i = 1; i < w.size(); ++i) {
                if (w[i][0] == '-') continue;
                const std::size_t eq = w[i].find('=');
                if (eq == std::string::npos) return skip(e.pos, "sysctl read not modelled: " + w[i]);
                const std::string key = w[i].substr(0, eq);
                std::string value = w[i].substr(eq + 1);
                // An unquoted "4096 540000 ..." arrives split into words: join the numbers.
                while (i + 1 < w.size() && !w[i + 1].empty() && w[i + 1][0] >= '0' && w[i + 1][0] <= '9' &&
                       w[i + 1].find('=') == std::string::npos)
                    value += " " + w[++i];
                if (!sysctl(e, key, value)) return false;
            }
            return true;
        }
        if (cmd == "echo" && w.size() >= 4 && w[w.size() - 2] == ">" && w.back().rfind("/proc/sys/", 0) == 0) {
            std::string key = w.back().substr(10);
            for (char& ch : key)
                if (ch == '/') ch = '.';
            std::string value;
            for (std::size_t i = 1; i + 2 < w.size(); ++i) value += (value.empty() ? "" : " ") + w[i];
            return sysctl(e, key, value);
        }
        if (cmd == "ip" && w.size() >= 2 && w[1] == "tcp_metrics") {
            fo_cache_.clear(); // the Fast Open cookie cache lives in the tcp metrics
            return true;
        }
        if (cmd == "tc" || cmd == "true" || cmd == ":") return true;
        return skip(e.pos, "shell command not modelled: " + std::string(part));
    }

    bool defaults_sh(const Event& e) {
        // gtests/net/common/defaults.sh, the values relevant here.
        static const char* const lines[][2] = {
            {"net.ipv4.tcp_rmem", "4096 540000 15728640"},
            {"net.ipv4.tcp_timestamps", "1"},
            {"net.ipv4.tcp_syn_retries", "5"},
            {"net.ipv4.tcp_synack_retries", "5"},
            {"net.ipv4.tcp_sack", "1"},
            {"net.ipv4.tcp_ecn", "0"},
            {"net.ipv4.tcp_fastopen", "0x70403"},
            {"net.ipv4.tcp_fastopen_key", "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4"},
            {"net.ipv4.tcp_syncookies", "1"},
        };
        fo_cache_.clear();
        for (const auto& l : lines)
            if (!sysctl(e, l[0], l[1])) return false;
        return true;
    }

    bool sysctl(const Event& e, std::string key, const std::string& value) {
        if (key.rfind("net.ipv6.", 0) == 0) key = "net.ipv4." + key.substr(9);
        std::int64_t v = 0;
        const bool is_int = detail::parse_int(value, v);
        auto need_int = [&]() {
            if (!is_int) return skip(e.pos, "sysctl " + key + " value not understood: " + value);
            return true;
        };
        if (key == "net.ipv4.tcp_timestamps") { if (!need_int()) return false; sys_.timestamps = v != 0; return true; }
        if (key == "net.ipv4.tcp_sack") { if (!need_int()) return false; sys_.sack = v != 0; return true; }
        if (key == "net.ipv4.tcp_window_scaling") { if (!need_int()) return false; sys_.window_scaling = v != 0; return true; }
        if (key == "net.ipv4.tcp_ecn") { if (!need_int()) return false; sys_.ecn = static_cast<int>(v); return true; }
        if (key == "net.ipv4.tcp_syn_retries") { if (!need_int()) return false; sys_.syn_retries = static_cast<std::uint8_t>(v); return true; }
        if (key == "net.ipv4.tcp_synack_retries") { if (!need_int()) return false; sys_.synack_retries = static_cast<std::uint8_t>(v); return true; }
        if (key == "net.ipv4.tcp_syn_linear_timeouts") { if (!need_int()) return false; sys_.syn_linear_timeouts = static_cast<std::uint8_t>(v); return true; }
        if (key == "net.ipv4.tcp_invalid_ratelimit") {
            if (!need_int()) return false;
            if (v < 0 || v > 86400000) return skip(e.pos, "tcp_invalid_ratelimit out of range: " + value);
            sys_.invalid_ratelimit_ms = static_cast<std::uint32_t>(v);
            return true;
        }
        if (key == "net.ipv4.tcp_syncookies") { if (!need_int()) return false; sys_.syncookies = static_cast<int>(v); return true; }
        if (key == "net.ipv4.tcp_fastopen") {
            if (!need_int()) return false;
            // Bits with a Config counterpart: 1 client, 2 server, 0x400
            // server without TCP_FASTOPEN; 0x70000 only tune the blackhole
            // detection. Others (0x4 client without cookie, 0x200 server
            // without cookie) are not modelled.
            const std::uint32_t known = 0x1U | 0x2U | 0x400U | 0x70000U;
            if ((static_cast<std::uint32_t>(v) & ~known) != 0)
                return skip(e.pos, "tcp_fastopen=" + value + ": cookie-less Fast Open is not modelled");
            sys_.fastopen = static_cast<std::uint32_t>(v);
            return true;
        }
        if (key == "net.ipv4.tcp_fastopen_key") {
            const Optional<SipKey> k = fastopen_linux_key_from_text(value.c_str(), value.size());
            if (!k) return skip(e.pos, "tcp_fastopen_key not understood: " + value);
            sys_.fastopen_key = *k;
            return true;
        }
        if (key == "net.ipv4.tcp_rmem") {
            const std::vector<std::string> parts = words(value);
            std::int64_t m = 0;
            if (parts.size() != 3 || !detail::parse_int(parts[2], m) || m <= 0)
                return skip(e.pos, "tcp_rmem not understood: " + value);
            sys_.rmem_max = static_cast<std::uint32_t>(std::min<std::int64_t>(m, INT32_MAX));
            return true;
        }
        // Sysctls of the data path that leave the handshake alone.
        static const char* const ignored[] = {
            "net.ipv4.tcp_wmem", "net.ipv4.tcp_frto", "net.ipv4.tcp_dsack", "net.ipv4.tcp_fack",
            "net.ipv4.tcp_reordering", "net.ipv4.tcp_congestion_control", "net.ipv4.tcp_slow_start_after_idle",
            "net.ipv4.tcp_early_retrans", "net.ipv4.tcp_recovery", "net.ipv4.tcp_tso_win_divisor",
            "net.ipv4.tcp_ecn_option", "net.ipv4.tcp_pacing_ss_ratio", "net.ipv4.tcp_pacing_ca_ratio",
            "net.ipv4.tcp_notsent_lowat", "net.ipv4.tcp_min_tso_segs", "net.ipv4.tcp_autocorking",
        };
        for (const char* k : ignored)
            if (key == k) return true;
        // The machines have no Fast Open blackhole detection: as Linux with it off.
        if (key == "net.ipv4.tcp_fastopen_blackhole_timeout_sec" && is_int && v == 0) return true;
        return skip(e.pos, "sysctl " + key + " has no counterpart in Config");
    }

    // ------------------------------------------------------------ machines

    Flow& flow_of(const FourTuple& t) {
        Flow& f = flows_[{t.local.port, t.remote.port}];
        f.tuple = t;
        return f;
    }

    Sock* new_sock() {
        socks_.push_back(std::make_unique<Sock>());
        return socks_.back().get();
    }

    // packetdrill maps the script's file descriptors to the live ones: the
    // number a script's socket()/accept() returns is a name (a name used
    // again now names the new socket).
    int script_fd(const Event& e) const {
        const Expr& r = e.syscall.result;
        if (r.kind == Expr::Kind::Integer && r.integer >= 0 && r.integer < 1 << 20) return static_cast<int>(r.integer);
        int fd = 3;
        while (fds_.count(fd) != 0) ++fd;
        return fd;
    }

    void collect(Sock& s) {
        std::array<std::uint8_t, 1600> buf{};
        if (s.listener) {
            while (const Optional<Transmit> t = s.listener->poll_transmit(MutableBytes(buf.data(), buf.size()), now_))
                out_.push_back({now_, t->flow, std::vector<std::uint8_t>(buf.data(), buf.data() + t->length), t->ecn});
        }
        if (s.conn) {
            while (const Optional<Transmit> t = s.conn->poll_transmit(MutableBytes(buf.data(), buf.size()), now_))
                out_.push_back({now_, t->flow, std::vector<std::uint8_t>(buf.data(), buf.data() + t->length), t->ecn});
            while (const Optional<synack::Event> ev = s.conn->poll_event()) {
                trace(std::string("event ") + to_string(ev->kind));
                switch (ev->kind) {
                case EventKind::Established:
                    s.cs = Sock::Cs::Connected;
                    break;
                case EventKind::Refused:
                    s.cs = Sock::Cs::Failed;
                    s.so_error = 111;
                    break;
                case EventKind::TimedOut:
                    s.cs = Sock::Cs::Failed;
                    s.so_error = 110;
                    break;
                case EventKind::Reset:
                    // Linux tcp_reset(): EPIPE in CLOSE-WAIT, else ECONNRESET
                    // (ECONNREFUSED in SYN-SENT comes as Refused).
                    s.so_error = s.eof ? 32 : 104;
                    s.cs = Sock::Cs::Failed;
                    break;
                case EventKind::PeerClosed: s.eof = true; break;
                case EventKind::Closed: break;
                }
            }
        }
    }

    void collect_all() {
        for (std::size_t i = 0; i < socks_.size(); ++i) collect(*socks_[i]);
        while (!closed_out_.empty()) {
            out_.push_back(std::move(closed_out_.front()));
            closed_out_.pop_front();
        }
    }

    Time next_deadline() const {
        Time t = Time::never();
        for (const auto& s : socks_) {
            if (s->listener) t = std::min(t, s->listener->next_deadline());
            if (s->conn) t = std::min(t, s->conn->next_deadline());
        }
        return t;
    }

    // Runs the clock to `to`, firing timers on the way; stops early (at the
    // time of the first packet) when `stop_on_packet` and one leaves.
    void advance(Time to, bool stop_on_packet = false) {
        while (true) {
            collect_all();
            if (stop_on_packet && !out_.empty()) return;
            if (pending_ && pending_ready()) return;
            const Time d = next_deadline();
            if (d > to || d == Time::never()) break;
            if (d > now_) now_ = d;
            for (std::size_t i = 0; i < socks_.size(); ++i) {
                Sock& s = *socks_[i];
                if (s.listener && s.listener->next_deadline() <= now_) s.listener->on_timer(now_);
                if (s.conn && s.conn->next_deadline() <= now_) s.conn->on_timer(now_);
            }
        }
        if (to != Time::never() && to > now_) now_ = to;
        collect_all();
    }

    // Moves the Listener's completed connections to the socket's queue of
    // children. Each continues as a Connection with its own copy of the
    // Listener's Context, as a Linux child socket inherits its listener's
    // settings when it is created: a later listen() or setsockopt() that
    // rebuilds the Listener (make_listener()) then neither changes nor frees
    // what a child uses.
    void drain_accepts(Sock& l) {
        if (!l.listener) return;
        while (Optional<Accepted> a = l.listener->accept()) {
            Sock* c = new_sock();
            c->parent = &l;
            c->tuple = a->negotiated.flow;
            c->ctx = std::make_unique<Context>(*l.ctx);
            c->conn = std::make_unique<Connection>(a->connection(*c->ctx));
            c->cs = a->state == State::Established ? Sock::Cs::Connected : Sock::Cs::Connecting;
            c->readable = a->negotiated.tfo_data;
            c->received = a->negotiated.tfo_data;
            c->fo_data_syn = a->negotiated.tfo_data != 0;
            l.ready.push_back(c);
        }
    }

    Sock* conn_for(const FourTuple& t) {
        for (auto it = socks_.rbegin(); it != socks_.rend(); ++it) {
            Sock& s = **it;
            if (s.conn && s.conn->state() != State::Closed && s.conn->state() != State::Listen && s.tuple == t) return &s;
        }
        return nullptr;
    }
    Sock* listener_for(std::uint16_t port) {
        for (auto& s : socks_)
            if (s->listener && s->bound_port && *s->bound_port == port) return s.get();
        return nullptr;
    }

    // Delivers one inbound segment (src = remote).
    void deliver(const FourTuple& t, std::vector<std::uint8_t>& seg) {
        const Bytes b(seg.data(), seg.size());
        if (Sock* s = conn_for(t)) {
            if (reopens_time_wait(*s, t, b)) return;
            const Received r = s->conn->on_segment(t.remote.address, t.local.address, b, now_);
            if (r.in_order) {
                s->readable += static_cast<std::uint32_t>(r.payload.size());
                s->received += static_cast<std::uint32_t>(r.payload.size());
            }
            const result<TcpView> sv = TcpView::parse(b);
            if (s->fo_syn && sv && sv->flags().syn() && sv->flags().ack()) {
                // Linux tcp_rcv_fastopen_synack() + tcp_fastopen_cache_set():
                // per server address, across connections, the peer's MSS
                // option, and its cookie when the SYN-ACK carries a valid one.
                auto& entry = fo_cache_[std::vector<std::uint8_t>(t.remote.address.bytes.data(), t.remote.address.bytes.data() + 16)];
                if (const std::uint16_t m = mss_option(b); m != 0) entry.second = m;
                if (!r.fastopen_cookie.empty())
                    entry.first.assign(r.fastopen_cookie.data(), r.fastopen_cookie.data() + r.fastopen_cookie.size());
            }
            trace(std::string("-> connection: ") + (r.error == Error::None ? "ok" : to_string(r.error)));
            return;
        }
        if (Sock* l = listener_for(t.local.port)) {
            // A non-SYN for a flow the Listener already completed: hand the
            // completed flows over first, so the child Connection gets it.
            const result<TcpView> v = TcpView::parse(b);
            if (v && !(v->flags().syn() && !v->flags().ack()) && l->listener->accept_queue_length() != 0) {
                drain_accepts(*l);
                if (Sock* s = conn_for(t)) {
                    deliver_to(*s, t, b);
                    return;
                }
            }
            const Received r = to_listener(*l, t, b, nullopt);
            // The Listener leaves the payload and the FIN of the ACK that
            // completed a flow to the child, as Linux's child socket takes
            // them (tcp_child_process()); TcpEndpoint::on_packet() does the same.
            if (v && (!r.payload.empty() || v->flags().fin()) && l->listener->accept_queue_length() != 0) {
                drain_accepts(*l);
                if (Sock* s = conn_for(t)) deliver_to(*s, t, b);
            }
            return;
        }
        // Closed port (Linux tcp_v4_send_reset()).
        const result<TcpView> v = TcpView::parse(b);
        if (!v) return;
        const Optional<TcpHeader> h = reset_for(*v);
        if (!h) return;
        std::vector<std::uint8_t> o(tcp_max_header);
        const result<std::size_t> n = h->encode(MutableBytes(o.data(), o.size()));
        if (!n) return;
        o.resize(*n);
        fill_tcp_checksum(t.local.address, t.remote.address, MutableBytes(o.data(), o.size()));
        closed_out_.push_back({now_, t, std::move(o), 0});
    }
    // A SYN that reopens a flow in TIME-WAIT goes to the listener of its
    // port, with the ISS the old flow gives (Connection::
    // reopen_from_time_wait(); TcpEndpoint does the same). False: the flow
    // takes the segment.
    bool reopens_time_wait(Sock& s, const FourTuple& t, Bytes b) {
        const result<TcpView> v = TcpView::parse(b);
        if (!v || !v->flags().syn() || s.conn->state() != State::TimeWait) return false;
        Sock* l = listener_for(t.local.port);
        if (l == nullptr) return false;
        const Optional<SeqNum> iss = s.conn->reopen_from_time_wait(t.remote.address, t.local.address, *v, now_);
        if (!iss) return false;
        static_cast<void>(to_listener(*l, t, b, iss));
        return true;
    }

    // A segment for the listening socket `l`; `reopen_iss`: a SYN that
    // reopened a flow from TIME-WAIT (Listener::on_reopening_syn()). The
    // children the socket holds for accept() count toward the listen
    // backlog (Listener::set_held(), sk_acceptq_is_full()).
    Received to_listener(Sock& l, const FourTuple& t, Bytes b, const Optional<SeqNum>& reopen_iss) {
        l.listener->set_held(static_cast<std::uint32_t>(l.ready.size()));
        Received r;
        if (reopen_iss) { // (its caller parsed the SYN)
            r = l.listener->on_reopening_syn(t.remote.address, t.local.address, TcpView::parse(b).value(), *reopen_iss,
                                             now_);
        } else {
            r = l.listener->on_segment(t.remote.address, t.local.address, b, now_);
        }
        trace(std::string(reopen_iss ? "-> listener, reopening from TIME-WAIT: " : "-> listener: ") +
              (r.error == Error::None ? "ok" : to_string(r.error)));
        return r;
    }

    static std::uint16_t mss_option(Bytes seg) {
        const result<TcpView> v = TcpView::parse(seg);
        if (!v) return 0;
        for (const auto& o : v->options())
            if (o.kind == 2 && o.data.size() == 2) return static_cast<std::uint16_t>(o.data[0] << 8U | o.data[1]);
        return 0;
    }

    void deliver_to(Sock& s, const FourTuple& t, Bytes b) {
        const Received r = s.conn->on_segment(t.remote.address, t.local.address, b, now_);
        if (r.in_order) {
            s.readable += static_cast<std::uint32_t>(r.payload.size());
            s.received += static_cast<std::uint32_t>(r.payload.size());
        }
    }

    // ------------------------------------------------------------ time

    // The script time of an event (microseconds from the script's start).
    void event_times(const Event& e, std::int64_t& start, std::int64_t& end, bool& any) const {
        any = e.time.kind == TimeKind::Any;
        const bool anchored = e.kind == Event::Kind::Packet && e.packet.inbound;
        const std::int64_t base = (last_anchored_ && anchored) ? last_script_us_ : now_us();
        switch (e.time.kind) {
        case TimeKind::Absolute: start = end = e.time.start_us; break;
        case TimeKind::AbsoluteRange: start = e.time.start_us; end = e.time.end_us; break;
        case TimeKind::Relative: start = end = base + e.time.start_us; break;
        case TimeKind::RelativeRange: start = base + e.time.start_us; end = base + e.time.end_us; break;
        case TimeKind::Any: start = end = now_us(); break;
        }
    }

    std::int64_t tolerance(std::int64_t script_us) const {
        std::int64_t t = opt_.tolerance_us;
        const double dyn = opt_.tolerance_percent / 100.0 * static_cast<double>(script_us - last_event_us_);
        if (dyn > static_cast<double>(t)) t = static_cast<std::int64_t>(dyn);
        return t;
    }

    bool check_time(const Event& e, std::int64_t start, std::int64_t end, bool any, std::int64_t actual, const char* what) {
        if (any) return true;
        const std::int64_t tol = tolerance(start);
        if (actual < start - tol || actual > end + tol) {
            std::string m = std::string("timing error: expected ") + what + " at " + runner_detail::usecs(start);
            if (end != start) m += "~" + runner_detail::usecs(end);
            m += " sec but happened at " + runner_detail::usecs(actual) + " sec; tolerance " + runner_detail::usecs(tol) + " sec";
            return fail(e.pos, m);
        }
        return true;
    }

    // ------------------------------------------------------------ events

    bool step(const Event& e) {
        if (!e.timed) {
            if (e.kind == Event::Kind::Command) return command(e);
            return true;
        }
        if (&e == &script_.events.front() || first_timed(e)) {
            if (e.time.kind != TimeKind::Absolute || e.time.start_us != 0)
                if (e.time.kind != TimeKind::Relative || e.time.start_us != 0)
                    return fail(e.pos, "first event should be at time 0");
        }
        std::int64_t start = 0, end = 0;
        bool any = false;
        event_times(e, start, end, any);
        // Virtual time stays far inside Time's range (nanoseconds in int64).
        constexpr std::int64_t max_us = 1'000'000'000'000; // ~11.6 days
        if (start > max_us || end > max_us) return fail(e.pos, "script time beyond 10^6 seconds");
        bool ok = true;
        switch (e.kind) {
        case Event::Kind::Packet:
            ok = e.packet.inbound ? inbound(e, start) : outbound(e, start, end, any);
            break;
        case Event::Kind::Syscall:
            if (!any) advance_to(start);
            if (fail_or_skip_set()) return false;
            ok = syscall(e, start);
            break;
        case Event::Kind::Command:
            if (!any) advance_to(start);
            ok = command(e);
            break;
        case Event::Kind::Code:
            if (!any) advance_to(start);
            ok = code(e);
            break;
        }
        if (!ok || fail_or_skip_set()) return false;
        last_event_us_ = any ? now_us() : start;
        last_script_us_ = any ? now_us() : start;
        last_anchored_ = e.kind == Event::Kind::Packet && e.packet.inbound;
        return true;
    }

    bool first_timed(const Event& e) const {
        for (const Event& x : script_.events)
            if (x.timed) return &x == &e;
        return false;
    }

    void advance_to(std::int64_t us) {
        const Time t = Time::from_ns(us * 1000);
        if (pending_) {
            advance_with_pending(t);
            return;
        }
        if (t > now_) advance(t);
        else collect_all();
    }

    // With a blocking call running: run the clock to `t`, completing the
    // call (and checking its end time) when it can return.
    void advance_with_pending(Time t) {
        while (pending_ && !fail_or_skip_set()) {
            advance(t);
            if (pending_ && pending_ready()) {
                complete_pending();
                continue;
            }
            break;
        }
        if (t > now_) advance(t);
    }

    bool finish_pending(Time limit) {
        const Time cap = limit == Time::never() ? now_ + Duration::seconds(3600) : limit;
        advance_with_pending(cap);
        if (pending_ && !fail_or_skip_set())
            return fail(pending_->event->pos, "blocking " + pending_->event->syscall.name + "() never returned");
        return !fail_or_skip_set();
    }

    // ---- packets

    // packetdrill's numbering: the peer's sequence numbers are absolute in
    // its SYNs and relative to its ISN elsewhere; ours are relative to our
    // ISN (in SYNs: to the script's ISN, usually 0).
    static std::uint32_t ack_offset(const Flow& f, bool syn) {
        if (!f.has_isn) return 0;
        return syn ? f.live_isn - f.script_isn : f.live_isn;
    }
    static std::uint32_t remote_offset(const Flow& f, bool syn) { return syn || !f.has_remote_isn ? 0 : f.remote_isn; }

    bool unsupported_packet(const Event& e) {
        const PacketSpec& p = e.packet;
        if (p.protocol != PacketSpec::Protocol::Tcp)
            return skip(e.pos, (p.protocol == PacketSpec::Protocol::Udp ? "UDP" : "ICMP") +
                                   std::string(" packets are not modelled (") + p.description + ")");
        if (p.has_encap) return skip(e.pos, "encapsulated packets are not modelled");
        if (p.has_urg || p.flags.find('U') != std::string::npos) return skip(e.pos, "urgent data is not modelled");
        for (const TcpOptionSpec& o : p.options)
            if (o.kind == TcpOptionSpec::Kind::Md5) return skip(e.pos, "TCP MD5 signatures are not modelled");
        return true;
    }

    static std::uint16_t flag_bits(const std::string& f) {
        std::uint16_t b = 0;
        for (const char c : f) {
            switch (c) {
            case 'F': b |= 0x01; break;
            case 'S': b |= 0x02; break;
            case 'R': b |= 0x04; break;
            case 'P': b |= 0x08; break;
            case '.': b |= 0x10; break;
            case 'U': b |= 0x20; break;
            case 'E': b |= 0x40; break;
            case 'W': b |= 0x80; break;
            case 'A': b |= 0x100; break;
            default: break;
            }
        }
        return b;
    }

    static void put16(std::vector<std::uint8_t>& v, std::uint32_t x) {
        v.push_back(static_cast<std::uint8_t>(x >> 8U));
        v.push_back(static_cast<std::uint8_t>(x));
    }
    static void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
        put16(v, x >> 16U);
        put16(v, x & 0xffffU);
    }

    // The option bytes a script's list spells, with inbound remapping.
    bool option_bytes(const Event& e, const Flow* f, std::vector<std::uint8_t>& o) {
        using K = TcpOptionSpec::Kind;
        for (const TcpOptionSpec& x : e.packet.options) {
            switch (x.kind) {
            case K::Nop: o.push_back(1); break;
            case K::Eol: o.push_back(0); break;
            case K::Mss: o.push_back(2); o.push_back(4); put16(o, x.a); break;
            case K::WindowScale: o.push_back(3); o.push_back(3); o.push_back(static_cast<std::uint8_t>(x.a)); break;
            case K::SackPermitted: o.push_back(4); o.push_back(2); break;
            case K::Sack: {
                o.push_back(5);
                o.push_back(static_cast<std::uint8_t>(2 + 8 * x.sack.size()));
                const bool syn = e.packet.flags.find('S') != std::string::npos;
                const std::uint32_t off = f ? ack_offset(*f, syn) : 0;
                for (const auto& [l, r] : x.sack) {
                    put32(o, l + off);
                    put32(o, r + off);
                }
                break;
            }
            case K::Timestamp: {
                o.push_back(8);
                o.push_back(10);
                put32(o, x.a);
                std::uint32_t ecr = x.b;
                if (f && e.packet.inbound && e.packet.flags.find('.') != std::string::npos) {
                    if (const auto it = f->ts_map.find(ecr); it != f->ts_map.end()) ecr = it->second;
                    else if (f->has_first_ts) ecr = ecr - f->first_script_ts + f->first_live_ts;
                }
                put32(o, ecr);
                break;
            }
            case K::FastOpen:
                o.push_back(34);
                o.push_back(static_cast<std::uint8_t>(2 + x.bytes.size()));
                o.insert(o.end(), x.bytes.begin(), x.bytes.end());
                break;
            case K::FastOpenExp:
                o.push_back(254);
                o.push_back(static_cast<std::uint8_t>(4 + x.bytes.size()));
                o.push_back(0xF9);
                o.push_back(0x89);
                o.insert(o.end(), x.bytes.begin(), x.bytes.end());
                break;
            case K::Md5: break;
            }
        }
        if (o.size() % 4 != 0)
            return fail(e.pos, "TCP options are not padded correctly to ensure TCP header is a multiple of 4 bytes: " +
                                   std::to_string(o.size() % 4) + " excess bytes");
        if (o.size() > 40) return fail(e.pos, "TCP header too large");
        return true;
    }

    bool inbound(const Event& e, std::int64_t start) {
        if (!unsupported_packet(e)) return false;
        const PacketSpec& p = e.packet;
        if (p.options_any) return fail(e.pos, "<...> is only for outbound packets");
        if (!p.has_win) return fail(e.pos, "window must be specified for inbound packets");
        advance_to(start);
        if (fail_or_skip_set()) return false;
        // Which flow: packetdrill's socket under test.
        FourTuple t;
        t.local.address = local_ip_;
        t.remote.address = remote_ip_;
        const bool listening = under_test_ == nullptr || under_test_->listening;
        if (listening && !child_) {
            t.local.port = under_test_ && under_test_->bound_port ? *under_test_->bound_port : opt_.bind_port;
            t.remote.port = next_remote_port_++;
            child_ = t;
        } else if (listening) {
            t = *child_;
        } else {
            t = under_test_->tuple;
            if (t.local.port == 0) return fail(e.pos, "inbound packet for a socket that is not connected");
        }
        if (p.has_ports) {
            t.remote.port = p.src_port;
            t.local.port = p.dst_port;
        }
        Flow& f = flow_of(t);
        const std::uint16_t flags = flag_bits(p.flags);
        const bool syn = (flags & 0x02) != 0;
        if (syn && !f.has_remote_isn) { // the flow's first SYN fixes the peer's ISN (a later SYN does not)
            f.has_remote_isn = true;
            f.remote_isn = p.seq_start;
        }
        std::vector<std::uint8_t> seg;
        put16(seg, t.remote.port);
        put16(seg, t.local.port);
        put32(seg, p.seq_start + remote_offset(f, syn));
        put32(seg, (flags & 0x10) ? p.ack + ack_offset(f, syn) : p.ack);
        std::vector<std::uint8_t> opts;
        if (!option_bytes(e, &f, opts)) return false;
        if (syn) translate_cookie(t, opts, true);
        seg.push_back(static_cast<std::uint8_t>(((20 + opts.size()) / 4) << 4U | ((flags >> 8U) & 1U)));
        seg.push_back(static_cast<std::uint8_t>(flags));
        put16(seg, p.win);
        put16(seg, 0);
        put16(seg, p.urg);
        seg.insert(seg.end(), opts.begin(), opts.end());
        seg.resize(seg.size() + p.payload, 0);
        fill_tcp_checksum(t.remote.address, t.local.address, MutableBytes(seg.data(), seg.size()));
        trace("< " + p.flags + " seq " + std::to_string(p.seq_start) + " len " + std::to_string(p.payload));
        deliver(t, seg);
        if (pending_) advance_with_pending(now_);
        else collect_all();
        return !fail_or_skip_set();
    }

    std::string describe_actual(const Flow& f, const TcpView& v) const {
        std::string s;
        const std::uint16_t fl = v.flags().bits();
        if (fl & 0x02) s += 'S';
        if (fl & 0x01) s += 'F';
        if (fl & 0x04) s += 'R';
        if (fl & 0x08) s += 'P';
        if (fl & 0x40) s += 'E';
        if (fl & 0x80) s += 'W';
        if (fl & 0x10) s += '.';
        const bool syn = v.flags().syn();
        const std::uint32_t seq = v.seq().raw() - ack_offset(f, syn);
        s += " " + std::to_string(seq) + ":" + std::to_string(seq + v.payload().size()) + "(" +
             std::to_string(v.payload().size()) + ")";
        if (fl & 0x10) s += " ack " + std::to_string(v.ack().raw() - remote_offset(f, syn));
        s += " win " + std::to_string(v.window());
        if (!v.option_bytes().empty()) {
            s += " <";
            bool first = true;
            for (const auto& o : v.options()) {
                if (!first) s += ",";
                first = false;
                const Bytes d = o.data;
                switch (o.kind) {
                case 0: s += "eol"; break;
                case 1: s += "nop"; break;
                case 2: s += d.size() == 2 ? "mss " + std::to_string(d[0] << 8U | d[1]) : "mss ?"; break;
                case 3: s += d.size() == 1 ? "wscale " + std::to_string(d[0]) : "wscale ?"; break;
                case 4: s += "sackOK"; break;
                case 8:
                    s += d.size() == 8 ? "TS val " + std::to_string(load_be32(d, 0)) + " ecr " + std::to_string(load_be32(d, 4))
                                       : "TS ?";
                    break;
                case 34: {
                    s += "FO ";
                    for (const std::uint8_t b : d) {
                        s += "0123456789abcdef"[b >> 4U];
                        s += "0123456789abcdef"[b & 15U];
                    }
                    break;
                }
                default: s += "kind " + std::to_string(o.kind); break;
                }
            }
            s += ">";
        }
        return s;
    }

    static std::uint16_t act_bits(const TcpView& v) { return v.flags().bits(); }

    Optional<FourTuple> flow_under_test() const {
        if (child_) return *child_;
        if (under_test_ && under_test_->conn) return under_test_->tuple;
        return nullopt;
    }

    // The Fast Open key the listener on `t.local` uses, if the script set one.
    Optional<SipKey> listener_key(const FourTuple& t) {
        for (auto& s : socks_)
            if (s->listener && s->bound_port && *s->bound_port == t.local.port) return s->fo_key ? s->fo_key : sys_.fastopen_key;
        return nullopt;
    }

    // The Listener's Fast Open cookie is SipHash-2-4 over the family byte and
    // both addresses; Linux's over the addresses alone
    // (handshake/fastopen_linux.hpp, for the lead to fold into the
    // Listener). Until then the runner translates between the two under the
    // same key: an inbound cookie that is Linux's becomes the Listener's, an
    // outbound one that is the Listener's is compared as Linux's. Both are
    // the same MAC of the same key and addresses, so a cookie is valid under
    // one exactly when it is under the other.
    void translate_cookie(const FourTuple& t, std::vector<std::uint8_t>& opts, bool inbound_dir) {
        const Optional<SipKey> key = listener_key(t);
        if (!key) return;
        const FastOpenCookie ours = fastopen_cookie(*key, t.remote.address, t.local.address);
        const Array<std::uint8_t, 8> linux_c = fastopen_linux_cookie(*key, t.remote.address, t.local.address);
        for (std::size_t i = 0; i + 1 < opts.size();) {
            const std::uint8_t k = opts[i];
            if (k == 0 || k == 1) {
                ++i;
                continue;
            }
            const std::uint8_t l = opts[i + 1];
            if (l < 2 || i + l > opts.size()) return;
            const std::size_t at = k == 34 ? i + 2 : (k == 254 && l >= 4 && opts[i + 2] == 0xF9 && opts[i + 3] == 0x89) ? i + 4 : 0;
            if (at != 0 && i + l - at == 8) {
                const auto& from = inbound_dir ? linux_c : ours;
                const auto& to = inbound_dir ? ours : linux_c;
                if (std::equal(from.begin(), from.end(), opts.begin() + static_cast<std::ptrdiff_t>(at)))
                    std::copy(to.begin(), to.end(), opts.begin() + static_cast<std::ptrdiff_t>(at));
            }
            i += l;
        }
    }

    bool outbound(const Event& e, std::int64_t start, std::int64_t end, bool any) {
        if (!unsupported_packet(e)) return false;
        const PacketSpec& p = e.packet;
        const std::int64_t tol = any ? 0 : tolerance(start);
        const Time limit = any ? now_ + Duration::seconds(3600) : Time::from_ns((end + tol) * 1000);
        // Wait for the next packet the machines send, up to the window's end.
        while (out_.empty()) {
            if (pending_) {
                advance(limit, true);
                if (pending_ && pending_ready()) {
                    complete_pending();
                    if (fail_or_skip_set()) return false;
                    continue;
                }
            } else {
                advance(limit, true);
            }
            if (out_.empty()) {
                if (now_ >= limit || next_deadline() == Time::never() || next_deadline() > limit) {
                    return fail(e.pos, "timed out waiting for packet: > " + (p.flags.empty() ? "-" : p.flags) + " " +
                                           std::to_string(p.seq_start) + ":" + std::to_string(p.seq_end) + "(" +
                                           std::to_string(p.payload) + ")");
                }
            }
        }
        Out o = std::move(out_.front());
        out_.pop_front();
        if (const Optional<FourTuple> ut = flow_under_test(); ut && !(*ut == o.flow)) {
            // packetdrill only sniffs the socket under test: packets of
            // other sockets pass unchecked.
            trace("(ignored: not the socket under test)");
            if (++ignored_ > 100000) return fail(e.pos, "too many packets from other sockets");
            return outbound(e, start, end, any);
        }
        if (o.at > now_) now_ = o.at;
        const result<TcpView> pv = TcpView::parse(Bytes(o.bytes.data(), o.bytes.size()));
        if (!pv) return fail(e.pos, std::string("machine sent a malformed segment: ") + to_string(pv.error()));
        const TcpView& v = *pv;
        if (!verify_tcp_checksum(o.flow.local.address, o.flow.remote.address, Bytes(o.bytes.data(), o.bytes.size())))
            return fail(e.pos, "bad outbound TCP checksum");
        Flow& f = flow_of(o.flow);
        const std::uint16_t want = flag_bits(p.flags);
        // Our ISN: learned from our first SYN (or SYN-ACK) on the flow.
        if ((want & 0x02) && (v.flags().bits() & 0x02) && !f.has_isn) {
            f.has_isn = true;
            f.script_isn = p.seq_start;
            f.live_isn = v.seq().raw();
        }
        const bool syn = v.flags().syn();
        const std::uint32_t seq = v.seq().raw() - ack_offset(f, syn);
        const std::uint32_t ack = v.ack().raw() - ((act_bits(v) & 0x10) ? remote_offset(f, syn) : 0);
        auto mismatch = [&](const std::string& what, std::uint64_t exp, std::uint64_t act) {
            return fail(e.pos, "live packet field " + what + ": expected: " + std::to_string(exp) + " vs actual: " +
                                   std::to_string(act) + "\n  script: > " + (p.flags.empty() ? "-" : p.flags) + " " +
                                   std::to_string(p.seq_start) + ":" + std::to_string(p.seq_end) + "(" +
                                   std::to_string(p.payload) + ")\n  actual: > " + describe_actual(f, v));
        };
        const std::uint16_t act = v.flags().bits();
        const char* names[] = {"tcp_fin", "tcp_syn", "tcp_rst", "tcp_psh", "tcp_ack", "tcp_urg", "tcp_ece", "tcp_cwr", "tcp_ae"};
        for (unsigned bit = 0; bit < 9; ++bit) {
            const unsigned m = 1U << bit;
            if ((want & m) != (act & m)) return mismatch(names[bit], (want & m) != 0, (act & m) != 0);
        }
        if (v.reserved() != 0) return mismatch("tcp_reserved_bits", 0, v.reserved());
        if (seq != p.seq_start) return mismatch("tcp_seq", p.seq_start, seq);
        if (v.payload().size() != p.payload) return mismatch("payload length", p.payload, v.payload().size());
        if (ack != p.ack) return mismatch("tcp_ack_seq", p.ack, ack);
        if (p.has_win && v.window() != p.win) return mismatch("tcp_window", p.win, v.window());
        if (v.urgent_pointer() != p.urg) return mismatch("tcp_urg_ptr", p.urg, v.urgent_pointer());
        if (p.ecn != PacketSpec::EcnCheck::None) {
            std::uint8_t exp = 0;
            bool ok = true;
            switch (p.ecn) {
            case PacketSpec::EcnCheck::NoEcn: exp = 0; break;
            case PacketSpec::EcnCheck::Ect0: exp = 2; break;
            case PacketSpec::EcnCheck::Ect1: exp = 1; break;
            case PacketSpec::EcnCheck::Ce: exp = 3; break;
            case PacketSpec::EcnCheck::Ect01: ok = o.ecn == 1 || o.ecn == 2; exp = o.ecn; break;
            case PacketSpec::EcnCheck::Tos: exp = p.tos & 3U; break;
            case PacketSpec::EcnCheck::None: break;
            }
            if (!ok || o.ecn != exp) return mismatch("ip_ecn", exp, o.ecn);
        }
        // Options.
        std::vector<std::uint8_t> script_opts;
        if (!option_bytes(e, nullptr, script_opts)) return false;
        std::vector<std::uint8_t> actual_opts(v.option_bytes().data(), v.option_bytes().data() + v.option_bytes().size());
        if (syn) translate_cookie(o.flow, actual_opts, false);
        // Outbound SACK blocks in the script's numbering of the peer.
        for (std::size_t i = 0; i + 1 < actual_opts.size();) {
            const std::uint8_t k = actual_opts[i];
            if (k == 0 || k == 1) {
                ++i;
                continue;
            }
            const std::uint8_t l = actual_opts[i + 1];
            if (l < 2 || i + l > actual_opts.size()) break;
            if (k == 5) {
                for (std::size_t b = i + 2; b + 4 <= i + l; b += 4) {
                    const std::uint32_t x = load_be32(Bytes(actual_opts.data(), actual_opts.size()), b) - remote_offset(f, syn);
                    for (unsigned q = 0; q < 4; ++q) actual_opts[b + q] = static_cast<std::uint8_t>(x >> (24U - 8U * q));
                }
            }
            i += l;
        }
        const Bytes actual(actual_opts.data(), actual_opts.size());
        // TS values: remember the mapping (script -> live) for inbound ecr.
        for (const auto& ao : v.options()) {
            if (ao.kind != 8 || ao.data.size() != 8) continue;
            for (const TcpOptionSpec& so : p.options) {
                if (so.kind != TcpOptionSpec::Kind::Timestamp) continue;
                const std::uint32_t live = load_be32(ao.data, 0);
                f.ts_map[so.a] = live;
                if (!f.has_first_ts) {
                    f.has_first_ts = true;
                    f.first_script_ts = so.a;
                    f.first_live_ts = live;
                }
            }
        }
        if (!p.options_any) {
            // Compare option by option: kinds in order, values byte for
            // byte except the TS option's values.
            std::size_t i = 0, j = 0;
            auto bad = [&]() {
                return fail(e.pos, "bad outbound TCP options\n  script: > " + (p.flags.empty() ? "-" : p.flags) + " " +
                                       std::to_string(p.seq_start) + ":" + std::to_string(p.seq_end) + "(" +
                                       std::to_string(p.payload) + ")" + (p.options.empty() ? "" : " <...as written>") +
                                       "\n  actual: > " + describe_actual(f, v));
            };
            while (i < actual.size() || j < script_opts.size()) {
                if (i >= actual.size() || j >= script_opts.size()) return bad();
                const std::uint8_t ka = actual[i], ks = script_opts[j];
                if (ka != ks) return bad();
                if (ka == 0 || ka == 1) {
                    ++i;
                    ++j;
                    continue;
                }
                if (i + 1 >= actual.size() || j + 1 >= script_opts.size()) return bad();
                const std::uint8_t la = actual[i + 1], ls = script_opts[j + 1];
                if (la != ls || la < 2 || i + la > actual.size() || j + ls > script_opts.size()) return bad();
                if (ka != 8 && !std::equal(actual.begin() + static_cast<std::ptrdiff_t>(i),
                                           actual.begin() + static_cast<std::ptrdiff_t>(i + la),
                                           script_opts.begin() + static_cast<std::ptrdiff_t>(j)))
                    return bad();
                i += la;
                j += ls;
            }
        }
        trace("> " + describe_actual(f, v));
        return check_time(e, start, end, any, o.at.ns / 1000, "outbound packet");
    }

    // ---- system calls

    struct CallResult {
        bool blocked = false; // would block: becomes pending
        std::int64_t ret = 0;
        int err = 0;
    };

    Sock* sock_arg(const Event& e, std::size_t i, bool& ok) {
        ok = false;
        if (e.syscall.args.size() <= i || e.syscall.args[i].kind != Expr::Kind::Integer) {
            fail(e.pos, e.syscall.name + "(): argument " + std::to_string(i + 1) + " must be a file descriptor");
            return nullptr;
        }
        ok = true;
        const auto it = fds_.find(static_cast<int>(e.syscall.args[i].integer));
        return it == fds_.end() ? nullptr : it->second;
    }

    bool int_expr(const Expr& x, std::int64_t& v) {
        switch (x.kind) {
        case Expr::Kind::Integer: v = x.integer; return true;
        case Expr::Kind::Word: {
            if (runner_detail::constant(x.text, v)) return true;
            const int en = runner_detail::errno_value(x.text); // getsockopt(SO_ERROR, [ECONNREFUSED])
            if (en < 0) return false;
            v = en;
            return true;
        }
        case Expr::Kind::Or: {
            std::int64_t a = 0, b = 0;
            if (!int_expr(x.items[0], a) || !int_expr(x.items[1], b)) return false;
            v = a | b;
            return true;
        }
        case Expr::Kind::Array:
            if (x.items.size() == 1) return int_expr(x.items[0], v);
            return false;
        default: return false;
        }
    }

    bool syscall(const Event& e, std::int64_t start) {
        const SyscallSpec& s = e.syscall;
        if (pending_ && (s.has_end || true)) {
            // packetdrill runs one blocking call at a time beside the script.
            advance_with_pending(now_);
        }
        CallResult r;
        Sock* target = nullptr;
        if (!dispatch(e, r, target)) return false;
        if (r.blocked) {
            if (pending_) return skip(e.pos, "two blocking system calls at once are not modelled");
            Pending pd;
            pd.event = &e;
            pd.sock = target;
            pd.has_end = s.has_end;
            // packetdrill: a relative call's end time counts from the same
            // base as its start (the previous event), not from its start.
            pd.end_us = s.has_end ? (e.time.kind == TimeKind::Relative ? start - e.time.start_us + s.end_us : s.end_us) : start;
            if (s.name == "poll") {
                std::int64_t ms = -1;
                if (s.args.size() >= 3) int_expr(s.args[2], ms);
                if (ms >= 0) pd.deadline = now_ + Duration::milliseconds(std::min<std::int64_t>(ms, 1'000'000'000));
            }
            pending_ = pd;
            trace(s.name + "() blocks");
            if (!s.has_end) {
                // Not declared blocking: the script waits for it here.
                return finish_pending(Time::never());
            }
            return true;
        }
        return check_result(e, r);
    }

    bool check_result(const Event& e, const CallResult& r) {
        const SyscallSpec& s = e.syscall;
        std::int64_t want = 0;
        if (s.result.kind == Expr::Kind::Ellipsis) return true;
        if (!int_expr(s.result, want)) return fail(s.result.pos, "result of " + s.name + "() must be an integer");
        trace(s.name + "() = " + std::to_string(r.ret) + (r.ret < 0 ? std::string(" ") + runner_detail::errno_name(r.err) : ""));
        if (r.ret != want) {
            std::string m = "Expected result " + std::to_string(want) + " but got " + std::to_string(r.ret);
            if (r.ret < 0) m += std::string(" with errno ") + std::to_string(r.err) + " (" + runner_detail::errno_name(r.err) + ")";
            return fail(e.pos, s.name + "(): " + m);
        }
        if (r.ret < 0 && !s.errno_name.empty()) {
            const int we = runner_detail::errno_value(s.errno_name);
            if (we < 0) return fail(e.pos, "unknown errno " + s.errno_name);
            if (we != r.err)
                return fail(e.pos, s.name + "(): expected errno " + std::to_string(we) + " (" + s.errno_name + ") but got " +
                                       std::to_string(r.err) + " (" + runner_detail::errno_name(r.err) + ")");
        }
        return true;
    }

    bool pending_ready() {
        if (!pending_) return false;
        CallResult r;
        return try_complete(*pending_, r, false);
    }

    void complete_pending() {
        Pending pd = *pending_;
        CallResult r;
        try_complete(pd, r, true);
        pending_.reset();
        const Event& e = *pd.event;
        if (pd.has_end) {
            if (!check_time(e, pd.end_us, pd.end_us, false, now_us(), (e.syscall.name + "() return").c_str())) return;
        }
        check_result(e, r);
    }

    // Whether a blocked call can return now (and what it returns).
    bool try_complete(const Pending& pd, CallResult& r, bool consume) {
        const std::string& n = pd.event->syscall.name;
        Sock* s = pd.sock;
        if (n == "accept" || n == "accept4") {
            drain_accepts(*s);
            if (s->ready.empty()) return false;
            if (consume) r.ret = take_child(*s, *pd.event);
            return true;
        }
        if (n == "connect" || n == "sendto" || n == "sendmsg") {
            if (s->cs == Sock::Cs::Connecting) return false;
            if (s->cs == Sock::Cs::Connected) {
                r.ret = n == "connect" ? 0 : static_cast<std::int64_t>(s->fo_payload.size());
                if (n != "connect" && consume) return skip(pd.event->pos, "sending data after a blocking connect needs a data path"), true;
                return true;
            }
            r.ret = -1;
            r.err = s->so_error;
            if (consume) s->so_error = 0;
            return true;
        }
        if (n == "poll") {
            const std::int64_t ev = poll_revents(*pd.event);
            if (ev > 0 || now_ >= pd.deadline) {
                r.ret = ev > 0 ? 1 : 0;
                return true;
            }
            return false;
        }
        r.ret = 0;
        return true;
    }

    int take_child(Sock& l, const Event& e) {
        Sock* c = l.ready.front();
        l.ready.pop_front();
        c->fd = script_fd(e);
        fds_[c->fd] = c;
        return c->fd;
    }

    bool dispatch(const Event& e, CallResult& r, Sock*& target) {
        const SyscallSpec& s = e.syscall;
        const std::string& n = s.name;
        bool ok = true;
        auto ebadf = [&]() {
            r.ret = -1;
            r.err = 9;
            return true;
        };
        if (n == "socket") {
            if (s.args.size() != 3) return fail(e.pos, "socket() takes 3 arguments");
            std::int64_t type = 0;
            if (!int_expr(s.args[1], type)) return fail(s.args[1].pos, "socket(): type not understood");
            if ((type & 0xf) != 1) return skip(e.pos, "only SOCK_STREAM sockets are modelled");
            if (s.args[0].kind != Expr::Kind::Ellipsis) {
                std::int64_t fam = 0;
                if (int_expr(s.args[0], fam) && ((fam == 2) != (opt_.family == IpFamily::V4)))
                    return skip(e.pos, "socket family differs from --ip_version");
            }
            Sock* k = new_sock();
            k->nonblock = (type & 04000) != 0;
            k->fd = script_fd(e);
            fds_[k->fd] = k;
            under_test_ = k;
            child_.reset();
            r.ret = k->fd;
            return true;
        }
        if (n == "close") {
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            fds_.erase(k->fd);
            k->open = false;
            if (k->listener) {
                // Linux inet_csk_listen_stop(): children not yet accepted are
                // reset, half-open ones dropped.
                drain_accepts(*k);
                for (Sock* c : k->ready)
                    if (c->conn) c->conn->abort(now_);
                k->ready.clear();
                k->listener.reset();
            } else if (k->conn && !k->deferred) {
                const State st = k->conn->state();
                if ((k->linger_on && k->linger_s == 0) || k->readable > 0) {
                    // SO_LINGER 0, or unread data (Linux tcp_close()): RST.
                    if (st != State::Closed) k->conn->abort(now_);
                } else if (st != State::Closed && st != State::TimeWait) {
                    k->conn->close(now_);
                }
            }
            collect_all();
            r.ret = 0;
            return true;
        }
        if (n == "setsockopt" || n == "getsockopt") return sockopt(e, r);
        if (n == "bind") {
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            std::uint16_t port = opt_.bind_port;
            if (s.args.size() >= 2 && s.args[1].kind == Expr::Kind::Struct) {
                for (const Expr& f : s.args[1].items) {
                    if (f.kind == Expr::Kind::Assign && (f.text == "sin_port" || f.text == "sin6_port") && !f.items.empty()) {
                        const Expr& v = f.items.back();
                        if (v.kind == Expr::Kind::Call && v.text == "htons" && v.items.size() == 1 &&
                            v.items[0].kind == Expr::Kind::Integer)
                            port = static_cast<std::uint16_t>(v.items[0].integer);
                    }
                }
            }
            if (k->bound_port) {
                r.ret = -1;
                r.err = 22;
                return true;
            }
            for (const auto& o : socks_) {
                if (o.get() != k && o->listener && o->bound_port && *o->bound_port == port) {
                    r.ret = -1;
                    r.err = 98;
                    return true;
                }
            }
            k->bound_port = port;
            r.ret = 0;
            return true;
        }
        if (n == "listen") {
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            std::int64_t backlog = 0;
            if (s.args.size() < 2 || !int_expr(s.args[1], backlog)) return fail(e.pos, "listen(): backlog not understood");
            if (k->conn) {
                r.ret = -1;
                r.err = 22;
                return true;
            }
            if (!k->bound_port) k->bound_port = next_local_port_++;
            // listen() on a listening socket: Linux inet_listen() only sets
            // the new backlog; the Listener is rebuilt with it, which an
            // empty one allows. The socket under test stays (packetdrill's
            // does too): a child accepted before goes on being it.
            const bool again = k->listener != nullptr;
            if (again && (k->listener->half_open() != 0 || k->listener->accept_queue_length() != 0))
                return skip(e.pos, "listen() again on a busy listener is not modelled");
            make_listener(*k, backlog);
            if (!again) {
                under_test_ = k;
                child_.reset();
            }
            r.ret = 0;
            return true;
        }
        if (n == "accept" || n == "accept4") {
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            if (!k->listener) {
                r.ret = -1;
                r.err = 22;
                return true;
            }
            drain_accepts(*k);
            target = k;
            if (k->ready.empty()) {
                if (k->nonblock) {
                    r.ret = -1;
                    r.err = 11;
                } else {
                    r.blocked = true;
                }
                return true;
            }
            r.ret = take_child(*k, e);
            return true;
        }
        if (n == "connect") return do_connect(e, r, target, false);
        if (n == "sendto" || n == "sendmsg" || n == "send" || n == "write" || n == "writev") {
            std::int64_t flags = 0;
            if (n == "sendto" && s.args.size() >= 4) int_expr(s.args[3], flags);
            if (n == "sendmsg" && s.args.size() >= 3) int_expr(s.args[2], flags);
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            std::int64_t blen = 0;
            if (s.args.size() >= 3 && (n == "sendto" || n == "send" || n == "write")) int_expr(s.args[2], blen);
            if (s.args.size() >= 2 && s.args[1].kind == Expr::Kind::Word && s.args[1].text == "NULL" && blen > 0) {
                r.ret = -1; // copying from the user's buffer fails
                r.err = 14;
                return true;
            }
            if ((flags & 0x20000000) != 0 && !(k->conn && k->cs != Sock::Cs::None && !k->deferred)) {
                dontwait_ = (flags & 0x40) != 0;
                const bool ok2 = do_connect(e, r, target, true);
                dontwait_ = false;
                return ok2;
            }
            if (k->deferred) return skip(e.pos, "a write after TCP_FASTOPEN_CONNECT needs a data path");
            return skip(e.pos, n + "() of payload needs a data path");
        }
        if (n == "read" || n == "recv" || n == "recvfrom" || n == "recvmsg" || n == "readv") {
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            std::int64_t len = 0;
            if (s.args.size() >= 3) int_expr(s.args[2], len);
            if (s.args.size() >= 2 && s.args[1].kind == Expr::Kind::Word && s.args[1].text == "NULL" && len > 0 && k->readable > 0) {
                r.ret = -1; // copying to the user's buffer fails; the data stays
                r.err = 14;
                return true;
            }
            if (k->readable == 0) {
                if (k->eof) {
                    r.ret = 0;
                    return true;
                }
                if (k->so_error != 0) { // Linux tcp_recvmsg(): the pending error, once
                    r.ret = -1;
                    r.err = k->so_error;
                    k->so_error = 0;
                    return true;
                }
                std::int64_t rflags = 0;
                if (n == "recv" && s.args.size() >= 4) int_expr(s.args[3], rflags);
                if (k->nonblock || (rflags & 0x40) != 0) { // nothing received in order: EAGAIN
                    r.ret = -1;
                    r.err = 11;
                    return true;
                }
                return skip(e.pos, n + "() beyond the data the handshake delivered needs a data path");
            }
            const std::uint32_t take = static_cast<std::uint32_t>(std::min<std::int64_t>(len, k->readable));
            k->readable -= take;
            if (k->conn) k->conn->consume(take);
            collect_all();
            r.ret = take;
            return true;
        }
        if (n == "shutdown") {
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            std::int64_t how = 0;
            if (s.args.size() < 2 || !int_expr(s.args[1], how)) return fail(e.pos, "shutdown(): how not understood");
            if (!k->conn || k->cs != Sock::Cs::Connected) {
                r.ret = -1;
                r.err = 107;
                return true;
            }
            if (how == 1 || how == 2) k->conn->close(now_); // the FIN: as close() on the wire
            collect_all();
            r.ret = 0;
            return true;
        }
        if (n == "fcntl") {
            Sock* k = sock_arg(e, 0, ok);
            if (!ok) return false;
            if (!k) return ebadf();
            std::int64_t cmd = 0;
            if (s.args.size() < 2 || !int_expr(s.args[1], cmd)) return fail(e.pos, "fcntl(): command not understood");
            if (cmd == 3) {
                r.ret = 2 | (k->nonblock ? 04000 : 0);
                return true;
            }
            if (cmd == 4) {
                std::int64_t fl = 0;
                if (s.args.size() < 3 || !int_expr(s.args[2], fl)) return fail(e.pos, "fcntl(): flags not understood");
                k->nonblock = (fl & 04000) != 0;
                r.ret = 0;
                return true;
            }
            return skip(e.pos, "fcntl() command not modelled");
        }
        if (n == "poll") {
            if (s.args.size() != 3) return fail(e.pos, "poll() takes 3 arguments");
            const std::int64_t ev = poll_revents(e);
            if (ev < 0) return false;
            std::int64_t ms = 0;
            int_expr(s.args[2], ms);
            if (ev > 0 || ms == 0) {
                r.ret = ev > 0 ? 1 : 0;
                return true;
            }
            r.blocked = true;
            return true;
        }
        return skip(e.pos, n + "() is not modelled");
    }

    // revents of the (single) pollfd, after checking the script's.
    std::int64_t poll_revents(const Event& e) {
        const SyscallSpec& s = e.syscall;
        if (s.args.empty() || s.args[0].kind != Expr::Kind::Array || s.args[0].items.size() != 1 ||
            s.args[0].items[0].kind != Expr::Kind::Struct) {
            skip(e.pos, "poll() on other than one pollfd is not modelled");
            return -1;
        }
        std::int64_t fd = -1, events = 0;
        for (const Expr& f : s.args[0].items[0].items) {
            if (f.kind != Expr::Kind::Assign || f.items.empty()) continue;
            if (f.text == "fd") int_expr(f.items.back(), fd);
            if (f.text == "events") int_expr(f.items.back(), events);
        }
        const auto it = fds_.find(static_cast<int>(fd));
        if (it == fds_.end()) return 32;
        const Sock& k = *it->second;
        std::int64_t rev = 0;
        if (k.listener) {
            if (!k.ready.empty() || k.listener->accept_queue_length() != 0) rev |= 1;
        } else if (k.cs == Sock::Cs::Connected) {
            rev |= 4;
            if (k.readable > 0 || k.eof) rev |= 1;
        } else if (k.cs == Sock::Cs::Failed) {
            rev |= 8 | 16 | 4 | 1;
        }
        return rev & (events | 8 | 16 | 32);
    }

    void make_listener(Sock& k, std::int64_t backlog) {
        k.ctx = std::make_unique<Context>();
        k.ctx->config = base_config(k, true);
        // Linux: one listen backlog bounds the accept queue (full when it
        // holds more than the backlog) and the half-open queue.
        const std::uint32_t b = static_cast<std::uint32_t>(std::clamp<std::int64_t>(backlog, 0, 4096));
        k.ctx->config.accept_queue = b + 1;
        k.ctx->config.backlog = std::max<std::uint32_t>(b, 1);
        k.ctx->secrets = secrets_;
        k.listening = true;
        k.listener = std::make_unique<Listener>(*k.ctx, Endpoint{local_ip_, *k.bound_port});
        const Optional<SipKey> key = k.fo_key ? k.fo_key : sys_.fastopen_key;
        if (key) k.listener->set_fastopen_keys(FastOpenKeys{*key, nullopt});
    }

    bool do_connect(const Event& e, CallResult& r, Sock*& target, bool fastopen) {
        const SyscallSpec& s = e.syscall;
        bool ok = true;
        Sock* k = sock_arg(e, 0, ok);
        if (!ok) return false;
        if (!k) {
            r.ret = -1;
            r.err = 9;
            return true;
        }
        target = k;
        if (k->listener) {
            r.ret = -1;
            r.err = 106;
            return true;
        }
        if (k->conn) {
            switch (k->cs) {
            case Sock::Cs::Connecting: r.ret = -1; r.err = fastopen ? 114 : 114; return true;
            case Sock::Cs::Connected: r.ret = -1; r.err = 106; return true;
            case Sock::Cs::Failed:
                r.ret = -1;
                r.err = k->so_error != 0 ? k->so_error : 103;
                k->so_error = 0;
                return true;
            case Sock::Cs::None: break;
            }
        }
        std::size_t len = 0;
        if (fastopen) {
            std::int64_t l = 0;
            if (s.name == "sendto" && s.args.size() >= 3) int_expr(s.args[2], l);
            if (s.name == "sendmsg") return skip(e.pos, "sendmsg() with MSG_FASTOPEN: msghdr payloads are not modelled");
            len = static_cast<std::size_t>(std::max<std::int64_t>(l, 0));
            // Linux tcp_sendmsg_fastopen(): an AF_UNSPEC destination is refused.
            if (s.args.size() >= 5 && s.args[4].kind == Expr::Kind::Word && s.args[4].text == "AF_UNSPEC") {
                r.ret = -1;
                r.err = 95;
                return true;
            }
        }
        k->ctx = std::make_unique<Context>();
        k->ctx->config = base_config(*k);
        k->ctx->secrets = secrets_;
        k->tuple.local = Endpoint{local_ip_, k->bound_port ? *k->bound_port : next_local_port_++};
        k->tuple.remote = Endpoint{remote_ip_, opt_.connect_port};
        k->conn = std::make_unique<Connection>(*k->ctx);
        under_test_ = k;
        child_.reset();
        const bool use_fo = fastopen || k->fo_connect;
        if (use_fo && !k->ctx->config.fastopen_client()) {
            if (fastopen) {
                r.ret = -1;
                r.err = 95; // EOPNOTSUPP: tcp_fastopen client bit off
                return true;
            }
        }
        Error err = Error::None;
        if (use_fo && k->ctx->config.fastopen_client()) {
            const std::vector<std::uint8_t> key(remote_ip_.bytes.data(), remote_ip_.bytes.data() + 16);
            const auto it = fo_cache_.find(key);
            std::uint16_t room = 0;
            if (it != fo_cache_.end()) {
                k->fo_cookie = it->second.first;
                // Linux tcp_send_syn_data(): the SYN's data fits in the MSS
                // (the cached peer MSS clamping the path's) less the 40
                // bytes of option space.
                const std::uint16_t path = k->ctx->config.mss;
                const std::uint16_t m = it->second.second != 0 ? std::min(path, it->second.second) : path;
                room = static_cast<std::uint16_t>(m > 40 ? m - 40 : 0);
            }
            if (!k->fo_cookie.empty() && len > room) len = room; // the rest would follow the handshake (a data path)
            if (k->fo_connect && !fastopen && !k->fo_cookie.empty()) {
                // Linux tcp_fastopen_defer_connect(): connect() returns at
                // once and the SYN waits for the first write.
                k->deferred = true;
                k->cs = Sock::Cs::Connected;
                r.ret = 0;
                return true;
            }
            k->fo_syn = true;
            k->fo_payload.assign(len, 0);
            err = k->conn->connect_fast_open(k->tuple, Bytes(k->fo_cookie.data(), k->fo_cookie.size()),
                                             Bytes(k->fo_payload.data(), k->fo_payload.size()), now_, room);
        } else {
            err = k->conn->connect(k->tuple, now_);
        }
        if (err != Error::None) return fail(e.pos, std::string("connect refused by the machine: ") + to_string(err));
        k->cs = Sock::Cs::Connecting;
        collect_all();
        if (fastopen) {
            // Linux tcp_sendmsg_fastopen(): with a cookie, the data queued
            // with the SYN counts as sent; without one, EINPROGRESS.
            if (!k->fo_cookie.empty() && !k->fo_payload.empty()) {
                r.ret = static_cast<std::int64_t>(k->fo_payload.size());
                if (!k->nonblock && !dontwait_) r.blocked = true;
                return true;
            }
            if (k->nonblock || dontwait_) {
                r.ret = -1;
                r.err = 115;
                return true;
            }
            return skip(e.pos, "a blocking sendto(MSG_FASTOPEN) without a cookie sends its data after the handshake: needs a data path");
        }
        if (k->nonblock) {
            r.ret = -1;
            r.err = 115;
            return true;
        }
        r.blocked = true;
        return true;
    }

    bool sockopt(const Event& e, CallResult& r) {
        const SyscallSpec& s = e.syscall;
        const bool set = s.name == "setsockopt";
        bool ok = true;
        Sock* k = sock_arg(e, 0, ok);
        if (!ok) return false;
        if (!k) {
            r.ret = -1;
            r.err = 9;
            return true;
        }
        if (s.args.size() != 5) return fail(e.pos, s.name + "() takes 5 arguments");
        std::int64_t level = 0, name = 0;
        if (!int_expr(s.args[1], level) || !int_expr(s.args[2], name))
            return skip(e.pos, s.name + "(): option " + (s.args[2].kind == Expr::Kind::Word ? s.args[2].text : "?") + " not modelled");
        const Expr& val = s.args[3];
        std::int64_t v = 0;
        const bool is_int = int_expr(val, v);
        r.ret = 0;
        if (set) {
            if (level == 1 && (name == 2 || name == 15 || name == 9)) return true; // SO_REUSEADDR/PORT, SO_KEEPALIVE
            if (level == 6 && name == 1) return true;                              // TCP_NODELAY
            if (level == 1 && name == 13) {
                if (val.kind != Expr::Kind::Struct) return fail(val.pos, "SO_LINGER takes {onoff=..., linger=...}");
                for (const Expr& f : val.items) {
                    std::int64_t x = 0;
                    if (f.kind != Expr::Kind::Assign || f.items.empty() || !int_expr(f.items.back(), x)) continue;
                    if (f.text == "onoff") k->linger_on = x != 0;
                    if (f.text == "linger") k->linger_s = x;
                }
                return true;
            }
            if (level == 6 && name == 2 && is_int) { // TCP_MAXSEG (Linux: 88..65535 else EINVAL)
                if (v != 0 && (v < 88 || v > 65535)) {
                    r.ret = -1;
                    r.err = 22;
                    return true;
                }
                k->user_mss = static_cast<std::uint16_t>(v);
                if (k->listener) {
                    if (k->listener->half_open() != 0 || k->listener->accept_queue_length() != 0)
                        return skip(e.pos, "TCP_MAXSEG on a busy listener is not modelled");
                    make_listener(*k, static_cast<std::int64_t>(k->ctx->config.accept_queue) - 1);
                }
                if (k->conn) return skip(e.pos, "TCP_MAXSEG on a connected socket is not modelled");
                return true;
            }
            if (level == 6 && name == 7 && is_int) { // TCP_SYNCNT: 1..127
                if (v < 1 || v > 127) {
                    r.ret = -1;
                    r.err = 22;
                    return true;
                }
                k->syncnt = static_cast<std::uint8_t>(v);
                return true;
            }
            if (level == 6 && name == 18 && is_int) {
                if (v < 0) {
                    r.ret = -1;
                    r.err = 22;
                    return true;
                }
                k->user_timeout_ms = static_cast<std::uint32_t>(v);
                if (k->conn) return skip(e.pos, "TCP_USER_TIMEOUT on a live connection is not modelled");
                return true;
            }
            if (level == 6 && name == 23 && is_int) { // TCP_FASTOPEN qlen
                if (v < 0) {
                    r.ret = -1;
                    r.err = 22;
                    return true;
                }
                k->fo_qlen = static_cast<std::uint32_t>(v);
                if (k->listener) {
                    // Rebuild the listener with Fast Open (it holds no state yet
                    // in the scripts that do this right after listen()).
                    if (k->listener->half_open() != 0 || k->listener->accept_queue_length() != 0)
                        return skip(e.pos, "TCP_FASTOPEN on a busy listener is not modelled");
                    make_listener(*k, static_cast<std::int64_t>(k->ctx->config.accept_queue) - 1);
                }
                return true;
            }
            if (level == 6 && name == 30 && is_int) {
                // Linux do_tcp_setsockopt(): 0 or 1; the client bit of
                // tcp_fastopen must be on (else EOPNOTSUPP); only before connect (EINVAL).
                r.ret = -1;
                if (v < 0 || v > 1) r.err = 22;
                else if ((sys_.fastopen & 1U) == 0) r.err = 95;
                else if (k->conn || k->listener) r.err = 22;
                else {
                    r.ret = 0;
                    k->fo_connect = v != 0;
                }
                return true;
            }
            if (level == 6 && name == 33) {
                if (val.kind != Expr::Kind::String) return skip(e.pos, "TCP_FASTOPEN_KEY value not understood");
                std::vector<std::uint8_t> key;
                if (!unescape(val.text, key) || (key.size() != 16 && key.size() != 32)) {
                    r.ret = -1;
                    r.err = 22;
                    return true;
                }
                k->fo_key = fastopen_linux_key(Bytes(key.data(), 16));
                if (k->listener) k->listener->set_fastopen_keys(FastOpenKeys{*k->fo_key, nullopt});
                return true;
            }
            return skip(e.pos, "setsockopt() option " + (s.args[2].kind == Expr::Kind::Word ? s.args[2].text : std::to_string(name)) +
                                   " not modelled");
        }
        // getsockopt
        std::int64_t got = 0;
        if (level == 6 && name == 11) return tcp_info(*k, val);
        if (level == 1 && name == 4) {
            got = k->so_error;
            k->so_error = 0;
        } else if (level == 6 && name == 2) {
            // Linux do_tcp_getsockopt(TCP_MAXSEG): the current send MSS once
            // connected, else user_mss or TCP_MSS_DEFAULT (536).
            if (k->conn && k->conn->synchronized()) got = mss_cache(*k);
            else got = k->user_mss != 0 ? k->user_mss : 536;
        } else if (level == 6 && name == 7) {
            got = k->syncnt != 0 ? k->syncnt : sys_.syn_retries;
        } else if (level == 6 && name == 18) {
            got = k->user_timeout_ms;
        } else if (level == 6 && name == 30) {
            got = k->fo_connect ? 1 : 0;
        } else if (level == 6 && name == 23) {
            got = k->fo_qlen;
        } else {
            return skip(e.pos, "getsockopt() option " + (s.args[2].kind == Expr::Kind::Word ? s.args[2].text : std::to_string(name)) +
                                   " not modelled");
        }
        if (val.kind != Expr::Kind::Ellipsis) {
            if (!is_int) return fail(val.pos, "getsockopt(): expected value not understood");
            if (v != got)
                return fail(e.pos, "getsockopt(" + s.args[2].text + "): expected " + std::to_string(v) + " but got " + std::to_string(got));
        }
        return true;
    }

    static bool unescape(const std::string& s, std::vector<std::uint8_t>& out) {
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] != '\\') {
                out.push_back(static_cast<std::uint8_t>(s[i]));
                continue;
            }
            if (i + 1 >= s.size()) return false;
            const char c = s[++i];
            if (c == 'x') {
                std::uint32_t v = 0;
                int n = 0;
                while (n < 2 && i + 1 < s.size() && detail::is_hex(s[i + 1])) {
                    const char h = s[++i];
                    v = v * 16 + static_cast<std::uint32_t>(detail::is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
                    ++n;
                }
                if (n == 0) return false;
                out.push_back(static_cast<std::uint8_t>(v));
            } else if (c >= '0' && c <= '7') {
                std::uint32_t v = static_cast<std::uint32_t>(c - '0');
                int n = 1;
                while (n < 3 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7') {
                    v = v * 8 + static_cast<std::uint32_t>(s[++i] - '0');
                    ++n;
                }
                out.push_back(static_cast<std::uint8_t>(v));
            } else if (c == 'n') out.push_back('\n');
            else if (c == 't') out.push_back('\t');
            else out.push_back(static_cast<std::uint8_t>(c));
        }
        return true;
    }

    // Linux's mss_cache (tcpi_snd_mss, TCP_MAXSEG once connected): the
    // send MSS, at least TCP_MIN_SND_MSS = 48 (__tcp_mtu_to_mss()), less the
    // timestamp option every segment carries (tcp_mtu_to_mss()).
    static std::int64_t mss_cache(const Sock& k) {
        const Negotiated n = k.conn->negotiated();
        const std::int64_t m = std::max<std::int64_t>(n.mss != 0 ? n.mss : k.conn->config().mss, 48);
        return m - (n.timestamps ? 12 : 0);
    }

    TcpInfo info_of(const Sock& k) const {
        TcpInfo t;
        if (k.listener) {
            t.state = 10;
            return t;
        }
        if (!k.conn) {
            t.state = 7;
            return t;
        }
        const Connection& c = *k.conn;
        t.state = runner_detail::linux_state(c.state());
        const Negotiated n = c.negotiated();
        const Config& cfg = c.config();
        if (n.timestamps) t.options |= 1;
        if (n.sack) t.options |= 2;
        if (n.wscale) {
            t.options |= 4;
            t.snd_wscale = n.snd_wscale;
            t.rcv_wscale = n.rcv_wscale;
        }
        if (n.ecn) t.options |= 8;
        if (k.fo_data_syn || n.tfo_data != 0) t.options |= 32; // TCPI_OPT_SYN_DATA
        t.snd_mss = mss_cache(k);
        t.advmss = cfg.mss;
        t.rcv_mss = 536; // Linux's initial rcv_mss estimate (TCP_MSS_DEFAULT) until data arrives
        t.has_rtt = n.has_rtt;
        t.rtt_us = n.rtt.ns / 1000;
        t.retransmits = 0;
        return t;
    }

    bool tcp_info(const Sock& k, const Expr& val) {
        if (val.kind == Expr::Kind::Ellipsis) return true;
        if (val.kind != Expr::Kind::Struct) return fail(val.pos, "TCP_INFO takes {tcpi_...=...}");
        const TcpInfo t = info_of(k);
        for (const Expr& f : val.items) {
            if (f.kind != Expr::Kind::Assign || f.items.empty()) return fail(f.pos, "TCP_INFO fields are written name=value");
            std::int64_t want = 0;
            if (!int_expr(f.items.back(), want)) return fail(f.pos, "TCP_INFO field value not understood");
            std::int64_t got = 0;
            if (!t.field(f.text, got)) return skip(f.pos, "TCP_INFO field " + f.text + " not modelled");
            if (got != want)
                return fail(f.pos, "TCP_INFO " + f.text + ": expected " + std::to_string(want) + " but got " + std::to_string(got));
        }
        return true;
    }

    bool code(const Event& e) {
        const Sock* k = under_test_;
        if (child_) {
            // packetdrill asks TCP_INFO of the socket under test: after an
            // accept, the accepted one.
            for (auto it = socks_.rbegin(); it != socks_.rend(); ++it)
                if ((*it)->conn && (*it)->tuple == *child_) {
                    k = it->get();
                    break;
                }
        }
        if (!k) return skip(e.pos, "%{ }% block with no socket under test");
        std::string why;
        const TcpInfo t = info_of(*k);
        const TcpiResult res = evaluate_tcpi(e.text, t, why);
        if (res == TcpiResult::Unsupported) return skip(e.pos, "python block not modelled: " + why);
        if (res == TcpiResult::False) return fail(e.pos, "assertion failed: " + why);
        return true;
    }
};

inline RunResult run_script(const Script& s, const RunOptions& o) {
    Runner r(s, o);
    return r.run();
}

} // namespace synack::testing
