// synack/handshake/negotiate.hpp — the rules of the handshake, written once.
//
// Pure constexpr functions that both machines (Connection, Listener) call and
// neither repeats: what a SYN offers and a SYN-ACK answers (RFC 9293 §3.7.1
// MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK-permitted, RFC
// 3168 §6.1.1 ECN setup, RFC 7413 Fast Open), PAWS with the idle rule (RFC
// 7323 §5, Linux 2147 s), the handshake's RTT sample with Karn's rule (RFC 6298 §3), the
// per-flow limit on replies a peer can trigger (Linux tcp_oow_rate_limited()),
// the initial window (Linux tcp_select_initial_window()) and the Negotiated
// record. Where RFCs leave room, Linux is followed and cited.
#pragma once

#include <cstdint>

#include "synack/core/optional.hpp"
#include "synack/core/seq.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/config.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/tcp.hpp"

namespace synack {

// Everything a data-transfer engine needs to take over an established flow.
struct Negotiated {
    FourTuple flow{};
    SeqNum iss{};
    SeqNum irs{};
    SeqNum snd_nxt{};
    SeqNum rcv_nxt{};
    std::uint16_t peer_window = 0; // the window field of the peer's last segment, unscaled
    std::uint8_t snd_wscale = 0;   // shift applied to the peer's window fields
    std::uint8_t rcv_wscale = 0;   // shift the peer applies to ours
    bool wscale = false;           // both sent window scale
    std::uint16_t mss = 0;         // effective send MSS: min(ours, peer's)
    bool sack = false;
    bool timestamps = false;
    std::uint32_t ts_recent = 0;   // RFC 7323 TS.Recent
    std::uint32_t ts_offset = 0;   // our TSval = 1 ms clock + ts_offset
    bool ecn = false;
    std::uint32_t tfo_data = 0;    // bytes of SYN data accepted (Fast Open)
    bool has_rtt = false;
    Duration rtt{};                // the handshake's RTT sample, if any
    friend constexpr bool operator==(const Negotiated&, const Negotiated&) = default;
};

namespace negotiate {

// ---------------------------------------------------------------- MSS

inline constexpr std::uint16_t min_snd_mss = 48; // Linux net.ipv4.tcp_min_snd_mss

// RFC 9293 §3.7.1: without an MSS option the peer takes 536 (IPv4); IPv6
// 1220 (RFC 8200's 1280-byte minimum MTU less 60).
[[nodiscard]] constexpr std::uint16_t default_mss(bool v4) noexcept { return v4 ? 536 : 1220; }

// The peer's MSS as announced; absent or 0 (which Linux ignores) gives the
// family default.
[[nodiscard]] constexpr std::uint16_t peer_mss(Optional<std::uint16_t> announced, bool v4) noexcept {
    return (announced && *announced != 0) ? *announced : default_mss(v4);
}

// The send MSS: min(peer's, ours), never below tcp_min_snd_mss (Linux
// tcp_mtu_to_mss(): a peer announcing a tiny MSS cannot make us cut data into
// 8-byte segments, CVE-2019-11479).
[[nodiscard]] constexpr std::uint16_t send_mss(std::uint16_t peer, std::uint16_t ours) noexcept {
    const std::uint16_t m = peer < ours ? peer : ours;
    return m < min_snd_mss ? min_snd_mss : m;
}

// ------------------------------------------------------ window scale

// RFC 7323 §2.3: a shift over 14 is used as 14 (Linux tcp_parse_options()
// clamps it with "Illegal window scaling value").
[[nodiscard]] constexpr std::uint8_t clamp_window_scale(std::uint8_t s) noexcept {
    return s > max_window_scale ? max_window_scale : s;
}

// ------------------------------------------------------------ ECN

// RFC 3168 §6.1.1: an ECN-setup SYN carries ECE and CWR, an ECN-setup
// SYN-ACK carries ECE and not CWR; ECN is on only if we asked too.
[[nodiscard]] constexpr bool ecn_setup_syn(bool ours, TcpFlags f) noexcept { return ours && f.ece() && f.cwr(); }
[[nodiscard]] constexpr bool ecn_setup_synack(bool ours, TcpFlags f) noexcept { return ours && f.ece() && !f.cwr(); }

// ------------------------------------------------ acceptance of a SYN

// What both ends agreed from the peer's SYN (or SYN-ACK) options.
struct Agreement {
    bool wscale = false;
    std::uint8_t snd_wscale = 0; // the peer's shift, clamped
    std::uint8_t rcv_wscale = 0; // ours
    bool sack = false;
    bool timestamps = false;
    std::uint32_t ts_recent = 0; // the peer's TSval (with timestamps)
    std::uint16_t mss = 0;       // send MSS
    bool ecn = false;
};

// RFC 7323 §1.3 / RFC 2018 §2: an option is in use only if both sent it.
// `syn_ack`: the peer's segment is a SYN-ACK answering ours (for ECN).
[[nodiscard]] constexpr Agreement agree(const Config& c, const OptionValues& peer, TcpFlags f, bool v4,
                                        bool syn_ack) noexcept {
    Agreement a;
    a.wscale = peer.window_scale.has_value() && c.window_scale.has_value();
    if (a.wscale) {
        a.snd_wscale = clamp_window_scale(*peer.window_scale);
        a.rcv_wscale = clamp_window_scale(*c.window_scale);
    }
    a.sack = peer.sack_permitted && c.sack;
    a.timestamps = peer.timestamps.has_value() && c.timestamps;
    if (a.timestamps) a.ts_recent = peer.timestamps->value;
    a.mss = send_mss(peer_mss(peer.mss, v4), c.mss);
    a.ecn = syn_ack ? ecn_setup_synack(c.ecn, f) : ecn_setup_syn(c.ecn, f);
    return a;
}

// ------------------------------------------------- what we offer

// Linux tcp_syn_options(): our SYN offers everything configured. (The
// option sets are written into the caller's fresh OptionValues: building one
// and copying it over cost a store-forwarding stall per segment.)
constexpr void syn_offer(const Config& c, std::uint32_t tsval, OptionValues& o) noexcept {
    o.mss = c.mss;
    o.sack_permitted = c.sack;
    if (c.timestamps) o.timestamps = Timestamps::of(tsval, 0);
    o.window_scale = c.window_scale;
}

// RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR.
[[nodiscard]] constexpr TcpFlags syn_flags(const Config& c) noexcept {
    TcpFlags f = TcpFlag::Syn;
    if (c.ecn) f |= TcpFlag::Ece | TcpFlag::Cwr;
    return f;
}

// Linux tcp_synack_options(): the SYN-ACK answers only what was agreed.
constexpr void synack_answer(const Config& c, const Agreement& a, std::uint32_t tsval, OptionValues& o) noexcept {
    o.mss = c.mss;
    o.sack_permitted = a.sack;
    if (a.timestamps) o.timestamps = Timestamps::of(tsval, a.ts_recent);
    if (a.wscale) o.window_scale = a.rcv_wscale;
}

[[nodiscard]] constexpr TcpFlags synack_flags(const Agreement& a) noexcept {
    TcpFlags f = TcpFlag::Syn | TcpFlag::Ack;
    if (a.ecn) f |= TcpFlag::Ece;
    return f;
}

// ------------------------------------------------------ windows

// Linux tcp_select_initial_window(): the receive space quantized to a
// multiple of the MSS it expects, our MSS less the timestamp option's 12
// bytes when timestamps are already agreed, that is on a passive open
// (tcp_openreq_init_rwin(); an active open chooses its window before the
// SYN-ACK): 65535 gives 64240 (44 * 1460), and 65160 (45 * 1448) with
// timestamps, as the captures in tests/data show.
[[nodiscard]] constexpr std::uint32_t initial_window(std::uint32_t space, std::uint16_t mss, bool ts_agreed) noexcept {
    const std::uint32_t m = ts_agreed && mss > 12 ? mss - 12U : mss;
    return m != 0 && space > m ? space / m * m : space;
}

// The window field of a SYN or SYN-ACK: never scaled (RFC 7323 §2.2).
[[nodiscard]] constexpr std::uint16_t syn_window(std::uint32_t free) noexcept {
    return static_cast<std::uint16_t>(free > 0xFFFFU ? 0xFFFFU : free);
}

// ----------------------------------------------------------- PAWS

inline constexpr std::int32_t paws_window = 1;                        // Linux TCP_PAWS_WINDOW
// How long TS.Recent stays valid without an update. RFC 7323 §5.5 says 24
// days (a 1 ms TSval clock moving half its 2^32 range; Linux's
// TCP_PAWS_24DAYS before 6.7); Linux 6.7+ tcp_paws_check() uses
// TCP_PAWS_WRAP = INT_MAX / USEC_PER_SEC = 2147 s, the half-range time of
// the fastest TSval clock allowed (1 us), and Linux is followed
// (tests/scenarios/paws-idle-ts-recent-expiry.pkt).
inline constexpr Duration paws_idle_limit = Duration::seconds(2147); // Linux TCP_PAWS_WRAP

// RFC 7323 §5.3 / Linux tcp_paws_check(): true if a segment with TSval
// `tsval` passes against TS.Recent. `idle`: how long ago TS.Recent was last
// updated; from paws_idle_limit on it is no longer valid (§5.5: the peer's
// clock may have wrapped its sign bit), so the segment is accepted. A
// TS.Recent of 0 is ignored, as Linux does (some stacks send TSval 0 in
// their SYN). `window`: how far TSval may lag (TCP_PAWS_WINDOW; a
// TIME-WAIT flow allows none, Linux tcp_timewait_state_process()).
[[nodiscard]] constexpr bool paws_ok(std::uint32_t ts_recent, std::uint32_t tsval, Duration idle,
                                     std::int32_t window = paws_window) noexcept {
    if (static_cast<std::int32_t>(ts_recent - tsval) <= window) return true;
    if (idle >= paws_idle_limit) return true;
    return ts_recent == 0;
}

// Linux tcp_rcv_synsent_state_process(): a SYN-ACK whose timestamp echo is
// not 0 must echo a TSval we sent since our first SYN, else it is refused
// with a RST (PAWSActiveRejected; upstream fastopen/client/synack-data.pkt
// TEST5). `first`/`now`: our timestamp clock at the first SYN and now.
[[nodiscard]] constexpr bool synack_tsecr_ok(std::uint32_t tsecr, std::uint32_t first, std::uint32_t now) noexcept {
    return tsecr == 0 || tsecr - first <= now - first;
}

// ------------------------------------------------- the RTT sample

// The handshake's RTT (RFC 6298 §2): from the timestamp echo when
// timestamps are agreed (RFC 7323 §4.1, unambiguous even after a
// retransmission; ecr 0 is no echo), else from when our SYN (or SYN-ACK)
// went, but only if that segment went once (Karn's rule, RFC 6298 §3: an
// ACK of a sequence number sent twice may answer either). A clock that
// stepped back gives no sample rather than a negative one.
[[nodiscard]] constexpr Optional<Duration> handshake_rtt(bool timestamps, const Optional<Timestamps>& peer_ts,
                                                         std::uint32_t ts_now, bool sent_once, Time sent_at,
                                                         Time now) noexcept {
    if (timestamps && peer_ts && peer_ts->echo_reply != 0) {
        const std::uint32_t ms = ts_now - peer_ts->echo_reply;
        if (ms < 0x7FFFFFFFU) return Duration::milliseconds(ms);
        return nullopt;
    }
    if (!sent_once) return nullopt;
    const Duration d = saturating_sub(now, sent_at);
    if (d.ns < 0) return nullopt;
    return d;
}

// ------------------------------------- replies a peer can trigger

// Linux tcp_oow_rate_limited(): out-of-window and PAWS-failed segments, and
// SYNs, draw a rate-limited ACK; a segment with data (no SYN) is exempt, as
// "not likely part of an ACK loop" (its ACK lets a peer whose ACK was lost
// recover). `segment_length` counts SYN and FIN (RFC 9293 SEG.LEN).
[[nodiscard]] constexpr bool reply_is_rate_limited(std::uint32_t segment_length, bool syn) noexcept {
    return segment_length == 0 || syn;
}

// Linux __tcp_oow_rate_limited() (sysctl_tcp_invalid_ratelimit, 500 ms),
// generalised to `limit` replies per `window`, per flow and never by a
// global counter (RFC 5961 §7; a shared counter is a side channel,
// CVE-2016-5696). The state is a 1 ms clock value (the timestamp clock,
// wrapping like Linux's jiffies) and a count. A clock that stepped back
// (negative elapsed time) restarts the interval, as Linux's "0 <= elapsed".
// Returns true if the reply may go (and counts it).
template <class Count>
[[nodiscard]] constexpr bool reply_allowed(std::uint32_t now_ms, std::uint32_t& start_ms, Count& count,
                                           std::uint16_t limit, Duration window) noexcept {
    const std::int32_t elapsed = static_cast<std::int32_t>(now_ms - start_ms);
    const std::int64_t window_ms = window.ns / 1000000;
    if (count == 0 || elapsed < 0 || elapsed >= window_ms) {
        start_ms = now_ms;
        count = 0;
    }
    if (count >= limit) return false;
    ++count;
    return true;
}

// ----------------------------------------------------- Fast Open

// RFC 7413 §4.1.1: a cookie is 4 to 16 bytes, even; empty is a request.
[[nodiscard]] constexpr bool fastopen_cookie_length_ok(std::size_t n) noexcept {
    return n == 0 || (n >= 4 && n <= 16 && n % 2 == 0);
}

// RFC 7413 §4.2.1: SYN data fits the peer's MSS (Linux uses the cached MSS,
// else the family default of RFC 9293 §3.7.1).
[[nodiscard]] constexpr std::size_t fastopen_syn_room(std::uint16_t cached_peer_mss, bool v4) noexcept {
    return cached_peer_mss != 0 ? cached_peer_mss : default_mss(v4);
}

// What the server's side of Fast Open gives a SYN (Linux tcp_try_fastopen()).
enum class FastOpenAnswer : std::uint8_t {
    None,        // no Fast Open: a plain handshake
    Cookie,      // answer with our cookie, take no data (a request, or an invalid cookie)
    Data,        // Fast Open child now, with the SYN's data if any (0-RTT)
    DataCookie,  // the same, and send a fresh primary cookie (the backup key matched)
};

// `valid`: the cookie matched the primary key, `backup`: the backup key.
// A valid cookie creates the child whether or not the SYN carries data:
// Linux tcp_try_fastopen() calls tcp_fastopen_create_child() for any valid
// cookie ("Data-less SYN with valid cookie is allowed to send data in
// SYN_RECV state"), so accept() returns it in SYN-RECEIVED
// (tests/scenarios/syn-received-close.pkt, upstream
// fastopen/server/basic-zero-payload.pkt).
[[nodiscard]] constexpr FastOpenAnswer fastopen_answer(bool enabled, bool option, bool pending_full, bool request,
                                                       bool valid, bool backup) noexcept {
    // tcp_fastopen_queue_check(): over the pending limit, no Fast Open at all.
    if (!enabled || !option || pending_full) return FastOpenAnswer::None;
    if (request) return FastOpenAnswer::Cookie;
    // RFC 7413 §4.2.2: an invalid cookie's data is dropped; Linux answers
    // with the valid cookie so that the client can use it next time.
    if (!valid && !backup) return FastOpenAnswer::Cookie;
    return backup ? FastOpenAnswer::DataCookie : FastOpenAnswer::Data;
}

// ------------------------------------------------ the Negotiated record

// The flow's sequence space and what was agreed, in one record (both
// machines build it here and nowhere else).
struct Sequence {
    SeqNum iss{}, irs{}, snd_nxt{}, rcv_nxt{};
};

[[nodiscard]] constexpr Negotiated negotiated(const FourTuple& flow, const Sequence& s, const Agreement& a,
                                              std::uint16_t peer_window, std::uint32_t ts_offset,
                                              std::uint32_t tfo_data, Optional<Duration> rtt) noexcept {
    Negotiated n;
    n.flow = flow;
    n.iss = s.iss;
    n.irs = s.irs;
    n.snd_nxt = s.snd_nxt;
    n.rcv_nxt = s.rcv_nxt;
    n.peer_window = peer_window;
    n.wscale = a.wscale;
    n.snd_wscale = a.wscale ? a.snd_wscale : 0;
    n.rcv_wscale = a.wscale ? a.rcv_wscale : 0;
    n.mss = a.mss;
    n.sack = a.sack;
    n.timestamps = a.timestamps;
    n.ts_recent = a.timestamps ? a.ts_recent : 0;
    n.ts_offset = ts_offset;
    n.ecn = a.ecn;
    n.tfo_data = tfo_data;
    n.has_rtt = rtt.has_value();
    n.rtt = rtt.value_or(Duration{});
    return n;
}

} // namespace negotiate
} // namespace synack
