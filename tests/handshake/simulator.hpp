// tests/handshake/simulator.hpp — a deterministic network simulator for the
// handshake machines: two Connections across a simulated link with seeded
// delay, jitter, loss, duplication, reordering and single-bit corruption, in
// virtual time that jumps to the earliest pending item (a delivery, a
// machine's deadline, a scheduled user call).
//
// Everything a run does follows from one 64-bit seed: the scenario (configs,
// keys, addresses, link, opening and closing modes) and the network's
// choices come from a private xoshiro256** generator seeded by splitmix64,
// so a seed replays identically on every platform and compiler. A run checks
// its invariants after every step and its outcome at the end; a failure
// returns a message, and the same seed re-run with a trace sink gives the
// full ladder of what happened (see simulator.cpp for the property run).
//
// Not a library header: tests only (it includes <string> and format.hpp).
#pragma once

#include <array>
#include <bit>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "synack/handshake/connection.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/wire/format.hpp"

namespace synack::sim {

// ------------------------------------------------------------ randomness

// splitmix64 (Steele, Lea & Flood 2014; Vigna's reference code): expands a
// seed into the generator's state.
constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
}

// xoshiro256** 1.0 (Blackman & Vigna 2018).
class Rng {
  public:
    constexpr explicit Rng(std::uint64_t seed) noexcept {
        for (auto& w : s_) w = splitmix64(seed);
    }
    constexpr std::uint64_t next() noexcept {
        const std::uint64_t result = std::rotl(s_[1] * 5U, 7) * 9U;
        const std::uint64_t t = s_[1] << 17U;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = std::rotl(s_[3], 45);
        return result;
    }
    // Uniform enough in [0, n) for n > 0 (modulo bias < n / 2^64).
    constexpr std::uint64_t below(std::uint64_t n) noexcept { return n == 0 ? 0 : next() % n; }
    // In [lo, hi].
    constexpr std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
        return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1U));
    }
    // True with probability ppm / 10^6.
    constexpr bool chance(std::uint32_t ppm) noexcept { return below(1000000U) < ppm; }

  private:
    std::array<std::uint64_t, 4> s_{};
};

// ------------------------------------------------------------ scenario

// One direction of the link.
struct Link {
    Duration delay{};          // one-way base delay
    Duration jitter{};         // uniform extra in [0, jitter]
    Duration reorder_delay{};  // extra delay of a packet picked for reordering
    std::uint32_t loss_ppm = 0;
    std::uint32_t dup_ppm = 0;
    std::uint32_t reorder_ppm = 0;
    std::uint32_t corrupt_ppm = 0; // one random bit of the TCP segment flipped

    [[nodiscard]] constexpr bool clean() const noexcept {
        return jitter.ns == 0 && loss_ppm == 0 && dup_ppm == 0 && reorder_ppm == 0 && corrupt_ppm == 0;
    }
};

enum class Opening : std::uint8_t {
    ClientServer, // side 0 connects, side 1 listens
    Simultaneous, // both connect to each other (RFC 9293 §3.5 Figure 8)
    ClosedPort,   // side 1 is a host with nothing listening: reset_for() answers
};

enum class Closing : std::uint8_t {
    None,        // stay ESTABLISHED
    ActiveFirst, // side 0 closes; side 1 closes when it reads the FIN
    PassiveFirst,
    Both,        // both close at the same instant (CLOSING when the FINs cross)
    Abort,       // side 0 aborts (RFC 9293 §3.10.5: RST); side 1 learns by Reset
};

[[nodiscard]] constexpr const char* to_string(Opening o) noexcept {
    switch (o) {
    case Opening::ClientServer: return "client-server";
    case Opening::Simultaneous: return "simultaneous";
    case Opening::ClosedPort: return "closed-port";
    }
    return "?";
}

[[nodiscard]] constexpr const char* to_string(Closing c) noexcept {
    switch (c) {
    case Closing::None: return "none";
    case Closing::ActiveFirst: return "side0-first";
    case Closing::PassiveFirst: return "side1-first";
    case Closing::Both: return "both";
    case Closing::Abort: return "side0-aborts";
    }
    return "?";
}

struct Scenario {
    std::uint64_t seed = 0;
    std::array<Context, 2> ctx{};
    std::array<Endpoint, 2> ep{};
    std::array<Link, 2> link{}; // link[i] carries what side i sends
    Opening opening = Opening::ClientServer;
    Closing closing = Closing::None;
    Time t0{};                  // side 0 opens (and side 1 listens) at t0
    Duration b_offset{};        // simultaneous: side 1 connects at t0 + b_offset
    Duration close_delay{};     // closes start this long after both are ESTABLISHED
    bool spurious_timers = false; // also call on_timer() early, after every step

    [[nodiscard]] constexpr bool clean() const noexcept { return link[0].clean() && link[1].clean(); }
};

namespace detail {

inline Config random_config(Rng& r, bool active) {
    Config c;
    switch (r.below(8)) {
    case 0: c.mss = static_cast<std::uint16_t>(r.between(88, 65535)); break;
    case 1: c.mss = 536; break;
    case 2: c.mss = 1220; break;
    case 3: c.mss = 8960; break;
    case 4: c.mss = 1440; break;
    default: c.mss = 1460; break;
    }
    const std::uint64_t ws = r.below(100);
    if (ws < 25) {
        c.window_scale = nullopt;
    } else if (ws < 28) {
        c.window_scale = max_window_scale; // (a shift over 14 is a Config error: validate_connection_config())
    } else {
        c.window_scale = static_cast<std::uint8_t>(r.between(0, 14));
    }
    c.sack = r.below(4) != 0;
    c.timestamps = r.below(4) != 0;
    c.ecn = r.below(10) < 3;
    // Up to what the window field can announce (65535 << shift, 2^30 at most).
    const std::int64_t max_wnd = std::int64_t{0xFFFF} << (c.window_scale ? *c.window_scale : 0U);
    c.rcv_wnd = r.below(2) == 0 ? 64240U : static_cast<std::uint32_t>(r.between(1, max_wnd));
    if (r.below(2) == 0) {
        c.syn_retries = static_cast<std::uint8_t>(r.between(0, 6));
        c.syn_linear_timeouts = static_cast<std::uint8_t>(r.between(0, 4));
        c.synack_retries = static_cast<std::uint8_t>(r.between(0, 5));
        c.fin_retries = static_cast<std::uint8_t>(r.between(0, 8));
    }
    if (r.below(2) == 0) {
        c.rto_initial = Duration::milliseconds(r.between(10, 3000));
        c.rto_min = Duration::milliseconds(r.between(1, 200));
        c.rto_max = c.rto_initial * r.between(1, 128);
        c.rto_fallback = Duration::milliseconds(r.between(200, 3000));
        if (c.rto_min > c.rto_max) c.rto_min = c.rto_max; // rto_min > rto_max is a Config error
    }
    if (r.below(2) == 0) c.msl = Duration::milliseconds(r.between(100, 30000));
    // The user timeout on active opens only: a passive open has no attempt
    // to bound (see simulator.cpp's note on listen() and the user timeout).
    if (active && r.below(10) == 0) c.user_timeout = Duration::milliseconds(r.between(1, 200000));
    c.challenge_ack_limit = static_cast<std::uint16_t>(r.between(0, 3));
    return c;
}

inline Secrets random_secrets(Rng& r) {
    Secrets s;
    s.isn_key = {r.next(), r.next()};
    s.ts_key = {r.next(), r.next()};
    s.cookie_key = {r.next(), r.next()};
    return s;
}

inline Link random_link(Rng& r) {
    Link l;
    switch (r.below(4)) {
    case 0: l.delay = Duration::microseconds(r.between(1, 1000)); break;
    case 1: l.delay = Duration::microseconds(r.between(1000, 50000)); break;
    case 2: l.delay = Duration::microseconds(r.between(50000, 300000)); break;
    default: l.delay = Duration::microseconds(r.between(300000, 2500000)); break;
    }
    if (r.below(2) == 0) l.jitter = Duration{static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(l.delay.ns) + 1))};
    static constexpr std::array<std::uint32_t, 8> loss{1000, 10000, 50000, 100000, 250000, 500000, 800000, 950000};
    if (r.below(100) >= 35) l.loss_ppm = loss[r.below(loss.size())];
    if (r.below(10) < 3) l.dup_ppm = static_cast<std::uint32_t>(r.between(1, 200000));
    if (r.below(10) < 3) {
        l.reorder_ppm = static_cast<std::uint32_t>(r.between(1, 200000));
        l.reorder_delay = Duration{l.delay.ns * r.between(1, 3) + 1};
    }
    if (r.below(10) < 3) l.corrupt_ppm = static_cast<std::uint32_t>(r.between(1, 250000));
    return l;
}

} // namespace detail

