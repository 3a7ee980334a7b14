// Regression tests for issue 11: the machines against hostile peers and
// hostile clocks. Each TEST_CASE names the defect it pins down; every one
// failed on the code before the fix.
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "synack/handshake/listener.hpp"

#include "synack_test.hpp"

#include "fixtures.hpp"

using namespace synack;
using namespace fixtures;

namespace {

const IpAddress client_ip = IpAddress::v4(198, 18, 0, 1);
const IpAddress server_ip = IpAddress::v4(198, 18, 0, 2);
const FourTuple client_flow{{client_ip, 40000}, {server_ip, 8080}};
const Endpoint server_ep{server_ip, 8080};

constexpr std::int64_t day_ns = 86400LL * 1000000000LL;


std::vector<EventKind> events(Connection& c) {
    std::vector<EventKind> out;
    while (auto e = c.poll_event()) out.push_back(e->kind);
    return out;
}

int exchange(Connection& a, Connection& b, Time now) {
    int moved = 0;
    for (int round = 0; round < 20; ++round) {
        auto from_a = drain(a, now);
        auto from_b = drain(b, now);
        if (from_a.empty() && from_b.empty()) break;
        for (auto& s : from_a) deliver(b, s, now), ++moved;
        for (auto& s : from_b) deliver(a, s, now), ++moved;
    }
    return moved;
}

std::vector<std::uint8_t> make(const TcpHeader& h, const IpAddress& src, const IpAddress& dst,
                               const std::vector<std::uint8_t>& payload = {}) {
    std::vector<std::uint8_t> b(60);
    const auto n = h.encode(b);
    REQUIRE(n.ok());
    b.resize(*n);
    b.insert(b.end(), payload.begin(), payload.end());
    fill_tcp_checksum(src, dst, b);
    return b;
}

TcpHeader header(std::uint16_t sport, std::uint16_t dport, SeqNum seq, SeqNum ack, TcpFlags flags) {
    TcpHeader h;
    h.source_port = sport;
    h.destination_port = dport;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = 65535;
    return h;
}

// An established client/server pair of Connections (timestamps on unless
// the configs say otherwise), events drained.
struct Pair {
    Connection client;
    Connection server;
    explicit Pair(Time t0 = at(0), Config ccfg = Config{}, Config scfg = Config{})
        : client(ctx(10, ccfg)), server(ctx(11, scfg)) {
        REQUIRE(server.listen({server_ip, 8080}, t0) == Error::None);
        REQUIRE(client.connect(client_flow, t0) == Error::None);
        exchange(client, server, t0 + Duration::milliseconds(10));
        REQUIRE(client.state() == State::Established);
        REQUIRE(server.state() == State::Established);
        events(client);
        events(server);
    }
    // A segment from the server's side, built by hand.
    std::vector<std::uint8_t> from_server(SeqNum seq, SeqNum ack, TcpFlags flags, Optional<std::uint32_t> tsval,
                                          const std::vector<std::uint8_t>& payload = {}) const {
        TcpHeader h = header(8080, 40000, seq, ack, flags);
        if (tsval) h.options.timestamps = Timestamps{*tsval, 0};
        return make(h, server_ip, client_ip, payload);
    }
    [[nodiscard]] std::uint32_t server_ts(Time now) const { return timestamp_clock(now) + server.ts_offset(); }
    Received inject(const std::vector<std::uint8_t>& b, Time now) { return client.on_segment(server_ip, client_ip, b, now); }
};

} // namespace

// ---- defect 2: out-of-window and PAWS-failed segments drew an ACK each ----

TEST_CASE("hostile: 100,000 blind out-of-window ACKs draw fewer than 10 replies", "[hostile][oow]") {
    Pair p;
    const SeqNum far = p.client.rcv_nxt() + 0x40000000U; // far outside the window
    std::size_t replies = 0;
    // One virtual second, 10 µs apart: Linux (tcp_oow_rate_limited(),
    // tcp_invalid_ratelimit 500 ms) answers at most 3 of them.
    for (int i = 0; i < 100000; ++i) {
        const Time now = at(1) + Duration::microseconds(10 * i);
        const auto b = p.from_server(far + static_cast<std::uint32_t>(i), p.client.snd_nxt(), TcpFlag::Ack,
                                     p.server_ts(now));
        p.inject(b, now);
        replies += drain(p.client, now).size();
    }
    CHECK(replies < 10);
    CHECK(replies <= 3);
    CHECK(p.client.state() == State::Established);
}

