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

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/optional.hpp"
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
    // A Fast Open cookie the peer's SYN-ACK carried (RFC 7413 §4.1.3), for
    // the caller's cookie cache (handshake/fastopen.hpp): a view into the input.
    Bytes fastopen_cookie{};
};

// Counters (16-bit, saturating is not needed: they wrap, and are for
// diagnostics; a Connection lives for one flow).
struct ConnectionStats {
    std::uint16_t segments_in = 0;
    std::uint16_t bad_checksum = 0;
    std::uint16_t malformed = 0;
    std::uint16_t dropped = 0;
    std::uint16_t paws_rejected = 0;
    std::uint16_t challenge_acks = 0;
    std::uint16_t challenge_acks_suppressed = 0;
    std::uint16_t resets_sent = 0;
    std::uint16_t retransmits = 0;
};

// The settings and keys machines share. It must outlive every Connection
// (and Listener) built from it; keeping one pointer instead of a copy keeps a
// Connection within 256 bytes.
struct Context {
    Config config{};
    Secrets secrets{};
};

class Connection {
  public:
    constexpr explicit Connection(const Context& ctx) noexcept : ctx_(&ctx) {}
    Connection(const Context&&) = delete; // would dangle

    // Takes over a flow a Listener accepted (handshake/listener.hpp):
    // ESTABLISHED with the handshake's Negotiated record, or SYN-RECEIVED for
    // a Fast Open child whose last SYN-ACK went at `synack_sent` after
    // `retries` retransmissions (this Connection then retransmits it on the
    // same schedule and reports Established when the peer's ACK arrives).
    // The Fast Open data counts as received and unconsumed. No event is
    // queued for an ESTABLISHED flow: accept() was the notification.
    [[nodiscard]] static constexpr Connection adopt(const Context& ctx, const Negotiated& n, State s,
                                                    Time synack_sent = {}, std::uint8_t retries = 0) noexcept {
        Connection c(ctx);
        c.tuple_ = n.flow;
        c.iss_ = n.iss;
        c.irs_ = n.irs;
        c.snd_nxt_ = n.snd_nxt;
        c.snd_una_ = s == State::SynReceived ? n.iss : n.snd_nxt;
        c.rcv_nxt_ = n.rcv_nxt;
        c.peer_window_ = n.peer_window;
        c.snd_mss_ = n.mss;
        c.set_flag(WsOk, n.wscale);
        c.snd_wscale_ = n.snd_wscale;
        c.rcv_wscale_ = n.rcv_wscale;
        c.set_flag(SackOk, n.sack);
        c.set_flag(TsOk, n.timestamps);
        c.ts_recent_ = n.ts_recent;
        c.ts_offset_ = n.ts_offset;
        c.set_flag(EcnOk, n.ecn);
        c.set_flag(Passive, true);
        c.unconsumed_ = n.tfo_data;
        c.tfo_acked_ = static_cast<std::uint16_t>(n.tfo_data);
        c.rto_ = RtoEstimator(ctx.config.rto_initial);
        if (n.has_rtt) {
            c.rto_.sample(n.rtt, ctx.config.rto_min, ctx.config.rto_max);
            c.set_flag(HasRtt, true);
        }
        c.state_ = s == State::SynReceived ? State::SynReceived : State::Established;
        if (c.state_ == State::SynReceived) {
            c.retries_ = retries;
            c.set_flag(SynRetransmitted, retries != 0);
            for (std::uint8_t i = 0; i < retries; ++i) c.rto_.back_off(ctx.config.rto_max);
            c.syn_sent_at_ = synack_sent;
            c.deadline_ = synack_sent + c.rto_.rto();
            if (ctx.config.user_timeout.ns > 0) c.user_deadline_ = synack_sent + ctx.config.user_timeout;
        }
        return c;
    }
    static Connection adopt(const Context&&, const Negotiated&, State, Time = {}, std::uint8_t = 0) = delete;

    // ---- user calls (RFC 9293 §3.10.1-§3.10.5) ----

    // Active open: send a SYN from t.local to t.remote.
    constexpr Error connect(const FourTuple& t, Time now) noexcept {
        if (state_ != State::Closed) return Error::InvalidState;
        reset_tcb(now);
        tuple_ = t;
        choose_iss_and_ts(now);
        state_ = State::SynSent;
        send_syn(now);
        return Error::None;
    }

