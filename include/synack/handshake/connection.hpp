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
#include "synack/handshake/negotiate.hpp"
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

// One segment written by poll_transmit(), or why none was.
//
// The contract of poll_transmit(buf, now) (Connection and Listener alike):
// - nullopt: nothing to send;
// - error None: one complete segment (TCP header + payload, checksum
//   filled) is in buf[0, length), to go from flow.local to flow.remote;
// - error BufferTooSmall: `buf` cannot hold the next segment; nothing was
//   written (length 0), `needed` is its size, and the segment stays queued:
//   call again with at least `needed` bytes. A buffer of max_segment_size()
//   bytes never gets this error.
struct Transmit {
    FourTuple flow{};       // from flow.local to flow.remote
    std::size_t length = 0; // bytes written (TCP header + payload, checksum filled)
    std::uint8_t ecn = 0;   // IP ECN codepoint to send with (0: Not-ECT; handshake segments are never ECT, RFC 3168 §6.1.1)
    Error error = Error::None; // BufferTooSmall: nothing written, see `needed`
    std::size_t needed = 0;    // the size of the segment (written or not)
    [[nodiscard]] constexpr bool ok() const noexcept { return error == Error::None; }
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
    // Bytes of the answer written into the caller's reply buffer
    // (Listener::on_segment() with one), 0: none.
    std::size_t reply = 0;
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
    std::uint16_t challenge_acks_suppressed = 0; // challenge and out-of-window ACKs held back by the rate limit
    std::uint16_t oow_acks = 0;                  // out-of-window / PAWS-failed segments answered
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
    // The largest header a segment can have (60 bytes, RFC 9293 §3.1): every
    // segment but Fast Open data fits in it.
    static constexpr std::size_t max_header_size = tcp_max_header;

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
        c.snd_wscale_ = negotiate::clamp_window_scale(n.snd_wscale);
        c.rcv_wscale_ = negotiate::clamp_window_scale(n.rcv_wscale);
        c.set_flag(SackOk, n.sack);
        c.set_flag(TsOk, n.timestamps);
        c.ts_recent_ = n.ts_recent;
        // (When TS.Recent was taken is unknown: PAWS counts no idle time
        // until it is next taken; TsStamped stays clear.)
        c.ts_offset_ = n.ts_offset;
        c.set_flag(EcnOk, n.ecn);
        c.set_flag(Passive, true);
        c.set_flag(Child, true);
        c.settle_rcv_space();
        c.unconsumed_ = n.tfo_data;
        c.tfo_acked_ = static_cast<std::uint16_t>(n.tfo_data > 0xFFFFU ? 0xFFFFU : n.tfo_data);
        c.rto_ = RtoEstimator(ctx.config.rto_initial);
        // A negative sample (a caller's clock that stepped back) is no sample.
        if (n.has_rtt && n.rtt.ns >= 0) {
            c.rto_.sample(n.rtt, ctx.config.rto_min, ctx.config.rto_max);
            c.set_flag(HasRtt, true);
        }
        c.state_ = s == State::SynReceived ? State::SynReceived : State::Established;
        if (c.state_ == State::SynReceived) {
            c.retries_ = retries;
            c.set_flag(IssResent, retries != 0);
            for (std::uint8_t i = 0; i < retries; ++i) c.rto_.back_off(ctx.config.rto_max);
            c.syn_sent_at_ = synack_sent;
            c.deadline_ = saturating_add(synack_sent, c.rto_.rto());
            if (ctx.config.user_timeout.ns > 0) c.user_deadline_ = saturating_add(synack_sent, ctx.config.user_timeout);
        }
        return c;
    }
    static Connection adopt(const Context&&, const Negotiated&, State, Time = {}, std::uint8_t = 0) = delete;

    // ---- user calls (RFC 9293 §3.10.1-§3.10.5) ----
    // connect(), connect_fast_open() and listen() return the Config's error
    // (validate_connection_config()) if it is one this machine cannot honour.

    // Active open: send a SYN from t.local to t.remote.
    constexpr Error connect(const FourTuple& t, Time now) noexcept {
        if (state_ != State::Closed) return Error::InvalidState;
        if (const Error e = validate_connection_config(cfg()); e != Error::None) return e;
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
    // poll_transmit() needs max_segment_size() bytes for the data segments.
    constexpr Error connect_fast_open(const FourTuple& t, Bytes cookie, Bytes data, Time now,
                                      std::uint16_t peer_mss = 0) noexcept {
        if (!cfg().fastopen_client()) return Error::InvalidState;
        if (!negotiate::fastopen_cookie_length_ok(cookie.size())) return Error::OptionValueInvalid;
        if (state_ != State::Closed) return Error::InvalidState;
        if (const Error e = validate_connection_config(cfg()); e != Error::None) return e;
        reset_tcb(now);
        tuple_ = t;
        choose_iss_and_ts(now);
        tfo_cookie_ = cookie.data();
        tfo_cookie_len_ = static_cast<std::uint8_t>(cookie.size());
        tfo_data_ = data;
        set_flag(TfoSyn, true);
        if (!cookie.empty() && !data.empty()) {
            const std::size_t room = negotiate::fastopen_syn_room(peer_mss, t.local.address.is_v4());
            if (tfo_data_.size() > room) tfo_data_ = tfo_data_.first(room);
            set_flag(TfoSynData, true);
            set_flag(TfoHadData, true);
            snd_nxt_ = snd_nxt_ + static_cast<std::uint32_t>(tfo_data_.size());
        }
        // Data sent after the handshake is cut to one MSS as well: 64 KiB
        // at most, so sequence arithmetic on its length cannot wrap.
        if (tfo_data_.size() > 0xFFFFU) tfo_data_ = tfo_data_.first(0xFFFFU);
        state_ = State::SynSent;
        send_syn(now);
        return Error::None;
    }

    // Passive open for one flow (a Listener serves many).
    constexpr Error listen(const Endpoint& local, Time now) noexcept {
        if (state_ != State::Closed) return Error::InvalidState;
        if (const Error e = validate_connection_config(cfg()); e != Error::None) return e;
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
                snd_nxt_ = snd_nxt_ + 1; // our FIN is SND.NXT - 1 from now on
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
            // Linux tcp_send_active_reset() -> tcp_transmit_skb(): this RST
            // is a segment of the connection, with its timestamps when
            // agreed (upstream ts_recent/reset_tsval.pkt).
            set_flag(RstTs, flag(TsOk));
        }
        enter_closed(EventKind::Closed);
        return Error::None;
    }

    // The caller consumed n bytes of delivered payload: the window reopens.
    constexpr void consume(std::uint32_t n) noexcept {
        const std::uint32_t before = advertised_window();
        unconsumed_ = n > unconsumed_ ? 0 : unconsumed_ - n;
        // Linux tcp_cleanup_rbuf() (receiver SWS avoidance, RFC 9293
        // §3.8.6.2.2): a window update goes only when the window the peer
        // has was at most half the space and the new one at least doubles
        // it (a zero window reopening included); reading 3000 of 64 KiB
        // sends nothing (upstream fastopen/client/synack-data.pkt).
        const std::uint32_t after = advertised_window();
        if (synchronized() && n > 0 && std::uint64_t{before} * 2 <= rcv_space() && after > 0 &&
            std::uint64_t{after} >= std::uint64_t{before} * 2)
            tx_ |= TxAck;
    }

    // ---- segment arrival (RFC 9293 §3.10.7) ----

    // `src`/`dst`: the IP addresses the segment came from / was sent to
    // (for the pseudo-header checksum and to match the flow).
    constexpr Received on_segment(const IpAddress& src, const IpAddress& dst, Bytes segment, Time now) noexcept {
        const result<TcpView> pv = TcpView::parse(segment);
        if (!pv) {
            ++stats_.segments_in;
            ++stats_.malformed;
            return {pv.error()};
        }
        return on_segment(src, dst, *pv, now);
    }

    // The same for a segment its caller has parsed already (a TcpEndpoint
    // parses each datagram once and hands the view down); the checksum is
    // verified here.
    constexpr Received on_segment(const IpAddress& src, const IpAddress& dst, const TcpView& seg, Time now) noexcept {
        ++stats_.segments_in;
        if (!verify_tcp_checksum(src, dst, seg.bytes())) {
            ++stats_.bad_checksum;
            return {Error::BadChecksum};
        }
        if (!addressed_here(src, dst, seg)) return {Error::NotFound};
        const OptionValues opts = OptionValues::decode(seg.option_bytes());
        switch (state_) {
        case State::Closed: closed_reply(src, seg); return {};
        case State::Listen: on_listen(src, seg, opts, now); return {};
        case State::SynSent: {
            on_syn_sent(seg, opts, now);
            Received r;
            if (state_ == State::Established) r = take_synack_payload(seg);
            if (state_ != State::SynSent && state_ != State::SynReceived && opts.fast_open && !opts.fast_open->is_request()) {
                for (const OptionEntry& e : seg.options()) { // the cookie's bytes in the input
                    if (e.ok() && e.is_fast_open()) r.fastopen_cookie = e.fast_open_cookie();
                }
            }
            return r;
        }
        default: return on_synchronized(seg, opts, now);
        }
    }

    // A SYN that opens a new incarnation of this flow from TIME-WAIT (RFC
    // 1122 §4.2.2.13, and RFC 6191 with timestamps), as Linux
    // tcp_timewait_state_process() takes it: a SYN without ACK or RST whose
    // checksum holds, that PAWS does not reject (TSval not behind TS.Recent
    // at all), and that is no old duplicate: SEG.SEQ after RCV.NXT, or a
    // TSval newer than TS.Recent. Then this flow ends (CLOSED, as at the end
    // of 2 MSL) and the ISS the new incarnation must use is returned: SND.NXT
    // + 65537, above every sequence number of this one (Linux: tw_snd_nxt +
    // 65535 + 2, and never 0). The caller hands the SYN to its Listener with
    // that ISS (Listener::on_reopening_syn()); Linux does so only when one
    // listens, else the SYN is answered as in TIME-WAIT (on_segment()), so
    // call this only with a Listener to hand it to. nullopt: not such a SYN,
    // nothing changed.
    constexpr Optional<SeqNum> reopen_from_time_wait(const IpAddress& src, const IpAddress& dst, const TcpView& seg,
                                                     Time now) noexcept {
        const TcpFlags f = seg.flags();
        if (state_ != State::TimeWait || !f.syn() || f.ack() || f.rst()) return nullopt;
        if (!addressed_here(src, dst, seg) || !verify_tcp_checksum(src, dst, seg.bytes())) return nullopt;
        const OptionValues o = OptionValues::decode(seg.option_bytes());
        const bool ts = flag(TsOk) && o.timestamps;
        if (ts && !negotiate::paws_ok(ts_recent_, o.timestamps->value, ts_idle(now), 0)) return nullopt;
        const bool newer_ts = ts && static_cast<std::int32_t>(ts_recent_ - o.timestamps->value) < 0;
        if (!(seg.seq() > rcv_nxt_) && !newer_ts) return nullopt;
        const SeqNum iss = snd_nxt_ + 65537U;
        enter_closed(EventKind::Closed);
        return iss.raw() == 0 ? SeqNum(1) : iss;
    }

    // A segment for this flow: to our endpoint and, once the flow is bound
    // to a peer (not LISTEN or CLOSED), from that peer.
    [[nodiscard]] constexpr bool addressed_here(const IpAddress& src, const IpAddress& dst, const TcpView& seg) const noexcept {
        const bool unbound = state_ == State::Listen || state_ == State::Closed;
        return dst == tuple_.local.address && seg.destination_port() == tuple_.local.port &&
               (unbound || (src == tuple_.remote.address && seg.source_port() == tuple_.remote.port));
    }

    // ---- timers ----

    // Time::never() (what next_deadline() returns with no timer) fires
    // nothing: a driver may call on_timer(next_deadline()) blindly.
    constexpr void on_timer(Time now) noexcept {
        if (user_deadline_ != Time::never() && now >= user_deadline_) {
            enter_closed(EventKind::TimedOut);
            return;
        }
        if (deadline_ == Time::never() || now < deadline_) return;
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

    // A buffer this large always suffices for poll_transmit(): a header
    // (60 bytes) plus the Fast Open data this connection still holds.
    [[nodiscard]] constexpr std::size_t max_segment_size() const noexcept { return max_header_size + tfo_data_.size(); }

    // Writes the next pending segment into `buf`: see Transmit for the
    // contract (a buffer too small is an error naming the size needed, and
    // the segment stays queued).
    constexpr Optional<Transmit> poll_transmit(MutableBytes buf, Time now) noexcept {
        // The result is filled in where the caller receives it (one named
        // Optional, returned on every path: NRVO), field by field from
        // registers and members. Building a Transmit (or the whole segment
        // description, flow included) in a temporary and copying it out
        // reads 16-byte pieces of freshly written narrower stores: a
        // store-forwarding stall on every segment.
        Optional<Transmit> out;
        if (tx_ == 0) return out;
        TcpFields h;
        OptionValues opts;
        const Outgoing g = next_segment(h, opts, now);
        const Endpoint& remote = g.rst ? rst_to_ : tuple_.remote;
        Transmit& t = out.emplace();
        t.flow.local = tuple_.local;
        t.flow.remote = remote;
        // A buffer of max_segment_size() always fits: the size is only
        // computed ahead when the buffer might be too small.
        if (buf.size() < max_header_size + g.payload.size()) {
            const result<std::size_t> optlen = opts.canonical_size();
            const std::size_t needed = tcp_min_header + optlen.value_or(0) + g.payload.size();
            if (optlen && buf.size() < needed) {
                t.error = Error::BufferTooSmall;
                t.needed = needed;
                return out;
            }
        }
        commit(g);
        const result<std::size_t> n = h.encode(buf, opts, tuple_.local.address, remote.address, g.payload);
        // (cannot fail with the options this machine builds: dropped rather than looping)
        if (!n) {
            t.error = n.error();
            return out;
        }
        copy_bytes(buf, *n, g.payload);
        t.length = t.needed = *n + g.payload.size();
        return out;
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
        const Optional<Duration> rtt = flag(HasRtt) ? Optional<Duration>(rto_.srtt()) : nullopt;
        return negotiate::negotiated(tuple_, {iss_, irs_, snd_nxt_, rcv_nxt_}, agreement(), peer_window_, ts_offset_,
                                     tfo_acked_, rtt);
    }

  private:
    // Pending transmissions: a bit each (quinn-style: what to send is
    // derived from the state when polled, so nothing is copied twice).
    enum TxBits : std::uint8_t { TxSyn = 1, TxSynAck = 2, TxAck = 4, TxFin = 8, TxRst = 16, TxData = 32 };
    enum FlagBits : std::uint16_t {
        WsOk = 1, SackOk = 2, TsOk = 4, EcnOk = 8, HasRtt = 16, FinSent = 32,
        IssResent = 64, // our ISS went more than once (SYN retransmitted, or SYN then SYN-ACK): Karn
        Passive = 128,
        Dsack = 256,      // the next ACK carries the D-SACK block [dsack_start_, dsack_end_) (RFC 2883)
        TfoSyn = 512,     // our SYN carries a Fast Open option (cleared when the SYN is retransmitted)
        TfoSynData = 1024, // ... and data (cleared likewise)
        TfoHadData = 2048, // the first SYN carried data (Linux tp->syn_data)
        TsStamped = 4096,  // ts_recent_sec_ holds when TS.Recent was taken
        RstTs = 8192,      // the queued RST is our active reset: it carries the timestamps
        Child = 16384,     // adopted from a Listener: no LISTEN of its own to return to
    };
    static constexpr std::size_t ev_capacity = 4;

    // What poll_transmit() sends next besides its header fields and options
    // (which next_segment() writes into the caller's), and what sending it
    // clears. Small on purpose: no copy of the flow, no zeroed block.
    struct Outgoing {
        Bytes payload{}; // Fast Open data only: handshake segments carry none
        std::uint8_t clear = 0; // TxBits sent
        bool rst = false;       // to rst_to_ rather than tuple_.remote
        bool data = false;      // the Fast Open data is handed over
        bool dsack = false;     // the D-SACK block went
    };

    [[nodiscard]] constexpr const Config& cfg() const noexcept { return ctx_->config; }
    [[nodiscard]] constexpr bool flag(std::uint16_t f) const noexcept { return (flags_ & f) != 0; }
    constexpr void set_flag(std::uint16_t f, bool on) noexcept {
        flags_ = static_cast<std::uint16_t>(on ? (flags_ | f) : (flags_ & ~f));
    }

    [[nodiscard]] constexpr negotiate::Agreement agreement() const noexcept {
        negotiate::Agreement a;
        a.wscale = flag(WsOk);
        a.snd_wscale = snd_wscale_;
        a.rcv_wscale = rcv_wscale_;
        a.sack = flag(SackOk);
        a.timestamps = flag(TsOk);
        a.ts_recent = ts_recent_;
        a.mss = snd_mss_;
        a.ecn = flag(EcnOk);
        return a;
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
        iss_ = irs_ = snd_una_ = snd_nxt_ = rcv_nxt_ = dsack_start_ = dsack_end_ = rst_seq_ = rst_ack_ = SeqNum{};
        ts_recent_ = ts_offset_ = unconsumed_ = reply_start_ms_ = ts_recent_sec_ = 0;
        peer_window_ = snd_mss_ = flags_ = rst_flags_ = reply_count_ = 0;
        state_ = State::Closed;
        snd_wscale_ = rcv_wscale_ = retries_ = tx_ = 0;
        rto_ = {};
        syn_sent_at_ = Time{};
        deadline_ = user_deadline_ = Time::never();
        rto_.set(cfg().rto_initial);
        if (cfg().user_timeout.ns > 0) user_deadline_ = saturating_add(now, cfg().user_timeout);
        settle_rcv_space(); // an active open's: before any option is known
    }

    constexpr void choose_iss_and_ts(Time now) noexcept {
        iss_ = SeqNum(initial_sequence_number(ctx_->secrets.isn_key, tuple_, now));
        ts_offset_ = timestamp_offset(ctx_->secrets.ts_key, tuple_.local.address, tuple_.remote.address);
        snd_una_ = iss_;
        snd_nxt_ = iss_ + 1;
    }

    [[nodiscard]] constexpr std::uint32_t ts_now(Time now) const noexcept { return timestamp_clock(now) + ts_offset_; }

    constexpr void take_ts_recent(std::uint32_t tsval, Time now) noexcept {
        ts_recent_ = tsval;
        ts_recent_sec_ = seconds_of(now);
        set_flag(TsStamped, true);
    }

    // One RST slot: a later RST replaces an unsent one.
    constexpr void queue_reset(SeqNum seq, SeqNum ack, TcpFlags f, const Endpoint& to) noexcept {
        rst_seq_ = seq;
        rst_ack_ = ack;
        rst_flags_ = f.bits();
        rst_to_ = to;
        set_flag(RstTs, false); // abort() sets it for its own RST
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
        // The first SYN's time: the RTT sample needs it only while the SYN
        // went once (Karn), the give-up rule (on_retransmit_timer()) from
        // the first SYN on, as Linux's retrans_stamp.
        if (retries_ == 0) syn_sent_at_ = now;
        tx_ |= TxSyn;
        arm_retransmit(now);
    }

    constexpr void send_synack(Time now) noexcept {
        syn_sent_at_ = now;
        tx_ |= TxSynAck;
        arm_retransmit(now);
    }

    constexpr void send_fin(Time now) noexcept {
        snd_nxt_ = snd_nxt_ + 1; // our FIN is SND.NXT - 1 from now on
        set_flag(FinSent, true);
        retries_ = 0;
        tx_ |= TxFin;
        arm_retransmit(now);
    }

    constexpr void arm_retransmit(Time now) noexcept { deadline_ = saturating_add(now, rto_.rto()); }

    // Linux tcp_write_timeout()/tcp_retransmit_timer(): SYN-SENT allows
    // syn_retries + syn_linear_timeouts retransmissions, the first
    // syn_linear_timeouts at the initial RTO, then doubling; SYN-RECEIVED
    // allows synack_retries, doubling; RTO capped at rto_max.
    //
    // SYN-SENT also gives up at the first timeout (after a retransmission)
    // that finds model_timeout(syn_retries) gone since the first SYN (Linux
    // tcp_write_timeout() -> retransmits_timed_out()): the linear timeouts
    // add SYNs inside that budget, not time (syn_retries 2: SYNs at 0..5 s,
    // TimedOut at 7 s; 6: TimedOut at 131 s, the count ends it too).
    constexpr void on_retransmit_timer(Time now) noexcept {
        std::uint32_t limit = cfg().fin_retries;
        if (state_ == State::SynSent) limit = std::uint32_t{cfg().syn_retries} + cfg().syn_linear_timeouts;
        if (state_ == State::SynReceived) limit = cfg().synack_retries;
        const bool budget_spent =
            state_ == State::SynSent && retries_ > 0 &&
            saturating_sub(now, syn_sent_at_) >= model_timeout(cfg().syn_retries, cfg().rto_initial, cfg().rto_max);
        if (retries_ >= limit || budget_spent) {
            enter_closed(EventKind::TimedOut);
            return;
        }
        ++retries_;
        ++stats_.retransmits;
        const bool linear = state_ == State::SynSent && retries_ <= cfg().syn_linear_timeouts;
        if (!linear) rto_.back_off(cfg().rto_max);
        switch (state_) {
        case State::SynSent:
            set_flag(IssResent, true);
            // RFC 7413 §4.2.1 / Linux: the SYN goes again without cookie or data.
            set_flag(TfoSyn, false);
            set_flag(TfoSynData, false);
            send_syn(now);
            break;
        case State::SynReceived:
            // The SYN-ACK alone goes again, even with a FIN queued behind it
            // (close()): Linux's SYN-ACK timer (reqsk_timer_handler(),
            // tcp_fastopen_synack_timer() -> inet_rtx_syn_ack()) resends
            // only the SYN-ACK; the FIN is retransmitted once established.
            set_flag(IssResent, true);
            send_synack(now);
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

    // The receive window this flow offers when nothing is unconsumed
    // (negotiate::initial_window()), fixed once the options are known (kept:
    // a division per segment cost a quarter of a handshake).
    [[nodiscard]] constexpr std::uint32_t rcv_space() const noexcept { return rcv_space_; }
    constexpr void settle_rcv_space() noexcept {
        rcv_space_ = negotiate::initial_window(cfg().rcv_wnd, cfg().mss, flag(Passive) && flag(TsOk));
    }

    [[nodiscard]] constexpr std::uint32_t advertised_window() const noexcept {
        const std::uint32_t space = rcv_space();
        return space > unconsumed_ ? space - unconsumed_ : 0;
    }

    // The window offered once scaling is agreed: the free space rounded *up*
    // to the scale unit, as Linux __tcp_select_window() does ("Advertise
    // enough space so that it won't get scaled away": ALIGN(free, 1 <<
    // rcv_wscale)). Captures a_ipv4_default and d_ipv6_default show it: 64240
    // and 64800 bytes go out as win 63 and 64 with wscale 10, not 62 and 63.
    // Never more than the 16-bit field can say (65535 << shift): sequence
    // acceptance and the payload taken use this same window, so what is
    // offered is what is accepted.
    [[nodiscard]] constexpr std::uint32_t receive_window() const noexcept {
        const std::uint32_t w = advertised_window();
        const std::uint32_t shift = flag(WsOk) ? rcv_wscale_ : 0U;
        const std::uint64_t unit = std::uint64_t{1} << shift;
        const std::uint64_t up = ((std::uint64_t{w} + unit - 1) >> shift) << shift; // no division
        const std::uint64_t max = std::uint64_t{0xFFFF} << shift;
        return static_cast<std::uint32_t>(up < max ? up : max);
    }

    [[nodiscard]] constexpr std::uint16_t window_field(bool syn) const noexcept {
        // RFC 7323 §2.2: the window in a SYN or SYN-ACK is never scaled. It
        // is the flow's receive space as first offered, whatever is buffered:
        // Linux tcp_make_synack() sends min(req->rsk_rcv_wnd, 65535), so a
        // Fast Open child's retransmitted SYN-ACK is not narrowed by its
        // SYN's data (tests/scenarios/listener-rebuilt-keeps-child.pkt).
        if (syn) return negotiate::syn_window(rcv_space());
        return static_cast<std::uint16_t>(receive_window() >> (flag(WsOk) ? rcv_wscale_ : 0U));
    }

    // ---- the segment poll_transmit() writes next (state unchanged) ----

    [[nodiscard]] constexpr Outgoing next_segment(TcpFields& h, OptionValues& o, Time now) const noexcept {
        Outgoing g;
        if (tx_ & TxRst) {
            g.clear = TxRst;
            g.rst = true;
            h.seq = rst_seq_;
            h.ack = rst_ack_;
            h.flags = TcpFlags::from_bits(rst_flags_);
            // Window 0; a RST answering a segment carries no options (Linux
            // tcp_v4_send_reset()), our active reset its timestamps.
            if (flag(RstTs)) o.timestamps = Timestamps{ts_now(now), ts_recent_};
        } else if (tx_ & (TxSyn | TxSynAck)) {
            syn_segment(g, h, o, (tx_ & TxSynAck) != 0, now);
        } else if ((tx_ & TxData) && !(tx_ & TxAck)) {
            // Fast Open data the SYN-ACK did not acknowledge (see connect_fast_open()).
            g.clear = TxData;
            g.data = true;
            const std::uint32_t sent = static_cast<std::uint32_t>(snd_una_ - (iss_ + 1));
            g.payload = sent < tfo_data_.size() ? tfo_data_.subspan(sent) : Bytes{};
            h.seq = snd_una_;
            h.ack = rcv_nxt_;
            h.flags = TcpFlag::Psh | TcpFlag::Ack;
            h.window = window_field(false);
            if (flag(TsOk)) o.timestamps = Timestamps{ts_now(now), ts_recent_};
        } else {
            ack_segment(g, h, o, now);
        }
        h.source_port = tuple_.local.port;
        h.destination_port = g.rst ? rst_to_.port : tuple_.remote.port;
        return g;
    }

    // Linux's SYN and SYN-ACK (tcp_syn_options(), tcp_synack_options()).
    constexpr void syn_segment(Outgoing& g, TcpFields& h, OptionValues& o, bool synack, Time now) const noexcept {
        g.clear = TxSyn | TxSynAck | TxAck;
        h.seq = iss_;
        h.window = window_field(true);
        if (synack) {
            h.ack = rcv_nxt_;
            h.flags = negotiate::synack_flags(agreement());
            negotiate::synack_answer(cfg(), agreement(), ts_now(now), o);
            return;
        }
        h.flags = negotiate::syn_flags(cfg());
        negotiate::syn_offer(cfg(), ts_now(now), o);
        if (flag(TfoSyn)) {
            o.fast_open = tfo_cookie_len_ == 0 ? FastOpenOption::request()
                                               : FastOpenOption::with_cookie(Bytes(tfo_cookie_, tfo_cookie_len_));
            if (flag(TfoSynData)) g.payload = tfo_data_;
        }
    }

    // An ACK, or a FIN (which carries the ACK); several pending ACKs go once.
    constexpr void ack_segment(Outgoing& g, TcpFields& h, OptionValues& o, Time now) const noexcept {
        const bool fin = (tx_ & TxFin) != 0;
        g.clear = TxFin | TxAck;
        // (An ACK queued ahead of Fast Open data goes before it.)
        h.seq = fin ? snd_nxt_ - 1 : (tx_ & TxData) ? snd_una_ : snd_nxt_;
        h.ack = rcv_nxt_;
        h.flags = fin ? (TcpFlag::Fin | TcpFlag::Ack) : TcpFlags(TcpFlag::Ack);
        h.window = window_field(false);
        // RFC 7323 §3.2: once negotiated, on every non-RST segment.
        if (flag(TsOk)) o.timestamps = Timestamps{ts_now(now), ts_recent_};
        // RFC 2883 D-SACK for what the peer sent twice (its SYN in a
        // simultaneous open, data already received); Linux writes it after
        // the timestamps: nop,nop,TS,nop,nop,sack.
        if (flag(Dsack)) {
            o.sack_blocks[0] = SackBlock{dsack_start_.raw(), dsack_end_.raw()};
            o.sack_count = 1;
            g.dsack = true;
        }
    }

    constexpr void commit(const Outgoing& g) noexcept {
        tx_ &= static_cast<std::uint8_t>(~g.clear);
        if (g.data) tfo_data_ = Bytes{};
        if (g.dsack) set_flag(Dsack, false);
    }

    // ---- arrival, per state ----

    constexpr void closed_reply(const IpAddress& src, const TcpView& seg) noexcept {
        const Optional<TcpHeader> r = reset_for(seg);
        if (r) queue_reset(r->seq, r->ack, r->flags, {src, seg.source_port()});
    }

    // Learn the peer's SYN (or SYN-ACK) options: handshake/negotiate.hpp.
    constexpr void take_syn_options(const TcpView& seg, const OptionValues& o, bool syn_ack, Time now) noexcept {
        const negotiate::Agreement a = negotiate::agree(cfg(), o, seg.flags(), tuple_.local.address.is_v4(), syn_ack);
        snd_mss_ = a.mss;
        set_flag(WsOk, a.wscale);
        snd_wscale_ = a.snd_wscale;
        rcv_wscale_ = a.rcv_wscale;
        set_flag(SackOk, a.sack);
        set_flag(TsOk, a.timestamps);
        if (a.timestamps) take_ts_recent(a.ts_recent, now);
        set_flag(EcnOk, a.ecn);
        peer_window_ = seg.window();
        settle_rcv_space();
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
        set_flag(Passive, true);
        take_syn_options(seg, o, false, now);
        choose_iss_and_ts(now);
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
                // Linux tcp_rcv_synsent_state_process(): "Previous FIN/ACK
                // or RST/ACK might be ignored", so before any retransmission
                // the SYN goes again after TCP_TIMEOUT_MIN (only ever
                // earlier: a stream of bad ACKs cannot postpone it).
                const Time soon = saturating_add(now, cfg().timeout_min);
                if (retries_ == 0 && soon < deadline_) deadline_ = soon;
                if (f.rst()) return;
                queue_reset(seg.ack(), SeqNum{}, TcpFlag::Rst, tuple_.remote); // <SEQ=SEG.ACK><CTL=RST>
                return;
            }
        }
        if (f.ack() && !f.rst() && f.syn() && cfg().timestamps && o.timestamps &&
            !negotiate::synack_tsecr_ok(o.timestamps->echo_reply, ts_now(syn_sent_at_), ts_now(now))) {
            ++stats_.dropped;
            queue_reset(seg.ack(), SeqNum{}, TcpFlag::Rst, tuple_.remote); // <SEQ=SEG.ACK><CTL=RST>
            return;
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
        take_syn_options(seg, o, f.ack(), now);
        if (f.ack()) {
            snd_una_ = seg.ack();
            sample_handshake_rtt(o, now);
            state_ = State::Established;
            deadline_ = user_deadline_ = Time::never();
            tx_ |= TxAck;
            fast_open_synack();
            emit(EventKind::Established);
            return;
        }
        // Simultaneous open (§3.5 Figure 8): SYN-ACK with the same ISS; data
        // in the SYN is dropped (Linux does not queue it). Our ISS now goes a
        // second time, so an ACK of it is ambiguous (Karn, RFC 6298 §3).
        set_flag(IssResent, true);
        state_ = State::SynReceived;
        retries_ = 0;
        rto_.set(cfg().rto_initial);
        send_synack(now);
    }

    // The handshake's RTT (negotiate::handshake_rtt()); none: RFC 6298
    // §5.7's fallback RTO.
    constexpr void sample_handshake_rtt(const OptionValues& o, Time now) noexcept {
        const Optional<Duration> rtt =
            negotiate::handshake_rtt(flag(TsOk), o.timestamps, ts_now(now), !flag(IssResent), syn_sent_at_, now);
        rto_ = RtoEstimator(cfg().rto_initial);
        if (rtt) {
            rto_.sample(*rtt, cfg().rto_min, cfg().rto_max);
            set_flag(HasRtt, true);
        } else {
            rto_.set(cfg().rto_fallback); // RFC 6298 §5.7
        }
    }

    // An ACK a peer's segment draws, rate-limited per connection (negotiate::
    // reply_allowed(): RFC 5961 §7 challenge ACKs and Linux's out-of-window
    // dupacks share one budget, as tcp_send_challenge_ack() and
    // tcp_oow_rate_limited() share tp->last_oow_ack_time).
    constexpr void limited_ack(Time now, std::uint16_t& sent) noexcept {
        if (!negotiate::reply_allowed(timestamp_clock(now), reply_start_ms_, reply_count_, cfg().challenge_ack_limit,
                                      cfg().challenge_ack_window)) {
            ++stats_.challenge_acks_suppressed;
            return;
        }
        ++sent;
        tx_ |= TxAck;
    }
    constexpr void challenge_ack(Time now) noexcept { limited_ack(now, stats_.challenge_acks); }

    // The dupack for an out-of-window or PAWS-failed segment (Linux
    // tcp_validate_incoming() -> tcp_send_dupack()): pure ACKs and SYNs are
    // rate-limited, data is answered every time (tcp_oow_rate_limited()).
    constexpr void oow_ack(const TcpView& seg, Time now) noexcept {
        if (seg.flags().rst()) return;
        if (seg.flags().syn()) {
            challenge_ack(now); // tcp_validate_incoming(): "goto syn_challenge"
            return;
        }
        if (negotiate::reply_is_rate_limited(seg.segment_length(), false)) {
            limited_ack(now, stats_.oow_acks);
            return;
        }
        ++stats_.oow_acks;
        tx_ |= TxAck;
        // Linux tcp_send_dupack(): data starting before RCV.NXT was received
        // already; with SACK the ACK reports it (RFC 2883 D-SACK).
        if (seg.seq() < rcv_nxt_) dsack(seg.seq(), seg.seq() + seg.segment_length() < rcv_nxt_ ? seg.seq() + seg.segment_length() : rcv_nxt_);
    }

    // The next ACK carries the D-SACK block [start, end) if SACK was agreed.
    constexpr void dsack(SeqNum start, SeqNum end) noexcept {
        if (!flag(SackOk)) return;
        dsack_start_ = start;
        dsack_end_ = end;
        set_flag(Dsack, true);
    }

    [[nodiscard]] static constexpr std::uint32_t seconds_of(Time t) noexcept {
        return static_cast<std::uint32_t>(static_cast<std::uint64_t>(t.ns / 1000000000));
    }

    // RFC 9293 §3.10.7.4 first check: the four cases; and, as Linux
    // tcp_sequence() (end_seq not before rcv_wup, which is RCV.NXT here: every
    // segment taken is ACKed at once), a segment ending exactly at RCV.NXT,
    // a duplicate whose TSval is taken and which draws a D-SACK.
    [[nodiscard]] constexpr bool seq_acceptable(const TcpView& seg) const noexcept {
        const std::uint32_t len = seg.segment_length();
        const std::uint32_t wnd = receive_window();
        if (len == 0) return wnd == 0 ? seg.seq() == rcv_nxt_ : seg.seq().in_window(rcv_nxt_, wnd);
        if (seg.seq() + len == rcv_nxt_) return true;
        if (wnd == 0) return false;
        return seg.seq().in_window(rcv_nxt_, wnd) || (seg.seq() + (len - 1)).in_window(rcv_nxt_, wnd);
    }

    // ---- SEGMENT ARRIVES in a synchronized state or SYN-RECEIVED
    // (RFC 9293 §3.10.7.4), one function per step, each returning whether
    // the segment goes on to the next step ----

    constexpr Received on_synchronized(const TcpView& seg, const OptionValues& o, Time now) noexcept {
        if (!on_special_syn(seg, o, now)) return {};
        if (!check_timestamps(seg, o, now)) return {};
        if (!check_sequence(seg, now)) return {};   // first
        if (!check_rst(seg, now)) return {};        // second (third, security, has no part here)
        if (!check_syn(seg, now)) return {};        // fourth
        if (!check_ack(seg, o, now)) return {};     // fifth
        Received r = take_payload(seg);             // seventh (sixth, URG, has no part here)
        check_fin(seg, now);                        // eighth
        return r;
    }

    // Before the checks: a retransmitted SYN in SYN-RECEIVED (our SYN-ACK was
    // lost) is answered again; the crossed SYN-ACKs of a simultaneous open
    // complete it (Linux tcp_validate_incoming() lets a SYN-ACK with
    // SEG.SEQ+1 = RCV.NXT and SEG.ACK = SND.NXT through instead of drawing
    // a challenge ACK).
    constexpr bool on_special_syn(const TcpView& seg, const OptionValues& o, Time now) noexcept {
        const TcpFlags f = seg.flags();
        if (state_ != State::SynReceived || !f.syn() || f.rst()) return true;
        if (!f.ack() && seg.seq() == irs_) {
            tx_ |= TxSynAck;
            return false;
        }
        if (flag(Passive) || !f.ack() || !paws_ok(o, now) || seg.seq() + 1 != rcv_nxt_ || seg.ack() != snd_nxt_)
            return true;
        establish(seg, o, now);
        // Linux then hands the segment to tcp_data_queue(): its SYN is a
        // duplicate (end_seq <= rcv_nxt), so TS.Recent is taken from it
        // (RFC 7323 §4.3: SEG.SEQ <= Last.ACK.sent) and an ACK goes at
        // once, with a D-SACK block for the SYN when SACK was agreed
        // (tcp_dsack_set(), RFC 2883).
        if (flag(TsOk) && o.timestamps) take_ts_recent(o.timestamps->value, now);
        dsack(irs_, irs_ + 1);
        tx_ |= TxAck;
        return false;
    }

    [[nodiscard]] constexpr bool paws_ok(const OptionValues& o, Time now) const noexcept {
        if (!flag(TsOk) || !o.timestamps) return true;
        return negotiate::paws_ok(ts_recent_, o.timestamps->value, ts_idle(now));
    }
    // Seconds since TS.Recent was taken, as Linux's ts_recent_stamp; a
    // clock that stepped back counts none.
    [[nodiscard]] constexpr Duration ts_idle(Time now) const noexcept {
        const std::int32_t idle_s = flag(TsStamped) ? static_cast<std::int32_t>(seconds_of(now) - ts_recent_sec_) : 0;
        return Duration::seconds(idle_s > 0 ? idle_s : 0);
    }

    // RFC 7323 §5.3 PAWS, which Linux applies first (tcp_validate_incoming()):
    // a TSval older than TS.Recent is dropped and answered (rate-limited),
    // unless it is a RST. A segment without timestamps on a connection
    // that agreed them is not dropped (RFC 7323 §3.2 says SHOULD drop; Linux
    // 6.18 applies PAWS only when the segment has them, tcp_paws_discard(),
    // and takes the segment: checked with packetdrill against the kernel).
    constexpr bool check_timestamps(const TcpView& seg, const OptionValues& o, Time now) noexcept {
        if (seg.flags().rst() || paws_ok(o, now)) return true;
        ++stats_.paws_rejected;
        oow_ack(seg, now);
        return false;
    }

    // First check: sequence number. Unacceptable: dropped, answered with a
    // (rate-limited) ACK unless a RST; an unacceptable SYN gets the
    // rate-limited challenge ACK of RFC 5961 §4.2 like any other SYN (Linux
    // tcp_validate_incoming() step 1: "goto syn_challenge").
    constexpr bool check_sequence(const TcpView& seg, Time now) noexcept {
        if (seq_acceptable(seg)) return true;
        ++stats_.dropped;
        oow_ack(seg, now);
        return false;
    }

    // Second check: RST. RFC 5961 §3.2: only exactly RCV.NXT resets;
    // elsewhere in the window, a challenge ACK.
    constexpr bool check_rst(const TcpView& seg, Time now) noexcept {
        if (!seg.flags().rst()) return true;
        if (seg.seq() != rcv_nxt_) {
            challenge_ack(now);
            return false;
        }
        const bool syn_rcvd = state_ == State::SynReceived;
        // §3.10.7.4: a passive OPEN goes back to LISTEN. A Listener's child
        // (a Fast Open child, accepted in SYN-RECEIVED) has no LISTEN of its
        // own: the Listener still listens, and the child is reset, as Linux
        // resets an accepted Fast Open socket (tcp_reset(): ECONNRESET).
        if (syn_rcvd && flag(Child)) {
            enter_closed(EventKind::Reset);
            return false;
        }
        if (syn_rcvd && flag(Passive)) {
            const Endpoint local = tuple_.local;
            state_ = State::Closed;
            static_cast<void>(listen(local, now));
            return false;
        }
        const bool closing = state_ == State::Closing || state_ == State::LastAck || state_ == State::TimeWait;
        enter_closed(syn_rcvd ? EventKind::Refused : closing ? EventKind::Closed : EventKind::Reset);
        return false;
    }

    // Fourth check: SYN. RFC 5961 §4.2: a challenge ACK, whatever its seq.
    constexpr bool check_syn(const TcpView& seg, Time now) noexcept {
        if (!seg.flags().syn()) return true;
        challenge_ack(now);
        return false;
    }

    // Fifth check: ACK, then what an acknowledged FIN does in each state.
    constexpr bool check_ack(const TcpView& seg, const OptionValues& o, Time now) noexcept {
        if (!seg.flags().ack()) {
            ++stats_.dropped;
            return false;
        }
        if (state_ == State::SynReceived) {
            if (!(snd_una_ < seg.ack() && seg.ack() <= snd_nxt_)) {
                queue_reset(seg.ack(), SeqNum{}, TcpFlag::Rst, tuple_.remote); // connection kept
                return false;
            }
            establish(seg, o, now);
        } else {
            // RFC 5961 §5.2: SEG.ACK beyond SND.NXT, or older than the
            // largest window we were offered: challenge ACK, drop.
            if (seg.ack() > snd_nxt_ || seg.ack() < snd_una_ - max_snd_wnd()) {
                challenge_ack(now);
                return false;
            }
            if (seg.ack() > snd_una_) snd_una_ = seg.ack();
            peer_window_ = seg.window();
        }
        // RFC 7323 §4.3: TS.Recent from a segment covering Last.ACK.sent.
        if (flag(TsOk) && o.timestamps && seg.seq() <= rcv_nxt_) take_ts_recent(o.timestamps->value, now);
        return on_acked_states(seg, now);
    }

    // RFC 9293 §3.10.7.4 fifth check, the per-state part.
    constexpr bool on_acked_states(const TcpView& seg, Time now) noexcept {
        const bool fin_acked = flag(FinSent) && snd_una_ == snd_nxt_;
        switch (state_) {
        case State::FinWait1:
            if (fin_acked) {
                state_ = State::FinWait2;
                deadline_ = Time::never();
            }
            return true;
        case State::Closing:
            if (fin_acked) enter_time_wait(now);
            return true;
        case State::LastAck:
            if (!fin_acked) return true;
            enter_closed(EventKind::Closed);
            return false;
        case State::TimeWait:
            // A retransmitted FIN: ACK it and restart 2 MSL (§3.10.7.4).
            if (seg.flags().fin()) {
                tx_ |= TxAck;
                enter_time_wait(now);
            }
            return false;
        default: return true;
        }
    }

    // Seventh check: payload, surfaced to the caller. In-order bytes
    // advance RCV.NXT and occupy the window until consume().
    constexpr Received take_payload(const TcpView& seg) noexcept {
        Received r;
        const Bytes payload = seg.payload();
        const bool receiving = state_ == State::Established || state_ == State::FinWait1 || state_ == State::FinWait2;
        if (payload.empty() || !receiving) return r;
        r.payload = payload;
        r.payload_seq = seg.seq();
        // Received already (Linux tcp_data_queue(): tcp_dsack_set()).
        if (seg.seq() + static_cast<std::uint32_t>(payload.size()) <= rcv_nxt_ && seg.seq() < rcv_nxt_) {
            dsack(seg.seq(), seg.seq() + static_cast<std::uint32_t>(payload.size()));
        }
        if (seg.seq() == rcv_nxt_) {
            const std::uint32_t room = receive_window();
            const std::uint32_t take = payload.size() < room ? static_cast<std::uint32_t>(payload.size()) : room;
            r.payload = payload.first(take);
            r.in_order = true;
            rcv_nxt_ = rcv_nxt_ + take;
            unconsumed_ += take;
        }
        tx_ |= TxAck;
        return r;
    }

    // Data (and a FIN) on the SYN-ACK that established us: Linux
    // tcp_rcv_synsent_state_process() queues the payload, which starts at
    // IRS + 1, like ESTABLISHED data and ACKs it (upstream
    // fastopen/client/synack-data.pkt: `> . 1001:1001(0) ack 1401`); a FIN
    // right behind it takes us to CLOSE-WAIT (tcp_fin()).
    constexpr Received take_synack_payload(const TcpView& seg) noexcept {
        Received r;
        const Bytes payload = seg.payload();
        if (!payload.empty()) {
            const std::uint32_t room = receive_window();
            const std::uint32_t take = payload.size() < room ? static_cast<std::uint32_t>(payload.size()) : room;
            r.payload = payload.first(take);
            r.payload_seq = irs_ + 1;
            r.in_order = true;
            rcv_nxt_ = rcv_nxt_ + take;
            unconsumed_ += take;
            if (take < payload.size()) return r; // the FIN is beyond what was taken
        }
        if (seg.flags().fin()) {
            rcv_nxt_ = rcv_nxt_ + 1;
            state_ = State::CloseWait;
            emit(EventKind::PeerClosed);
        }
        return r;
    }

    // Eighth check: FIN, when it is next in sequence.
    constexpr void check_fin(const TcpView& seg, Time now) noexcept {
        if (!seg.flags().fin() || seg.seq() + static_cast<std::uint32_t>(seg.payload().size()) != rcv_nxt_) return;
        const bool fin_acked = flag(FinSent) && snd_una_ == snd_nxt_;
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
        deadline_ = saturating_add(now, cfg().msl * 2);
    }

    const Context* ctx_;
    Bytes tfo_data_{};                      // Fast Open data (a view of the caller's), until sent or acked
    const std::uint8_t* tfo_cookie_ = nullptr; // Fast Open cookie (a view of the caller's)
    FourTuple tuple_{};
    Endpoint rst_to_{};
    SeqNum iss_{}, irs_{}, snd_una_{}, snd_nxt_{}, rcv_nxt_{}, rst_seq_{}, rst_ack_{};
    SeqNum dsack_start_{}, dsack_end_{}; // the D-SACK block the next ACK carries (with Dsack)
    std::uint32_t ts_recent_ = 0, ts_offset_ = 0;
    std::uint32_t unconsumed_ = 0;
    std::uint32_t reply_start_ms_ = 0; // rate limit of the ACKs a peer can draw (timestamp clock)
    std::uint32_t ts_recent_sec_ = 0;  // when TS.Recent was taken, in seconds (PAWS's idle rule; with TsStamped)
    std::uint32_t rcv_space_ = 0;      // see rcv_space()
    std::uint16_t peer_window_ = 0;
    std::uint16_t snd_mss_ = 0;
    std::uint16_t flags_ = 0;
    std::uint16_t rst_flags_ = 0;
    std::uint16_t reply_count_ = 0;
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
    ConnectionStats stats_{};
};

// DESIGN.md: memory is bounded and stated. 256 bytes on x86-64 (g++ 12),
// 224 before the Fast Open client views (data, cookie) were added, 248
// before PAWS's 24-day rule needed the time TS.Recent was taken.
static_assert(sizeof(Connection) <= 256, "a Connection must fit in 256 bytes");

} // namespace synack