TEST_CASE("hostile: PAWS-failed ACKs are answered at most once per 500 ms", "[hostile][oow][paws]") {
    Pair p;
    const std::uint32_t old_ts = p.server_ts(at(0)) - 1000;
    std::size_t replies = 0;
    for (int i = 0; i < 3000; ++i) {
        const Time now = at(1) + Duration::microseconds(100 * i); // 0.3 s
        p.inject(p.from_server(p.client.rcv_nxt(), p.client.snd_nxt(), TcpFlag::Ack, old_ts), now);
        replies += drain(p.client, now).size();
    }
    CHECK(replies == 1);
    CHECK(p.client.stats().paws_rejected == 3000);
}

TEST_CASE("hostile: out-of-window data is still acknowledged every time (Linux tcp_oow_rate_limited)",
          "[hostile][oow]") {
    Pair p;
    const std::vector<std::uint8_t> data(10, 'x');
    // A retransmission of data already received (below RCV.NXT): each copy
    // is answered, so a peer whose ACK was lost recovers.
    std::size_t replies = 0;
    for (int i = 0; i < 5; ++i) {
        const Time now = at(1) + Duration::milliseconds(i);
        p.inject(p.from_server(p.client.rcv_nxt() - 20, p.client.snd_nxt(), TcpFlag::Ack, p.server_ts(now), data),
                 now);
        replies += drain(p.client, now).size();
    }
    CHECK(replies == 5);
}

TEST_CASE("hostile: two desynchronised Connections do not ACK each other forever", "[hostile][oow]") {
    Pair p;
    // Each believes the other's next byte is 2^30 further on (as after a
    // lost gigabyte): every ACK one sends is out of the other's window.
    Negotiated nc = p.client.negotiated();
    Negotiated ns = p.server.negotiated();
    nc.rcv_nxt = nc.rcv_nxt + 0x40000000U;
    ns.rcv_nxt = ns.rcv_nxt + 0x40000000U;
    Connection a = Connection::adopt(ctx(12), nc, State::Established);
    Connection b = Connection::adopt(ctx(13), ns, State::Established);
    // One stray ACK starts it.
    const auto kick = p.from_server(nc.rcv_nxt + 0x40000000U, nc.snd_nxt, TcpFlag::Ack, p.server_ts(at(1)));
    static_cast<void>(a.on_segment(server_ip, client_ip, kick, at(1)));
    // Let the two exchange whatever they send for one virtual second, 1 ms steps.
    std::size_t moved = 0;
    for (int ms = 0; ms < 1000; ++ms) {
        const Time now = at(1) + Duration::milliseconds(ms);
        for (int round = 0; round < 20; ++round) {
            auto x = drain(a, now);
            auto y = drain(b, now);
            if (x.empty() && y.empty()) break;
            for (auto& s : x) deliver(b, s, now);
            for (auto& s : y) deliver(a, s, now);
            moved += x.size() + y.size();
        }
    }
    CHECK(moved < 10);
}

// ---- defect 3: PAWS without the idle rule ----

TEST_CASE("hostile: after 25 idle days the peer's FIN is accepted (RFC 7323 §5.5 idle rule)", "[hostile][paws]") {
    Pair p;
    const Time later = at(0) + Duration{25 * day_ns};
    // The peer's 1 ms TS clock moved 25 days: 2.16e9 ticks, past 2^31, so
    // its TSval looks older than TS.Recent.
    const auto fin = p.from_server(p.client.rcv_nxt(), p.client.snd_nxt(), TcpFlag::Fin | TcpFlag::Ack,
                                   p.server_ts(later));
    p.inject(fin, later);
    CHECK(p.client.state() == State::CloseWait);
    CHECK(events(p.client) == std::vector<EventKind>{EventKind::PeerClosed});
}