    // Active open with TCP Fast Open (RFC 7413 §4.2.1; needs config.fastopen
    // Client or Both). With a cookie (4..16 bytes, from the caller's cache),
    // the SYN carries it and up to `peer_mss` bytes of `data` (0: 536 for
    // IPv4, 1220 for IPv6); without one, the SYN asks for a cookie (an empty
    // option) and carries no data. Data the SYN-ACK does not acknowledge
    // (no cookie, a rejected cookie, or a retransmitted SYN: retransmissions
    // carry neither cookie nor data) is sent once right after the handshake;
    // as Linux (tcp_rcv_fastopen_synack()), after a SYN that carried data
    // that segment is itself the ACK of the SYN-ACK. From then on the data is
    // the data-transfer engine's (Negotiated::snd_nxt counts it). `cookie`
    // and `data` are views: they must stay valid until Established or
    // failure. Negotiated::tfo_data = the bytes the SYN-ACK acknowledged.
    constexpr Error connect_fast_open(const FourTuple& t, Bytes cookie, Bytes data, Time now,
                                      std::uint16_t peer_mss = 0) noexcept {
        if (!cfg().fastopen_client()) return Error::InvalidState;
        if (!cookie.empty() && (cookie.size() < 4 || cookie.size() > 16 || cookie.size() % 2 != 0))
            return Error::OptionValueInvalid;
        if (state_ != State::Closed) return Error::InvalidState;
        reset_tcb(now);
        tuple_ = t;
        choose_iss_and_ts(now);
        tfo_cookie_ = cookie.data();
        tfo_cookie_len_ = static_cast<std::uint8_t>(cookie.size());
        tfo_data_ = data;
        set_flag(TfoSyn, true);
        if (!cookie.empty() && !data.empty()) {
            const std::uint16_t def = t.local.address.is_v4() ? 536 : 1220;
            const std::size_t room = peer_mss != 0 ? peer_mss : def;
            if (tfo_data_.size() > room) tfo_data_ = tfo_data_.first(room);
            set_flag(TfoSynData, true);
            set_flag(TfoHadData, true);
            snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(tfo_data_.size());
        }
        state_ = State::SynSent;
        send_syn(now);
        return Error::None;
    }

    // Passive open for one flow (a Listener serves many).
    constexpr Error listen(const Endpoint& local, Time now) noexcept {
        if (state_ != State::Closed) return Error::InvalidState;
        reset_tcb(now);
        tuple_.local = local;
        state_ = State::Listen;
        return Error::None;
    }

    // RFC 9293 §3.10.4.
    constexpr Error close(Time now) noexcept {
        switch (state_) {
        case State::Closed: return Error::InvalidState;
        case State::Listen:
        case State::SynSent: enter_closed(EventKind::Closed); return Error::None;
        // RFC 9293 §3.10.4: in SYN-RECEIVED the FIN goes out now, queued
        // behind our SYN (Linux tcp_close_state() + tcp_send_fin()); the
        // state stays until our SYN is acknowledged, which still raises
        // Established and then moves to FIN-WAIT-1 (establish()). The
        // SYN-ACK's timer and retry count run on: with data already in
        // flight Linux does not rearm the RTO for new data.
        case State::SynReceived:
            if (!flag(FinSent)) {
                fin_seq_ = snd_nxt_;
                snd_nxt_ = snd_nxt_ + 1;
                set_flag(FinSent, true);
                tx_ |= TxFin;
            }
            return Error::None;
        case State::Established: send_fin(now); state_ = State::FinWait1; return Error::None;
        case State::CloseWait: send_fin(now); state_ = State::LastAck; return Error::None;
        default: return Error::None; // already closing
        }
    }

    // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST> in SYN-RECEIVED and the
    // synchronized states (Linux tcp_send_active_reset() sends RST+ACK).
    constexpr Error abort(Time now) noexcept {
        static_cast<void>(now);
        if (state_ == State::Closed) return Error::InvalidState;
        if (state_ != State::Listen && state_ != State::SynSent) {
            queue_reset(snd_nxt_, rcv_nxt_, TcpFlag::Rst | TcpFlag::Ack, tuple_.remote);
        }
        enter_closed(EventKind::Closed);
        return Error::None;
    }

    // The caller consumed n bytes of delivered payload: the window reopens.
    constexpr void consume(std::uint32_t n) noexcept {
        const std::uint32_t before = advertised_window();
        unconsumed_ = n > unconsumed_ ? 0 : unconsumed_ - n;
        // RFC 9293 §3.8.6.2.2 (receiver SWS avoidance): announce the window
        // when it grew by min(rcv_wnd / 2, MSS) or reopened from zero.
        const std::uint32_t after = advertised_window();
        const std::uint32_t half = cfg().rcv_wnd / 2;
        const std::uint32_t step = half < cfg().mss ? half : cfg().mss;
        if (synchronized() && ((before == 0 && after > 0) || after - before >= step)) tx_ |= TxAck;
    }

    // ---- segment arrival (RFC 9293 §3.10.7) ----

