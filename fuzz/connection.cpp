// fuzz/connection.cpp — the Connection machine under arbitrary sequences of
// segments (raw bytes, crafted, and structure-aware mutations of the valid
// segments a peer machine sends), timer advances and user calls.
//
// Two Connections, A and B, are wired through two queues; the input is a
// little op-code stream that moves, drops, duplicates, reorders, corrupts and
// mutates their segments, injects crafted or raw ones, advances virtual time
// and makes user calls. Both machines are under test.
//
// Invariants, checked after every op on both machines:
// - a valid state, reached by a legal transition (RFC 9293 Figure 5, plus
//   SYN-RECEIVED -> LISTEN for a passive open and anything -> CLOSED);
// - every segment poll_transmit() writes decodes with well-formed options in
//   Linux's canonical layout, verifies with the flow's addresses, belongs to
//   the machine's local endpoint, has an allowed flag set (RSTs: window 0, no
//   options), ACKs RCV.NXT, carries TS exactly when agreed; at most 4 per op;
// - a rejected segment (checksum, framing, another flow) changes nothing and
//   sends nothing; a corrupted one is always rejected; segments_in counts
//   every call; surfaced payload is a view into the input and in order;
// - events match transitions (Established exactly when the handshake
//   completes, with the machine's ISS; a terminal event exactly when CLOSED
//   is entered); negotiated shifts <= 14, MSS <= ours;
// - deadlines: never in the past, strictly later after on_timer(now); none
//   in CLOSED, ESTABLISHED, CLOSE-WAIT, FIN-WAIT-2;
// - memory fixed: sizeof(Connection) <= 256 and no heap allocation inside any
//   Connection call (operator new is counted around them).
//
// Input format: 6 header bytes (configs, roles, addresses), then ops: one
// byte (low nibble: op, high nibble: a small argument) and the op's
// operands; bytes past the end read as 0. See `step()` for the op table.
//
// Seed corpus: fuzz/corpus/connection/, written by this file built with
// -DSYNACK_FUZZ_MAKE_CORPUS (its own main; see make_corpus() at the end):
//   g++ -std=c++20 -O1 -Iinclude -DSYNACK_FUZZ_MAKE_CORPUS fuzz/connection.cpp -o /tmp/mk
//   /tmp/mk fuzz/corpus/connection
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "fuzz_check.hpp"
#include "synack/handshake/connection.hpp"

// ------------------------------------------------------- allocation counter

#include "no_alloc.hpp"
#include "segment_queue.hpp"

namespace {
using fuzz::NoAlloc;
} // namespace

namespace {

using namespace synack;

static_assert(sizeof(Connection) <= 256, "memory fixed: a Connection fits in 256 bytes");


constexpr std::size_t max_ops = 400;
constexpr std::size_t queue_capacity = 16;
constexpr std::size_t seg_capacity = 128; // header (<= 60) + some payload

using Seg = fuzz::Packet<seg_capacity>;
// A FIFO of segments in flight one way (oldest dropped when full).
using Queue = fuzz::PacketQueue<queue_capacity, seg_capacity>;

// Legal state changes within one op: RFC 9293 Figure 5 edges (and Linux's
// simultaneous-open completion), closed transitively, plus -> CLOSED always.
constexpr bool edge(State a, State b) noexcept {
    using S = State;
    if (b == S::Closed) return true;
    switch (a) {
    case S::Closed: return b == S::Listen || b == S::SynSent;
    case S::Listen: return b == S::SynReceived;
    case S::SynSent: return b == S::SynReceived || b == S::Established;
    case S::SynReceived: return b == S::Established || b == S::FinWait1 || b == S::Listen;
    case S::Established: return b == S::FinWait1 || b == S::CloseWait;
    case S::FinWait1: return b == S::FinWait2 || b == S::Closing || b == S::TimeWait;
    case S::FinWait2: return b == S::TimeWait;
    case S::Closing: return b == S::TimeWait;
    case S::CloseWait: return b == S::LastAck;
    case S::TimeWait:
    case S::LastAck: return false;
    }
    return false;
}

constexpr std::size_t state_count = 11;

constexpr std::array<std::array<bool, state_count>, state_count> reachable_table() noexcept {
    std::array<std::array<bool, state_count>, state_count> r{};
    for (std::size_t a = 0; a < state_count; ++a) {
        for (std::size_t b = 0; b < state_count; ++b) {
            r[a][b] = a == b || edge(static_cast<State>(a), static_cast<State>(b));
        }
    }
    for (std::size_t k = 0; k < state_count; ++k) {
        for (std::size_t a = 0; a < state_count; ++a) {
            for (std::size_t b = 0; b < state_count; ++b) {
                if (r[a][k] && r[k][b]) r[a][b] = true;
            }
        }
    }
    return r;
}

constexpr auto reachable = reachable_table();
// A passive SYN-RECEIVED that returns to LISTEN may, in one op, take a SYN
// again only through another call; the table above permits LISTEN again.

bool synchronized_state(State s) noexcept {
    return s != State::Closed && s != State::Listen && s != State::SynSent && s != State::SynReceived;
}

class Harness {
  public:
    Harness() : conn_{Connection(ctx_[0]), Connection(ctx_[1])} {}
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    void setup(fuzz::Reader& r) {
        const std::uint8_t h0 = r.u8();
        const std::uint8_t h1 = r.u8();
        const std::uint8_t h2 = r.u8();
        const std::uint8_t h3 = r.u8();
        const std::uint8_t h4 = r.u8();
        const std::uint8_t h5 = r.u8();
        configure(ctx_[0].config, h0, static_cast<std::uint8_t>(h2 & 15U), static_cast<std::uint8_t>((h3 >> 1U) & 7U), h4);
        configure(ctx_[1].config, h1, static_cast<std::uint8_t>(h2 >> 4U), static_cast<std::uint8_t>((h3 >> 4U) & 7U),
                  static_cast<std::uint8_t>(h4 >> 4U));
        if ((h3 & 0x80U) != 0) ctx_[0].config.rcv_wnd = 1000;
        for (std::size_t i = 0; i < 2; ++i) {
            ctx_[i].secrets.isn_key = {0x0706050403020100ULL + i, 0x0f0e0d0c0b0a0908ULL * (i + 1)};
            ctx_[i].secrets.ts_key = {0x1716151413121110ULL ^ i, 0x1f1e1d1c1b1a1918ULL};
        }
        if ((h3 & 1U) != 0) {
            ep_[0].address = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
            ep_[1].address = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
        } else {
            ep_[0].address = IpAddress::v4(198, 18, 0, 1);
            ep_[1].address = IpAddress::v4(198, 18, 0, 2);
        }
        ep_[0].port = 40000;
        ep_[1].port = 80;
        now_ = Time{static_cast<std::int64_t>(std::uint64_t{h5} << 40U)};
        // Roles: A connects / listens / stays closed; B listens / connects
        // (simultaneous open) / stays closed.
        switch (h0 >> 6U) {
        case 0: user(0, 0); break;
        case 1:
        case 3: user(0, 1); break;
        default: break;
        }
        switch (h1 >> 6U) {
        case 0:
        case 3: user(1, 1); break;
        case 1: user(1, 0); break;
        default: break;
        }
        settle();
    }