// Linux 6.7+ tcp_paws_check(): TS.Recent expires after TCP_PAWS_WRAP =
// INT_MAX / USEC_PER_SEC = 2147 s idle, not the RFC's 24 days.
TEST_CASE("hostile: within 2147 s an old TSval is still rejected by PAWS", "[hostile][paws]") {
    Pair p;
    const Time later = at(0) + Duration::seconds(2146);
    const auto fin = p.from_server(p.client.rcv_nxt(), p.client.snd_nxt(), TcpFlag::Fin | TcpFlag::Ack,
                                   p.server_ts(at(0)) - 100);
    p.inject(fin, later);
    CHECK(p.client.state() == State::Established);
    CHECK(p.client.stats().paws_rejected == 1);
}

TEST_CASE("hostile: just after 2147 idle seconds an old TSval passes PAWS (Linux TCP_PAWS_WRAP)", "[hostile][paws]") {
    Pair p;
    const Time later = at(0) + Duration::seconds(2148);
    const auto fin = p.from_server(p.client.rcv_nxt(), p.client.snd_nxt(), TcpFlag::Fin | TcpFlag::Ack,
                                   p.server_ts(at(0)) - 100);
    p.inject(fin, later);
    CHECK(p.client.state() == State::CloseWait);
    CHECK(p.client.stats().paws_rejected == 0);
    CHECK(events(p.client) == std::vector<EventKind>{EventKind::PeerClosed});
}

// ---- defect 4: on_timer(Time::never()) ----

TEST_CASE("hostile: on_timer(next_deadline()) leaves an idle ESTABLISHED connection alone", "[hostile][clock]") {
    Pair p;
    REQUIRE(p.client.next_deadline() == Time::never());
    p.client.on_timer(p.client.next_deadline());
    CHECK(p.client.state() == State::Established);
    CHECK(events(p.client).empty());
    CHECK(drain(p.client, at(1)).empty());
}

// ---- defect 5: clocks that step back, INT64 edges ----

TEST_CASE("hostile: a clock stepping back gives the Listener no negative RTT", "[hostile][clock][rtt]") {
    Config cfg;
    cfg.timestamps = false;
    const Context& sc = ctx(20, cfg);
    Listener l(sc, server_ep);
    Connection c(ctx(21, cfg));
    REQUIRE(c.connect(FourTuple{{client_ip, 40000}, server_ep}, at(100)) == Error::None);
    auto syn = drain(c, at(100));
    deliver(l, syn[0], at(100));
    auto synack = drain(l, at(100));
    REQUIRE(synack.size() == 1);
    deliver(c, synack[0], at(100));
    auto ack = drain(c, at(100));
    REQUIRE(ack.size() == 1);
    deliver(l, ack[0], at(99)); // the clock stepped back one second
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK_FALSE(a->negotiated.has_rtt);
    const Connection adopted = a->connection(sc);
    const Negotiated n = adopted.negotiated();
    CHECK((!n.has_rtt || n.rtt.ns > 0));
    CHECK(n.has_rtt == a->negotiated.has_rtt);
}

TEST_CASE("hostile: after the clock steps back a day, challenge ACKs resume", "[hostile][clock][rfc5961]") {
    Pair p(at(0) + Duration{2 * day_ns});
    const Time t1 = at(0) + Duration{2 * day_ns} + Duration::seconds(1);
    const auto syn = [&](Time now) {
        return p.from_server(p.client.rcv_nxt(), SeqNum{}, TcpFlag::Syn, p.server_ts(now));
    };
    p.inject(syn(t1), t1);
    CHECK(drain(p.client, t1).size() == 1); // RFC 5961 §4.2 challenge ACK
    const Time back = t1 - Duration{day_ns};
    p.inject(syn(back), back);
    const Time back2 = back + Duration::seconds(1);
    p.inject(syn(back2), back2);
    // Linux __tcp_oow_rate_limited(): a negative elapsed time restarts the
    // interval, so one of the two is answered.
    CHECK(drain(p.client, back2).size() + p.client.stats().challenge_acks >= 2);
    CHECK(p.client.stats().challenge_acks >= 2);
}

