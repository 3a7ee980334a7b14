// synack/handshake/connection.hpp — one TCP flow's control state, sans-IO.
//
// RFC 9293 §3.3.2 states and §3.10 event processing (OPEN, CLOSE, ABORT,
// SEGMENT ARRIVES in its order of checks, timeouts), RFC 5961 (blind
// RST/SYN/data mitigations, challenge ACKs), RFC 7323 (window scale,
// timestamps, PAWS), RFC 2018 (SACK-permitted), RFC 3168 §6.1.1 (ECN setup),
// RFC 6298 (RTO). Where the RFC leaves room, Linux's behaviour is followed
// and the comment says so.
//
// The machine never reads a clock, never draws random numbers, never
// allocates and never does I/O: the caller passes `now` into every call,
// feeds received segments as bytes, and polls poll_transmit() /
// poll_event() / next_deadline() until they are empty.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "synack/core/result.hpp"
#include "synack/core/seq.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/config.hpp"
#include "synack/handshake/isn.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/handshake/rto.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/tcp.hpp"

namespace synack {

enum class State : std::uint8_t {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    Closing,
    TimeWait,
    CloseWait,
    LastAck,
};

[[nodiscard]] constexpr const char* to_string(State s) noexcept {
    switch (s) {
    case State::Closed: return "CLOSED";
    case State::Listen: return "LISTEN";
    case State::SynSent: return "SYN-SENT";
    case State::SynReceived: return "SYN-RECEIVED";
    case State::Established: return "ESTABLISHED";
    case State::FinWait1: return "FIN-WAIT-1";
    case State::FinWait2: return "FIN-WAIT-2";
    case State::Closing: return "CLOSING";
    case State::TimeWait: return "TIME-WAIT";
    case State::CloseWait: return "CLOSE-WAIT";
    case State::LastAck: return "LAST-ACK";
    }
    return "?";
}

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

enum class EventKind : std::uint8_t {
    Established, // handshake completed: `negotiated` is filled
    Refused,     // RST answered our SYN (connection refused)
    TimedOut,    // retransmissions or the user timeout exhausted
    Reset,       // the peer reset a synchronized connection
    PeerClosed,  // the peer's FIN arrived (ESTABLISHED -> CLOSE-WAIT, or later states)
    Closed,      // the connection reached CLOSED by close()/abort() or TIME-WAIT's end
};

[[nodiscard]] constexpr const char* to_string(EventKind k) noexcept {
    switch (k) {
    case EventKind::Established: return "Established";
    case EventKind::Refused: return "Refused";
    case EventKind::TimedOut: return "TimedOut";
    case EventKind::Reset: return "Reset";
    case EventKind::PeerClosed: return "PeerClosed";
    case EventKind::Closed: return "Closed";
    }
    return "?";
}

struct Event {
    EventKind kind = EventKind::Closed;
    Negotiated negotiated{};
};

// One segment written by poll_transmit().
struct Transmit {
    FourTuple flow{};       // from flow.local to flow.remote
    std::size_t length = 0; // bytes written (TCP header + payload, checksum filled)
    std::uint8_t ecn = 0;   // IP ECN codepoint to send with (0: Not-ECT; handshake segments are never ECT, RFC 3168 §6.1.1)
};

// What on_segment() did with a segment.
struct Received {
    Error error = Error::None; // BadChecksum, TCP framing errors, NotFound (not this flow)
    Bytes payload{};           // payload bytes the caller now owns (a view into the input)
    SeqNum payload_seq{};      // sequence number of payload[0]
    bool in_order = false;     // payload started at RCV.NXT and was accepted
};

struct ConnectionStats {
    std::uint32_t segments_in = 0;
    std::uint32_t bad_checksum = 0;
    std::uint32_t malformed = 0;
    std::uint32_t dropped = 0;
    std::uint32_t paws_rejected = 0;
    std::uint32_t challenge_acks = 0;
    std::uint32_t challenge_acks_suppressed = 0;
    std::uint32_t resets_sent = 0;
    std::uint32_t retransmits = 0;
};

class Connection {
  public:
    constexpr Connection(const Config& cfg, const Secrets& secrets) noexcept : cfg_(cfg), secrets_(secrets) {}

    // ---- user calls (RFC 9293 §3.10.1-§3.10.5) ----