    // One op; false when the input is used up.
    bool step(fuzz::Reader& r) {
        if (r.empty()) return false;
        const std::uint8_t op = r.u8();
        const std::uint8_t arg = static_cast<std::uint8_t>(op >> 4U);
        const int to = (arg & 8U) != 0 ? 1 : 0; // direction for the segment ops: to A (0) or B (1)
        Queue& in = q_[idx(1 - to)];            // what the other side sent towards `to`
        switch (op & 15U) {
        case 0: // deliver the oldest segment in flight to A
            deliver_front(0);
            break;
        case 1: // ... to B
            deliver_front(1);
            break;
        case 2: // deliver the newest (reordering)
            if (const Seg* s = in.back()) {
                const Seg copy = *s;
                in.pop_back();
                deliver(to, copy.bytes(), false);
            }
            break;
        case 3: // drop the oldest
            in.pop();
            break;
        case 4: // duplicate the oldest
            if (const Seg* s = in.front()) {
                const Seg copy = *s;
                in.push(copy.bytes());
            }
            break;
        case 5: // advance time by arg * 2^(k) ms, fire due timers
            advance(Duration::milliseconds(std::int64_t{r.u8()} << (arg & 7U)));
            break;
        case 6: // jump to the earliest deadline (as an event loop does)
            advance_to_deadline();
            break;
        case 7: // a user call on A or B
            user(to, static_cast<std::uint8_t>(arg & 7U), r.u16());
            break;
        case 8: // raw bytes, checksum optionally fixed
            raw(to, arg, r);
            break;
        case 9: // structure-aware mutation of the oldest segment in flight
            mutate(to, arg, r);
            break;
        case 10: // a segment crafted around the machine's own sequence state
            craft(to, arg, r);
            break;
        case 11: // one bit of the oldest segment flipped: must be rejected
            if (const Seg* s = in.front()) {
                Seg copy = *s;
                in.pop();
                const std::size_t bit = r.u16() % (copy.n * 8U);
                copy.b[bit / 8U] = static_cast<std::uint8_t>(copy.b[bit / 8U] ^ (1U << (bit % 8U)));
                deliver(to, copy.bytes(), true);
            }
            break;
        case 12: // replay one of the last segments delivered
            if (history_count_ != 0) {
                const Seg copy = history_[r.u8() % history_count_];
                deliver(to, copy.bytes(), false);
            }
            break;
        case 13: // the oldest segment with a wrong address or port
            if (const Seg* s = in.front()) {
                const Seg copy = *s;
                in.pop();
                misdeliver(to, copy.bytes(), arg);
            }
            break;
        case 14: // the clock: a small step, or a hostile one; or the small-buffer caller
            clock_or_buffer(arg, r.u16());
            break;
        default: // deliver everything in flight both ways, in order
            for (int k = 0; k < 2 * static_cast<int>(queue_capacity) && (q_[0].count + q_[1].count) != 0; ++k) {
                deliver_front(q_[1].count != 0 ? 0 : 1);
            }
            break;
        }
        settle();
        return true;
    }

    [[nodiscard]] const Connection& conn(int i) const noexcept { return conn_[idx(i)]; }
    [[nodiscard]] const Queue& queue(int i) const noexcept { return q_[idx(i)]; }
    [[nodiscard]] Time now() const noexcept { return now_; }

  private:
    static constexpr std::size_t idx(int i) noexcept { return static_cast<std::size_t>(i); }

    static void configure(Config& c, std::uint8_t bits, std::uint8_t ws, std::uint8_t mss_choice, std::uint8_t misc) {
        c.window_scale = (bits & 1U) != 0 ? Optional<std::uint8_t>(ws) : nullopt;
        c.sack = (bits & 2U) != 0;
        c.timestamps = (bits & 4U) != 0;
        c.ecn = (bits & 8U) != 0;
        if ((bits & 16U) != 0) c.user_timeout = Duration::seconds(5);
        if ((bits & 32U) != 0) { // short schedules: the fuzzer reaches the ends
            c.syn_retries = 1;
            c.syn_linear_timeouts = 0;
            c.synack_retries = 1;
            c.fin_retries = 1;
            c.msl = Duration::seconds(1);
        }
        static constexpr std::array<std::uint16_t, 8> mss{1460, 536, 1220, 88, 9000, 65535, 1400, 48};
        c.mss = mss[mss_choice & 7U];
        static constexpr std::array<std::int64_t, 4> rto_ms{1000, 10, 200, 3000};
        c.rto_initial = Duration::milliseconds(rto_ms[misc & 3U]);
        c.challenge_ack_limit = static_cast<std::uint16_t>((misc >> 2U) & 3U);
    }

    [[nodiscard]] FourTuple flow_of(int i) const noexcept { return {ep_[idx(i)], ep_[idx(1 - i)]}; }

    // ---- machine calls, each wrapped with its checks

    struct Before {
        State state;
        Time deadline;
        ConnectionStats stats;
        SeqNum rcv_nxt;
    };

    [[nodiscard]] Before snapshot(int i) const noexcept {
        const Connection& c = conn_[idx(i)];
        return {c.state(), c.next_deadline(), c.stats(), c.rcv_nxt()};
    }