// The scenario a seed stands for.
inline Scenario make_scenario(std::uint64_t seed) {
    Rng r(seed);
    Scenario s;
    s.seed = seed;
    const std::uint64_t open = r.below(100);
    s.opening = open < 75 ? Opening::ClientServer : open < 90 ? Opening::Simultaneous : Opening::ClosedPort;
    const std::uint64_t close = r.below(100);
    s.closing = close < 35   ? Closing::None
                : close < 60 ? Closing::ActiveFirst
                : close < 80 ? Closing::PassiveFirst
                : close < 93 ? Closing::Both
                             : Closing::Abort;
    s.ctx[0] = Context{detail::random_config(r, true), detail::random_secrets(r)};
    s.ctx[1] = Context{detail::random_config(r, s.opening == Opening::Simultaneous), detail::random_secrets(r)};

    if (r.below(10) < 3) { // IPv6, 2001:db8::/32
        s.ep[0].address = IpAddress::v6_groups({0x2001, 0xdb8, static_cast<std::uint16_t>(r.below(65536)), 0, 0, 0, 0,
                                                static_cast<std::uint16_t>(r.between(1, 0x7fff))});
        s.ep[1].address = IpAddress::v6_groups({0x2001, 0xdb8, static_cast<std::uint16_t>(r.below(65536)), 0, 0, 0, 0,
                                                static_cast<std::uint16_t>(r.between(0x8000, 0xffff))});
    } else { // 198.18.0.0/15
        s.ep[0].address = IpAddress::v4(198, 18, static_cast<std::uint8_t>(r.below(256)),
                                        static_cast<std::uint8_t>(r.between(1, 254)));
        s.ep[1].address = IpAddress::v4(198, 19, static_cast<std::uint8_t>(r.below(256)),
                                        static_cast<std::uint8_t>(r.between(1, 254)));
    }
    s.ep[0].port = static_cast<std::uint16_t>(r.between(32768, 60999));
    s.ep[1].port = static_cast<std::uint16_t>(r.between(1, 65535));

    if (r.below(100) < 15) { // clean: fixed delays, nothing lost or changed
        for (auto& l : s.link) {
            l = Link{};
            l.delay = Duration::microseconds(r.between(1, 700000));
        }
    } else {
        s.link[0] = detail::random_link(r);
        s.link[1] = r.below(3) == 0 ? s.link[0] : detail::random_link(r);
    }
    // Time starts anywhere in 2^50 ns (~13 days): ISN and TS clocks wrap.
    s.t0 = Time{static_cast<std::int64_t>(r.below(std::uint64_t{1} << 50U))};
    if (s.opening == Opening::Simultaneous && r.below(2) == 0) {
        s.b_offset = Duration::microseconds(r.between(0, 3000000));
    }
    s.close_delay = Duration::microseconds(r.between(0, 5000000));
    s.spurious_timers = r.below(10) == 0;
    return s;
}

// ------------------------------------------------------------ the link model

// What a link does to one copy of a segment.
struct LinkCopy {
    Duration delay{};       // until delivery: base delay + jitter (+ reorder_delay)
    bool late = false;      // picked for reordering
    bool corrupted = false; // one bit flipped...
    std::uint64_t bit = 0;  // ...this one (bit index into the segment)
};

// Sends one segment of `size` bytes over `l`: lost, or delivered once, or
// duplicated. Calls each(copy index, fate) per delivered copy (stopping if it
// returns false) and returns the number of copies (0 = lost). The random
// draws come from `net` in a fixed order, so a seed replays identically;
// the Simulator below and the lwIP interop test (tests/interop/lwip.cpp)
// both send through this.
template <class Each>
int link_transmit(Rng& net, const Link& l, std::size_t size, Each&& each) {
    if (net.chance(l.loss_ppm)) return 0;
    const int copies = net.chance(l.dup_ppm) ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
        LinkCopy fate;
        fate.delay = l.delay;
        if (l.jitter.ns > 0) {
            fate.delay = fate.delay + Duration{static_cast<std::int64_t>(net.below(static_cast<std::uint64_t>(l.jitter.ns) + 1))};
        }
        fate.late = net.chance(l.reorder_ppm);
        if (fate.late) fate.delay = fate.delay + l.reorder_delay;
        fate.corrupted = net.chance(l.corrupt_ppm);
        if (fate.corrupted) fate.bit = net.below(size * 8U);
        if (!each(c, fate)) break;
    }
    return copies;
}

// ------------------------------------------------------------ simulation

// Counters summed over a property run (and one run's own).
struct Totals {
    std::uint64_t runs = 0;
    std::uint64_t both_established = 0;
    std::uint64_t half_open = 0;      // one side ESTABLISHED, the other gave up
    std::uint64_t timed_out = 0;      // active open(s) TimedOut
    std::uint64_t refused = 0;        // active open(s) Refused
    std::uint64_t closed_clean = 0;   // both reached CLOSED after a close
    std::uint64_t fin_wait2_left = 0; // quiescent with one side in FIN-WAIT-2 (peer gone)
    std::uint64_t exact_timing = 0;   // clean runs whose 2d / 3d timing was checked
    std::uint64_t segments_sent = 0;
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t corrupted = 0;      // corrupted segments delivered...
    std::uint64_t corrupt_dropped = 0; // ...and dropped by checksum or framing
    std::uint64_t host_resets = 0;    // closed-port RSTs built with reset_for()
    std::uint64_t steps = 0;
    std::uint64_t max_steps = 0;
    std::uint64_t max_in_flight = 0;

    void add(const Totals& o) noexcept {
        runs += o.runs;
        both_established += o.both_established;
        half_open += o.half_open;
        timed_out += o.timed_out;
        refused += o.refused;
        closed_clean += o.closed_clean;
        fin_wait2_left += o.fin_wait2_left;
        exact_timing += o.exact_timing;
        segments_sent += o.segments_sent;
        lost += o.lost;
        duplicated += o.duplicated;
        reordered += o.reordered;
        corrupted += o.corrupted;
        corrupt_dropped += o.corrupt_dropped;
        host_resets += o.host_resets;
        steps += o.steps;
        if (o.max_steps > max_steps) max_steps = o.max_steps;
        if (o.max_in_flight > max_in_flight) max_in_flight = o.max_in_flight;
    }
};

