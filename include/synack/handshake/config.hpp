// synack/handshake/config.hpp — settings of the handshake machines.
//
// Defaults follow Linux (net.ipv4.tcp_* sysctls, include/net/tcp.h) so that
// a machine left at its defaults behaves, segment for segment, like the
// kernel: SYN RTO 1 s (RFC 6298 §2.1), tcp_syn_retries 6 with
// tcp_syn_linear_timeouts 4, tcp_synack_retries 5, TCP_RTO_MAX 120 s,
// TCP_RTO_MIN 200 ms, TIME-WAIT 60 s (TCP_TIMEWAIT_LEN = 2 * 30 s).
// Listener settings: tcp_syncookies=1, a half-open table of 128 (the floor
// of tcp_max_syn_backlog), an accept queue of 4096 (SOMAXCONN since Linux
// 5.4), Fast Open off unless asked for (tcp_fastopen).
#pragma once

#include <cstdint>

#include "synack/core/optional.hpp"
#include "synack/core/result.hpp"
#include "synack/core/time.hpp"

namespace synack {

// When a Listener answers with SYN cookies (Linux net.ipv4.tcp_syncookies).
enum class SynCookies : std::uint8_t {
    Off,    // 0: never; a SYN that finds the half-open table full is dropped
    Auto,   // 1: only when the half-open table is full
    Always, // 2: for every SYN, no half-open state at all
};

// Which side of TCP Fast Open (RFC 7413) is enabled (Linux tcp_fastopen bits).
enum class FastOpenMode : std::uint8_t { Off, Client, Server, Both };

struct Config {
    std::uint16_t mss = 1460;                       // the MSS we announce (our receive MSS)
    Optional<std::uint8_t> window_scale = 7;   // our shift; nullopt = don't offer (RFC 7323 §2)
    bool sack = true;                               // offer SACK-permitted (RFC 2018)
    bool timestamps = true;                         // offer timestamps (RFC 7323 §3)
    bool ecn = false;                               // RFC 3168 §6.1.1 setup (Linux tcp_ecn=1 asks)
    // Receive space in bytes. The window offered is this rounded down to a
    // multiple of the MSS (less the 12 timestamp bytes on a passive open
    // whose SYN had timestamps), as Linux tcp_select_initial_window() does
    // with its default 64 KiB space: 64240 = 44 * 1460, 65160 = 45 * 1448.
    std::uint32_t rcv_wnd = 65535;

    std::uint8_t syn_retries = 6;                   // tcp_syn_retries
    std::uint8_t syn_linear_timeouts = 4;           // tcp_syn_linear_timeouts (SYN-SENT only)
    std::uint8_t synack_retries = 5;                // tcp_synack_retries
    std::uint8_t fin_retries = 8;                   // tcp_orphan_retries' effective default
    Duration rto_initial = Duration::seconds(1);    // RFC 6298 §2.1
    Duration rto_min = Duration::milliseconds(200); // Linux TCP_RTO_MIN
    Duration rto_max = Duration::seconds(120);      // Linux TCP_RTO_MAX
    Duration rto_fallback = Duration::seconds(3);   // RFC 6298 §5.7
    Duration user_timeout{};                        // RFC 9293 §3.8.3 USER TIMEOUT; 0 = none
    Duration msl = Duration::seconds(30);           // TIME-WAIT lasts 2 * msl
    // Linux TCP_TIMEOUT_MIN (2 jiffies): how soon the SYN goes again after a
    // bad ACK in SYN-SENT (tcp_rcv_synsent_state_process()). 2 jiffies are
    // 8 ms at HZ=250; the kernel this was measured on (6.18, HZ=250) sent it
    // 11.8 ms after, timer wheel included; 10 ms is within packetdrill's
    // default 4 ms tolerance of that.
    Duration timeout_min = Duration::milliseconds(10);

    // RFC 5961 §7: challenge ACKs are rate-limited, per connection (a global
    // counter is a side channel: CVE-2016-5696). At most this many per
    // challenge_ack_window.
    std::uint16_t challenge_ack_limit = 1;
    Duration challenge_ack_window = Duration::milliseconds(500); // Linux tcp_invalid_ratelimit