    void user(int i, std::uint8_t what, std::uint16_t value = 0) {
        Connection& c = conn_[idx(i)];
        const Before b = snapshot(i);
        Error e = Error::None;
        {
            const NoAlloc guard;
            switch (what) {
            case 0: e = c.connect(flow_of(i), now_); break;
            case 1: e = c.listen(ep_[idx(i)], now_); break;
            case 2: e = c.close(now_); break;
            case 3: e = c.abort(now_); break;
            case 4: c.consume(value); break;
            default: break; // just poll
            }
        }
        if (what <= 1) {
            // A Config the machine cannot honour is refused with its error.
            const Error invalid = validate_connection_config(c.config());
            FUZZ_CHECK(e == (b.state != State::Closed ? Error::InvalidState : invalid));
            if (e != Error::None) FUZZ_CHECK(c.state() == b.state);
        }
        if (what == 2) FUZZ_CHECK((e == Error::InvalidState) == (b.state == State::Closed));
        if (what == 3) {
            FUZZ_CHECK((e == Error::InvalidState) == (b.state == State::Closed));
            FUZZ_CHECK(c.state() == State::Closed);
        }
        after(i, b, false);
    }

    void deliver_front(int to) {
        Queue& in = q_[idx(1 - to)];
        if (const Seg* s = in.front()) {
            const Seg copy = *s;
            in.pop();
            deliver(to, copy.bytes(), false);
        }
    }

    void remember(Bytes seg) {
        Seg& h = history_[history_next_];
        h.n = seg.size() < seg_capacity ? seg.size() : seg_capacity;
        for (std::size_t i = 0; i < h.n; ++i) h.b[i] = seg[i];
        history_next_ = (history_next_ + 1) % history_.size();
        if (history_count_ < history_.size()) ++history_count_;
    }

    void deliver(int to, Bytes seg, bool corrupted) {
        feed(to, ep_[idx(1 - to)].address, ep_[idx(to)].address, seg, corrupted, false);
    }

    void misdeliver(int to, Bytes seg, std::uint8_t how) {
        IpAddress src = ep_[idx(1 - to)].address;
        IpAddress dst = ep_[idx(to)].address;
        Seg copy;
        copy.n = seg.size();
        for (std::size_t i = 0; i < seg.size(); ++i) copy.b[i] = seg[i];
        switch (how & 3U) {
        case 0: dst.bytes[3] = static_cast<std::uint8_t>(dst.bytes[3] ^ 0x40U); break; // another local address
        case 1: src.bytes[3] = static_cast<std::uint8_t>(src.bytes[3] ^ 0x40U); break; // another peer
        case 2: store_be16(copy.b, 0, static_cast<std::uint16_t>(load_be16(copy.b, 0) + 1)); break; // source port
        default: store_be16(copy.b, 2, static_cast<std::uint16_t>(load_be16(copy.b, 2) + 1)); break; // destination port
        }
        if (copy.n >= 20) fill_tcp_checksum(src, dst, MutableBytes(copy.b.data(), copy.n));
        // A wrong destination or, once bound to a peer, a wrong source: not
        // ours. (A LISTEN machine may have bound to a misdelivered SYN's
        // source: "wrong" is judged against the flow it is bound to.)
        const Connection& c = conn_[idx(to)];
        const State st = c.state();
        const bool bound = st != State::Closed && st != State::Listen;
        const bool other_source =
            copy.n < 20 || src != c.flow().remote.address || load_be16(copy.b, 0) != c.flow().remote.port;
        const bool must_reject = (how & 3U) == 0 || (how & 3U) == 3 || (bound && other_source);
        feed(to, src, dst, copy.bytes(), false, must_reject);
    }

    void feed(int to, const IpAddress& src, const IpAddress& dst, Bytes seg, bool corrupted, bool must_reject) {
        Connection& c = conn_[idx(to)];
        // What an earlier segment of this op made the machine send goes out
        // first, so that a rejected segment can be held to sending nothing.
        drain(to);
        const Before b = snapshot(to);
        remember(seg);
        Received r;
        {
            const NoAlloc guard;
            r = c.on_segment(src, dst, seg, now_);
        }
        FUZZ_CHECK(c.stats().segments_in == static_cast<std::uint16_t>(b.stats.segments_in + 1));
        const bool framing = r.error == Error::TcpTruncated || r.error == Error::TcpDataOffsetTooSmall ||
                             r.error == Error::TcpDataOffsetPastEnd;
        FUZZ_CHECK(r.error == Error::None || r.error == Error::BadChecksum || r.error == Error::NotFound || framing);
        if (corrupted) FUZZ_CHECK(r.error == Error::BadChecksum || framing);
        if (r.error == Error::BadChecksum) {
            FUZZ_CHECK(c.stats().bad_checksum == static_cast<std::uint16_t>(b.stats.bad_checksum + 1));
        }
        if (framing) FUZZ_CHECK(c.stats().malformed == static_cast<std::uint16_t>(b.stats.malformed + 1));
        if (must_reject) FUZZ_CHECK(r.error != Error::None);
        if (r.error != Error::None) {
            // Rejected: nothing changes, nothing is sent.
            FUZZ_CHECK(r.payload.empty());
            FUZZ_CHECK(c.state() == b.state);
            FUZZ_CHECK(c.next_deadline() == b.deadline);
            FUZZ_CHECK(c.rcv_nxt() == b.rcv_nxt);
            std::array<std::uint8_t, 64> buf{};
            Optional<Transmit> t;
            {
                const NoAlloc guard;
                t = c.poll_transmit(buf, now_);
            }
            FUZZ_CHECK(!t.has_value());
        } else if (!r.payload.empty()) {
            // A view into the input, within its payload.
            FUZZ_CHECK(r.payload.data() >= seg.data() && r.payload.data() + r.payload.size() <= seg.data() + seg.size());
            if (r.in_order) {
                // In SYN-SENT there is no RCV.NXT yet: data on a SYN-ACK (the
                // Fast Open client, Linux tcp_rcv_synsent_state_process())
                // starts right after the peer's SYN.
                const SeqNum expected = b.state == State::SynSent ? TcpView::parse(seg)->seq() + 1 : b.rcv_nxt;
                FUZZ_CHECK(r.payload_seq == expected);
                const std::int32_t moved = c.rcv_nxt() - expected;
                FUZZ_CHECK(moved == static_cast<std::int32_t>(r.payload.size()) ||
                           moved == static_cast<std::int32_t>(r.payload.size()) + 1);
            }
        }
        if (r.in_order) FUZZ_CHECK(r.error == Error::None);
        after(to, b, false);
    }

    void fire_timers() {
        for (int i = 0; i < 2; ++i) {
            Connection& c = conn_[idx(i)];
            if (c.next_deadline() > now_) continue;
            const Before b = snapshot(i);
            {
                const NoAlloc guard;
                c.on_timer(now_);
            }
            after(i, b, true);
        }
    }