// When a machine gives up a SYN (syn = true) or SYN-ACK, and after how
// many retransmissions: Linux's schedule as connection.hpp implements it
// (initial RTO, the first syn_linear_timeouts retransmissions at that RTO
// in SYN-SENT, then doubling up to rto_max; the last retransmission's timer
// expiring is the end). A SYN is also given up at the first timeout after a
// retransmission that finds its budget gone since the first SYN (Linux
// retransmits_timed_out()): the time syn_retries retransmissions take with
// plain doubling, summed here step by step.
struct GiveUp {
    Duration after;
    std::uint32_t retransmissions = 0;
};
[[nodiscard]] constexpr GiveUp give_up(const Config& c, bool syn) noexcept {
    const auto doubled = [&c](Duration d) { return Duration{d.ns * 2 > c.rto_max.ns ? c.rto_max.ns : d.ns * 2}; };
    const std::uint32_t limit = syn ? std::uint32_t{c.syn_retries} + c.syn_linear_timeouts : c.synack_retries;
    Duration budget{};
    if (syn) {
        Duration step = c.rto_initial;
        for (std::uint32_t i = 0; i <= c.syn_retries; ++i) {
            budget = budget + step;
            step = doubled(step);
        }
    }
    Duration rto = c.rto_initial;
    Duration total = rto;
    std::uint32_t r = 0;
    while (r < limit && !(syn && r > 0 && total >= budget)) {
        ++r;
        if (!(syn && r <= c.syn_linear_timeouts)) rto = doubled(rto);
        total = total + rto;
    }
    return {total, r};
}
[[nodiscard]] constexpr Duration give_up_after(const Config& c, bool syn) noexcept { return give_up(c, syn).after; }

class Simulator {
  public:
    static constexpr std::size_t max_steps = 4000;
    static constexpr std::size_t max_in_flight = 64;
    static constexpr std::size_t max_events = 8;

    // `trace`, when given, receives one line per thing that happened.
    explicit Simulator(const Scenario& s, std::string* trace = nullptr)
        : sc_(s), net_(s.seed ^ 0x6e6574776f726b21ULL), side_{Side(sc_.ctx[0]), Side(sc_.ctx[1])},
          trace_(trace) {}
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Runs to quiescence (nothing in flight, no deadline, no call pending).
    // Returns the first violated property, or an empty string.
    std::string run() {
        start();
        std::size_t step = 0;
        for (; step < max_steps && failure_.empty(); ++step) {
            if (!advance()) break;
        }
        totals_.runs = 1;
        totals_.steps = step;
        totals_.max_steps = step;
        if (failure_.empty() && step == max_steps) fail("no quiescence after %zu steps", max_steps);
        if (failure_.empty()) check_outcome();
        return failure_;
    }

    [[nodiscard]] const Totals& totals() const noexcept { return totals_; }
    [[nodiscard]] const Connection& connection(int i) const noexcept { return side_[idx(i)].conn; }

  private:
    struct EventRecord {
        EventKind kind = EventKind::Closed;
        Time at{};
        State before = State::Closed; // the state before the step that raised it
        Negotiated neg{};
    };

    struct Side {
        explicit Side(const Context& c) noexcept : conn(c) {}
        Connection conn;
        // transmissions by kind
        std::uint32_t syn = 0, synack = 0, fin = 0, rst = 0, ack = 0, total = 0;
        std::uint32_t rst_in_syn_sent = 0;
        std::uint32_t host_rst = 0; // RSTs the host sent for it (no socket yet)
        std::uint16_t retransmits_base = 0;
        std::uint32_t aborts = 0;
        std::uint32_t rst_by_established = 0; // RSTs sent before its Established
        // arrivals
        std::uint32_t delivered = 0, corrupted_in = 0, valid_in = 0, dup_syn_in_syn_rcvd = 0;
        Optional<SeqNum> iss;   // the SYN / SYN-ACK sequence number, fixed once seen
        std::uint16_t ack_window = 0; // window field of its last ACK
        bool sent_ack = false;
        Time connect_at = Time::never();
        Time syn_rcvd_at = Time::never();
        Time close_at = Time::never();
        bool close_called = false;
        bool had_peer_closed = false;
        State state = State::Closed; // as of the end of the last step
        std::array<EventRecord, max_events> ev{};
        std::size_t nev = 0;

        [[nodiscard]] const EventRecord* find(EventKind k) const noexcept {
            for (std::size_t i = 0; i < nev; ++i) {
                if (ev[i].kind == k) return &ev[i];
            }
            return nullptr;
        }
        [[nodiscard]] const EventRecord* terminal() const noexcept {
            for (std::size_t i = 0; i < nev; ++i) {
                if (ev[i].kind != EventKind::Established && ev[i].kind != EventKind::PeerClosed) return &ev[i];
            }
            return nullptr;
        }
    };

    struct Packet {
        Time at{};
        std::uint64_t id = 0;
        std::uint8_t to = 0;
        bool corrupted = false;
        std::uint8_t length = 0;
        std::array<std::uint8_t, tcp_max_header> bytes{};
    };

    static constexpr std::size_t idx(int i) noexcept { return static_cast<std::size_t>(i); }
    [[nodiscard]] const Config& cfg(int i) const noexcept { return sc_.ctx[idx(i)].config; }
    [[nodiscard]] FourTuple flow_of(int i) const noexcept { return {sc_.ep[idx(i)], sc_.ep[idx(1 - i)]}; }
    [[nodiscard]] bool active(int i) const noexcept { return i == 0 || sc_.opening == Opening::Simultaneous; }

    // ---- failures and tracing

#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    void fail(const char* fmt, ...) {
        if (!failure_.empty()) return;
        std::array<char, 512> b{};
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(b.data(), b.size(), fmt, ap);
        va_end(ap);
        std::array<char, 64> when{};
        std::snprintf(when.data(), when.size(), "t=+%.9f: ", seconds(now_));
        failure_ = std::string(when.data()) + b.data();
        if (trace_ != nullptr) *trace_ += "  !! " + failure_ + "\n";
    }

    [[nodiscard]] double seconds(Time t) const noexcept {
        if (t == Time::never()) return -1;
        return static_cast<double>(t.ns - sc_.t0.ns) / 1e9;
    }