    // ---- Listener (handshake/listener.hpp); sizes fix its memory at construction ----
    std::uint32_t backlog = 128;                    // half-open table capacity (tcp_max_syn_backlog)
    std::uint32_t accept_queue = 4096;              // completed connections awaiting accept() (listen() backlog)
    SynCookies syncookies = SynCookies::Auto;       // tcp_syncookies
    FastOpenMode fastopen = FastOpenMode::Off;      // tcp_fastopen
    std::uint32_t fastopen_pending = 16;            // Fast Open children not yet accept()ed (TCP_FASTOPEN qlen)

    [[nodiscard]] constexpr bool fastopen_server() const noexcept {
        return fastopen == FastOpenMode::Server || fastopen == FastOpenMode::Both;
    }
    [[nodiscard]] constexpr bool fastopen_client() const noexcept {
        return fastopen == FastOpenMode::Client || fastopen == FastOpenMode::Both;
    }

    friend constexpr bool operator==(const Config&, const Config&) = default;
};

// ---- configuration a machine cannot honour: rejected before any segment ----
//
// Every value from the configuration that ends up in a narrower field, a
// wire field or a deadline sum is checked here once, so no machine silently
// truncates it (issue 11): Connection::connect()/listen() return the error,
// a Listener built from such a Config stays inert and reports it.

// The longest duration accepted: a year keeps every sum of a `now` and a
// doubled RTO inside int64 nanoseconds (292 years).
inline constexpr Duration max_config_duration = Duration::seconds(365LL * 86400);
inline constexpr std::uint16_t min_config_mss = 88; // Linux TCP_MIN_MSS (TCP_MAXSEG's floor)

[[nodiscard]] constexpr Error validate_connection_config(const Config& c) noexcept {
    if (c.mss < min_config_mss) return Error::ConfigMss;
    // RFC 7323 §2.3: a shift above 14 cannot be sent (we would announce one
    // value and use another).
    if (c.window_scale && *c.window_scale > 14) return Error::ConfigWindowScale;
    // The SYN's window field is unscaled and later ones carry 16 bits: more
    // than 65535 << shift could never be announced (RFC 7323 §2.3: 2^30 max).
    const std::uint64_t max_wnd = std::uint64_t{0xFFFF} << (c.window_scale ? *c.window_scale : 0U);
    if (c.rcv_wnd == 0 || c.rcv_wnd > max_wnd) return Error::ConfigReceiveWindow;
    const auto in_range = [](Duration d, bool zero_ok) {
        return (zero_ok ? d.ns >= 0 : d.ns > 0) && d <= max_config_duration;
    };
    if (!in_range(c.rto_initial, false) || !in_range(c.rto_min, true) || !in_range(c.rto_max, false) ||
        !in_range(c.rto_fallback, false) || !in_range(c.user_timeout, true) || !in_range(c.msl, true) ||
        !in_range(c.challenge_ack_window, false) || !in_range(c.timeout_min, true) || c.rto_min > c.rto_max ||
        c.rto_initial > c.rto_max)
        return Error::ConfigTimer;
    // The retry counter is 8 bits: SYN-SENT allows the sum.
    if (unsigned{c.syn_retries} + c.syn_linear_timeouts > 255U) return Error::ConfigRetries;
    if (c.challenge_ack_window < Duration::milliseconds(1)) return Error::ConfigRateLimit;
    return Error::None;
}

// The Listener's own limits on top of a Connection's (it hands its flows to
// Connections built from the same Config).
[[nodiscard]] constexpr Error validate_listener_config(const Config& c) noexcept {
    const Error e = validate_connection_config(c);
    if (e != Error::None) return e;
    if (c.synack_retries > 15) return Error::ConfigRetries;          // 16 timer levels
    if (c.challenge_ack_limit > 255) return Error::ConfigRateLimit;  // a byte per half-open entry
    if (c.backlog > (1U << 31U) || c.accept_queue > (1U << 31U)) return Error::ConfigTableSize; // 32-bit indices
    if (c.fastopen_pending > 65536U) return Error::ConfigTableSize;   // 16-bit data slot indices
    return Error::None;
}

} // namespace synack