    void advance(Duration d) {
        // An event loop never sleeps past a deadline by much: wake at each
        // due deadline on the way, and sometimes late (the whole step).
        const Time end = saturating_add(now_, d);
        for (int k = 0; k < 64; ++k) {
            const Time next = earliest_deadline();
            if (next > end) break;
            now_ = next > now_ ? next : now_;
            fire_timers();
            settle();
        }
        now_ = end > now_ ? end : now_;
        fire_timers();
    }

    // arg bits 2-3: 0 a small step forward (µs); 1 the clock steps back
    // (v << (arg & 3) ms, no timer fires); 2 a jump to an INT64 edge
    // (INT64_MAX or INT64_MIN + v µs); 3 the caller's buffer size for the
    // first poll_transmit() of every drain (v % 61; 0: the full buffer).
    // And on_timer(next_deadline()) called blindly when bit 3 of v is set
    // with bits 2-3 of arg at 1 (a virtual-time driver's habit).
    void clock_or_buffer(std::uint8_t arg, std::uint16_t v) {
        switch ((arg >> 2U) & 3U) {
        case 0: advance(Duration::microseconds(std::int64_t{v})); break;
        case 1:
            now_ = saturating_add(now_, Duration::milliseconds(-(std::int64_t{v} << (arg & 3U))));
            if ((v & 8U) != 0) blind_timer();
            break;
        case 2:
            now_ = (arg & 1U) != 0 ? Time{INT64_MAX - std::int64_t{v} * 1000} : Time{INT64_MIN + std::int64_t{v} * 1000};
            fire_timers();
            break;
        default: small_ = v % 61U; break;
        }
    }

    // on_timer(next_deadline()) whatever now_ is: Time::never() fires nothing.
    void blind_timer() {
        for (int i = 0; i < 2; ++i) {
            Connection& c = conn_[idx(i)];
            const Time d = c.next_deadline();
            if (d != Time::never()) continue;
            const Before b = snapshot(i);
            {
                const NoAlloc guard;
                c.on_timer(d);
            }
            FUZZ_CHECK(c.state() == b.state && c.next_deadline() == d);
            after(i, b, false);
        }
    }

    void advance_to_deadline() {
        const Time next = earliest_deadline();
        if (next == Time::never()) return;
        if (next > now_) now_ = next;
        fire_timers();
    }

    [[nodiscard]] Time earliest_deadline() const noexcept {
        const Time a = conn_[0].next_deadline();
        const Time b = conn_[1].next_deadline();
        return a < b ? a : b;
    }

    // ---- building segments

    // Fills the checksum (unless told not to) and feeds the segment.
    void send_built(int to, Seg& s, bool fix_checksum) {
        if (fix_checksum && s.n >= 20) {
            fill_tcp_checksum(ep_[idx(1 - to)].address, ep_[idx(to)].address, MutableBytes(s.b.data(), s.n));
        }
        deliver(to, s.bytes(), false);
    }

    void raw(int to, std::uint8_t arg, fuzz::Reader& r) {
        Seg s;
        s.n = r.u8() % 81U;
        for (std::size_t i = 0; i < s.n; ++i) s.b[i] = r.u8();
        if ((arg & 1U) != 0 && s.n >= 20) { // aim it at the flow
            store_be16(s.b, 0, ep_[idx(1 - to)].port);
            store_be16(s.b, 2, ep_[idx(to)].port);
        }
        send_built(to, s, (arg & 2U) != 0);
    }

    // Options and payload from the input, shared by craft() and mutate().
    static void options_from(TcpOptions& o, fuzz::Reader& r) {
        const std::uint8_t which = r.u8();
        if ((which & 1U) != 0) o.mss = r.u16();
        if ((which & 2U) != 0) o.window_scale = r.u8();
        if ((which & 4U) != 0) o.sack_permitted = !o.sack_permitted;
        if ((which & 8U) != 0) {
            const std::uint32_t v = r.u32();
            o.timestamps = Timestamps{v, r.u32()};
        }
        if ((which & 16U) != 0) {
            o.sack_count = static_cast<std::uint8_t>(r.u8() % (max_sack_blocks + 1));
            for (std::size_t i = 0; i < o.sack_count; ++i) o.sack_blocks[i] = {r.u32(), r.u32()};
        }
        if ((which & 32U) != 0) o.timestamps.reset();
        if ((which & 64U) != 0) {
            std::array<std::uint8_t, 8> v{};
            const std::size_t n = r.u8() % (v.size() + 1);
            for (std::size_t i = 0; i < n; ++i) v[i] = r.u8();
            static_cast<void>(o.add_raw(r.u8(), Bytes(v.data(), n)));
        }
        if ((which & 128U) != 0) o.clear_layout();
    }

    static void payload_from(Seg& s, std::size_t at, fuzz::Reader& r) {
        const std::size_t room = seg_capacity - at;
        const std::size_t n = r.u8() % (room + 1);
        for (std::size_t i = 0; i < n; ++i) s.b[at + i] = r.u8();
        s.n = at + n;
    }