    // Active open: send a SYN from t.local to t.remote.
    constexpr Error connect(const FourTuple& t, Time now) noexcept {
        if (state_ != State::Closed) return Error::InvalidState;
        reset_tcb();
        tuple_ = t;
        start_ = now;
        choose_iss_and_ts(now);
        snd_una_ = iss_;
        snd_nxt_ = iss_ + 1;
        state_ = State::SynSent;
        send_syn(now, false);
        return Error::None;
    }

    // Passive open for one flow (Listener serves many).
    constexpr Error listen(const Endpoint& local, Time now) noexcept {
        if (state_ != State::Closed) return Error::InvalidState;
        reset_tcb();
        tuple_.local = local;
        start_ = now;
        state_ = State::Listen;
        return Error::None;
    }

    // RFC 9293 §3.10.4.
    constexpr Error close(Time now) noexcept {
        switch (state_) {
        case State::Closed: return Error::InvalidState;
        case State::Listen:
        case State::SynSent: enter_closed(EventKind::Closed); return Error::None;
        case State::SynReceived:
        case State::Established: send_fin(now); state_ = State::FinWait1; return Error::None;
        case State::CloseWait: send_fin(now); state_ = State::LastAck; return Error::None;
        default: return Error::None; // already closing
        }
    }

    // RFC 9293 §3.10.5: a RST in synchronized states, then CLOSED.
    constexpr Error abort(Time now) noexcept {
        (void)now;
        if (state_ == State::Closed) return Error::InvalidState;
        if (synchronized() || state_ == State::SynReceived) {
            queue({TxKind::Rst, snd_nxt_, SeqNum{}, TcpFlag::Rst});
            ++stats_.resets_sent;
        }
        enter_closed(EventKind::Closed);
        return Error::None;
    }

    // The caller consumed n bytes of delivered payload: the window reopens.
    constexpr void consume(std::uint32_t n) noexcept {
        const std::uint32_t before = advertised_window();
        unconsumed_ = n > unconsumed_ ? 0 : unconsumed_ - n;
        // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): announce when the
        // window grew by at least min(rcv_wnd/2, MSS) or was zero.
        const std::uint32_t after = advertised_window();
        const std::uint32_t step = cfg_.rcv_wnd / 2 < cfg_.mss ? cfg_.rcv_wnd / 2 : cfg_.mss;
        if (synchronized() && ((before == 0 && after > 0) || after - before >= step)) queue_ack();
    }

    // ---- segment arrival (RFC 9293 §3.10.7) ----

    // `src`/`dst` are the IP addresses the segment came from/to (for the
    // pseudo-header checksum and to match the flow).
    constexpr Received on_segment(const IpAddress& src, const IpAddress& dst, Bytes segment, Time now) noexcept {
        ++stats_.segments_in;
        const result<TcpView> pv = TcpView::parse(segment);
        if (!pv) {
            ++stats_.malformed;
            return {pv.error()};
        }
        if (!verify_tcp_checksum(src, dst, segment)) {
            ++stats_.bad_checksum;
            return {Error::BadChecksum};
        }
        const TcpView& seg = *pv;
        if (dst != tuple_.local.address || seg.destination_port() != tuple_.local.port) return {Error::NotFound};
        if (state_ != State::Listen && state_ != State::Closed &&
            (src != tuple_.remote.address || seg.source_port() != tuple_.remote.port)) {
            return {Error::NotFound};
        }
        const TcpOptions opts = TcpOptions::decode(seg.option_bytes());
        switch (state_) {
        case State::Closed: closed_reply(seg); return {};
        case State::Listen: on_listen(src, seg, opts, now); return {};
        case State::SynSent: on_syn_sent(seg, opts, now); return {};
        default: return on_synchronized(seg, opts, now);
        }
    }

    // ---- timers ----

    constexpr void on_timer(Time now) noexcept {
        if (user_deadline_ != Time::never() && now >= user_deadline_ &&
            (state_ == State::SynSent || state_ == State::SynReceived || rtx_deadline_ != Time::never())) {
            enter_closed(EventKind::TimedOut);
            return;
        }
        if (state_ == State::TimeWait && now >= timewait_deadline_) {
            enter_closed(EventKind::Closed);
            return;
        }
        if (rtx_deadline_ != Time::never() && now >= rtx_deadline_) on_retransmit_timer(now);
    }

    [[nodiscard]] constexpr Time next_deadline() const noexcept {
        Time t = rtx_deadline_;
        if (state_ == State::TimeWait && timewait_deadline_ < t) t = timewait_deadline_;
        if (state_ != State::Closed && user_deadline_ < t) t = user_deadline_;
        return t;
    }