#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    void note(const char* fmt, ...) {
        if (trace_ == nullptr) return;
        std::array<char, 256> b{};
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(b.data(), b.size(), fmt, ap);
        va_end(ap);
        std::array<char, 32> when{};
        std::snprintf(when.data(), when.size(), "%+14.9f  ", seconds(now_));
        *trace_ += when.data();
        *trace_ += b.data();
        *trace_ += '\n';
    }

    void note_segment(const char* what, int from, Bytes seg) {
        if (trace_ == nullptr) return;
        const std::string text = packet_to_string(sc_.ep[idx(from)].address, sc_.ep[idx(1 - from)].address, seg);
        note("%c %-9s %s", from == 0 ? 'A' : 'B', what, text.c_str());
    }

    // ---- the loop

    void start() {
        now_ = sc_.t0;
        note("seed %llu: %s, closing %s", static_cast<unsigned long long>(sc_.seed), to_string(sc_.opening),
             to_string(sc_.closing));
        Side& a = side_[0];
        Side& b = side_[1];
        if (sc_.opening == Opening::ClientServer) {
            if (b.conn.listen(sc_.ep[1], now_) != Error::None) fail("listen() refused");
            note("B listen");
        }
        if (a.conn.connect(flow_of(0), now_) != Error::None) fail("connect() refused");
        a.connect_at = now_;
        note("A connect");
        if (sc_.opening == Opening::Simultaneous) {
            if (sc_.b_offset.ns == 0) {
                connect_b();
            } else {
                b_connect_at_ = sc_.t0 + sc_.b_offset;
            }
        }
        settle();
        after_step();
    }

    void connect_b() {
        Side& b = side_[1];
        b_connect_at_ = Time::never();
        if (b.conn.connect(flow_of(1), now_) != Error::None) fail("B connect() refused");
        b.connect_at = now_;
        note("B connect");
    }

    // One item: a user call, a delivery or a timer, the earliest first
    // (ties: user calls, then deliveries in send order, then timers).
    bool advance() {
        Time t = Time::never();
        int kind = 3; // 0 user call, 1 delivery, 2 timer
        std::uint64_t order = 0; // who (user call, timer) or packet id
        std::size_t pkt = 0;
        auto consider = [&](Time at, int k, std::uint64_t o, std::size_t p) {
            if (at == Time::never()) return;
            if (at < t || (at == t && (k < kind || (k == kind && o < order)))) {
                t = at;
                kind = k;
                order = o;
                pkt = p;
            }
        };
        consider(b_connect_at_, 0, 2, 0);
        for (int i = 0; i < 2; ++i) consider(side_[idx(i)].close_at, 0, idx(i), 0);
        for (std::size_t p = 0; p < ninflight_; ++p) consider(inflight_[p].at, 1, inflight_[p].id, p);
        for (int i = 0; i < 2; ++i) consider(side_[idx(i)].conn.next_deadline(), 2, idx(i), 0);
        const int who = static_cast<int>(order);
        if (t == Time::never()) return false;
        if (t < now_) {
            fail("time went backwards to %.9f", seconds(t));
            return false;
        }
        now_ = t;
        switch (kind) {
        case 0:
            if (who == 2) {
                connect_b();
            } else {
                user_close(who);
            }
            break;
        case 1: {
            const Packet p = inflight_[pkt];
            inflight_[pkt] = inflight_[--ninflight_];
            deliver(p);
            break;
        }
        default: {
            Side& s = side_[idx(who)];
            note("%c timer (%s)", who == 0 ? 'A' : 'B', synack::to_string(s.conn.state()));
            s.conn.on_timer(now_);
            timer_fired_ = who;
            break;
        }
        }
        settle();
        after_step();
        timer_fired_ = -1;
        return true;
    }

    void user_close(int i) {
        Side& s = side_[idx(i)];
        s.close_at = Time::never();
        if (s.close_called) return;
        const State st = s.conn.state();
        if (st == State::Closed) return; // reset or timed out meanwhile
        s.close_called = true;
        if (sc_.closing == Closing::Abort && i == 0) {
            note("%c abort() in %s", i == 0 ? 'A' : 'B', synack::to_string(st));
            ++s.aborts;
            if (s.conn.abort(now_) != Error::None) fail("abort() in %s refused", synack::to_string(st));
            if (s.conn.state() != State::Closed) fail("abort() left %s", synack::to_string(s.conn.state()));
            return;
        }
        note("%c close() in %s", i == 0 ? 'A' : 'B', synack::to_string(st));
        if (s.conn.close(now_) != Error::None) fail("close() in %s refused", synack::to_string(st));
    }

    // ---- the network

    void send(int from, Bytes seg) {
        const Link& l = sc_.link[idx(from)];
        ++totals_.segments_sent;
        const int copies = link_transmit(net_, l, seg.size(), [&](int c, const LinkCopy& fate) {
            if (ninflight_ == max_in_flight) {
                fail("more than %zu segments in flight", max_in_flight);
                return false;
            }
            Packet& p = inflight_[ninflight_++];
            if (ninflight_ > totals_.max_in_flight) totals_.max_in_flight = ninflight_;
            p.id = next_id_++;
            p.to = static_cast<std::uint8_t>(1 - from);
            p.length = static_cast<std::uint8_t>(seg.size());
            for (std::size_t i = 0; i < seg.size(); ++i) p.bytes[i] = seg[i];
            if (fate.late) ++totals_.reordered;
            p.at = now_ + fate.delay;
            p.corrupted = fate.corrupted;
            if (p.corrupted) p.bytes[fate.bit / 8U] = static_cast<std::uint8_t>(p.bytes[fate.bit / 8U] ^ (1U << (fate.bit % 8U)));
            if (trace_ != nullptr) {
                std::array<char, 80> what{};
                std::snprintf(what.data(), what.size(), "sent #%llu -> +%.9f%s%s%s",
                              static_cast<unsigned long long>(p.id), seconds(p.at), c == 1 ? " (dup)" : "",
                              fate.late ? " (late)" : "", p.corrupted ? " (corrupted)" : "");
                note("%c %s", from == 0 ? 'A' : 'B', what.data());
            }
            return true;
        });
        if (copies == 0) {
            ++totals_.lost;
            note_segment("lost", from, seg);
            return;
        }
        if (copies == 2) ++totals_.duplicated;
        if (trace_ != nullptr) note_segment("", from, seg);
    }

    void deliver(const Packet& p) {
        const int to = p.to;
        Side& d = side_[idx(to)];
        const Bytes seg(p.bytes.data(), p.length);
        const IpAddress& src = sc_.ep[idx(1 - to)].address;
        const IpAddress& dst = sc_.ep[idx(to)].address;
        if (trace_ != nullptr) {
            note("%c recv #%llu%s in %s", to == 0 ? 'A' : 'B', static_cast<unsigned long long>(p.id),
                 p.corrupted ? " (corrupted)" : "", synack::to_string(d.conn.state()));
        }
        const ConnectionStats before = d.conn.stats();
        const State state_before = d.conn.state();
        const Received r = d.conn.on_segment(src, dst, seg, now_);
        ++d.delivered;
        const ConnectionStats& after = d.conn.stats();
        if (after.segments_in != static_cast<std::uint16_t>(before.segments_in + 1)) fail("segments_in not counted");
        if (p.corrupted) {
            ++totals_.corrupted;
            ++d.corrupted_in;
            const bool framing = r.error == Error::TcpTruncated || r.error == Error::TcpDataOffsetTooSmall ||
                                 r.error == Error::TcpDataOffsetPastEnd;
            if (r.error == Error::BadChecksum) {
                if (after.bad_checksum != static_cast<std::uint16_t>(before.bad_checksum + 1))
                    fail("a bad checksum was not counted");
            } else if (framing) {
                if (after.malformed != static_cast<std::uint16_t>(before.malformed + 1))
                    fail("a malformed segment was not counted");
            } else {
                fail("a corrupted segment was accepted by %c (error '%s')", to == 0 ? 'A' : 'B',
                     std::string(synack::to_string(r.error)).c_str());
            }
            if (d.conn.state() != state_before) fail("a corrupted segment changed the state");
            ++totals_.corrupt_dropped;
            return;
        }
        if (r.error == Error::NotFound && to == 1 && d.connect_at == Time::never() &&
            sc_.opening != Opening::ClientServer) {
            // A host with no socket for the port (a closed port, or the
            // simultaneous opener before its connect()): Linux's
            // tcp_v4_send_reset(), built with reset_for().
            const result<TcpView> v = TcpView::parse(seg);
            if (!v) {
                fail("a valid segment did not parse");
                return;
            }
            const Optional<TcpHeader> rst = reset_for(*v);
            if (!rst) return;
            std::array<std::uint8_t, tcp_max_header> out{};
            const result<std::size_t> n = rst->encode(out);
            if (!n) {
                fail("reset_for() header did not encode");
                return;
            }
            fill_tcp_checksum(dst, src, MutableBytes(out.data(), *n));
            ++totals_.host_resets;
            ++d.host_rst;
            note("B host answers with reset_for()");
            send(1, Bytes(out.data(), *n));
            return;
        }
        if (r.error != Error::None) {
            fail("a valid segment was rejected by %c: %s", to == 0 ? 'A' : 'B',
                 std::string(synack::to_string(r.error)).c_str());
            return;
        }
        if (!r.payload.empty()) fail("payload surfaced from a segment without payload");
        ++d.valid_in;
        const result<TcpView> v = TcpView::parse(seg);
        if (v && state_before == State::SynReceived && v->flags().syn() && !v->flags().ack()) ++d.dup_syn_in_syn_rcvd;
    }

    // Drains both machines until neither has anything to say; bounded.
    void settle() {
        for (int round = 0; round < 8; ++round) {
            bool any = false;
            for (int i = 0; i < 2; ++i) {
                any = drain_transmits(i) || any;
                any = drain_events(i) || any;
            }
            if (!any) return;
        }
        fail("machines still talking after 8 rounds of polling");
    }

    bool drain_transmits(int i) {
        Side& s = side_[idx(i)];
        std::array<std::uint8_t, 1600> buf{};
        int n = 0;
        for (; n < 8; ++n) {
            const Optional<Transmit> t = s.conn.poll_transmit(buf, now_);
            if (!t) break;
            if (t->length > buf.size()) {
                fail("poll_transmit() length %zu beyond the buffer", t->length);
                return false;
            }
            check_transmit(i, *t, Bytes(buf.data(), t->length));
            if (!failure_.empty()) return false;
            send(i, Bytes(buf.data(), t->length));
        }
        if (n == 8) fail("%c: more than 8 segments from one poll", i == 0 ? 'A' : 'B');
        if (n > 3) fail("%c: %d segments from one step", i == 0 ? 'A' : 'B', n);
        return n > 0;
    }

    void check_transmit(int i, const Transmit& t, Bytes seg) {
        Side& s = side_[idx(i)];
        const char who = i == 0 ? 'A' : 'B';
        const Config& c = cfg(i);
        ++s.total;
        if (!(t.flow == flow_of(i))) fail("%c: segment for a foreign flow", who);
        if (t.ecn != 0) fail("%c: handshake segment sent ECT", who);
        const result<TcpHeader> hr = TcpHeader::decode(seg);
        if (!hr) {
            fail("%c: emitted segment does not decode", who);
            return;
        }
        const TcpHeader& h = *hr;
        if (h.options.malformed()) fail("%c: emitted options malformed", who);
        if (seg.size() != std::size_t{20} + h.options.wire_length) fail("%c: emitted segment carries payload", who);
        if (!verify_tcp_checksum(t.flow.local.address, t.flow.remote.address, seg)) fail("%c: emitted checksum wrong", who);
        if (h.source_port != t.flow.local.port || h.destination_port != t.flow.remote.port) fail("%c: ports", who);
        if (h.reserved != 0 || h.urgent_pointer != 0) fail("%c: reserved bits or urgent pointer set", who);
        // Linux's canonical option layout: re-encoding the typed values from
        // scratch gives the same bytes.
        {
            TcpHeader canon = h;
            canon.options.clear_layout();
            std::array<std::uint8_t, tcp_max_header> again{};
            const result<std::size_t> n = canon.encode(again);
            bool same = n.ok() && *n == seg.size();
            for (std::size_t k = 0; same && k < seg.size(); ++k) same = again[k] == seg[k];
            if (!same) fail("%c: option layout is not Linux's canonical one", who);
        }
        const std::uint16_t ecn_bits = static_cast<std::uint16_t>(TcpFlag::Ece) | static_cast<std::uint16_t>(TcpFlag::Cwr);
        const std::uint16_t core = static_cast<std::uint16_t>(h.flags.bits() & ~ecn_bits);
        const std::uint16_t syn = static_cast<std::uint16_t>(TcpFlag::Syn);
        const std::uint16_t ack = static_cast<std::uint16_t>(TcpFlag::Ack);
        const std::uint16_t fin = static_cast<std::uint16_t>(TcpFlag::Fin);
        const std::uint16_t rst = static_cast<std::uint16_t>(TcpFlag::Rst);
        const bool ece = h.flags.ece();
        const bool cwr = h.flags.cwr();
        const Negotiated neg = s.conn.negotiated();
        // Linux tcp_select_initial_window(): a passive open whose SYN had
        // timestamps quantizes to mss - 12.
        const std::uint32_t space = negotiate::initial_window(c.rcv_wnd, c.mss, !active(i) && neg.timestamps);
        const std::uint16_t syn_window = static_cast<std::uint16_t>(space > 0xFFFFU ? 0xFFFFU : space);
        if (core == syn || core == (syn | ack)) {
            if (s.iss && *s.iss != h.seq) fail("%c: SYN/SYN-ACK with a different ISS", who);
            s.iss = h.seq;
            if (h.options.mss != c.mss) fail("%c: SYN without our MSS", who);
            if (h.window != syn_window) fail("%c: SYN window %u, expected %u", who, h.window, syn_window);
            if (core == syn) {
                ++s.syn;
                if (!active(i)) fail("%c: passive side sent a SYN", who);
                if (h.options.window_scale != c.window_scale) fail("%c: SYN window scale", who);
                if (h.options.sack_permitted != c.sack) fail("%c: SYN sackOK", who);
                if (h.options.timestamps.has_value() != c.timestamps) fail("%c: SYN timestamps", who);
                if (h.options.timestamps && h.options.timestamps->echo_reply != 0) fail("%c: SYN TSecr != 0", who);
                if (ece != c.ecn || cwr != c.ecn) fail("%c: SYN ECN bits", who);
            } else {
                ++s.synack;
                if (h.ack != neg.irs + 1) fail("%c: SYN-ACK acks %u, not IRS+1", who, h.ack.raw());
                // Only what was agreed is answered (RFC 7323 §1.3, RFC 2018 §2).
                if (h.options.sack_permitted != neg.sack) fail("%c: SYN-ACK sackOK", who);
                if (h.options.timestamps.has_value() != neg.timestamps) fail("%c: SYN-ACK timestamps", who);
                if (h.options.window_scale.has_value() != neg.wscale) fail("%c: SYN-ACK window scale", who);
                if (neg.wscale && *h.options.window_scale != *c.window_scale &&
                    !(*c.window_scale > max_window_scale && *h.options.window_scale == max_window_scale))
                    fail("%c: SYN-ACK wscale %u", who, *h.options.window_scale);
                if (cwr || ece != neg.ecn) fail("%c: SYN-ACK ECN bits", who);
            }
            return;
        }
        if (core == rst || core == (rst | ack)) {
            ++s.rst;
            if (s.state == State::SynSent) ++s.rst_in_syn_sent;
            // An abort()'s RST+ACK on a timestamped connection carries the
            // timestamps alone (Linux tcp_send_active_reset()); any other RST none.
            const bool ts_only = core == (rst | ack) && neg.timestamps && h.options.timestamps &&
                                 h.options.wire_length == 12;
            if (h.window != 0 || (h.options.wire_length != 0 && !ts_only) || ece || cwr)
                fail("%c: RST with window/options", who);
            return;
        }
        if (core == ack || core == (ack | fin)) {
            if (core == ack) {
                ++s.ack;
                s.sent_ack = true;
                s.ack_window = h.window;
            } else {
                ++s.fin;
            }
            if (ece || cwr) fail("%c: ECN bits on a handshake ACK", who);
            if (h.ack != neg.rcv_nxt) fail("%c: ACK field is not RCV.NXT", who);
            if (h.options.timestamps.has_value() != neg.timestamps) fail("%c: TS option not as agreed", who);
            if (h.options.mss || h.options.window_scale || h.options.sack_permitted) fail("%c: SYN options on an ACK", who);
            return;
        }
        fail("%c: unexpected flags 0x%03x", who, h.flags.bits());
    }

    bool drain_events(int i) {
        Side& s = side_[idx(i)];
        const char who = i == 0 ? 'A' : 'B';
        bool any = false;
        for (int n = 0; n < 8; ++n) {
            const Optional<Event> e = s.conn.poll_event();
            if (!e) return any;
            any = true;
            note("%c event %s -> %s", who, synack::to_string(e->kind), synack::to_string(s.conn.state()));
            if (s.nev == max_events) {
                fail("%c: more than %zu events", who, max_events);
                return any;
            }
            if (s.terminal() != nullptr) fail("%c: event %s after the end", who, synack::to_string(e->kind));
            s.ev[s.nev++] = EventRecord{e->kind, now_, s.state, e->negotiated};
            on_event(i, e->kind);
        }
        fail("%c: events keep coming", who);
        return any;
    }

    void on_event(int i, EventKind k) {
        Side& s = side_[idx(i)];
        Side& o = side_[idx(1 - i)];
        const char who = i == 0 ? 'A' : 'B';
        switch (k) {
        case EventKind::Established:
            s.rst_by_established = s.rst;
            if (s.find(EventKind::Established) != &s.ev[s.nev - 1]) fail("%c: Established twice", who);
            // Completed after the peer gave up (a late SYN-ACK or ACK): the
            // application learns it when it closes, as below.
            if (o.terminal() != nullptr && !s.close_called && s.close_at == Time::never()) {
                s.close_at = now_ + Duration::seconds(1);
            }
            if (o.find(EventKind::Established) != nullptr && sc_.closing != Closing::None) {
                const Time at = now_ + sc_.close_delay;
                if (sc_.closing != Closing::PassiveFirst) side_[0].close_at = at;
                if (sc_.closing == Closing::PassiveFirst || sc_.closing == Closing::Both) side_[1].close_at = at;
            }
            break;
        case EventKind::PeerClosed:
            s.had_peer_closed = true;
            // The application reads EOF and closes at once.
            if (sc_.closing != Closing::None && !s.close_called) user_close(i);
            break;
        default:
            // The peer is gone: an application holding the other end learns
            // it by sending (a close here: its FIN meets a RST or times out).
            if (o.conn.synchronized() && !o.close_called && o.close_at == Time::never()) {
                o.close_at = now_ + Duration::seconds(1);
            }
            break;
        }
    }

    void after_step() {
        for (int i = 0; i < 2; ++i) {
            Side& s = side_[idx(i)];
            const char who = i == 0 ? 'A' : 'B';
            const State st = s.conn.state();
            if (static_cast<std::uint8_t>(st) > static_cast<std::uint8_t>(State::LastAck)) fail("%c: invalid state", who);
            const Time d = s.conn.next_deadline();
            // Never in the past; after on_timer(now), strictly later (progress).
            if (d < now_ || (d == now_ && timer_fired_ == i)) fail("%c: deadline %.9f not in the future", who, seconds(d));
            if ((st == State::Closed || st == State::Listen) && d != Time::never()) {
                fail("%c: a deadline in %s", who, synack::to_string(st));
            }
            if ((st == State::Established || st == State::CloseWait || st == State::FinWait2) && d != Time::never()) {
                fail("%c: a deadline in %s", who, synack::to_string(st));
            }
            if (st != s.state) {
                note("%c %s -> %s", who, synack::to_string(s.state), synack::to_string(st));
                if (st == State::Listen && s.state == State::SynReceived) {
                    // RFC 9293 §3.10.7.4: a RST sent a passive SYN-RECEIVED
                    // back to LISTEN; a later SYN starts a new incarnation.
                    s.iss.reset();
                    s.syn_rcvd_at = Time::never();
                    s.synack = 0;
                    s.dup_syn_in_syn_rcvd = 0;
                    s.retransmits_base = s.conn.stats().retransmits;
                }
                if (st == State::SynReceived && s.syn_rcvd_at == Time::never()) s.syn_rcvd_at = now_;
                if (st == State::TimeWait && d != now_ + cfg(i).msl * 2) fail("%c: TIME-WAIT is not 2 MSL", who);
                if (st == State::TimeWait && !s.had_peer_closed) fail("%c: TIME-WAIT without the peer's FIN", who);
                s.state = st;
            }
            if (sc_.spurious_timers && d > now_ && d != Time::never()) {
                // An early wake-up changes nothing.
                s.conn.on_timer(now_);
                std::array<std::uint8_t, 64> buf{};
                if (s.conn.state() != st || s.conn.next_deadline() != d || s.conn.poll_transmit(buf, now_).has_value())
                    fail("%c: an early on_timer() acted", who);
            }
            check_bounds(i);
        }
    }

    // The number of transmissions stays within the retry bounds.
    void check_bounds(int i) {
        const Side& s = side_[idx(i)];
        const Config& c = cfg(i);
        const char who = i == 0 ? 'A' : 'B';
        const std::uint32_t syn_limit = 1U + c.syn_retries + c.syn_linear_timeouts + s.rst_in_syn_sent;
        if (s.syn > syn_limit) fail("%c: %u SYNs, limit %u", who, s.syn, syn_limit);
        const std::uint32_t synack_limit = 1U + c.synack_retries + s.dup_syn_in_syn_rcvd;
        if (s.synack > synack_limit) fail("%c: %u SYN-ACKs, limit %u", who, s.synack, synack_limit);
        if (s.fin > 1U + c.fin_retries) fail("%c: %u FINs, limit %u", who, s.fin, 1U + c.fin_retries);
        // Never more than one ACK or RST per segment received (no amplification).
        if (s.ack + s.rst > s.valid_in + s.aborts) fail("%c: %u ACK/RST for %u segments in", who, s.ack + s.rst, s.valid_in);
        const std::uint32_t retx_limit = std::uint32_t{c.syn_retries} + c.syn_linear_timeouts + c.synack_retries + c.fin_retries;
        const auto retx = static_cast<std::uint16_t>(s.conn.stats().retransmits - s.retransmits_base);
        if (retx > retx_limit) fail("%c: %u retransmissions", who, retx);
    }

    // ---- the end

    void check_timed_out(int i, const EventRecord& e) {
        const Side& s = side_[idx(i)];
        const Config& c = cfg(i);
        const char who = i == 0 ? 'A' : 'B';
        Time expect = Time::never();
        if (e.before == State::SynSent) {
            expect = s.connect_at + give_up_after(c, true);
        } else if (e.before == State::SynReceived && !s.close_called) {
            expect = s.syn_rcvd_at + give_up_after(c, false);
        } else {
            return; // FIN retransmissions: not timed here
        }
        if (c.user_timeout.ns > 0 && s.connect_at + c.user_timeout < expect) expect = s.connect_at + c.user_timeout;
        if (e.at != expect) {
            fail("%c: TimedOut in %s at %.9f, expected %.9f", who, synack::to_string(e.before), seconds(e.at),
                 seconds(expect));
        }
    }

    void check_agreement() {
        const Side& a = side_[0];
        const Side& b = side_[1];
        const Negotiated& x = a.find(EventKind::Established)->neg;
        const Negotiated& y = b.find(EventKind::Established)->neg;
        const Config& ca = cfg(0);
        const Config& cb = cfg(1);
        if (!(x.flow == flow_of(0)) || !(y.flow == flow_of(1))) fail("Negotiated.flow");
        if (x.iss != y.irs || x.irs != y.iss) fail("ISS/IRS do not match");
        if (!a.iss || *a.iss != x.iss || !b.iss || *b.iss != y.iss) fail("ISS differs from the SYN's");
        if (x.snd_nxt != x.iss + 1 || y.snd_nxt != y.iss + 1) fail("SND.NXT != ISS + 1");
        if (x.snd_nxt != y.rcv_nxt || y.snd_nxt != x.rcv_nxt) fail("SND.NXT/RCV.NXT not mirrored");
        const std::uint16_t mss = ca.mss < cb.mss ? ca.mss : cb.mss;
        if (x.mss != mss || y.mss != mss) fail("MSS %u/%u, expected %u", x.mss, y.mss, mss);
        const bool ws = ca.window_scale.has_value() && cb.window_scale.has_value();
        if (x.wscale != ws || y.wscale != ws) fail("window scaling agreement");
        if (ws) {
            const auto clamp = [](std::uint8_t v) { return v > max_window_scale ? max_window_scale : v; };
            if (x.snd_wscale != clamp(*cb.window_scale) || x.rcv_wscale != clamp(*ca.window_scale))
                fail("A's shifts %u/%u", x.snd_wscale, x.rcv_wscale);
            if (y.snd_wscale != x.rcv_wscale || y.rcv_wscale != x.snd_wscale) fail("shifts not mirrored");
        } else if (x.snd_wscale != 0 || x.rcv_wscale != 0 || y.snd_wscale != 0 || y.rcv_wscale != 0) {
            fail("shifts without window scaling");
        }
        if (x.sack != (ca.sack && cb.sack) || y.sack != x.sack) fail("SACK agreement");
        if (x.timestamps != (ca.timestamps && cb.timestamps) || y.timestamps != x.timestamps) fail("TS agreement");
        if (x.ecn != (ca.ecn && cb.ecn) || y.ecn != x.ecn) fail("ECN agreement");
        if (x.ts_offset != timestamp_offset(sc_.ctx[0].secrets.ts_key, sc_.ep[0].address, sc_.ep[1].address) ||
            y.ts_offset != timestamp_offset(sc_.ctx[1].secrets.ts_key, sc_.ep[1].address, sc_.ep[0].address))
            fail("TS offsets");
        if (x.timestamps) {
            // TS.Recent is a TSval the peer sent, before this end's Established.
            const auto sent_between = [&](std::uint32_t recent, std::uint32_t peer_offset, Time until) {
                const std::uint32_t clock = recent - peer_offset;
                return clock - timestamp_clock(sc_.t0) <= timestamp_clock(until) - timestamp_clock(sc_.t0);
            };
            if (!sent_between(x.ts_recent, y.ts_offset, a.find(EventKind::Established)->at) ||
                !sent_between(y.ts_recent, x.ts_offset, b.find(EventKind::Established)->at))
                fail("TS.Recent is not a TSval the peer sent");
        }
        // peer_window: the raw window field of the peer's SYN-ACK or ACK.
        // Scaled windows are rounded up to the scale unit (Linux
        // __tcp_select_window(): ALIGN(free, 1 << rcv_wscale)).
        const auto field = [&](int i, std::uint8_t shift) {
            const Config& c = cfg(i);
            const std::uint32_t space = negotiate::initial_window(c.rcv_wnd, c.mss, !active(i) && x.timestamps);
            const std::uint64_t unit = std::uint64_t{1} << shift;
            std::uint64_t up = (std::uint64_t{space} + unit - 1) / unit * unit;
            if (up > 0xFFFFFFFFU) up = space;
            const std::uint64_t w = up >> shift;
            return static_cast<std::uint16_t>(w > 0xFFFFU ? 0xFFFFU : w);
        };
        if (x.peer_window != field(1, 0) && x.peer_window != field(1, y.rcv_wscale))
            fail("A's peer_window %u", x.peer_window);
        if (y.peer_window != field(0, 0) && y.peer_window != field(0, x.rcv_wscale)) fail("B's peer_window %u", y.peer_window);
        // The RTT sample lies within the time the attempt took (plus the
        // 1 ms timestamp clock's granularity).
        for (int i = 0; i < 2; ++i) {
            const Side& s = side_[idx(i)];
            const Negotiated& n = s.find(EventKind::Established)->neg;
            const Duration took = s.find(EventKind::Established)->at - sc_.t0;
            const Duration slack = n.timestamps ? Duration::milliseconds(1) : Duration{};
            if (n.has_rtt && (n.rtt.ns < 0 || n.rtt > took + slack))
                fail("%c: RTT sample %lld ns, the handshake took %lld ns", i == 0 ? 'A' : 'B',
                     static_cast<long long>(n.rtt.ns), static_cast<long long>(took.ns));
            // No round trip is shorter than the link's base delays.
            const Duration path = sc_.link[0].delay + sc_.link[1].delay;
            if (n.has_rtt && n.rtt + slack < path)
                fail("%c: RTT sample %lld ns below the path's %lld ns", i == 0 ? 'A' : 'B',
                     static_cast<long long>(n.rtt.ns), static_cast<long long>(path.ns));
        }
    }

    // Clean link: the client is ESTABLISHED after exactly one RTT (2d) and
    // the server after 1.5 RTT (3d), d the one-way delay.
    void check_exact_timing() {
        const Side& a = side_[0];
        const Side& b = side_[1];
        const EventRecord* ea = a.find(EventKind::Established);
        const EventRecord* eb = b.find(EventKind::Established);
        if (ea == nullptr || eb == nullptr) {
            fail("clean link, yet no handshake");
            return;
        }
        const Duration ab = sc_.link[0].delay;
        const Duration ba = sc_.link[1].delay;
        const Duration rtt = ab + ba;
        if (sc_.opening == Opening::Simultaneous) {
            if (sc_.b_offset.ns != 0) return;
            if (ea->at != sc_.t0 + rtt || eb->at != sc_.t0 + rtt) fail("simultaneous open not ESTABLISHED at d1 + d2");
            ++totals_.exact_timing;
            return;
        }
        if (ea->at != sc_.t0 + rtt) fail("client ESTABLISHED at +%.9f, not 2d = %.9f", seconds(ea->at), static_cast<double>(rtt.ns) / 1e9);
        if (eb->at != sc_.t0 + rtt + ab) fail("server ESTABLISHED at +%.9f, not 3d = %.9f", seconds(eb->at), static_cast<double>((rtt + ab).ns) / 1e9);
        ++totals_.exact_timing;
        if (rtt < cfg(0).rto_initial && rtt < cfg(1).rto_initial) {
            // Nothing retransmitted, nothing reset, one segment each way.
            if (a.syn != 1 || b.synack != 1 || a.rst_by_established != 0 || b.rst_by_established != 0)
                fail("clean handshake was not SYN, SYN-ACK, ACK");
            const Negotiated& x = ea->neg;
            if (!x.has_rtt) fail("client has no RTT sample");
            const std::int64_t err = x.rtt.ns - rtt.ns;
            const std::int64_t tolerance = x.timestamps ? 1000000 : 0; // TS clock: 1 ms
            if (err > tolerance || err < -tolerance) fail("client RTT %lld ns, link RTT %lld ns", static_cast<long long>(x.rtt.ns), static_cast<long long>(rtt.ns));
        }
    }

    void check_outcome() {
        const Side& a = side_[0];
        const Side& b = side_[1];
        for (int i = 0; i < 2; ++i) {
            const Side& s = side_[idx(i)];
            const char who = i == 0 ? 'A' : 'B';
            if (s.conn.stats().bad_checksum + s.conn.stats().malformed != s.corrupted_in)
                fail("%c: %u corrupted in, %u counted", who, s.corrupted_in,
                     s.conn.stats().bad_checksum + s.conn.stats().malformed);
            if (s.conn.stats().segments_in != static_cast<std::uint16_t>(s.delivered)) fail("%c: segments_in", who);
            const State st = s.conn.state();
            if (st == State::SynSent || st == State::SynReceived) fail("%c: quiescent in %s", who, synack::to_string(st));
            const EventRecord* t = s.terminal();
            if (t != nullptr && t->kind == EventKind::TimedOut) check_timed_out(i, *t);
            if (t != nullptr && st != State::Closed) fail("%c: %s but in %s", who, synack::to_string(t->kind), synack::to_string(st));
        }
        if (!failure_.empty()) return;

        const bool ea = a.find(EventKind::Established) != nullptr;
        const bool eb = b.find(EventKind::Established) != nullptr;
        const EventRecord* ta = a.terminal();

        if (sc_.opening == Opening::ClosedPort) {
            if (ea || b.nev != 0) fail("closed port: a connection happened");
            if (ta == nullptr || (ta->kind != EventKind::Refused && ta->kind != EventKind::TimedOut)) fail("closed port: A neither Refused nor TimedOut");
            if (ta != nullptr && ta->kind == EventKind::Refused) ++totals_.refused;
            if (ta != nullptr && ta->kind == EventKind::TimedOut) ++totals_.timed_out;
            return;
        }
        if (ea && eb) {
            ++totals_.both_established;
            check_agreement();
            if (sc_.clean()) check_exact_timing();
            check_close_outcome();
            return;
        }
        if (ea || eb) {
            // Half-open (RFC 9293 §3.5.1): the side that never completed gave
            // up by its own schedule; the other learned it when it closed.
            const int done = ea ? 0 : 1;
            const Side& g = ea ? b : a;
            const EventRecord* tg = g.terminal();
            if (tg == nullptr || tg->kind != EventKind::TimedOut) {
                fail("%c established, %c did not time out", done == 0 ? 'A' : 'B', done == 0 ? 'B' : 'A');
                return;
            }
            const Side& e = side_[idx(done)];
            const EventRecord* te = e.terminal();
            if (te == nullptr && e.conn.state() != State::FinWait2) fail("half-open connection never noticed");
            const bool aborted = te != nullptr && te->kind == EventKind::Closed && e.aborts != 0;
            if (te != nullptr && te->kind != EventKind::Reset && te->kind != EventKind::TimedOut && !aborted)
                fail("half-open ended with %s", synack::to_string(te->kind));
            ++totals_.half_open;
            return;
        }
        // Neither completed: every active end reports TimedOut or Refused;
        // a passive end is still listening or gave up by its schedule.
        for (int i = 0; i < 2; ++i) {
            const Side& s = side_[idx(i)];
            const EventRecord* t = s.terminal();
            const char who = i == 0 ? 'A' : 'B';
            if (active(i)) {
                if (t == nullptr || (t->kind != EventKind::TimedOut && t->kind != EventKind::Refused)) {
                    fail("%c: active open ended with %s", who, t == nullptr ? "nothing" : synack::to_string(t->kind));
                }
            } else if (t == nullptr) {
                if (s.conn.state() != State::Listen) fail("B: passive end in %s", synack::to_string(s.conn.state()));
            } else if (t->kind != EventKind::TimedOut) {
                fail("B: passive end ended with %s", synack::to_string(t->kind));
            }
        }
        if (ta != nullptr && ta->kind == EventKind::Refused) {
            ++totals_.refused;
            // Refused only by a RST from an end that gave up.
            if (b.rst + b.host_rst == 0) fail("A Refused without a RST from B");
        } else {
            ++totals_.timed_out;
        }
    }

    void check_close_outcome() {
        const Side& a = side_[0];
        const Side& b = side_[1];
        const State sa = a.conn.state();
        const State sb = b.conn.state();
        if (sc_.closing == Closing::None) {
            const bool stay = sa == State::Established && sb == State::Established && a.nev == 1 && b.nev == 1;
            if (!stay) fail("no close, yet %s / %s", synack::to_string(sa), synack::to_string(sb));
            return;
        }
        if (sa == State::Closed && sb == State::Closed) {
            ++totals_.closed_clean;
        } else if ((sa == State::FinWait2 && sb == State::Closed) || (sb == State::FinWait2 && sa == State::Closed)) {
            // RFC 9293 has no FIN-WAIT-2 timer; the peer gave up on its FIN.
            const Side& gone = sa == State::FinWait2 ? b : a;
            const EventRecord* t = gone.terminal();
            if (t == nullptr || t->kind != EventKind::TimedOut) fail("FIN-WAIT-2 left behind a peer that did not time out");
            ++totals_.fin_wait2_left;
        } else {
            fail("close ended in %s / %s", synack::to_string(sa), synack::to_string(sb));
            return;
        }
        const Duration rtt = sc_.link[0].delay + sc_.link[1].delay;
        // The RTO the FIN runs on: from the handshake's sample, or RFC 6298
        // §5.7's fallback when there was none (as in a simultaneous open
        // without timestamps: Karn's rule allows no sample, Linux
        // tcp_init_metrics() then uses TCP_TIMEOUT_FALLBACK). A fallback
        // shorter than the RTT retransmits the FIN spuriously, which is
        // correct, and the late copy draws a RST from the closed end.
        const auto fin_rto_ok = [&](int i) {
            const EventRecord* e = side_[idx(i)].find(EventKind::Established);
            return e == nullptr || e->neg.has_rtt || rtt < cfg(i).rto_fallback;
        };
        if (sc_.clean() && rtt < cfg(0).rto_initial && rtt < cfg(1).rto_initial && fin_rto_ok(0) && fin_rto_ok(1)) {
            // Nothing lost and no timer shorter than the RTT (so nothing
            // retransmitted): both Closed, no RST.
            const EventRecord* ta = a.terminal();
            const EventRecord* tb = b.terminal();
            if (sc_.closing == Closing::Abort) {
                // The abort's RST (and, when the peer's FIN crossed it, the
                // closed end's answer) resets the peer.
                if (ta == nullptr || tb == nullptr || ta->kind != EventKind::Closed || tb->kind != EventKind::Reset ||
                    a.rst == 0 || b.rst != 0)
                    fail("clean abort did not end Closed/Reset");
            } else if (ta == nullptr || tb == nullptr || ta->kind != EventKind::Closed || tb->kind != EventKind::Closed ||
                       a.rst != 0 || b.rst != 0) {
                fail("clean close did not end Closed/Closed without RST");
            }
        }
    }

    Scenario sc_;
    Rng net_;
    std::array<Side, 2> side_;
    std::string* trace_ = nullptr;
    std::string failure_;
    Time now_{};
    Time b_connect_at_ = Time::never();
    int timer_fired_ = -1; // the side whose on_timer() this step called
    std::array<Packet, max_in_flight> inflight_{};
    std::size_t ninflight_ = 0;
    std::uint64_t next_id_ = 1;
    Totals totals_{};
};