TEST_CASE("hostile: a now near INT64_MAX does not overflow a deadline", "[hostile][clock]") {
    Connection c(ctx(30));
    const Time edge = Time{INT64_MAX - 1000};
    REQUIRE(c.connect(client_flow, edge) == Error::None);
    CHECK(c.next_deadline() >= edge);
    CHECK(drain(c, edge).size() == 1);
    c.on_timer(edge);
    CHECK(c.state() == State::SynSent);
}

// ---- defect 6: a buffer too small lost the segment ----

TEST_CASE("hostile: a too-small buffer keeps abort()'s RST queued", "[hostile][transmit]") {
    Pair p;
    REQUIRE(p.client.abort(at(1)) == Error::None);
    std::array<std::uint8_t, 10> tiny{};
    const auto t = p.client.poll_transmit(tiny, at(1));
    REQUIRE(t.has_value());
    CHECK(t->error == Error::BufferTooSmall);
    CHECK(t->needed == 32); // an active RST: the header and the timestamps (tcp_send_active_reset())
    CHECK(t->length == 0);
    CHECK(p.client.max_segment_size() == 60);
    const auto after = drain(p.client, at(1));
    REQUIRE(after.size() == 1);
    CHECK(after[0].header().flags.rst());
}

TEST_CASE("hostile: a too-small buffer keeps the handshake's final ACK queued", "[hostile][transmit]") {
    Connection client(ctx(40));
    Connection server(ctx(41));
    REQUIRE(server.listen({server_ip, 8080}, at(0)) == Error::None);
    REQUIRE(client.connect(client_flow, at(0)) == Error::None);
    auto syn = drain(client, at(0));
    deliver(server, syn[0], at(0));
    auto synack = drain(server, at(0));
    deliver(client, synack[0], at(0));
    REQUIRE(client.state() == State::Established);
    std::array<std::uint8_t, 20> small{}; // the ACK needs 32 bytes (timestamps)
    const auto t = client.poll_transmit(small, at(0));
    REQUIRE(t.has_value());
    CHECK(t->error == Error::BufferTooSmall);
    CHECK(t->needed == 32); // 20 + nop,nop,TS
    const auto ack = drain(client, at(0));
    REQUIRE(ack.size() == 1);
    deliver(server, ack[0], at(0));
    CHECK(server.state() == State::Established);
}

TEST_CASE("hostile: a too-small buffer keeps the Listener's SYN-ACK queued", "[hostile][transmit]") {
    Listener l(ctx(50), server_ep);
    Connection c(ctx(51));
    REQUIRE(c.connect(FourTuple{{client_ip, 40000}, server_ep}, at(0)) == Error::None);
    auto syn = drain(c, at(0));
    deliver(l, syn[0], at(0));
    std::array<std::uint8_t, 30> small{};
    const auto t = l.poll_transmit(small, at(0));
    REQUIRE(t.has_value());
    CHECK(t->error == Error::BufferTooSmall);
    CHECK(t->needed == 40); // 20 + mss, sackOK+TS, nop+wscale
    CHECK(Listener::max_segment_size() == 60);
    const auto synack = drain(l, at(0));
    REQUIRE(synack.size() == 1);
    CHECK(synack[0].header().flags == (TcpFlag::Syn | TcpFlag::Ack));
}

// ---- defect 7: Karn's rule in a simultaneous open ----

TEST_CASE("hostile: a simultaneous open without timestamps takes no ambiguous RTT sample (Karn, RFC 6298 §3)",
          "[hostile][rtt]") {
    Config cfg;
    cfg.timestamps = false;
    Connection a(ctx(60, cfg));
    Connection b(ctx(61, cfg));
    REQUIRE(a.connect(client_flow, at(0)) == Error::None);
    REQUIRE(b.connect(client_flow.reversed(), at(0)) == Error::None);
    auto sa = drain(a, at(0));
    auto sb = drain(b, at(0));
    deliver(b, sa[0], at(0.05)); // one-way delay 50 ms: the path RTT is 100 ms
    deliver(a, sb[0], at(0.05));
    auto ka = drain(a, at(0.05));
    auto kb = drain(b, at(0.05));
    deliver(b, ka[0], at(0.1));
    deliver(a, kb[0], at(0.1));
    REQUIRE(a.state() == State::Established);
    REQUIRE(b.state() == State::Established);
    // Our ISS went out twice (SYN, then SYN-ACK): the ACK of it may answer
    // either, so no sample, and the RTO restarts at RFC 6298 §5.7's 3 s.
    for (Connection* c : {&a, &b}) {
        const Negotiated n = c->negotiated();
        CHECK_FALSE(n.has_rtt);
        CHECK(c->rto() == cfg.rto_fallback);
    }
}