    // ---- outputs ----

    // Writes the next pending segment into `buf` (at least 60 bytes) with
    // its checksum filled in.
    constexpr std::optional<Transmit> poll_transmit(MutableBytes buf, Time now) noexcept {
        while (tx_count_ > 0) {
            const TxItem it = tx_[tx_head_];
            tx_head_ = (tx_head_ + 1) % tx_capacity;
            --tx_count_;
            const result<std::size_t> n = build(it, buf, now);
            if (!n) continue; // only BufferTooSmall; the segment is lost like a dropped packet
            fill_tcp_checksum(it.flow.local.address, it.flow.remote.address, buf.first(*n));
            return Transmit{it.flow, *n, 0};
        }
        return std::nullopt;
    }

    constexpr std::optional<Event> poll_event() noexcept {
        if (ev_count_ == 0) return std::nullopt;
        const Event e = events_[ev_head_];
        ev_head_ = (ev_head_ + 1) % ev_capacity;
        --ev_count_;
        return e;
    }

    [[nodiscard]] constexpr State state() const noexcept { return state_; }
    [[nodiscard]] constexpr const FourTuple& flow() const noexcept { return tuple_; }
    [[nodiscard]] constexpr const ConnectionStats& stats() const noexcept { return stats_; }
    [[nodiscard]] constexpr const Config& config() const noexcept { return cfg_; }
    [[nodiscard]] constexpr SeqNum iss() const noexcept { return iss_; }
    [[nodiscard]] constexpr SeqNum snd_nxt() const noexcept { return snd_nxt_; }
    [[nodiscard]] constexpr SeqNum snd_una() const noexcept { return snd_una_; }
    [[nodiscard]] constexpr SeqNum rcv_nxt() const noexcept { return rcv_nxt_; }
    [[nodiscard]] constexpr std::uint32_t ts_offset() const noexcept { return ts_offset_; }
    [[nodiscard]] constexpr Duration rto() const noexcept { return rto_.rto(); }
    [[nodiscard]] constexpr bool synchronized() const noexcept {
        return state_ != State::Closed && state_ != State::Listen && state_ != State::SynSent &&
               state_ != State::SynReceived;
    }
    // The Negotiated record as it stands (complete once Established fired).
    [[nodiscard]] constexpr Negotiated negotiated() const noexcept {
        Negotiated n;
        n.flow = tuple_;
        n.iss = iss_;
        n.irs = irs_;
        n.snd_nxt = snd_nxt_;
        n.rcv_nxt = rcv_nxt_;
        n.peer_window = peer_window_;
        n.wscale = wscale_ok_;
        n.snd_wscale = wscale_ok_ ? snd_wscale_ : 0;
        n.rcv_wscale = wscale_ok_ ? rcv_wscale_ : 0;
        n.mss = snd_mss_;
        n.sack = sack_ok_;
        n.timestamps = ts_ok_;
        n.ts_recent = ts_recent_;
        n.ts_offset = ts_offset_;
        n.ecn = ecn_ok_;
        n.has_rtt = has_rtt_;
        n.rtt = rtt_;
        return n;
    }

  private:
    enum class TxKind : std::uint8_t { Syn, SynAck, Ack, Fin, Rst };
    struct TxItem {
        TxKind kind = TxKind::Ack;
        SeqNum seq{};
        SeqNum ack{};
        TcpFlags flags{};
        FourTuple flow{};
    };
    static constexpr std::size_t tx_capacity = 8;
    static constexpr std::size_t ev_capacity = 4;

    // ---- bookkeeping ----

    constexpr void reset_tcb() noexcept {
        tx_count_ = 0;
        snd_wscale_ = rcv_wscale_ = 0;
        wscale_ok_ = sack_ok_ = ts_ok_ = ecn_ok_ = has_rtt_ = fin_sent_ = syn_retransmitted_ = false;
        retries_ = 0;
        unconsumed_ = 0;
        rtx_deadline_ = timewait_deadline_ = user_deadline_ = Time::never();
        rto_ = RtoEstimator(cfg_.rto_initial, cfg_.rto_min, cfg_.rto_max);
        tuple_ = {};
    }

    constexpr void choose_iss_and_ts(Time now) noexcept {
        iss_ = SeqNum(initial_sequence_number(secrets_.isn_key, tuple_, now));
        ts_offset_ = timestamp_offset(secrets_.ts_key, tuple_.local.address, tuple_.remote.address);
        if (cfg_.user_timeout.ns > 0) user_deadline_ = now + cfg_.user_timeout;
    }