    // A segment built around the receiver's own state (so that sequence and
    // acknowledgment checks are reached), with fuzzed flags and options.
    void craft(int to, std::uint8_t arg, fuzz::Reader& r) {
        const Connection& c = conn_[idx(to)];
        TcpHeader h;
        h.source_port = ep_[idx(1 - to)].port;
        h.destination_port = ep_[idx(to)].port;
        const auto delta = [&r](std::uint8_t mode) -> std::uint32_t {
            switch (mode & 3U) {
            case 0: return 0;
            case 1: return static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int8_t>(r.u8())));
            case 2: return static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int16_t>(r.u16())) * 1024);
            default: return r.u32();
            }
        };
        const std::uint8_t modes = r.u8();
        h.seq = c.rcv_nxt() + delta(modes);
        h.ack = ((modes & 0x40U) != 0 ? c.snd_una() : c.snd_nxt()) + delta(static_cast<std::uint8_t>(modes >> 2U));
        h.flags = TcpFlags::from_bits(r.u16());
        h.window = r.u16();
        if ((arg & 1U) != 0) {
            // Timestamps near what the peer would send: its clock and our echo.
            const Connection& peer = conn_[idx(1 - to)];
            const std::uint32_t tsval = timestamp_clock(now_) + peer.ts_offset() + delta(static_cast<std::uint8_t>(modes >> 4U));
            h.options.timestamps = Timestamps{tsval, timestamp_clock(now_) + c.ts_offset()};
        }
        if ((arg & 2U) != 0) options_from(h.options, r);
        Seg s;
        const result<std::size_t> n = h.encode(MutableBytes(s.b.data(), s.b.size()));
        if (!n) return;
        payload_from(s, *n, r);
        send_built(to, s, (arg & 4U) == 0);
    }

    // Decodes the oldest segment in flight, edits it, re-encodes it.
    void mutate(int to, std::uint8_t arg, fuzz::Reader& r) {
        Queue& in = q_[idx(1 - to)];
        const Seg* src = in.front();
        if (src == nullptr) return;
        const Seg orig = *src;
        in.pop();
        const result<TcpView> v = TcpView::parse(orig.bytes());
        if (!v) return;
        TcpHeader h = TcpHeader::from_view(*v);
        const std::uint8_t what = r.u8();
        if ((what & 1U) != 0) h.seq = h.seq + static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int8_t>(r.u8())));
        if ((what & 2U) != 0) h.ack = h.ack + static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int8_t>(r.u8())));
        if ((what & 4U) != 0) h.flags = h.flags ^ TcpFlags::from_bits(r.u16());
        if ((what & 8U) != 0) h.window = r.u16();
        if ((what & 16U) != 0 && h.options.timestamps) {
            h.options.timestamps->value += static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::int16_t>(r.u16())));
        }
        if ((what & 32U) != 0) options_from(h.options, r);
        if ((what & 64U) != 0) h.seq = SeqNum(r.u32());
        Seg s;
        const result<std::size_t> n = h.encode(MutableBytes(s.b.data(), s.b.size()));
        if (!n) return;
        s.n = *n;
        if ((what & 128U) != 0) payload_from(s, *n, r);
        send_built(to, s, (arg & 1U) == 0);
    }

    // ---- outputs and invariants

    // Polls both machines until neither has anything more to say.
    void settle() {
        for (int round = 0; round < 4; ++round) {
            bool any = false;
            for (int i = 0; i < 2; ++i) any = drain(i) || any;
            if (!any) return;
        }
        FUZZ_CHECK(false && "machines keep talking");
    }

    bool drain(int i) {
        Connection& c = conn_[idx(i)];
        std::array<std::uint8_t, 1600> buf{};
        int n = 0;
        for (;; ++n) {
            Optional<Transmit> t;
            if (small_ != 0) { // a caller with a small buffer first
                std::array<std::uint8_t, 60> tiny{};
                {
                    const NoAlloc guard;
                    t = c.poll_transmit(MutableBytes(tiny.data(), small_), now_);
                }
                if (!t) break;
                if (t->ok()) {
                    FUZZ_CHECK(t->length <= small_ && t->length == t->needed);
                    for (std::size_t k = 0; k < t->length; ++k) buf[k] = tiny[k];
                } else {
                    // Nothing lost: the error names the size and the segment stays queued.
                    FUZZ_CHECK(t->error == Error::BufferTooSmall && t->length == 0 && t->needed > small_);
                    FUZZ_CHECK(t->needed <= c.max_segment_size());
                    const std::size_t needed = t->needed;
                    {
                        const NoAlloc guard;
                        t = c.poll_transmit(buf, now_);
                    }
                    FUZZ_CHECK(t.has_value() && t->ok() && t->length == needed);
                }
            } else {
                const NoAlloc guard;
                t = c.poll_transmit(buf, now_);
            }
            if (!t) break;
            FUZZ_CHECK(t->ok() && t->length == t->needed);
            FUZZ_CHECK(n < 4); // RST + SYN, or one ACK/FIN, or one SYN(-ACK): never more
            check_output(i, *t, Bytes(buf.data(), t->length));
            // Only what is addressed to the other machine travels: a RST
            // answering a misdelivered segment goes to a host that is not
            // here (and its checksum is not valid for this flow, so a bit
            // flip could make it valid).
            if (t->flow == flow_of(i)) q_[idx(i)].push(Bytes(buf.data(), t->length));
        }
        return n != 0;
    }

    void check_output(int i, const Transmit& t, Bytes seg) {
        const Connection& c = conn_[idx(i)];
        FUZZ_CHECK(t.length >= 20 && t.length <= tcp_max_header);
        FUZZ_CHECK(t.ecn == 0);
        FUZZ_CHECK(t.flow.local == c.flow().local);
        FUZZ_CHECK(t.flow.local.address.family == t.flow.remote.address.family);
        const result<TcpHeader> hr = TcpHeader::decode(seg);
        FUZZ_CHECK(hr.ok());
        const TcpHeader& h = *hr;
        fuzz::check_tcp_decode(seg, h);
        FUZZ_CHECK(!h.options.malformed());
        FUZZ_CHECK(seg.size() == 20U + h.options.wire_length); // no payload
        FUZZ_CHECK(verify_tcp_checksum(t.flow.local.address, t.flow.remote.address, seg));
        FUZZ_CHECK(h.source_port == t.flow.local.port && h.destination_port == t.flow.remote.port);
        FUZZ_CHECK(h.reserved == 0 && h.urgent_pointer == 0);
        {
            // Linux's canonical layout: the typed values re-encoded from scratch.
            TcpHeader canon = h;
            canon.options.clear_layout();
            std::array<std::uint8_t, tcp_max_header> again{};
            const result<std::size_t> n = canon.encode(again);
            FUZZ_CHECK(n.ok() && *n == seg.size());
            for (std::size_t k = 0; k < seg.size(); ++k) FUZZ_CHECK(again[k] == seg[k]);
        }
        const std::uint16_t f = h.flags.bits();
        constexpr auto bits = [](TcpFlags x) { return x.bits(); };
        const bool syn = f == bits(TcpFlag::Syn) || f == bits(TcpFlag::Syn | TcpFlag::Ece) ||
                         f == bits(TcpFlags(TcpFlag::Syn) | TcpFlag::Ece | TcpFlag::Cwr);
        const bool synack = f == bits(TcpFlag::Syn | TcpFlag::Ack) || f == bits(TcpFlags(TcpFlag::Syn) | TcpFlag::Ack | TcpFlag::Ece);
        const bool rst = f == bits(TcpFlag::Rst) || f == bits(TcpFlag::Rst | TcpFlag::Ack);
        const bool ack = f == bits(TcpFlag::Ack) || f == bits(TcpFlag::Fin | TcpFlag::Ack);
        FUZZ_CHECK(syn || synack || rst || ack);
        const Negotiated n = c.negotiated();
        if (rst) {
            // An abort()'s RST+ACK carries the timestamps alone when they
            // were agreed (Linux tcp_send_active_reset()); any other RST none.
            const bool ts_only = h.flags.ack() && n.timestamps && h.options.timestamps && h.options.wire_length == 12;
            FUZZ_CHECK(h.window == 0 && (h.options.wire_length == 0 || ts_only));
            return;
        }
        FUZZ_CHECK(t.flow == c.flow()); // everything but a RST goes to the peer
        if (syn || synack) {
            FUZZ_CHECK(h.seq == c.iss());
            FUZZ_CHECK(h.options.mss == c.config().mss);
            if (syn) FUZZ_CHECK(f != bits(TcpFlag::Syn | TcpFlag::Ece)); // ECE without CWR is a SYN-ACK's
            if (synack) FUZZ_CHECK(h.ack == c.rcv_nxt());
            return;
        }
        FUZZ_CHECK(h.ack == c.rcv_nxt());
        FUZZ_CHECK(h.seq <= c.snd_nxt());
        FUZZ_CHECK(h.options.timestamps.has_value() == n.timestamps);
        FUZZ_CHECK(!h.options.mss && !h.options.window_scale && !h.options.sack_permitted);
    }

    // After any call on machine i: state, transitions, events, deadlines.
    void after(int i, const Before& b, bool timer) {
        Connection& c = conn_[idx(i)];
        const State s = c.state();
        const auto si = static_cast<std::size_t>(s);
        FUZZ_CHECK(si < state_count);
        FUZZ_CHECK(reachable[static_cast<std::size_t>(b.state)][si]);
        const Time d = c.next_deadline();
        FUZZ_CHECK(d >= now_);
        if (timer) FUZZ_CHECK(d > now_ || d == Time::never()); // (a deadline past INT64_MAX saturates to never)
        if (s == State::Closed || s == State::Established || s == State::CloseWait || s == State::FinWait2) {
            FUZZ_CHECK(d == Time::never());
        }
        if (s == State::TimeWait && b.state != State::TimeWait) FUZZ_CHECK(d == saturating_add(now_, c.config().msl * 2));
        if (synchronized_state(s)) FUZZ_CHECK(c.snd_una() <= c.snd_nxt());

        bool established = false;
        bool terminal = false;
        for (int k = 0; k < 8; ++k) {
            Optional<Event> e;
            {
                const NoAlloc guard;
                e = c.poll_event();
            }
            if (!e) break;
            FUZZ_CHECK(k < 4); // the ring holds 4: one call never raises more
            FUZZ_CHECK(static_cast<std::uint8_t>(e->kind) <= static_cast<std::uint8_t>(EventKind::Closed));
            const Negotiated& n = e->negotiated;
            FUZZ_CHECK(n.flow == c.flow());
            FUZZ_CHECK(n.snd_wscale <= max_window_scale && n.rcv_wscale <= max_window_scale);
            if (!n.wscale) FUZZ_CHECK(n.snd_wscale == 0 && n.rcv_wscale == 0);
            switch (e->kind) {
            case EventKind::Established:
                established = true;
                FUZZ_CHECK(n.iss == c.iss());
                FUZZ_CHECK(n.mss > 0 && n.mss <= c.config().mss);
                FUZZ_CHECK(n.mss >= 48); // Linux tcp_min_snd_mss (CVE-2019-11479)
                FUZZ_CHECK(n.snd_nxt == n.iss + 1 || n.snd_nxt == n.iss + 2); // + a FIN queued in SYN-RECEIVED
                // As it stands when polled: data or a FIN on the completing ACK moved it.
                FUZZ_CHECK(n.rcv_nxt - (n.irs + 1) >= 0);
                FUZZ_CHECK(!n.has_rtt || n.rtt.ns >= 0);
                break;
            case EventKind::PeerClosed: break;
            default: terminal = true; break;
            }
        }
        // Established exactly when the handshake completes: the first time
        // our SYN is acknowledged (SND.UNA passes ISS) in this incarnation.
        const bool pre = s == State::Closed || s == State::Listen || s == State::SynSent;
        const bool acked = !pre && s != State::SynReceived && c.snd_una() > c.iss();
        if (acked && !syn_acked_[idx(i)]) {
            FUZZ_CHECK(established); // also after close() in SYN-RECEIVED
            syn_acked_[idx(i)] = true;
        }
        if (established) FUZZ_CHECK(b.state == State::SynSent || b.state == State::SynReceived);
        if (pre) {
            syn_acked_[idx(i)] = false;
        }
        // A terminal event exactly when CLOSED is entered (a passive
        // SYN-RECEIVED reset back to LISTEN raises none).
        if (b.state != State::Closed && s == State::Closed) FUZZ_CHECK(terminal);
        if (terminal) FUZZ_CHECK(s == State::Closed && b.state != State::Closed);
    }

    std::array<Context, 2> ctx_{};
    std::array<Connection, 2> conn_;
    std::array<Endpoint, 2> ep_{};
    std::array<Queue, 2> q_{}; // q_[i]: sent by i, in flight to the other
    std::array<bool, 2> syn_acked_{};
    std::array<Seg, 8> history_{};
    std::size_t history_next_ = 0;
    std::size_t history_count_ = 0;
    Time now_{};
    std::size_t small_ = 0; // see clock_or_buffer()
};