// ---- defect 1: Fast Open data slots cut to 16 bits ----

namespace {
// n Fast Open SYNs with 4 bytes of data each (the child's number), from n
// addresses; returns the number of the child whose data accept() returns
// first, or -1 if none.
long first_accepted_child(Listener& l, std::uint32_t n) {
    for (std::uint32_t k = 0; k < n; ++k) {
        const IpAddress src = IpAddress::v4(198, 18, static_cast<std::uint8_t>(k >> 8U), static_cast<std::uint8_t>(k));
        const IpAddress s2 = k < 65536 ? src : IpAddress::v4(198, 19, static_cast<std::uint8_t>(k >> 8U), static_cast<std::uint8_t>(k));
        TcpHeader h = header(40000, 8080, SeqNum(1000), SeqNum{}, TcpFlag::Syn);
        h.options.mss = 1460;
        const FastOpenCookie ck = fastopen_cookie(l.fastopen_keys().primary, s2, server_ip);
        h.options.fast_open = FastOpenOption::with_cookie(Bytes(ck.data(), ck.size()));
        const std::vector<std::uint8_t> data{static_cast<std::uint8_t>(k >> 24U), static_cast<std::uint8_t>(k >> 16U),
                                             static_cast<std::uint8_t>(k >> 8U), static_cast<std::uint8_t>(k)};
        const auto b = make(h, s2, server_ip, data);
        static_cast<void>(l.on_segment(s2, server_ip, b, at(0)));
        std::array<std::uint8_t, 80> buf{};
        while (l.poll_transmit(buf, at(0))) {
        }
    }
    const auto a = l.accept();
    if (!a || a->data.size() != 4) return -1;
    return static_cast<long>((std::uint32_t{a->data[0]} << 24U) | (std::uint32_t{a->data[1]} << 16U) |
                             (std::uint32_t{a->data[2]} << 8U) | a->data[3]);
}

Config tfo_config(std::uint32_t pending) {
    Config cfg;
    cfg.mss = 100; // small data slots
    cfg.fastopen = FastOpenMode::Server;
    cfg.fastopen_pending = pending;
    cfg.backlog = 70000;
    cfg.accept_queue = 70000;
    return cfg;
}
} // namespace

TEST_CASE("hostile: 65,536 Fast Open children each keep their own data", "[hostile][tfo]") {
    Listener l(ctx(70, tfo_config(65536)), server_ep);
    CHECK(first_accepted_child(l, 65536) == 0);
}

TEST_CASE("hostile: a fastopen_pending the slot indices cannot hold does not cross data", "[hostile][tfo]") {
    Listener l(ctx(71, tfo_config(65537)), server_ep);
    CHECK(l.config_error() == Error::ConfigTableSize);
    CHECK(first_accepted_child(l, 65537) == -1); // refuses every segment
    CHECK(l.memory_bytes() <= sizeof(Listener) + sizeof(std::uint32_t)); // no table allocated
}

