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
    std::uint32_t rcv_wnd = 64240;                  // initial receive window in bytes (Linux: 44 * 1460)

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

} // namespace synack