void run(Bytes input) {
    fuzz::Reader r(input);
    Harness h;
    h.setup(r);
    for (std::size_t i = 0; i < max_ops && h.step(r); ++i) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run(Bytes(data, size));
    return 0;
}

#if defined(SYNACK_FUZZ_MAKE_CORPUS)
// ------------------------------------------------------------ seed corpus
//
// Writes op streams that drive real handshakes (and their failure modes)
// through the harness: a builder emits ops and runs each one as it goes,
// so every stream is checked before it is written.
#include <string>
#include <vector>

namespace {

struct Builder {
    std::vector<std::uint8_t> bytes;
    void raw(std::initializer_list<std::uint8_t> b) { bytes.insert(bytes.end(), b); }
    // Header: configs (bits: ws sack ts ecn user-timeout short-schedules, role in bits 6-7).
    void header(std::uint8_t a, std::uint8_t b, std::uint8_t ws = 0x97, std::uint8_t h3 = 0, std::uint8_t h4 = 0,
                std::uint8_t t = 1) {
        raw({a, b, ws, h3, h4, t});
    }
    void to_a() { raw({0x00}); }
    void to_b() { raw({0x01}); }
    void both() { raw({0x0F}); }
    void drop_to_a() { raw({0x03}); }
    void drop_to_b() { raw({0x83}); }
    void dup_to_a() { raw({0x04}); }
    void late_to_a() { raw({0x02}); }
    void deadline() { raw({0x06}); }
    void ms(std::uint8_t n, std::uint8_t shift = 0) { raw({static_cast<std::uint8_t>(0x05 | (shift << 4U)), n}); }
    void user_a(std::uint8_t what, std::uint16_t v = 0) {
        raw({static_cast<std::uint8_t>(0x07 | (what << 4U)), static_cast<std::uint8_t>(v >> 8U), static_cast<std::uint8_t>(v)});
    }
    void user_b(std::uint8_t what, std::uint16_t v = 0) {
        raw({static_cast<std::uint8_t>(0x87 | (what << 4U)), static_cast<std::uint8_t>(v >> 8U), static_cast<std::uint8_t>(v)});
    }
    void corrupt_to_a(std::uint16_t bit) { raw({0x0B, static_cast<std::uint8_t>(bit >> 8U), static_cast<std::uint8_t>(bit)}); }
    void replay_to_a(std::uint8_t k) { raw({0x0C, k}); }
    // op 14: arg bits 2-3 pick a small step (0), a clock stepping back (1),
    // an INT64 edge (2) or the small-buffer caller (3); see clock_or_buffer().
    void clock(std::uint8_t arg, std::uint16_t v) {
        raw({static_cast<std::uint8_t>(0x0E | (arg << 4U)), static_cast<std::uint8_t>(v >> 8U), static_cast<std::uint8_t>(v)});
    }
    void misdeliver_to_a(std::uint8_t how) { raw({static_cast<std::uint8_t>(0x0D | (how << 4U))}); }
    // craft to A: flags; SEQ = RCV.NXT + seq, ACK = SND.NXT + ack; with TS,
    // TSval = the peer's clock + ts (ms); payload n bytes.
    void craft_to_a(std::uint16_t flags, std::int8_t seq, std::int8_t ack, bool ts, std::int8_t tsd, std::uint8_t payload) {
        const std::uint8_t modes = 0x15; // seq, ack and TS deltas: one signed byte each
        raw({static_cast<std::uint8_t>(0x0A | ((ts ? 1U : 0U) << 4U)), modes, static_cast<std::uint8_t>(seq),
             static_cast<std::uint8_t>(ack), static_cast<std::uint8_t>(flags >> 8U), static_cast<std::uint8_t>(flags),
             0xFF, 0xFF});
        if (ts) raw({static_cast<std::uint8_t>(tsd)});
        raw({payload});
        for (std::uint8_t i = 0; i < payload; ++i) raw({static_cast<std::uint8_t>('a' + i % 26)});
    }
    void mutate_to_a(std::uint8_t what, std::initializer_list<std::uint8_t> operands) {
        raw({0x09, what});
        raw(operands);
    }
};

void write(const std::string& dir, const std::string& name, const Builder& b) {
    run(Bytes(b.bytes.data(), b.bytes.size())); // checked before it is kept
    const std::string path = dir + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        std::perror(path.c_str());
        std::exit(1);
    }
    std::fwrite(b.bytes.data(), 1, b.bytes.size(), f);
    std::fclose(f);
}