    // `src`/`dst`: the IP addresses the segment came from / was sent to
    // (for the pseudo-header checksum and to match the flow).
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
        const bool unbound = state_ == State::Listen || state_ == State::Closed;
        if (dst != tuple_.local.address || seg.destination_port() != tuple_.local.port ||
            (!unbound && (src != tuple_.remote.address || seg.source_port() != tuple_.remote.port))) {
            return {Error::NotFound};
        }
        const OptionValues opts = OptionValues::decode(seg.option_bytes());
        switch (state_) {
        case State::Closed: closed_reply(src, seg); return {};
        case State::Listen: on_listen(src, seg, opts, now); return {};
        case State::SynSent: {
            on_syn_sent(seg, opts, now);
            Received r;
            if (state_ == State::Established && opts.fast_open && !opts.fast_open->is_request()) {
                for (const OptionEntry& e : seg.options()) { // the cookie's bytes in the input
                    if (e.ok() && e.is_fast_open()) r.fastopen_cookie = e.is_exp_fast_open() ? e.data.subspan(2) : e.data;
                }
            }
            return r;
        }
        default: return on_synchronized(seg, opts, now);
        }
    }

    // ---- timers ----

    constexpr void on_timer(Time now) noexcept {
        if (now >= user_deadline_) {
            enter_closed(EventKind::TimedOut);
            return;
        }
        if (now < deadline_) return;
        if (state_ == State::TimeWait) {
            enter_closed(EventKind::Closed);
            return;
        }
        on_retransmit_timer(now);
    }

    [[nodiscard]] constexpr Time next_deadline() const noexcept {
        return deadline_ < user_deadline_ ? deadline_ : user_deadline_;
    }

    // ---- outputs ----

    // Writes the next pending segment into `buf` (60 bytes always suffice:
    // handshake segments carry no payload; Fast Open data needs 60 + its
    // length) with its checksum filled in.
    constexpr Optional<Transmit> poll_transmit(MutableBytes buf, Time now) noexcept {
        while (tx_ != 0) {
            TcpFields h;
            OptionValues opts;
            Bytes payload{}; // Fast Open data only: handshake segments carry none
            FourTuple flow = tuple_;
            if (tx_ & TxRst) {
                tx_ &= static_cast<std::uint8_t>(~TxRst);
                flow.remote = rst_to_;
                h.seq = rst_seq_;
                h.ack = rst_ack_;
                h.flags = TcpFlags::from_bits(rst_flags_); // RSTs carry no options, window 0 (Linux)
            } else if (tx_ & (TxSyn | TxSynAck)) {
                const bool synack = (tx_ & TxSynAck) != 0;
                tx_ &= static_cast<std::uint8_t>(~(TxSyn | TxSynAck | TxAck));
                syn_header(h, opts, synack, now);
                if (!synack && flag(TfoSyn)) {
                    opts.fast_open = tfo_cookie_len_ == 0
                                              ? FastOpenOption::request()
                                              : FastOpenOption::with_cookie(Bytes(tfo_cookie_, tfo_cookie_len_));
                    if (flag(TfoSynData)) payload = tfo_data_;
                }
            } else if ((tx_ & TxData) && !(tx_ & TxAck)) {
                // Fast Open data the SYN-ACK did not acknowledge (see connect_fast_open()).
                tx_ &= static_cast<std::uint8_t>(~TxData);
                const std::uint32_t sent = static_cast<std::uint32_t>(snd_una_ - (iss_ + 1));
                payload = sent < tfo_data_.size() ? tfo_data_.subspan(sent) : Bytes{};
                tfo_data_ = Bytes{};
                h.seq = snd_una_;
                h.ack = rcv_nxt_;
                h.flags = TcpFlag::Psh | TcpFlag::Ack;
                h.window = window_field(false);
                if (flag(TsOk)) opts.timestamps = Timestamps{ts_now(now), ts_recent_};
            } else {
                // A FIN carries the ACK; several pending ACKs are sent once.
                const bool fin = (tx_ & TxFin) != 0;
                tx_ &= static_cast<std::uint8_t>(~(TxFin | TxAck));
                // (An ACK queued ahead of Fast Open data goes before it.)
                h.seq = fin ? fin_seq_ : (tx_ & TxData) ? snd_una_ : snd_nxt_;
                h.ack = rcv_nxt_;
                h.flags = fin ? (TcpFlag::Fin | TcpFlag::Ack) : TcpFlags(TcpFlag::Ack);
                h.window = window_field(false);
                // RFC 7323 §3.2: once negotiated, on every non-RST segment.
                if (flag(TsOk)) opts.timestamps = Timestamps{ts_now(now), ts_recent_};
                // RFC 2883 D-SACK for the peer's SYN received twice in a
                // simultaneous open (see on_synchronized()); Linux writes it
                // after the timestamps: nop,nop,TS,nop,nop,sack.
                if (flag(DsackSyn)) {
                    opts.sack_blocks[0] = SackBlock{irs_.raw(), (irs_ + 1).raw()};
                    opts.sack_count = 1;
                    set_flag(DsackSyn, false);
                }
            }
            h.source_port = flow.local.port;
            h.destination_port = flow.remote.port;
            const result<std::size_t> n = h.encode(buf, opts, flow.local.address, flow.remote.address, payload);
            // only BufferTooSmall: the segment is lost, like a dropped packet
            if (!n || buf.size() - *n < payload.size()) continue;
            copy_bytes(buf, *n, payload);
            return Transmit{flow, *n + payload.size(), 0};
        }
        return nullopt;
    }

    constexpr Optional<Event> poll_event() noexcept {
        if (ev_count_ == 0) return nullopt;
        const EventKind k = events_[ev_head_];
        ev_head_ = static_cast<std::uint8_t>((ev_head_ + 1) % ev_capacity);
        --ev_count_;
        return Event{k, negotiated()};
    }

    [[nodiscard]] constexpr State state() const noexcept { return state_; }
    [[nodiscard]] constexpr const FourTuple& flow() const noexcept { return tuple_; }
    [[nodiscard]] constexpr const ConnectionStats& stats() const noexcept { return stats_; }
    [[nodiscard]] constexpr const Config& config() const noexcept { return ctx_->config; }
    [[nodiscard]] constexpr SeqNum iss() const noexcept { return iss_; }
    [[nodiscard]] constexpr SeqNum snd_una() const noexcept { return snd_una_; }
    [[nodiscard]] constexpr SeqNum snd_nxt() const noexcept { return snd_nxt_; }
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
        n.wscale = flag(WsOk);
        n.snd_wscale = flag(WsOk) ? snd_wscale_ : 0;
        n.rcv_wscale = flag(WsOk) ? rcv_wscale_ : 0;
        n.mss = snd_mss_;
        n.sack = flag(SackOk);
        n.timestamps = flag(TsOk);
        n.ts_recent = ts_recent_;
        n.ts_offset = ts_offset_;
        n.ecn = flag(EcnOk);
        n.tfo_data = tfo_acked_;
        n.has_rtt = flag(HasRtt);
        n.rtt = flag(HasRtt) ? rto_.srtt() : Duration{};
        return n;
    }

  private:
    // Pending transmissions: a bit each (quinn-style: what to send is
    // derived from the state when polled, so nothing is copied twice).
    enum TxBits : std::uint8_t { TxSyn = 1, TxSynAck = 2, TxAck = 4, TxFin = 8, TxRst = 16, TxData = 32 };
    enum FlagBits : std::uint16_t {
        WsOk = 1, SackOk = 2, TsOk = 4, EcnOk = 8, HasRtt = 16, FinSent = 32, SynRetransmitted = 64, Passive = 128,
        DsackSyn = 256, // the next ACK carries a D-SACK block for the peer's SYN (simultaneous open)
        TfoSyn = 512,     // our SYN carries a Fast Open option (cleared when the SYN is retransmitted)
        TfoSynData = 1024, // ... and data (cleared likewise)
        TfoHadData = 2048, // the first SYN carried data (Linux tp->syn_data)
    };
    static constexpr std::size_t ev_capacity = 4;
    static constexpr std::uint16_t min_snd_mss = 48; // Linux net.ipv4.tcp_min_snd_mss

    [[nodiscard]] constexpr const Config& cfg() const noexcept { return ctx_->config; }
    [[nodiscard]] constexpr bool flag(std::uint16_t f) const noexcept { return (flags_ & f) != 0; }
    constexpr void set_flag(std::uint16_t f, bool on) noexcept {
        flags_ = static_cast<std::uint16_t>(on ? (flags_ | f) : (flags_ & ~f));
    }

    // ---- bookkeeping ----

    // A fresh TCB; counters and undelivered events survive.
    constexpr void reset_tcb(Time now) noexcept {
        // Every member back to its initializer but ctx_, the event ring and
        // the counters, member by member: building a fresh Connection and
        // copying it over costs a store-forwarding stall (12% of a
        // handshake). A member added below must be reset here too.
        tfo_data_ = {};
        tfo_cookie_ = nullptr;
        tfo_cookie_len_ = 0;
        tfo_acked_ = 0;
        tuple_ = {};
        rst_to_ = {};
        iss_ = irs_ = snd_una_ = snd_nxt_ = rcv_nxt_ = fin_seq_ = rst_seq_ = rst_ack_ = SeqNum{};
        ts_recent_ = ts_offset_ = unconsumed_ = 0;
        peer_window_ = snd_mss_ = flags_ = rst_flags_ = challenge_count_ = 0;
        state_ = State::Closed;
        snd_wscale_ = rcv_wscale_ = retries_ = tx_ = 0;
        rto_ = {};
        syn_sent_at_ = challenge_start_ = Time{};
        deadline_ = user_deadline_ = Time::never();
        rto_.set(cfg().rto_initial);
        if (cfg().user_timeout.ns > 0) user_deadline_ = now + cfg().user_timeout;
    }

    constexpr void choose_iss_and_ts(Time now) noexcept {
        iss_ = SeqNum(initial_sequence_number(ctx_->secrets.isn_key, tuple_, now));
        ts_offset_ = timestamp_offset(ctx_->secrets.ts_key, tuple_.local.address, tuple_.remote.address);
        snd_una_ = iss_;
        snd_nxt_ = iss_ + 1;
    }

    [[nodiscard]] constexpr std::uint32_t ts_now(Time now) const noexcept { return timestamp_clock(now) + ts_offset_; }

    // One RST slot: a later RST replaces an unsent one.
    constexpr void queue_reset(SeqNum seq, SeqNum ack, TcpFlags f, const Endpoint& to) noexcept {
        rst_seq_ = seq;
        rst_ack_ = ack;
        rst_flags_ = f.bits();
        rst_to_ = to;
        tx_ |= TxRst;
        ++stats_.resets_sent;
    }

    constexpr void emit(EventKind k) noexcept {
        if (ev_count_ == ev_capacity) { // the oldest is dropped; four suffice for any one call
            ev_head_ = static_cast<std::uint8_t>((ev_head_ + 1) % ev_capacity);
            --ev_count_;
        }
        events_[(ev_head_ + ev_count_) % ev_capacity] = k;
        ++ev_count_;
    }

    constexpr void enter_closed(EventKind k) noexcept {
        state_ = State::Closed;
        tx_ &= TxRst; // an abort's RST still goes out
        deadline_ = user_deadline_ = Time::never();
        emit(k);
    }

    // ---- sending ----

    constexpr void send_syn(Time now) noexcept {
        syn_sent_at_ = now;
        tx_ |= TxSyn;
        arm_retransmit(now);
    }

    constexpr void send_synack(Time now) noexcept {
        syn_sent_at_ = now;
        tx_ |= TxSynAck;
        arm_retransmit(now);
    }

    constexpr void send_fin(Time now) noexcept {
        fin_seq_ = snd_nxt_;
        snd_nxt_ = snd_nxt_ + 1;
        set_flag(FinSent, true);
        retries_ = 0;
        tx_ |= TxFin;
        arm_retransmit(now);
    }

    constexpr void arm_retransmit(Time now) noexcept { deadline_ = now + rto_.rto(); }

    // Linux tcp_write_timeout()/tcp_retransmit_timer(): SYN-SENT allows
    // syn_retries + syn_linear_timeouts retransmissions, the first
    // syn_linear_timeouts at the initial RTO, then doubling; SYN-RECEIVED
    // allows synack_retries, doubling; RTO capped at rto_max.
    constexpr void on_retransmit_timer(Time now) noexcept {
        std::uint32_t limit = cfg().fin_retries;
        if (state_ == State::SynSent) limit = std::uint32_t{cfg().syn_retries} + cfg().syn_linear_timeouts;
        if (state_ == State::SynReceived) limit = cfg().synack_retries;
        if (retries_ >= limit) {
            enter_closed(EventKind::TimedOut);
            return;
        }
        ++retries_;
        ++stats_.retransmits;
        const bool linear = state_ == State::SynSent && retries_ <= cfg().syn_linear_timeouts;
        if (!linear) rto_.back_off(cfg().rto_max);
        switch (state_) {
        case State::SynSent:
            set_flag(SynRetransmitted, true);
            // RFC 7413 §4.2.1 / Linux: the SYN goes again without cookie or data.
            set_flag(TfoSyn, false);
            set_flag(TfoSynData, false);
            send_syn(now);
            break;
        case State::SynReceived:
            // The head of the queue is our unacknowledged SYN: it goes
            // again, and a FIN queued behind it (close()) follows.
            set_flag(SynRetransmitted, true);
            send_synack(now);
            if (flag(FinSent)) tx_ |= TxFin;
            break;
        case State::FinWait1:
        case State::Closing:
        case State::LastAck:
            tx_ |= TxFin;
            arm_retransmit(now);
            break;
        default: deadline_ = Time::never(); break;
        }
    }

    [[nodiscard]] constexpr std::uint32_t advertised_window() const noexcept {
        return cfg().rcv_wnd > unconsumed_ ? cfg().rcv_wnd - unconsumed_ : 0;
    }

    // The window offered once scaling is agreed: the free space rounded *up*
    // to the scale unit, as Linux __tcp_select_window() does ("Advertise
    // enough space so that it won't get scaled away": ALIGN(free, 1 <<
    // rcv_wscale)). Captures a_ipv4_default and d_ipv6_default show it: 64240
    // and 64800 bytes go out as win 63 and 64 with wscale 10, not 62 and 63.
    // Sequence acceptance and the payload taken use this same window, so
    // what is offered is what is accepted.
    [[nodiscard]] constexpr std::uint32_t receive_window() const noexcept {
        const std::uint32_t w = advertised_window();
        if (!flag(WsOk) || rcv_wscale_ == 0) return w;
        const std::uint64_t unit = std::uint64_t{1} << rcv_wscale_;
        const std::uint64_t up = ((std::uint64_t{w} + unit - 1) >> rcv_wscale_) << rcv_wscale_; // no division
        return up > 0xFFFFFFFFU ? w : static_cast<std::uint32_t>(up);
    }

    [[nodiscard]] constexpr std::uint16_t window_field(bool syn) const noexcept {
        // RFC 7323 §2.2: the window in a SYN or SYN-ACK is never scaled.
        std::uint32_t w = syn ? advertised_window() : receive_window();
        if (!syn && flag(WsOk)) w >>= rcv_wscale_;
        return static_cast<std::uint16_t>(w > 0xFFFFU ? 0xFFFFU : w);
    }

    // Linux's SYN and SYN-ACK (tcp_syn_options(), tcp_synack_options()).
    constexpr void syn_header(TcpFields& h, OptionValues& opts, bool synack, Time now) const noexcept {
        h.seq = iss_;
        h.window = window_field(true);
        opts.mss = cfg().mss;
        if (!synack) {
            h.flags = TcpFlag::Syn;
            opts.sack_permitted = cfg().sack;
            if (cfg().timestamps) opts.timestamps = Timestamps{ts_now(now), 0};
            opts.window_scale = cfg().window_scale;
            if (cfg().ecn) h.flags |= TcpFlag::Ece | TcpFlag::Cwr; // RFC 3168 §6.1.1
            return;
        }
        // Answer only what the peer offered (RFC 7323 §1.3, RFC 2018 §2).
        h.ack = rcv_nxt_;
        h.flags = TcpFlag::Syn | TcpFlag::Ack;
        opts.sack_permitted = flag(SackOk);
        if (flag(TsOk)) opts.timestamps = Timestamps{ts_now(now), ts_recent_};
        if (flag(WsOk)) opts.window_scale = rcv_wscale_;
        if (flag(EcnOk)) h.flags |= TcpFlag::Ece;
    }

    // ---- arrival, per state ----

    constexpr void closed_reply(const IpAddress& src, const TcpView& seg) noexcept {
        const Optional<TcpHeader> r = reset_for(seg);
        if (r) queue_reset(r->seq, r->ack, r->flags, {src, seg.source_port()});
    }

    // Learn the peer's SYN options (RFC 7323, RFC 2018, RFC 9293 §3.7.1).
    constexpr void take_syn_options(const TcpView& seg, const OptionValues& o) noexcept {
        // MSS 0 is ignored, as Linux does; absent → RFC 9293 §3.7.1 default
        // 536 (IPv4) or 1220 (IPv6: RFC 8200's 1280-byte minimum MTU).
        const std::uint16_t def = tuple_.local.address.is_v4() ? 536 : 1220;
        const std::uint16_t peer = (o.mss && *o.mss != 0) ? *o.mss : def;
        snd_mss_ = peer < cfg().mss ? peer : cfg().mss;
        // Linux tcp_mtu_to_mss(): never below tcp_min_snd_mss (48), so a
        // peer announcing a tiny MSS cannot make us cut data into 8-byte
        // segments (CVE-2019-11479).
        if (snd_mss_ < min_snd_mss) snd_mss_ = min_snd_mss;
        // RFC 7323 §2.3: a shift over 14 is used as 14 (Linux clamps too).
        const bool ws = o.window_scale.has_value() && cfg().window_scale.has_value();
        set_flag(WsOk, ws);
        if (ws) {
            snd_wscale_ = *o.window_scale > max_window_scale ? max_window_scale : *o.window_scale;
            rcv_wscale_ = *cfg().window_scale > max_window_scale ? max_window_scale : *cfg().window_scale;
        }
        set_flag(SackOk, o.sack_permitted && cfg().sack);
        set_flag(TsOk, o.timestamps.has_value() && cfg().timestamps);
        if (flag(TsOk)) ts_recent_ = o.timestamps->value;
        peer_window_ = seg.window();
    }

    constexpr void on_listen(const IpAddress& src, const TcpView& seg, const OptionValues& o, Time now) noexcept {
        const TcpFlags f = seg.flags();
        if (f.rst()) return; // §3.10.7.2: an incoming RST is ignored
        if (f.ack()) {       // any ACK: <SEQ=SEG.ACK><CTL=RST>
            queue_reset(seg.ack(), SeqNum{}, TcpFlag::Rst, {src, seg.source_port()});
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
        set_flag(EcnOk, cfg().ecn && f.ece() && f.cwr()); // RFC 3168 §6.1.1 ECN-setup SYN
        choose_iss_and_ts(now);
        set_flag(Passive, true);
        state_ = State::SynReceived;
        send_synack(now);
    }

    // RFC 7413 §4.2.2 client side, after Linux tcp_rcv_fastopen_synack():
    // how much SYN data was acknowledged; the rest goes in one segment now,
    // which after a data-carrying SYN is itself the ACK (no separate one).
    constexpr void fast_open_synack() noexcept {
        if (tfo_data_.empty()) return;
        const std::uint32_t acked = static_cast<std::uint32_t>(snd_una_ - (iss_ + 1));
        tfo_acked_ = static_cast<std::uint16_t>(acked < tfo_data_.size() ? acked : tfo_data_.size());
        if (acked >= tfo_data_.size()) {
            tfo_data_ = Bytes{};
            return;
        }
        snd_nxt_ = iss_ + 1 + static_cast<std::uint32_t>(tfo_data_.size());
        tx_ |= TxData;
        if (flag(TfoHadData)) tx_ &= static_cast<std::uint8_t>(~TxAck);
    }

    constexpr void on_syn_sent(const TcpView& seg, const OptionValues& o, Time now) noexcept {
        const TcpFlags f = seg.flags();
        if (f.ack()) {
            // First check: acceptable iff SND.UNA < SEG.ACK <= SND.NXT.
            if (!(snd_una_ < seg.ack() && seg.ack() <= snd_nxt_)) {
                if (f.rst()) return;
                queue_reset(seg.ack(), SeqNum{}, TcpFlag::Rst, tuple_.remote);
                // As Linux: the stale peer is reset and our SYN goes again
                // at once rather than at the next retransmission.
                tx_ |= TxSyn;
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
            ++stats_.dropped; // e.g. a bare acceptable ACK
            return;
        }
        irs_ = seg.seq();
        rcv_nxt_ = irs_ + 1;
        take_syn_options(seg, o);
        if (f.ack()) {
            snd_una_ = seg.ack();
            set_flag(EcnOk, cfg().ecn && f.ece() && !f.cwr()); // RFC 3168 §6.1.1 ECN-setup SYN-ACK
            sample_handshake_rtt(o, now);
            state_ = State::Established;
            deadline_ = user_deadline_ = Time::never();
            tx_ |= TxAck;
            fast_open_synack();
            emit(EventKind::Established);
            return;
        }
        // Simultaneous open (§3.5 Figure 8): SYN-ACK with the same ISS; data
        // in the SYN is dropped (Linux does not queue it).
        set_flag(EcnOk, cfg().ecn && f.ece() && f.cwr());
        state_ = State::SynReceived;
        retries_ = 0;
        rto_.set(cfg().rto_initial);
        send_synack(now);
    }

    // RTT from the handshake: from the timestamp echo when timestamps are
    // on (unambiguous even after a retransmission), otherwise only if the
    // SYN was never retransmitted (Karn's rule, RFC 6298 §3).
    constexpr void sample_handshake_rtt(const OptionValues& o, Time now) noexcept {
        Duration rtt{-1};
        if (flag(TsOk) && o.timestamps && o.timestamps->echo_reply != 0) {
            const std::uint32_t ms = ts_now(now) - o.timestamps->echo_reply;
            if (ms < 0x7FFFFFFFU) rtt = Duration::milliseconds(ms);
        } else if (!flag(SynRetransmitted)) {
            rtt = now - syn_sent_at_;
        }
        rto_ = RtoEstimator(cfg().rto_initial);
        if (rtt.ns >= 0) {
            rto_.sample(rtt, cfg().rto_min, cfg().rto_max);
            set_flag(HasRtt, true);
        } else {
            rto_.set(cfg().rto_fallback); // RFC 6298 §5.7
        }
    }

    // RFC 5961 §7: rate-limited per connection, never by a global counter.
    constexpr void challenge_ack(Time now) noexcept {
        if (challenge_count_ == 0 || now - challenge_start_ >= cfg().challenge_ack_window) {
            challenge_start_ = now;
            challenge_count_ = 0;
        }
        if (challenge_count_ >= cfg().challenge_ack_limit) {
            ++stats_.challenge_acks_suppressed;
            return;
        }
        ++challenge_count_;
        ++stats_.challenge_acks;
        tx_ |= TxAck;
    }

    // RFC 9293 §3.10.7.4 first check: the four cases.
    [[nodiscard]] constexpr bool seq_acceptable(const TcpView& seg) const noexcept {
        const std::uint32_t len = seg.segment_length();
        const std::uint32_t wnd = receive_window();
        if (len == 0) return wnd == 0 ? seg.seq() == rcv_nxt_ : seg.seq().in_window(rcv_nxt_, wnd);
        if (wnd == 0) return false;
        return seg.seq().in_window(rcv_nxt_, wnd) || (seg.seq() + (len - 1)).in_window(rcv_nxt_, wnd);
    }

    constexpr Received on_synchronized(const TcpView& seg, const OptionValues& o, Time now) noexcept {
        const TcpFlags f = seg.flags();
        const bool syn_rcvd = state_ == State::SynReceived;

        // A retransmitted SYN in SYN-RECEIVED (our SYN-ACK was lost): answer again.
        if (syn_rcvd && f.syn() && !f.ack() && !f.rst() && seg.seq() == irs_) {
            tx_ |= TxSynAck;
            return {};
        }
        // RFC 7323 §5.3 PAWS (Linux applies it first, tcp_validate_incoming()).
        const bool paws_reject =
            flag(TsOk) && o.timestamps && static_cast<std::int32_t>(o.timestamps->value - ts_recent_) < 0;

        // Crossed SYN-ACKs of a simultaneous open: Linux tcp_validate_incoming()
        // lets a SYN-ACK with SEG.SEQ+1 = RCV.NXT and SEG.ACK = SND.NXT
        // complete SYN-RECEIVED instead of drawing a challenge ACK.
        if (syn_rcvd && !flag(Passive) && f.syn() && f.ack() && !f.rst() && !paws_reject &&
            seg.seq() + 1 == rcv_nxt_ && seg.ack() == snd_nxt_) {
            establish(seg, o, now);
            // Linux then hands the segment to tcp_data_queue(): its SYN is a
            // duplicate (end_seq <= rcv_nxt), so TS.Recent is taken from it
            // (RFC 7323 §4.3: SEG.SEQ <= Last.ACK.sent) and an ACK goes at
            // once, with a D-SACK block for the SYN when SACK was agreed
            // (tcp_dsack_set(), RFC 2883).
            if (flag(TsOk) && o.timestamps) ts_recent_ = o.timestamps->value;
            set_flag(DsackSyn, flag(SackOk));
            tx_ |= TxAck;
            return {};
        }

        // PAWS: a TSval older than TS.Recent is dropped, and ACKed unless it
        // is a RST; a SYN gets a (rate-limited) challenge ACK instead, as in
        // Linux (tcp_validate_incoming(): "goto syn_challenge").
        if (paws_reject && !f.rst()) {
            ++stats_.paws_rejected;
            if (f.syn()) {
                challenge_ack(now);
            } else {
                tx_ |= TxAck;
            }
            return {};
        }
        // RFC 7323 §3.2: with timestamps agreed, a non-RST segment without
        // them is dropped (Linux tcp_validate_incoming()).
        if (flag(TsOk) && !o.timestamps && !f.rst()) {
            ++stats_.dropped;
            return {};
        }

        // First check: sequence number. An unacceptable SYN gets the
        // rate-limited challenge ACK of RFC 5961 §4.2 like any other SYN
        // (Linux tcp_validate_incoming() step 1: "goto syn_challenge"), so
        // out-of-window SYNs cannot bypass the limit.
        if (!seq_acceptable(seg)) {
            ++stats_.dropped;
            if (f.syn() && !f.rst()) {
                challenge_ack(now);
            } else if (!f.rst()) {
                tx_ |= TxAck;
            }
            return {};
        }

        // Second check: RST. RFC 5961 §3.2: only exactly RCV.NXT resets;
        // elsewhere in the window, a challenge ACK.
        if (f.rst()) {
            if (seg.seq() != rcv_nxt_) {
                challenge_ack(now);
                return {};
            }
            if (syn_rcvd && flag(Passive)) { // §3.10.7.4: back to LISTEN
                const Endpoint local = tuple_.local;
                state_ = State::Closed;
                static_cast<void>(listen(local, now));
                return {};
            }
            const bool closing = state_ == State::Closing || state_ == State::LastAck || state_ == State::TimeWait;
            enter_closed(syn_rcvd ? EventKind::Refused : closing ? EventKind::Closed : EventKind::Reset);
            return {};
        }

        // Fourth check: SYN. RFC 5961 §4.2: a challenge ACK, whatever its seq.
        if (f.syn()) {
            challenge_ack(now);
            return {};
        }

        // Fifth check: ACK.
        if (!f.ack()) {
            ++stats_.dropped;
            return {};
        }
        if (syn_rcvd) {
            if (!(snd_una_ < seg.ack() && seg.ack() <= snd_nxt_)) {
                queue_reset(seg.ack(), SeqNum{}, TcpFlag::Rst, tuple_.remote); // connection kept
                return {};
            }
            establish(seg, o, now);
        } else {
            // RFC 5961 §5.2: SEG.ACK beyond SND.NXT, or older than the
            // largest window we were offered: challenge ACK, drop.
            if (seg.ack() > snd_nxt_ || seg.ack() < snd_una_ - max_snd_wnd()) {
                challenge_ack(now);
                return {};
            }
            if (seg.ack() > snd_una_) snd_una_ = seg.ack();
            peer_window_ = seg.window();
        }
        // RFC 7323 §4.3: TS.Recent from a segment covering Last.ACK.sent.
        if (flag(TsOk) && o.timestamps && seg.seq() <= rcv_nxt_) ts_recent_ = o.timestamps->value;

        const bool fin_acked = flag(FinSent) && snd_una_ == snd_nxt_;
        switch (state_) {
        case State::FinWait1:
            if (fin_acked) {
                state_ = State::FinWait2;
                deadline_ = Time::never();
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
                tx_ |= TxAck;
                enter_time_wait(now);
            }
            return {};
        default: break;
        }

        // Seventh check: payload, surfaced to the caller. In-order bytes
        // advance RCV.NXT and occupy the window until consume().
        Received r;
        const Bytes payload = seg.payload();
        const bool receiving = state_ == State::Established || state_ == State::FinWait1 || state_ == State::FinWait2;
        if (!payload.empty() && receiving) {
            r.payload = payload;
            r.payload_seq = seg.seq();
            if (seg.seq() == rcv_nxt_) {
                const std::uint32_t room = receive_window();
                const std::uint32_t take = payload.size() < room ? static_cast<std::uint32_t>(payload.size()) : room;
                r.payload = payload.first(take);
                r.in_order = true;
                rcv_nxt_ = rcv_nxt_ + take;
                unconsumed_ += take;
            }
            tx_ |= TxAck;
        }

        // Eighth check: FIN, when it is next in sequence.
        if (f.fin() && seg.seq() + static_cast<std::uint32_t>(payload.size()) == rcv_nxt_) {
            rcv_nxt_ = rcv_nxt_ + 1;
            tx_ |= TxAck;
            switch (state_) {
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

    constexpr void establish(const TcpView& seg, const OptionValues& o, Time now) noexcept {
        snd_una_ = seg.ack();
        peer_window_ = seg.window();
        sample_handshake_rtt(o, now);
        deadline_ = user_deadline_ = Time::never();
        retries_ = 0;
        state_ = flag(FinSent) ? State::FinWait1 : State::Established;
        if (flag(FinSent)) arm_retransmit(now);
        emit(EventKind::Established);
    }

    [[nodiscard]] constexpr std::uint32_t max_snd_wnd() const noexcept {
        return static_cast<std::uint32_t>(peer_window_) << (flag(WsOk) ? snd_wscale_ : 0U);
    }

    constexpr void enter_time_wait(Time now) noexcept {
        state_ = State::TimeWait;
        deadline_ = now + cfg().msl * 2;
    }

    const Context* ctx_;
    Bytes tfo_data_{};                      // Fast Open data (a view of the caller's), until sent or acked
    const std::uint8_t* tfo_cookie_ = nullptr; // Fast Open cookie (a view of the caller's)
    FourTuple tuple_{};
    Endpoint rst_to_{};
    SeqNum iss_{}, irs_{}, snd_una_{}, snd_nxt_{}, rcv_nxt_{}, fin_seq_{}, rst_seq_{}, rst_ack_{};
    std::uint32_t ts_recent_ = 0, ts_offset_ = 0;
    std::uint32_t unconsumed_ = 0;
    std::uint16_t peer_window_ = 0;
    std::uint16_t snd_mss_ = 0;
    std::uint16_t flags_ = 0;
    std::uint16_t rst_flags_ = 0;
    std::uint16_t challenge_count_ = 0;
    State state_ = State::Closed;
    std::uint8_t snd_wscale_ = 0, rcv_wscale_ = 0;
    std::uint8_t retries_ = 0;
    std::uint8_t tx_ = 0;
    std::uint8_t tfo_cookie_len_ = 0;
    std::uint16_t tfo_acked_ = 0; // SYN data bytes the SYN-ACK acknowledged
    Array<EventKind, ev_capacity> events_{};
    std::uint8_t ev_head_ = 0, ev_count_ = 0;
    RtoEstimator rto_{};
    Time syn_sent_at_{};
    Time deadline_ = Time::never();      // retransmission or TIME-WAIT
    Time user_deadline_ = Time::never(); // RFC 9293 user timeout
    Time challenge_start_{};
    ConnectionStats stats_{};
};

// DESIGN.md: memory is bounded and stated. 248 bytes on x86-64 (g++ 12),
// 224 before the Fast Open client views (data, cookie) were added.
static_assert(sizeof(Connection) <= 256, "a Connection must fit in 256 bytes");

} // namespace synack