// A readable summary of a scenario, for failure reports.
inline std::string describe(const Scenario& s) {
    std::string out;
    std::array<char, 512> b{};
    std::snprintf(b.data(), b.size(), "seed %llu: opening %s, closing %s, t0 %lld ns, b_offset %lld ns, close_delay %lld ns, spurious timers %d\n",
                  static_cast<unsigned long long>(s.seed), to_string(s.opening), to_string(s.closing),
                  static_cast<long long>(s.t0.ns), static_cast<long long>(s.b_offset.ns),
                  static_cast<long long>(s.close_delay.ns), s.spurious_timers ? 1 : 0);
    out += b.data();
    for (std::size_t i = 0; i < 2; ++i) {
        const Config& c = s.ctx[i].config;
        std::snprintf(b.data(), b.size(),
                      "  %c %s: mss %u, wscale %d, sack %d, ts %d, ecn %d, rcv_wnd %u, retries syn %u+%u synack %u fin %u, "
                      "rto %lld/%lld/%lld ms, msl %lld ms, user_timeout %lld ms, challenge %u\n",
                      i == 0 ? 'A' : 'B', to_string(s.ep[i]).c_str(), c.mss, c.window_scale ? int{*c.window_scale} : -1,
                      c.sack ? 1 : 0, c.timestamps ? 1 : 0, c.ecn ? 1 : 0, c.rcv_wnd, c.syn_retries, c.syn_linear_timeouts,
                      c.synack_retries, c.fin_retries, static_cast<long long>(c.rto_initial.ns / 1000000),
                      static_cast<long long>(c.rto_min.ns / 1000000), static_cast<long long>(c.rto_max.ns / 1000000),
                      static_cast<long long>(c.msl.ns / 1000000), static_cast<long long>(c.user_timeout.ns / 1000000),
                      c.challenge_ack_limit);
        out += b.data();
        const Link& l = s.link[i];
        std::snprintf(b.data(), b.size(),
                      "  link %c->%c: delay %lld us, jitter %lld us, loss %u ppm, dup %u ppm, reorder %u ppm (+%lld us), corrupt %u ppm\n",
                      i == 0 ? 'A' : 'B', i == 0 ? 'B' : 'A', static_cast<long long>(l.delay.ns / 1000),
                      static_cast<long long>(l.jitter.ns / 1000), l.loss_ppm, l.dup_ppm, l.reorder_ppm,
                      static_cast<long long>(l.reorder_delay.ns / 1000), l.corrupt_ppm);
        out += b.data();
    }
    return out;
}

} // namespace synack::sim