TEST_CASE("hostile: a too-small buffer keeps Fast Open data queued", "[hostile][transmit][tfo]") {
    Config cfg;
    cfg.fastopen = FastOpenMode::Client;
    Connection c(ctx(80, cfg));
    const std::array<std::uint8_t, 8> cookie{1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<std::uint8_t> data(300, 'd');
    REQUIRE(c.connect_fast_open(client_flow, Bytes(cookie.data(), cookie.size()), Bytes(data.data(), data.size()), at(0)) ==
            Error::None);
    CHECK(c.max_segment_size() == 60 + 300);
    std::array<std::uint8_t, 100> small{};
    const auto t = c.poll_transmit(small, at(0));
    REQUIRE(t.has_value());
    CHECK(t->error == Error::BufferTooSmall);
    CHECK(t->needed == 20 + 20 + 12 + 300); // mss,sackOK+TS,nop+wscale; cookie option 10 + 2 nops
    const auto syn = drain(c, at(0));
    REQUIRE(syn.size() == 1);
    CHECK(syn[0].bytes.size() == t->needed);
    CHECK(syn[0].header().flags.syn());
}

TEST_CASE("hostile: configuration the machines cannot honour is rejected with a precise error", "[hostile][config]") {
    const auto conn_error = [](Config c) {
        Connection x(ctx(90, c));
        return x.connect(client_flow, at(0));
    };
    Config c;
    CHECK(conn_error(c) == Error::None);
    c.window_scale = 15;
    CHECK(conn_error(c) == Error::ConfigWindowScale);
    c = Config{};
    c.mss = 40;
    CHECK(conn_error(c) == Error::ConfigMss);
    c = Config{};
    c.window_scale = nullopt;
    c.rcv_wnd = 70000; // no scaling: 65535 at most
    CHECK(conn_error(c) == Error::ConfigReceiveWindow);
    c.window_scale = 1;
    CHECK(conn_error(c) == Error::None);
    c = Config{};
    c.rto_initial = Duration{};
    CHECK(conn_error(c) == Error::ConfigTimer);
    c = Config{};
    c.rto_max = Duration{INT64_MAX};
    CHECK(conn_error(c) == Error::ConfigTimer);
    c = Config{};
    c.syn_retries = 200;
    c.syn_linear_timeouts = 100; // the 8-bit retry count would wrap: never TimedOut
    CHECK(conn_error(c) == Error::ConfigRetries);
    Connection l(ctx(91, c));
    CHECK(l.listen(server_ep, at(0)) == Error::ConfigRetries);
    CHECK(l.state() == State::Closed);

    const auto listener_error = [](Config x) { return Listener(ctx(92, x), server_ep).config_error(); };
    Config lc;
    CHECK(listener_error(lc) == Error::None);
    lc.synack_retries = 16;
    CHECK(listener_error(lc) == Error::ConfigRetries);
    lc = Config{};
    lc.challenge_ack_limit = 256;
    CHECK(listener_error(lc) == Error::ConfigRateLimit);
    lc = Config{};
    lc.fastopen_pending = 65537;
    CHECK(listener_error(lc) == Error::ConfigTableSize);
    lc = Config{};
    lc.window_scale = 200;
    CHECK(listener_error(lc) == Error::ConfigWindowScale);
    for (Error e : {Error::ConfigMss, Error::ConfigWindowScale, Error::ConfigReceiveWindow, Error::ConfigTimer,
                    Error::ConfigRetries, Error::ConfigRateLimit, Error::ConfigTableSize}) {
        CHECK(std::string_view(to_string(e)).substr(0, 7) == "config:");
    }
}

TEST_CASE("hostile: the Listener rate-limits out-of-window ACKs per half-open entry", "[hostile][oow]") {
    Listener l(ctx(95), server_ep);
    Connection c(ctx(96));
    REQUIRE(c.connect(FourTuple{{client_ip, 40000}, server_ep}, at(0)) == Error::None);
    auto syn = drain(c, at(0));
    deliver(l, syn[0], at(0));
    auto synack = drain(l, at(0));
    REQUIRE(synack.size() == 1);
    const SeqNum iss = synack[0].header().seq;
    const SeqNum irs = syn[0].header().seq;
    std::size_t replies = 0;
    for (int i = 0; i < 10000; ++i) { // 0.1 s
        const Time now = at(0.1) + Duration::microseconds(10 * i);
        TcpHeader h = header(40000, 8080, irs + 0x40000000U, iss + 1, TcpFlag::Ack);
        const auto b = make(h, client_ip, server_ip);
        static_cast<void>(l.on_segment(client_ip, server_ip, b, now));
        replies += drain(l, now).size();
    }
    CHECK(replies == 1);
    CHECK(l.stats().acks_suppressed == 9999);
}

// ---- adversarial sweeps that stay (issue 11, "What to build" 5) ----

namespace {
// Per-connection counts of what blind injections drew.
struct Drawn {
    std::size_t replies = 0;
    std::size_t acks = 0;
    std::size_t resets = 0;
};

// n segments with `flags`, sequence numbers spread over the whole 2^32
// space (never exactly RCV.NXT), 10 µs apart from t0; the client's replies.
Drawn sweep(Pair& p, TcpFlags flags, int n, Time t0, std::size_t payload = 0) {
    Drawn d;
    const std::uint32_t step = 0xFFFFFFFFU / static_cast<std::uint32_t>(n) | 1U;
    const std::vector<std::uint8_t> data(payload, 'z');
    for (int i = 0; i < n; ++i) {
        const Time now = t0 + Duration::microseconds(10 * i);
        SeqNum seq = p.client.rcv_nxt() + 7U + static_cast<std::uint32_t>(i) * step;
        if (seq == p.client.rcv_nxt()) seq = seq + 1;
        const SeqNum ack = flags.ack() ? p.client.snd_nxt() : SeqNum{};
        p.inject(p.from_server(seq, ack, flags, p.server_ts(now), data), now);
        for (const Segment& s : drain(p.client, now)) {
            ++d.replies;
            if (s.header().flags.rst()) ++d.resets;
            else ++d.acks;
        }
    }
    return d;
}
} // namespace

TEST_CASE("hostile: blind RST/SYN/ACK/FIN/data injection over the whole sequence space", "[hostile][blind]") {
    constexpr int n = 20000; // 0.2 s each: Linux answers at most one pure segment per 500 ms
    SECTION("RST: never reset by a blind guess, challenge ACKs rate-limited (RFC 5961 §3.2)") {
        Pair p;
        const Drawn d = sweep(p, TcpFlag::Rst, n, at(1));
        CHECK(p.client.state() == State::Established);
        CHECK(d.resets == 0);
        CHECK(d.acks <= 1);
    }
    SECTION("RST+ACK") {
        Pair p;
        const Drawn d = sweep(p, TcpFlag::Rst | TcpFlag::Ack, n, at(1));
        CHECK(p.client.state() == State::Established);
        CHECK(d.replies <= 1);
    }
    SECTION("SYN: challenge ACKs rate-limited (RFC 5961 §4.2)") {
        Pair p;
        const Drawn d = sweep(p, TcpFlag::Syn, n, at(1));
        CHECK(p.client.state() == State::Established);
        CHECK(d.resets == 0);
        CHECK(d.acks <= 1);
    }
    SECTION("ACK: out-of-window dupacks rate-limited (tcp_oow_rate_limited)") {
        Pair p;
        const Drawn d = sweep(p, TcpFlag::Ack, n, at(1));
        CHECK(p.client.state() == State::Established);
        CHECK(d.replies <= 1);
    }
    SECTION("ACK over a long run: one per 500 ms at most") {
        Pair p;
        const Drawn d = sweep(p, TcpFlag::Ack, 100000, at(1)); // 1 s
        CHECK(d.replies <= 3);
    }
    SECTION("FIN: never closes on a blind guess; each out-of-window one is answered, as Linux does") {
        Pair p;
        const Drawn d = sweep(p, TcpFlag::Fin | TcpFlag::Ack, 2000, at(1));
        CHECK(p.client.state() == State::Established);
        CHECK(d.resets == 0);
        // In-window FINs beyond RCV.NXT are out of order and draw nothing;
        // out-of-window ones draw a dupack each (Linux exempts segments with
        // a FIN or data from tcp_oow_rate_limited(); packetdrill-checked).
        CHECK(d.acks <= 2000);
        CHECK(d.acks >= 1900);
    }
    SECTION("data: never delivered out of a blind guess") {
        Pair p;
        const SeqNum before = p.client.rcv_nxt();
        const Drawn d = sweep(p, TcpFlag::Ack | TcpFlag::Psh, 2000, at(1), 10);
        CHECK(p.client.rcv_nxt() == before);
        CHECK(d.resets == 0);
        CHECK(p.client.state() == State::Established);
    }
}

TEST_CASE("hostile: sequence numbers and timestamps across their 2^31 and 2^32 wraps", "[hostile][wrap]") {
    Pair p;
    // Move the flow next to both wraps: RCV.NXT 32 bytes short of 2^32 and
    // TS.Recent 50 ticks short of 2^31 (adopt() takes any Negotiated).
    Negotiated n = p.client.negotiated();
    n.irs = SeqNum(0xFFFFFFC0U);
    n.rcv_nxt = SeqNum(0xFFFFFFE0U);
    n.ts_recent = 0x7FFFFFCEU;
    Connection c = Connection::adopt(ctx(10), n, State::Established);
    std::uint32_t tsval = n.ts_recent;
    SeqNum seq = n.rcv_nxt;
    std::uint32_t taken = 0;
    for (int i = 0; i < 8; ++i) { // 8 x 10 bytes: across 2^32 in sequence, 2^31 in TSval
        tsval += 20;
        TcpHeader h = header(8080, 40000, seq, n.snd_nxt, TcpFlag::Ack | TcpFlag::Psh);
        h.options.timestamps = Timestamps{tsval, 0};
        const auto b = make(h, server_ip, client_ip, std::vector<std::uint8_t>(10, 'w'));
        const Received r = c.on_segment(server_ip, client_ip, b, at(2) + Duration::milliseconds(i));
        CHECK(r.in_order);
        taken += static_cast<std::uint32_t>(r.payload.size());
        c.consume(static_cast<std::uint32_t>(r.payload.size()));
        seq = seq + 10;
        drain(c, at(2));
    }
    CHECK(taken == 80);
    CHECK(c.rcv_nxt() == SeqNum(0xFFFFFFE0U) + 80); // wrapped past 0
    CHECK(c.stats().paws_rejected == 0);
    // Across the 2^32 wrap of TSval too: still newer.
    Negotiated m = n;
    m.ts_recent = 0xFFFFFFF0U;
    Connection d = Connection::adopt(ctx(10), m, State::Established);
    TcpHeader h = header(8080, 40000, m.rcv_nxt, m.snd_nxt, TcpFlag::Ack | TcpFlag::Psh);
    h.options.timestamps = Timestamps{0x00000010U, 0};
    const auto b = make(h, server_ip, client_ip, std::vector<std::uint8_t>(5, 'v'));
    CHECK(d.on_segment(server_ip, client_ip, b, at(2)).in_order);
    // And a TSval 2^31 - 2 behind is old (PAWS), whatever the wrap (2^31 + 2
    // behind would be 2^31 - 2 ahead: newer).
    h.seq = d.rcv_nxt();
    h.options.timestamps = Timestamps{0x00000010U - 0x7FFFFFFEU, 0};
    const auto old = make(h, server_ip, client_ip, std::vector<std::uint8_t>(5, 'o'));
    CHECK_FALSE(d.on_segment(server_ip, client_ip, old, at(2)).in_order);
    CHECK(d.stats().paws_rejected == 1);
}

TEST_CASE("hostile: timers called early, late, twice and with Time::never()", "[hostile][clock]") {
    Connection c(ctx(100));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    drain(c, at(0));
    const Time due = c.next_deadline();
    REQUIRE(due == at(1));
    c.on_timer(at(0.5)); // early: nothing
    CHECK(drain(c, at(0.5)).empty());
    CHECK(c.next_deadline() == due);
    c.on_timer(at(0) - Duration{day_ns}); // a clock a day behind: nothing
    CHECK(drain(c, at(0.5)).empty());
    c.on_timer(at(1.7)); // late: one retransmission, the next deadline from now
    CHECK(drain(c, at(1.7)).size() == 1);
    CHECK(c.next_deadline() == at(2.7)); // linear timeouts: the RTO stays 1 s
    c.on_timer(at(1.7)); // the same instant again: nothing more
    CHECK(drain(c, at(1.7)).empty());
    // The end of time: the SYN's budget since the first SYN is spent (Linux
    // retransmits_timed_out()), so the timer gives up, once.
    c.on_timer(Time::never());
    CHECK(c.state() == State::Closed);
    CHECK(events(c) == std::vector<EventKind>{EventKind::TimedOut});
    CHECK(drain(c, at(2)).empty());
    CHECK(c.next_deadline() == Time::never());
    c.on_timer(Time::never());
    CHECK(c.state() == State::Closed);
    CHECK(events(c).empty());
    CHECK(drain(c, at(2)).empty());
}