    [[nodiscard]] constexpr std::uint32_t ts_now(Time now) const noexcept { return timestamp_clock(now) + ts_offset_; }

    // Items for another flow (RSTs from LISTEN/CLOSED) carry their own.
    constexpr void queue(TxItem it) noexcept {
        if (it.flow == FourTuple{}) it.flow = tuple_;
        if (tx_count_ == tx_capacity) { // oldest dropped: like a full NIC queue
            tx_head_ = (tx_head_ + 1) % tx_capacity;
            --tx_count_;
        }
        tx_[(tx_head_ + tx_count_) % tx_capacity] = it;
        ++tx_count_;
    }
    constexpr void queue_ack() noexcept { queue({TxKind::Ack, snd_nxt_, rcv_nxt_, TcpFlag::Ack}); }
    constexpr void queue_reset(SeqNum seq) noexcept {
        queue({TxKind::Rst, seq, SeqNum{}, TcpFlag::Rst});
        ++stats_.resets_sent;
    }

    constexpr void emit(EventKind k) noexcept {
        if (ev_count_ == ev_capacity) {
            ev_head_ = (ev_head_ + 1) % ev_capacity;
            --ev_count_;
        }
        events_[(ev_head_ + ev_count_) % ev_capacity] = Event{k, negotiated()};
        ++ev_count_;
    }

    constexpr void enter_closed(EventKind k) noexcept {
        state_ = State::Closed;
        rtx_deadline_ = timewait_deadline_ = user_deadline_ = Time::never();
        emit(k);
    }

    // ---- sending ----

    constexpr void send_syn(Time now, bool retransmission) noexcept {
        if (!retransmission) syn_sent_at_ = now;
        queue({TxKind::Syn, iss_, SeqNum{}, TcpFlag::Syn});
        arm_retransmit(now);
    }

    constexpr void send_synack(Time now) noexcept {
        queue({TxKind::SynAck, iss_, rcv_nxt_, TcpFlag::Syn | TcpFlag::Ack});
        arm_retransmit(now);
    }

    constexpr void send_fin(Time now) noexcept {
        fin_seq_ = snd_nxt_;
        snd_nxt_ = snd_nxt_ + 1;
        fin_sent_ = true;
        retries_ = 0;
        queue({TxKind::Fin, fin_seq_, rcv_nxt_, TcpFlag::Fin | TcpFlag::Ack});
        arm_retransmit(now);
    }

    constexpr void arm_retransmit(Time now) noexcept { rtx_deadline_ = now + rto_.rto(); }

    // Linux tcp_write_timeout()/tcp_retransmit_timer(): SYN-SENT allows
    // syn_retries + syn_linear_timeouts retransmissions, the first
    // syn_linear_timeouts at the initial RTO, then doubling; SYN-RECEIVED
    // allows synack_retries, doubling. RTO capped at rto_max.
    constexpr void on_retransmit_timer(Time now) noexcept {
        std::uint32_t limit = cfg_.fin_retries;
        if (state_ == State::SynSent) limit = std::uint32_t{cfg_.syn_retries} + cfg_.syn_linear_timeouts;
        if (state_ == State::SynReceived && !fin_sent_) limit = cfg_.synack_retries;
        if (retries_ >= limit) {
            enter_closed(EventKind::TimedOut);
            return;
        }
        ++retries_;
        ++stats_.retransmits;
        const bool linear = state_ == State::SynSent && retries_ <= cfg_.syn_linear_timeouts;
        if (!linear) rto_.back_off();
        switch (state_) {
        case State::SynSent: syn_retransmitted_ = true; send_syn(now, true); break;
        case State::SynReceived:
            if (fin_sent_) {
                queue({TxKind::Fin, fin_seq_, rcv_nxt_, TcpFlag::Fin | TcpFlag::Ack});
                arm_retransmit(now);
            } else {
                syn_retransmitted_ = true;
                send_synack(now);
            }
            break;
        case State::FinWait1:
        case State::Closing:
        case State::LastAck:
            queue({TxKind::Fin, fin_seq_, rcv_nxt_, TcpFlag::Fin | TcpFlag::Ack});
            arm_retransmit(now);
            break;
        default: rtx_deadline_ = Time::never(); break;
        }
    }

    [[nodiscard]] constexpr std::uint32_t advertised_window() const noexcept {
        return cfg_.rcv_wnd > unconsumed_ ? cfg_.rcv_wnd - unconsumed_ : 0;
    }