constexpr std::uint8_t ws = 1, sack = 2, ts = 4, ecn = 8, ut = 16, fast = 32;
constexpr std::uint8_t connect = 0x00, listen = 0x40, none = 0x80;
constexpr std::uint8_t b_listen = 0x00, b_connect = 0x40, b_none = 0x80;

void make_corpus(const std::string& dir) {
    const std::uint8_t all = ws | sack | ts;
    struct Flavor {
        const char* name;
        std::uint8_t a, b, h3;
    };
    const Flavor flavors[] = {
        {"default", all, all, 0x00},         {"ipv6", all, all, 0x01},
        {"no-options", 0, 0, 0x00},          {"ecn", all | ecn, all | ecn, 0x00},
        {"mixed", ws | ts, sack, 0x25},      {"small-mss-v6", all, ts, 0x71},
        {"small-window", all, all, 0x80},
    };
    for (const Flavor& f : flavors) {
        const std::string n = f.name;
        { // SYN, SYN-ACK, ACK
            Builder b;
            b.header(static_cast<std::uint8_t>(connect | f.a), static_cast<std::uint8_t>(b_listen | f.b), 0x97, f.h3);
            b.to_b(); b.to_a(); b.to_b();
            write(dir, "handshake-" + n, b);
        }
        { // handshake, close from A through TIME-WAIT, both sides
            Builder b;
            b.header(static_cast<std::uint8_t>(connect | f.a), static_cast<std::uint8_t>(b_listen | f.b), 0x97, f.h3);
            b.to_b(); b.to_a(); b.to_b();
            b.ms(100); b.user_a(2); b.to_b(); b.to_a(); b.user_b(2); b.to_a(); b.to_b();
            b.deadline(); b.deadline();
            write(dir, "close-active-" + n, b);
        }
        { // simultaneous open and simultaneous close
            Builder b;
            b.header(static_cast<std::uint8_t>(connect | f.a), static_cast<std::uint8_t>(b_connect | f.b), 0x97, f.h3);
            b.to_b(); b.to_a(); b.to_b(); b.to_a(); b.both();
            b.user_a(2); b.user_b(2); b.both(); b.deadline();
            write(dir, "simultaneous-" + n, b);
        }
    }
    { // lost SYN-ACKs: SYN-ACK retransmissions, duplicate SYNs, then the ACK
        Builder b;
        b.header(connect | all, b_listen | all);
        b.to_b(); b.drop_to_a(); b.deadline(); b.to_b(); b.drop_to_a(); b.drop_to_a();
        b.deadline(); b.to_a(); b.dup_to_a(); b.to_b(); b.to_b();
        write(dir, "lost-synack", b);
    }
    { // every SYN lost: Linux's schedule to TimedOut
        Builder b;
        b.header(connect | all, b_listen | all);
        for (int i = 0; i < 12; ++i) { b.drop_to_b(); b.deadline(); }
        write(dir, "syn-timeout", b);
    }
    { // short schedules and a user timeout on both ends
        Builder b;
        b.header(connect | all | fast | ut, b_listen | all | fast);
        b.to_b(); b.drop_to_a(); b.deadline(); b.deadline(); b.deadline(); b.both(); b.deadline();
        write(dir, "fast-timeouts", b);
    }
    { // refused: nobody listens on B, the harness host answers nothing; B closed
        Builder b;
        b.header(connect | all, b_none | all);
        b.to_b(); b.deadline(); b.to_b();
        b.craft_to_a(0x014, 0, 0, false, 0, 0); // RST+ACK acking the SYN: Refused
        write(dir, "refused", b);
    }
    { // RFC 5961: RSTs and SYNs in the window, challenge ACKs; then RST at RCV.NXT
        Builder b;
        b.header(connect | all, b_listen | all);
        b.to_b(); b.to_a(); b.to_b();
        b.craft_to_a(0x004, 5, 0, true, 0, 0); // RST at RCV.NXT + 5: challenge ACK
        b.craft_to_a(0x002, 7, 0, true, 0, 0); // SYN: challenge ACK (rate-limited)
        b.ms(255, 2);
        b.craft_to_a(0x002, 0, 0, true, 0, 0);
        b.craft_to_a(0x004, 0, 0, true, 0, 0); // RST at RCV.NXT: Reset
        write(dir, "rfc5961", b);
    }
    { // data, PAWS, out-of-order, consume, FIN from B
        Builder b;
        b.header(connect | all, b_listen | all);
        b.to_b(); b.to_a(); b.to_b(); b.ms(10);
        b.craft_to_a(0x018, 0, 0, true, 0, 20);     // in-order data
        b.craft_to_a(0x018, 40, 0, true, 0, 20);    // out of order
        b.craft_to_a(0x018, 0, 0, true, -100, 5);   // old TSval: PAWS
        b.user_a(4, 20);                            // consume
        b.craft_to_a(0x011, 0, 0, true, 1, 0);      // FIN
        b.user_a(2); b.deadline(); b.deadline();
        write(dir, "data-paws-fin", b);
    }
    { // stale ACK in SYN-SENT: <SEQ=SEG.ACK><RST> and the SYN again
        Builder b;
        b.header(connect | all, b_listen | all);
        b.craft_to_a(0x010, 0, 100, false, 0, 0);
        write(dir, "stale-ack-syn-sent", b);
    }
    { // listen: stray ACK gets a RST, RST ignored, SYN with data dropped
        Builder b;
        b.header(listen | all, b_connect | all);
        b.craft_to_a(0x010, 0, 50, false, 0, 0);
        b.craft_to_a(0x004, 0, 0, false, 0, 0);
        b.to_a(); b.to_b(); b.to_a();
        write(dir, "listen-strays", b);
    }
    { // corruption and misdelivery are dropped without effect
        Builder b;
        b.header(connect | all, b_listen | all);
        b.to_b(); b.corrupt_to_a(100); b.deadline(); b.to_b(); b.misdeliver_to_a(0); b.deadline(); b.to_b();
        b.misdeliver_to_a(2); b.deadline(); b.to_b(); b.to_a(); b.to_b(); b.replay_to_a(0); b.replay_to_a(3);
        write(dir, "corrupt-misdeliver-replay", b);
    }
    { // reordered and duplicated handshake segments, abort
        Builder b;
        b.header(connect | all | ecn, b_listen | all | ecn);
        b.to_b(); b.deadline(); b.late_to_a(); b.to_b(); b.dup_to_a(); b.to_a(); b.to_a(); b.both();
        b.user_a(3); b.to_b(); b.both();
        write(dir, "reorder-dup-abort", b);
    }
    { // mutations of a valid SYN-ACK: options edited, window, flags
        Builder b;
        b.header(connect | all, b_listen | all);
        b.to_b();
        b.mutate_to_a(0x20 | 0x08, {0xFF, 0xFF, /*options: mss*/ 0x01, 0x00, 0x01});
        b.deadline(); b.to_b();
        b.mutate_to_a(0x20, {/*ws 200, sackOK toggle, clear layout*/ 0x86, 200});
        b.deadline(); b.to_b(); b.to_a(); b.both();
        write(dir, "mutate-synack", b);
    }
    { // raw bytes aimed at the flow, checksum fixed
        Builder b;
        b.header(listen | all, b_none);
        b.raw({0x38, 24});
        for (int i = 0; i < 24; ++i) b.raw({static_cast<std::uint8_t>(i == 12 ? 0x60 : i == 13 ? 0x02 : i * 7)});
        b.raw({0x38, 20});
        for (int i = 0; i < 20; ++i) b.raw({static_cast<std::uint8_t>(i == 12 ? 0x50 : i == 13 ? 0x12 : 0)});
        write(dir, "raw-listen", b);
    }
    { // close in SYN-RECEIVED: FIN queued before the handshake completes
        Builder b;
        b.header(listen | all, b_connect | all);
        b.to_a(); b.user_a(2); b.to_b(); b.to_a(); b.both(); b.deadline(); b.both(); b.deadline();
        write(dir, "close-in-syn-received", b);
    }
    { // a caller whose buffer is too small for every segment: nothing lost
        Builder b;
        b.header(connect | all, b_listen | all);
        b.clock(12, 13); // 13-byte buffer first
        b.to_b(); b.to_a(); b.to_b(); b.user_a(2); b.to_b(); b.to_a(); b.user_b(2); b.both(); b.deadline();
        b.clock(12, 33); // 33 bytes: the ACKs fit, a SYN does not
        b.user_a(0); b.user_b(1); b.both(); b.user_a(3); b.both();
        write(dir, "small-buffer", b);
    }
    { // a hostile clock: steps back (with blind on_timer(next_deadline())), INT64 edges
        Builder b;
        b.header(connect | all, b_listen | all);
        b.clock(4 | 3, 0x0108); // back 264 << 3 ms, blind timer
        b.to_b(); b.to_a();
        b.clock(4, 0x7FFF); // back 32 s
        b.to_b(); b.both(); b.deadline();
        b.clock(8 | 1, 5); // INT64_MAX - 5 µs
        b.user_a(2); b.both(); b.deadline(); b.both();
        b.clock(8, 5);     // INT64_MIN + 5 µs
        b.user_a(0); b.user_b(1); b.both(); b.deadline(); b.both();
        write(dir, "hostile-clock", b);
    }
    { // long idle in TIME-WAIT, retransmitted FIN restarts it
        Builder b;
        b.header(connect | all, b_listen | all);
        b.to_b(); b.to_a(); b.to_b(); b.user_a(2); b.to_b(); b.to_a(); b.user_b(2); b.dup_to_a(); b.to_a(); b.to_a();
        b.ms(255, 7); b.both(); b.deadline();
        write(dir, "time-wait-refresh", b);
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 2;
    }
    make_corpus(argv[1]);
    return 0;
}
#endif