    [[nodiscard]] constexpr std::uint16_t window_field(bool syn) const noexcept {
        std::uint32_t w = advertised_window();
        // RFC 7323 §2.2: the window in a SYN or SYN-ACK is never scaled.
        if (!syn && wscale_ok_) w >>= rcv_wscale_;
        return static_cast<std::uint16_t>(w > 0xFFFFU ? 0xFFFFU : w);
    }

    constexpr result<std::size_t> build(const TxItem& it, MutableBytes buf, Time now) const noexcept {
        TcpHeader h;
        h.source_port = it.flow.local.port;
        h.destination_port = it.flow.remote.port;
        h.seq = it.seq;
        h.ack = it.ack;
        h.flags = it.flags;
        const bool syn = it.kind == TxKind::Syn || it.kind == TxKind::SynAck;
        if (it.kind != TxKind::Rst) h.window = window_field(syn);
        if (it.kind == TxKind::Syn) {
            h.options.mss = cfg_.mss;
            h.options.sack_permitted = cfg_.sack;
            if (cfg_.timestamps) h.options.timestamps = Timestamps{ts_now(now), 0};
            h.options.window_scale = cfg_.window_scale;
            if (cfg_.ecn) h.flags |= TcpFlag::Ece | TcpFlag::Cwr; // RFC 3168 §6.1.1
        } else if (it.kind == TxKind::SynAck) {
            // Answer only what the peer offered (RFC 7323 §1.3, RFC 2018 §2).
            h.options.mss = cfg_.mss;
            h.options.sack_permitted = sack_ok_;
            if (ts_ok_) h.options.timestamps = Timestamps{ts_now(now), ts_recent_};
            if (wscale_ok_) h.options.window_scale = rcv_wscale_;
            if (ecn_ok_) h.flags |= TcpFlag::Ece;
        } else if (it.kind != TxKind::Rst && ts_ok_) {
            // RFC 7323 §3.2: once negotiated, on every non-RST segment.
            h.options.timestamps = Timestamps{ts_now(now), ts_recent_};
        }
        return h.encode(buf);
    }

    // ---- arrival, per state ----

    constexpr void closed_reply(const TcpView& seg) noexcept {
        const std::optional<TcpHeader> r = reset_for(seg);
        if (!r) return;
        FourTuple f = tuple_;
        f.remote.port = seg.source_port();
        queue({TxKind::Rst, r->seq, r->ack, r->flags, f});
        ++stats_.resets_sent;
    }

    // Learn the peer's SYN options (RFC 7323, RFC 2018, RFC 9293 §3.7.1).
    constexpr void take_syn_options(const TcpView& seg, const TcpOptions& o) noexcept {
        // MSS 0 is ignored, as Linux does; absent → RFC 9293 §3.7.1 defaults
        // (536 IPv4, 1220 IPv6 per RFC 8200 §5's 1280 minimum MTU).
        const std::uint16_t def = tuple_.local.address.is_v4() ? 536 : 1220;
        const std::uint16_t peer = (o.mss && *o.mss != 0) ? *o.mss : def;
        snd_mss_ = peer < cfg_.mss ? peer : cfg_.mss;
        // RFC 7323 §2.3: shift > 14 is used as 14 (Linux logs and clamps).
        wscale_ok_ = o.window_scale.has_value() && cfg_.window_scale.has_value();
        if (wscale_ok_) {
            snd_wscale_ = *o.window_scale > max_window_scale ? max_window_scale : *o.window_scale;
            rcv_wscale_ = *cfg_.window_scale > max_window_scale ? max_window_scale : *cfg_.window_scale;
        }
        sack_ok_ = o.sack_permitted && cfg_.sack;
        ts_ok_ = o.timestamps.has_value() && cfg_.timestamps;
        if (ts_ok_) ts_recent_ = o.timestamps->value;
        peer_window_ = seg.window();
    }

    constexpr void on_listen(const IpAddress& src, const TcpView& seg, const TcpOptions& o, Time now) noexcept {
        const TcpFlags f = seg.flags();
        if (f.rst()) return; // §3.10.7.2: an incoming RST is ignored
        if (f.ack()) {       // any ACK: <SEQ=SEG.ACK><CTL=RST>
            FourTuple t = tuple_;
            t.remote = {src, seg.source_port()};
            queue({TxKind::Rst, seg.ack(), SeqNum{}, TcpFlag::Rst, t});
            ++stats_.resets_sent;
            return;
        }
        if (!f.syn()) {
            ++stats_.dropped;
            return;
        }
        tuple_.remote = {src, seg.source_port()};
        irs_ = seg.seq();
        rcv_nxt_ = irs_ + 1; // SYN data is not accepted without Fast Open
        take_syn_options(seg, o);
        // RFC 3168 §6.1.1: an ECN-setup SYN has ECE and CWR.
        ecn_ok_ = cfg_.ecn && f.ece() && f.cwr();
        choose_iss_and_ts(now);
        snd_una_ = iss_;
        snd_nxt_ = iss_ + 1;
        passive_ = true;
        state_ = State::SynReceived;
        syn_sent_at_ = now;
        send_synack(now);
    }

    constexpr void on_syn_sent(const TcpView& seg, const TcpOptions& o, Time now) noexcept {
        const TcpFlags f = seg.flags();
        if (f.ack()) {
            // First check: acceptable iff SND.UNA < SEG.ACK <= SND.NXT
            // (ISS < SEG.ACK, as nothing but the SYN is outstanding).
            if (!(snd_una_ < seg.ack() && seg.ack() <= snd_nxt_)) {
                if (f.rst()) return;
                queue_reset(seg.ack());
                // As Linux: the stale peer is reset; resend our SYN at once
                // rather than waiting for the retransmission timer.
                queue({TxKind::Syn, iss_, SeqNum{}, TcpFlag::Syn});
                return;
            }
        }
        if (f.rst()) {
            // Second check: only a RST acknowledging our SYN counts
            // (RFC 5961 §3.2 keeps this rule for SYN-SENT).
            if (f.ack()) enter_closed(EventKind::Refused);
            return;
        }
        if (!f.syn()) {
            ++stats_.dropped;
            return;
        }
        irs_ = seg.seq();
        rcv_nxt_ = irs_ + 1;
        take_syn_options(seg, o);
        if (f.ack()) {
            snd_una_ = seg.ack();
            ecn_ok_ = cfg_.ecn && f.ece() && !f.cwr(); // RFC 3168 §6.1.1 ECN-setup SYN-ACK
            sample_handshake_rtt(o, now);
            state_ = State::Established;
            rtx_deadline_ = Time::never();
            user_deadline_ = Time::never();
            queue_ack();
            emit(EventKind::Established);
            return;
        }
        // Simultaneous open (§3.5 Figure 8): SYN-ACK with the same ISS; any
        // data in the SYN is dropped (Linux does not queue it).
        ecn_ok_ = cfg_.ecn && f.ece() && f.cwr();
        state_ = State::SynReceived;
        passive_ = false;
        retries_ = 0;
        send_synack(now);
    }

    // RTT from the handshake: from the timestamp echo when timestamps are
    // on (unambiguous even after retransmission), otherwise only if the
    // SYN was never retransmitted (Karn's rule, RFC 6298 §3).
    constexpr void sample_handshake_rtt(const TcpOptions& o, Time now) noexcept {
        if (ts_ok_ && o.timestamps && o.timestamps->echo_reply != 0) {
            const std::uint32_t ms = ts_now(now) - o.timestamps->echo_reply;
            if (ms < 0x7FFFFFFFU) {
                rtt_ = Duration::milliseconds(ms);
                has_rtt_ = true;
            }
        } else if (!syn_retransmitted_) {
            rtt_ = now - syn_sent_at_;
            has_rtt_ = true;
        }
        if (has_rtt_) {
            rto_ = RtoEstimator(cfg_.rto_initial, cfg_.rto_min, cfg_.rto_max);
            rto_.sample(rtt_);
        } else {
            rto_ = RtoEstimator(cfg_.rto_fallback, cfg_.rto_min, cfg_.rto_max);
        }
    }

    // RFC 5961 §7: per-connection rate limit.
    constexpr void challenge_ack(Time now) noexcept {
        if (challenge_window_start_.ns == INT64_MIN || now - challenge_window_start_ >= cfg_.challenge_ack_window) {
            challenge_window_start_ = now;
            challenge_count_ = 0;
        }
        if (challenge_count_ >= cfg_.challenge_ack_limit) {
            ++stats_.challenge_acks_suppressed;
            return;
        }
        ++challenge_count_;
        ++stats_.challenge_acks;
        queue_ack();
    }

    [[nodiscard]] constexpr bool seq_acceptable(const TcpView& seg) const noexcept {
        // RFC 9293 §3.10.7.4 first check, the four cases.
        const std::uint32_t len = seg.segment_length();
        const std::uint32_t wnd = advertised_window() == 0 ? 0 : advertised_window();
        if (len == 0) {
            if (wnd == 0) return seg.seq() == rcv_nxt_;
            return seg.seq().in_window(rcv_nxt_, wnd);
        }
        if (wnd == 0) return false;
        return seg.seq().in_window(rcv_nxt_, wnd) || (seg.seq() + (len - 1)).in_window(rcv_nxt_, wnd);
    }

    constexpr Received on_synchronized(const TcpView& seg, const TcpOptions& o, Time now) noexcept {
        const TcpFlags f = seg.flags();

        // Duplicate SYN in SYN-RECEIVED (our SYN-ACK was lost): answer again.
        if (state_ == State::SynReceived && f.syn() && !f.ack() && !f.rst() && seg.seq() == irs_) {
            queue({TxKind::SynAck, iss_, rcv_nxt_, TcpFlag::Syn | TcpFlag::Ack});
            return {};
        }
        // Crossed SYN-ACKs of a simultaneous open: Linux tcp_validate_incoming()
        // lets a SYN-ACK with SEG.SEQ+1 = RCV.NXT and SEG.ACK = SND.NXT
        // complete SYN-RECEIVED instead of drawing a challenge ACK.
        if (state_ == State::SynReceived && f.syn() && f.ack() && !f.rst() && seg.seq() + 1 == rcv_nxt_ &&
            seg.ack() == snd_nxt_ && !passive_) {
            establish_from_syn_received(seg, o, now);
            return {};
        }

        // RFC 7323 §5.3 PAWS: a segment whose TSval is older than TS.Recent
        // is dropped (and ACKed, unless it is a RST).
        if (ts_ok_ && o.timestamps && !f.rst() &&
            static_cast<std::int32_t>(o.timestamps->value - ts_recent_) < 0) {
            ++stats_.paws_rejected;
            queue_ack();
            return {};
        }

        // First check: sequence number.
        if (!seq_acceptable(seg)) {
            if (!f.rst()) queue_ack();
            ++stats_.dropped;
            return {};
        }

        // Second check: RST (RFC 5961 §3.2: exactly RCV.NXT resets, else a
        // challenge ACK).
        if (f.rst()) {
            if (seg.seq() != rcv_nxt_) {
                challenge_ack(now);
                return {};
            }
            if (state_ == State::SynReceived) {
                if (passive_) { // §3.10.7.4: back to LISTEN
                    const Endpoint local = tuple_.local;
                    state_ = State::Closed;
                    static_cast<void>(listen(local, now));
                    return {};
                }
                enter_closed(EventKind::Refused);
                return {};
            }
            const bool closing = state_ == State::Closing || state_ == State::LastAck || state_ == State::TimeWait;
            enter_closed(closing ? EventKind::Closed : EventKind::Reset);
            return {};
        }

        // Fourth check: SYN (RFC 5961 §4.2: challenge ACK, whatever its seq).
        if (f.syn()) {
            challenge_ack(now);
            return {};
        }

        // Fifth check: ACK.
        if (!f.ack()) {
            ++stats_.dropped;
            return {};
        }
        if (state_ == State::SynReceived) {
            if (!(snd_una_ < seg.ack() && seg.ack() <= snd_nxt_)) {
                queue_reset(seg.ack()); // <SEQ=SEG.ACK><CTL=RST>, connection kept
                return {};
            }
            establish_from_syn_received(seg, o, now);
        } else {
            // RFC 5961 §5.2: SEG.ACK beyond SND.NXT (or too old) → ACK, drop.
            if (seg.ack() > snd_nxt_ || seg.ack() < snd_una_ - max_snd_wnd()) {
                challenge_ack(now);
                return {};
            }
            if (seg.ack() > snd_una_) snd_una_ = seg.ack();
            peer_window_ = seg.window();
        }
        update_ts_recent(seg, o);

        const bool fin_acked = fin_sent_ && snd_una_ == snd_nxt_;
        switch (state_) {
        case State::FinWait1:
            if (fin_acked) {
                state_ = State::FinWait2;
                rtx_deadline_ = Time::never();
            }
            break;
        case State::Closing:
            if (fin_acked) enter_time_wait(now);
            break;
        case State::LastAck:
            if (fin_acked) {
                enter_closed(EventKind::Closed);
                return {};
            }
            break;
        case State::TimeWait:
            // A retransmitted FIN: ACK it and restart 2 MSL (§3.10.7.4).
            if (f.fin()) {
                queue_ack();
                enter_time_wait(now);
            }
            return {};
        default: break;
        }

        // Seventh check: payload. Surfaced to the caller; in-order bytes
        // advance RCV.NXT and occupy the window until consume().
        Received r;
        const Bytes payload = seg.payload();
        const bool receiving = state_ == State::Established || state_ == State::FinWait1 || state_ == State::FinWait2;
        if (!payload.empty() && receiving) {
            r.payload = payload;
            r.payload_seq = seg.seq();
            if (seg.seq() == rcv_nxt_) {
                const std::uint32_t room = advertised_window();
                const std::uint32_t take = payload.size() < room ? static_cast<std::uint32_t>(payload.size()) : room;
                r.payload = payload.first(take);
                r.in_order = true;
                rcv_nxt_ = rcv_nxt_ + take;
                unconsumed_ += take;
            }
            queue_ack();
        }

        // Eighth check: FIN, if it is next in sequence.
        if (f.fin() && seg.seq() + static_cast<std::uint32_t>(payload.size()) == rcv_nxt_) {
            rcv_nxt_ = rcv_nxt_ + 1;
            if (payload.empty() || !receiving) queue_ack();
            switch (state_) {
            case State::SynReceived:
            case State::Established: state_ = State::CloseWait; emit(EventKind::PeerClosed); break;
            case State::FinWait1:
                emit(EventKind::PeerClosed);
                if (fin_acked) {
                    enter_time_wait(now);
                } else {
                    state_ = State::Closing;
                }
                break;
            case State::FinWait2: emit(EventKind::PeerClosed); enter_time_wait(now); break;
            default: break;
            }
        }
        return r;
    }

    constexpr void establish_from_syn_received(const TcpView& seg, const TcpOptions& o, Time now) noexcept {
        snd_una_ = seg.ack();
        peer_window_ = seg.window();
        sample_handshake_rtt(o, now);
        rtx_deadline_ = Time::never();
        user_deadline_ = Time::never();
        retries_ = 0;
        state_ = fin_sent_ ? State::FinWait1 : State::Established;
        if (fin_sent_) arm_retransmit(now);
        emit(EventKind::Established);
    }

    constexpr void update_ts_recent(const TcpView& seg, const TcpOptions& o) noexcept {
        // RFC 7323 §4.3: TS.Recent from a segment covering Last.ACK.sent.
        if (ts_ok_ && o.timestamps && seg.seq() <= rcv_nxt_) ts_recent_ = o.timestamps->value;
    }

    [[nodiscard]] constexpr std::uint32_t max_snd_wnd() const noexcept {
        return static_cast<std::uint32_t>(peer_window_) << (wscale_ok_ ? snd_wscale_ : 0U);
    }

    constexpr void enter_time_wait(Time now) noexcept {
        state_ = State::TimeWait;
        rtx_deadline_ = Time::never();
        timewait_deadline_ = now + cfg_.msl * 2;
    }

    Config cfg_;
    Secrets secrets_;
    State state_ = State::Closed;
    FourTuple tuple_{};
    bool passive_ = false;

    SeqNum iss_{}, irs_{}, snd_una_{}, snd_nxt_{}, rcv_nxt_{}, fin_seq_{};
    std::uint16_t peer_window_ = 0;
    std::uint16_t snd_mss_ = 0;
    std::uint8_t snd_wscale_ = 0, rcv_wscale_ = 0;
    bool wscale_ok_ = false, sack_ok_ = false, ts_ok_ = false, ecn_ok_ = false;
    bool fin_sent_ = false, syn_retransmitted_ = false, has_rtt_ = false;
    std::uint32_t ts_recent_ = 0, ts_offset_ = 0;
    std::uint32_t unconsumed_ = 0;
    std::uint32_t retries_ = 0;
    Duration rtt_{};
    RtoEstimator rto_{};

    Time start_{}, syn_sent_at_{};
    Time rtx_deadline_ = Time::never();
    Time timewait_deadline_ = Time::never();
    Time user_deadline_ = Time::never();
    Time challenge_window_start_{INT64_MIN};
    std::uint32_t challenge_count_ = 0;

    std::array<TxItem, tx_capacity> tx_{};
    std::size_t tx_head_ = 0, tx_count_ = 0;
    std::array<Event, ev_capacity> events_{};
    std::size_t ev_head_ = 0, ev_count_ = 0;
    ConnectionStats stats_{};
};

} // namespace synack
