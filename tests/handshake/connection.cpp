// Tests for synack/handshake/connection.hpp: two machines wired together in
// virtual time, Linux's timer schedules, refusal, simultaneous open, RFC 5961
// challenge ACKs, PAWS, close and TIME-WAIT.
#include "synack/handshake/connection.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "synack_test.hpp"

#include "fixtures.hpp"

using namespace synack;
using namespace fixtures;

namespace {

const IpAddress client_ip = IpAddress::v4(198, 18, 0, 1);
const IpAddress server_ip = IpAddress::v4(198, 18, 0, 2);
const FourTuple client_flow{{client_ip, 40000}, {server_ip, 8080}};


std::vector<EventKind> events(Connection& c) {
    std::vector<EventKind> out;
    while (auto e = c.poll_event()) out.push_back(e->kind);
    return out;
}


// Moves segments both ways until quiet; returns how many moved.
int exchange(Connection& a, Connection& b, Time now) {
    int moved = 0;
    for (int round = 0; round < 20; ++round) {
        auto from_a = drain(a, now);
        auto from_b = drain(b, now);
        if (from_a.empty() && from_b.empty()) break;
        for (auto& s : from_a) {
            deliver(b, s, now);
            ++moved;
        }
        for (auto& s : from_b) {
            deliver(a, s, now);
            ++moved;
        }
    }
    return moved;
}

// Builds a segment from the server side by hand.
std::vector<std::uint8_t> make(const TcpHeader& h, const IpAddress& src, const IpAddress& dst,
                               std::vector<std::uint8_t> payload = {}) {
    std::vector<std::uint8_t> b(60 + payload.size());
    const auto n = h.encode(b);
    REQUIRE(n.ok());
    b.resize(*n);
    b.insert(b.end(), payload.begin(), payload.end());
    fill_tcp_checksum(src, dst, b);
    return b;
}

TcpHeader from_server(SeqNum seq, SeqNum ack, TcpFlags flags) {
    TcpHeader h;
    h.source_port = 8080;
    h.destination_port = 40000;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = 65535;
    return h;
}

} // namespace

TEST_CASE("connection: client and server complete the handshake and agree", "[connection]") {
    Connection client(ctx(1));
    Config scfg;
    scfg.mss = 1400;
    scfg.window_scale = 9;
    Connection server(ctx(2, scfg));
    REQUIRE(server.listen({server_ip, 8080}, at(0)) == Error::None);
    REQUIRE(client.connect(client_flow, at(0)) == Error::None);
    CHECK(client.state() == State::SynSent);

    auto syn = drain(client, at(0));
    REQUIRE(syn.size() == 1);
    const TcpHeader sh = syn[0].header();
    CHECK(sh.flags == TcpFlags(TcpFlag::Syn));
    CHECK(sh.seq == client.iss());
    CHECK(sh.options.mss == 1460);
    CHECK(sh.options.window_scale == 7);
    CHECK(sh.options.sack_permitted);
    REQUIRE(sh.options.timestamps.has_value());
    CHECK(sh.window == 64240);
    CHECK(verify_tcp_checksum(client_ip, server_ip, syn[0].bytes));

    deliver(server, syn[0], at(0.05));
    CHECK(server.state() == State::SynReceived);
    auto synack = drain(server, at(0.05));
    REQUIRE(synack.size() == 1);
    const TcpHeader sah = synack[0].header();
    CHECK(sah.flags == (TcpFlag::Syn | TcpFlag::Ack));
    CHECK(sah.ack == sh.seq + 1);
    CHECK(sah.options.mss == 1400);
    CHECK(sah.options.window_scale == 9);
    CHECK(sah.options.timestamps->echo_reply == sh.options.timestamps->value);

    deliver(client, synack[0], at(0.1));
    CHECK(client.state() == State::Established);
    auto ack = drain(client, at(0.1));
    REQUIRE(ack.size() == 1);
    CHECK(ack[0].header().flags == TcpFlags(TcpFlag::Ack));
    CHECK(ack[0].header().ack == sah.seq + 1);
    CHECK(ack[0].header().options.timestamps.has_value());
    deliver(server, ack[0], at(0.15));
    CHECK(server.state() == State::Established);

    auto ce = client.poll_event();
    auto se = server.poll_event();
    REQUIRE(ce.has_value());
    REQUIRE(se.has_value());
    CHECK(ce->kind == EventKind::Established);
    CHECK(se->kind == EventKind::Established);
    const Negotiated& c = ce->negotiated;
    const Negotiated& s = se->negotiated;
    CHECK(c.mss == 1400);
    CHECK(s.mss == 1400);
    CHECK(c.snd_wscale == 9);
    CHECK(c.rcv_wscale == 7);
    CHECK(s.snd_wscale == 7);
    CHECK(s.rcv_wscale == 9);
    CHECK(c.sack);
    CHECK(c.timestamps);
    CHECK(c.snd_nxt == s.rcv_nxt);
    CHECK(s.snd_nxt == c.rcv_nxt);
    CHECK(c.iss == s.irs);
    CHECK(c.irs == s.iss);
    CHECK(c.has_rtt);
    CHECK(c.rtt == Duration::milliseconds(100));
    CHECK(s.has_rtt);
    CHECK(s.rtt == Duration::milliseconds(100));
    CHECK(client.next_deadline() == Time::never());
}

TEST_CASE("connection: Linux SYN schedule with linear timeouts, then TimedOut", "[connection][timers]") {
    Connection c(ctx(3));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    std::vector<double> sent;
    Time now = at(0);
    for (int guard = 0; guard < 100 && c.state() == State::SynSent; ++guard) {
        for (auto& s : drain(c, now)) {
            CHECK(s.header().flags.syn());
            sent.push_back(static_cast<double>(now.ns) / 1e9);
        }
        now = c.next_deadline();
        if (now == Time::never()) break;
        c.on_timer(now);
    }
    CHECK(sent == std::vector<double>{0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67});
    CHECK(now == at(131));
    CHECK(events(c) == std::vector<EventKind>{EventKind::TimedOut});
    CHECK(c.state() == State::Closed);
}

TEST_CASE("connection: SYN schedule without linear timeouts", "[connection][timers]") {
    Config cfg;
    cfg.syn_linear_timeouts = 0;
    Connection c(ctx(3, cfg));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    std::vector<double> sent;
    Time now = at(0);
    for (int guard = 0; guard < 100 && c.state() == State::SynSent; ++guard) {
        sent.resize(sent.size() + drain(c, now).size(), static_cast<double>(now.ns) / 1e9);
        now = c.next_deadline();
        c.on_timer(now);
    }
    CHECK(sent == std::vector<double>{0, 1, 3, 7, 15, 31, 63});
    CHECK(now == at(127));
    CHECK(events(c) == std::vector<EventKind>{EventKind::TimedOut});
}

TEST_CASE("connection: SYN give-up budget of (2 << syn_retries) - 1 s from the first SYN", "[connection][timers]") {
    // Linux tcp_write_timeout() -> retransmits_timed_out(): the linear
    // timeouts add SYNs, not time (tests/scenarios/syn-retransmit-default-timeout.pkt;
    // TCP_SYNCNT 1: upstream fastopen/client/blocking-sendto-errnos.pkt).
    const auto run = [](std::uint8_t retries, std::vector<double> want_sent, double want_end) {
        Config cfg;
        cfg.syn_retries = retries;
        Connection c(ctx(3, cfg));
        REQUIRE(c.connect(client_flow, at(0)) == Error::None);
        std::vector<double> sent;
        Time now = at(0);
        for (int guard = 0; guard < 100 && c.state() == State::SynSent; ++guard) {
            sent.resize(sent.size() + drain(c, now).size(), static_cast<double>(now.ns) / 1e9);
            now = c.next_deadline();
            c.on_timer(now);
        }
        CHECK(sent == want_sent);
        CHECK(now == at(want_end));
        CHECK(events(c) == std::vector<EventKind>{EventKind::TimedOut});
    };
    run(2, {0, 1, 2, 3, 4, 5}, 7);
    run(1, {0, 1, 2}, 3);
    run(0, {0, 1}, 2); // never at the first timeout (retransmits_timed_out() needs one)
    CHECK(model_timeout(6, Duration::seconds(1), Duration::seconds(120)) == Duration::seconds(127));
    CHECK(model_timeout(8, Duration::seconds(1), Duration::seconds(120)) == Duration::seconds(127 + 2 * 120));
    CHECK(model_timeout(255, Duration::nanoseconds(1), Duration::seconds(365LL * 86400)).ns > 0);
}

TEST_CASE("connection: SYN-ACK retransmissions, given up at 63 s", "[connection][timers]") {
    Connection server(ctx(4));
    Connection client(ctx(5));
    REQUIRE(server.listen({server_ip, 8080}, at(0)) == Error::None);
    REQUIRE(client.connect(client_flow, at(0)) == Error::None);
    deliver(server, drain(client, at(0))[0], at(0));
    std::vector<double> sent;
    Time now = at(0);
    for (int guard = 0; guard < 100 && server.state() == State::SynReceived; ++guard) {
        sent.resize(sent.size() + drain(server, now).size(), static_cast<double>(now.ns) / 1e9);
        now = server.next_deadline();
        server.on_timer(now);
    }
    CHECK(sent == std::vector<double>{0, 1, 3, 7, 15, 31});
    CHECK(now == at(63));
    CHECK(events(server) == std::vector<EventKind>{EventKind::TimedOut});
}

TEST_CASE("connection: a user timeout bounds the attempt", "[connection][timers]") {
    Config cfg;
    cfg.user_timeout = Duration::seconds(10);
    Connection c(ctx(3, cfg));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    Time now = at(0);
    for (int guard = 0; guard < 100 && c.state() == State::SynSent; ++guard) {
        drain(c, now);
        now = c.next_deadline();
        c.on_timer(now);
    }
    CHECK(now == at(10));
    CHECK(events(c) == std::vector<EventKind>{EventKind::TimedOut});
}

TEST_CASE("connection: RST answering the SYN is Refused; reset_for builds Linux's reply", "[connection]") {
    Connection c(ctx(6));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    auto syn = drain(c, at(0));
    const auto rst = reset_for(syn[0].view());
    REQUIRE(rst.has_value());
    CHECK(rst->flags == (TcpFlag::Rst | TcpFlag::Ack));
    CHECK(rst->seq == SeqNum(0));
    CHECK(rst->ack == c.iss() + 1);
    CHECK(rst->window == 0);
    // A RST with an unacceptable ACK is ignored in SYN-SENT.
    TcpHeader bad = *rst;
    bad.ack = c.iss() + 5;
    c.on_segment(server_ip, client_ip, make(bad, server_ip, client_ip), at(0.01));
    CHECK(c.state() == State::SynSent);
    CHECK(drain(c, at(0.01)).empty());
    // A RST without ACK is ignored too.
    TcpHeader noack = *rst;
    noack.flags = TcpFlag::Rst;
    c.on_segment(server_ip, client_ip, make(noack, server_ip, client_ip), at(0.01));
    CHECK(c.state() == State::SynSent);
    c.on_segment(server_ip, client_ip, make(*rst, server_ip, client_ip), at(0.02));
    CHECK(c.state() == State::Closed);
    CHECK(events(c) == std::vector<EventKind>{EventKind::Refused});
    // Never a RST for a RST.
    CHECK_FALSE(reset_for(*TcpView::parse(make(*rst, server_ip, client_ip))).has_value());
}

TEST_CASE("connection: bad ACK in SYN-SENT gets <SEQ=SEG.ACK><RST> and the SYN again after TCP_TIMEOUT_MIN",
          "[connection]") {
    Connection c(ctx(7));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    drain(c, at(0));
    const auto stale = make(from_server(SeqNum(5000), c.iss() + 1000, TcpFlag::Ack), server_ip, client_ip);
    c.on_segment(server_ip, client_ip, stale, at(0.1));
    auto out = drain(c, at(0.1));
    REQUIRE(out.size() == 1);
    CHECK(out[0].header().flags == TcpFlags(TcpFlag::Rst));
    CHECK(out[0].header().seq == c.iss() + 1000);
    CHECK(c.state() == State::SynSent);
    // Linux tcp_rcv_synsent_state_process(): the first retransmission is
    // pulled forward to TCP_TIMEOUT_MIN (Config::timeout_min, 10 ms) ...
    CHECK(c.next_deadline() == at(0.1) + Duration::milliseconds(10));
    // ... and a second bad ACK does not postpone it.
    c.on_segment(server_ip, client_ip, stale, at(0.105));
    drain(c, at(0.105));
    CHECK(c.next_deadline() == at(0.1) + Duration::milliseconds(10));
    c.on_timer(at(0.11));
    out = drain(c, at(0.11));
    REQUIRE(out.size() == 1);
    CHECK(out[0].header().flags == TcpFlags(TcpFlag::Syn));
    CHECK(c.next_deadline() == at(1.11)); // then the usual (linear) RTO
}

TEST_CASE("connection: simultaneous open converges without a RST", "[connection]") {
    Connection a(ctx(8));
    Connection b(ctx(9));
    REQUIRE(a.connect(client_flow, at(0)) == Error::None);
    REQUIRE(b.connect(client_flow.reversed(), at(0)) == Error::None);
    auto sa = drain(a, at(0));
    auto sb = drain(b, at(0));
    // SYNs cross.
    deliver(b, sa[0], at(0.05));
    deliver(a, sb[0], at(0.05));
    CHECK(a.state() == State::SynReceived);
    CHECK(b.state() == State::SynReceived);
    auto ka = drain(a, at(0.05));
    auto kb = drain(b, at(0.05));
    REQUIRE(ka.size() == 1);
    CHECK(ka[0].header().flags == (TcpFlag::Syn | TcpFlag::Ack));
    CHECK(ka[0].header().seq == a.iss()); // the same ISS
    // SYN-ACKs cross.
    deliver(b, ka[0], at(0.1));
    deliver(a, kb[0], at(0.1));
    CHECK(a.state() == State::Established);
    CHECK(b.state() == State::Established);
    exchange(a, b, at(0.1));
    CHECK(a.stats().resets_sent == 0);
    CHECK(b.stats().resets_sent == 0);
    CHECK(events(a) == std::vector<EventKind>{EventKind::Established});
    CHECK(events(b) == std::vector<EventKind>{EventKind::Established});
    CHECK(a.snd_nxt() == b.rcv_nxt());
}

namespace {
struct Pair {
    Connection client{ctx(10)};
    Connection server{ctx(11)};
    Pair() {
        REQUIRE(server.listen({server_ip, 8080}, at(0)) == Error::None);
        REQUIRE(client.connect(client_flow, at(0)) == Error::None);
        exchange(client, server, at(0.01));
        REQUIRE(client.state() == State::Established);
        REQUIRE(server.state() == State::Established);
        events(client);
        events(server);
    }
    // A segment the server would send, built by hand with its timestamps.
    std::vector<std::uint8_t> server_segment(SeqNum seq, TcpFlags flags, std::uint32_t tsval,
                                             std::vector<std::uint8_t> payload = {}) {
        TcpHeader h = from_server(seq, client.snd_nxt(), flags);
        h.options.timestamps = Timestamps{tsval, 0};
        return make(h, server_ip, client_ip, std::move(payload));
    }
    std::uint32_t server_ts(Time now) const { return timestamp_clock(now) + server.ts_offset(); }
};
} // namespace

TEST_CASE("connection: RFC 5961 RST and SYN handling, rate-limited per connection", "[connection][rfc5961]") {
    Pair p;
    const SeqNum nxt = p.client.rcv_nxt();
    const std::uint32_t ts = p.server_ts(at(1));
    // In-window RST not at RCV.NXT: challenge ACK, connection kept.
    p.client.on_segment(server_ip, client_ip, p.server_segment(nxt + 100, TcpFlag::Rst, ts), at(1));
    CHECK(p.client.state() == State::Established);
    auto out = drain(p.client, at(1));
    REQUIRE(out.size() == 1);
    CHECK(out[0].header().flags == TcpFlags(TcpFlag::Ack));
    CHECK(out[0].header().ack == nxt);
    // A SYN: challenge ACK, but the limit (1 per 500 ms) suppresses it.
    p.client.on_segment(server_ip, client_ip, p.server_segment(nxt + 7, TcpFlag::Syn, ts), at(1.1));
    CHECK(drain(p.client, at(1.1)).empty());
    CHECK(p.client.stats().challenge_acks_suppressed == 1);
    // After the window, a SYN draws a challenge ACK again.
    p.client.on_segment(server_ip, client_ip, p.server_segment(nxt + 7, TcpFlag::Syn, ts), at(1.6));
    CHECK(drain(p.client, at(1.6)).size() == 1);
    CHECK(p.client.stats().challenge_acks == 2);
    // Out-of-window RST: dropped silently.
    p.client.on_segment(server_ip, client_ip, p.server_segment(nxt + 1000000, TcpFlag::Rst, ts), at(2));
    CHECK(drain(p.client, at(2)).empty());
    CHECK(p.client.state() == State::Established);
    // RST exactly at RCV.NXT: Reset.
    p.client.on_segment(server_ip, client_ip, p.server_segment(nxt, TcpFlag::Rst, ts), at(2.5));
    CHECK(p.client.state() == State::Closed);
    CHECK(events(p.client) == std::vector<EventKind>{EventKind::Reset});
}

TEST_CASE("connection: PAWS drops old timestamps; bad checksums are counted", "[connection]") {
    Pair p;
    const SeqNum nxt = p.client.rcv_nxt();
    auto seg = p.server_segment(nxt, TcpFlag::Ack | TcpFlag::Psh, p.server_ts(at(0.001)) - 1000, {'h', 'i'});
    const Received r = p.client.on_segment(server_ip, client_ip, seg, at(1));
    CHECK(r.payload.empty());
    CHECK(p.client.stats().paws_rejected == 1);
    CHECK(p.client.rcv_nxt() == nxt);
    CHECK(drain(p.client, at(1)).size() == 1); // RFC 7323 §5.3: ACKed
    // A fresh timestamp: delivered in order.
    seg = p.server_segment(nxt, TcpFlag::Ack | TcpFlag::Psh, p.server_ts(at(1)), {'h', 'i'});
    seg[16] ^= 0xff;
    CHECK(p.client.on_segment(server_ip, client_ip, seg, at(1)).error == Error::BadChecksum);
    CHECK(p.client.stats().bad_checksum == 1);
    seg[16] ^= 0xff;
    const Received ok = p.client.on_segment(server_ip, client_ip, seg, at(1));
    CHECK(ok.in_order);
    CHECK(ok.payload.size() == 2);
    CHECK(ok.payload_seq == nxt);
    CHECK(p.client.rcv_nxt() == nxt + 2);
    // The window shrank until consume().
    auto ack = drain(p.client, at(1));
    REQUIRE(ack.size() == 1);
    CHECK(ack[0].header().ack == nxt + 2);
    // Scaled and rounded up to the scale unit, as Linux __tcp_select_window().
    CHECK(ack[0].header().window == (64240 - 2 + 127) >> 7);
}

TEST_CASE("connection: graceful close from the client, TIME-WAIT for 2 MSL", "[connection]") {
    Pair p;
    REQUIRE(p.client.close(at(1)) == Error::None);
    CHECK(p.client.state() == State::FinWait1);
    exchange(p.client, p.server, at(1));
    CHECK(p.client.state() == State::FinWait2);
    CHECK(p.server.state() == State::CloseWait);
    CHECK(events(p.server) == std::vector<EventKind>{EventKind::PeerClosed});
    REQUIRE(p.server.close(at(2)) == Error::None);
    CHECK(p.server.state() == State::LastAck);
    exchange(p.client, p.server, at(2));
    CHECK(p.server.state() == State::Closed);
    CHECK(events(p.server) == std::vector<EventKind>{EventKind::Closed});
    CHECK(p.client.state() == State::TimeWait);
    CHECK(p.client.next_deadline() == at(62));
    p.client.on_timer(at(62));
    CHECK(p.client.state() == State::Closed);
    CHECK(events(p.client) == std::vector<EventKind>{EventKind::PeerClosed, EventKind::Closed});
    CHECK(p.client.stats().resets_sent == 0);
    CHECK(p.server.stats().resets_sent == 0);
}

TEST_CASE("connection: simultaneous close goes through CLOSING", "[connection]") {
    Pair p;
    REQUIRE(p.client.close(at(1)) == Error::None);
    REQUIRE(p.server.close(at(1)) == Error::None);
    auto fc = drain(p.client, at(1));
    auto fs = drain(p.server, at(1));
    deliver(p.server, fc[0], at(1.05));
    deliver(p.client, fs[0], at(1.05));
    CHECK(p.client.state() == State::Closing);
    CHECK(p.server.state() == State::Closing);
    exchange(p.client, p.server, at(1.1));
    CHECK(p.client.state() == State::TimeWait);
    CHECK(p.server.state() == State::TimeWait);
}

TEST_CASE("connection: a lost FIN is retransmitted", "[connection][timers]") {
    Pair p;
    REQUIRE(p.client.close(at(1)) == Error::None);
    CHECK(drain(p.client, at(1)).size() == 1); // lost
    const Time d = p.client.next_deadline();
    CHECK(d > at(1));
    p.client.on_timer(d);
    auto again = drain(p.client, d);
    REQUIRE(again.size() == 1);
    CHECK(again[0].header().flags == (TcpFlag::Fin | TcpFlag::Ack));
}

TEST_CASE("connection: options the peer did not send fall back to defaults", "[connection][options]") {
    Connection c(ctx(12));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    drain(c, at(0));
    // SYN-ACK with no options at all.
    auto bare = make(from_server(SeqNum(777), c.iss() + 1, TcpFlag::Syn | TcpFlag::Ack), server_ip, client_ip);
    c.on_segment(server_ip, client_ip, bare, at(0.2));
    const auto e = c.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->negotiated.mss == 536);
    CHECK_FALSE(e->negotiated.wscale);
    CHECK_FALSE(e->negotiated.sack);
    CHECK_FALSE(e->negotiated.timestamps);
    CHECK(e->negotiated.peer_window == 65535);
    CHECK(e->negotiated.rtt == Duration::milliseconds(200));
    auto ack = drain(c, at(0.2));
    REQUIRE(ack.size() == 1);
    CHECK(ack[0].header().options.wire_length == 0); // no TS on later segments
    CHECK(ack[0].header().window == 64240);          // unscaled: scaling was not agreed

    // MSS 0 is ignored (IPv6 default 1220); window scale 15 is used as 14.
    const IpAddress c6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    const IpAddress s6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
    Connection v6(ctx(13));
    REQUIRE(v6.connect({{c6, 40000}, {s6, 8080}}, at(0)) == Error::None);
    drain(v6, at(0));
    TcpHeader h = from_server(SeqNum(1), v6.iss() + 1, TcpFlag::Syn | TcpFlag::Ack);
    h.options.mss = 0;
    h.options.window_scale = 15;
    v6.on_segment(s6, c6, make(h, s6, c6), at(0.1));
    const auto e6 = v6.poll_event();
    REQUIRE(e6.has_value());
    CHECK(e6->negotiated.mss == 1220);
    CHECK(e6->negotiated.snd_wscale == 14);
}

TEST_CASE("connection: listen answers stray ACKs with RST and ignores RSTs", "[connection]") {
    Connection s(ctx(14));
    REQUIRE(s.listen({server_ip, 8080}, at(0)) == Error::None);
    TcpHeader h;
    h.source_port = 40000;
    h.destination_port = 8080;
    h.seq = SeqNum(10);
    h.ack = SeqNum(12345);
    h.flags = TcpFlag::Ack;
    s.on_segment(client_ip, server_ip, make(h, client_ip, server_ip), at(0));
    auto out = drain(s, at(0));
    REQUIRE(out.size() == 1);
    CHECK(out[0].header().flags == TcpFlags(TcpFlag::Rst));
    CHECK(out[0].header().seq == SeqNum(12345));
    CHECK(out[0].tx.flow.remote.port == 40000);
    h.flags = TcpFlag::Rst;
    s.on_segment(client_ip, server_ip, make(h, client_ip, server_ip), at(0));
    CHECK(drain(s, at(0)).empty());
    CHECK(s.state() == State::Listen);
}

TEST_CASE("connection: ECN setup when both sides ask", "[connection][options]") {
    Config cfg;
    cfg.ecn = true;
    Connection client(ctx(15, cfg));
    Connection server(ctx(16, cfg));
    REQUIRE(server.listen({server_ip, 8080}, at(0)) == Error::None);
    REQUIRE(client.connect(client_flow, at(0)) == Error::None);
    auto syn = drain(client, at(0));
    CHECK(syn[0].header().flags == (TcpFlag::Syn | TcpFlag::Ece | TcpFlag::Cwr));
    deliver(server, syn[0], at(0));
    auto synack = drain(server, at(0));
    CHECK(synack[0].header().flags == (TcpFlag::Syn | TcpFlag::Ack | TcpFlag::Ece));
    deliver(client, synack[0], at(0));
    exchange(client, server, at(0));
    auto e = client.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->negotiated.ecn);
}

TEST_CASE("connection: a peer MSS below 48 is raised to Linux's tcp_min_snd_mss", "[connection][options]") {
    for (std::uint16_t tiny : {std::uint16_t{1}, std::uint16_t{8}, std::uint16_t{47}, std::uint16_t{48}}) {
        Connection c(ctx(14));
        REQUIRE(c.connect(client_flow, at(0)) == Error::None);
        drain(c, at(0));
        TcpHeader h = from_server(SeqNum(5), c.iss() + 1, TcpFlag::Syn | TcpFlag::Ack);
        h.options.mss = tiny;
        c.on_segment(server_ip, client_ip, make(h, server_ip, client_ip), at(0.1));
        const auto e = c.poll_event();
        REQUIRE(e.has_value());
        CHECK(e->negotiated.mss == 48); // CVE-2019-11479: never cut data smaller
    }
}

TEST_CASE("connection: close() in SYN-RECEIVED sends a FIN behind the SYN-ACK", "[connection]") {
    Connection server(ctx(15));
    Connection client(ctx(16));
    REQUIRE(server.listen({server_ip, 8080}, at(0)) == Error::None);
    REQUIRE(client.connect(client_flow, at(0)) == Error::None);
    auto syn = drain(client, at(0));
    REQUIRE(syn.size() == 1);
    deliver(server, syn[0], at(0.05));
    auto synack = drain(server, at(0.05)); // the SYN-ACK is lost
    REQUIRE(synack.size() == 1);
    REQUIRE(server.state() == State::SynReceived);

    REQUIRE(server.close(at(0.1)) == Error::None);
    CHECK(server.state() == State::SynReceived); // until our SYN is acknowledged
    REQUIRE(server.close(at(0.1)) == Error::None); // a second close queues nothing more
    auto fin = drain(server, at(0.1));
    REQUIRE(fin.size() == 1);
    CHECK(fin[0].view().flags().fin());
    CHECK(fin[0].view().seq() == server.iss() + 1);
    CHECK(server.snd_nxt() == server.iss() + 2);

    // The SYN-ACK's timer is not rearmed by the FIN (Linux): at 1.05 s it
    // resends the SYN-ACK alone (Linux's SYN-ACK timer, inet_rtx_syn_ack()).
    REQUIRE(server.next_deadline() == at(1.05));
    server.on_timer(at(1.05));
    auto again = drain(server, at(1.05));
    REQUIRE(again.size() == 1);
    CHECK(again[0].view().flags().syn());
    CHECK(again[0].view().flags().ack());

    // The client completes; its ACK covers the SYN: Established, then
    // FIN-WAIT-1 with the FIN's timer running.
    deliver(client, again[0], at(1.15));
    CHECK(client.state() == State::Established);
    for (auto& s : drain(client, at(1.15))) deliver(server, s, at(1.2));
    const auto ev = events(server);
    REQUIRE_FALSE(ev.empty());
    CHECK(ev[0] == EventKind::Established);
    CHECK(server.state() == State::FinWait1);
    CHECK(server.next_deadline() != Time::never());
    // The FIN was lost with the first SYN-ACK: its timer resends it, and
    // the client's ACK of it leaves the server in FIN-WAIT-2.
    const Time t = server.next_deadline();
    server.on_timer(t);
    auto fin2 = drain(server, t);
    REQUIRE(fin2.size() == 1);
    CHECK(fin2[0].view().flags().fin());
    deliver(client, fin2[0], t);
    CHECK(client.state() == State::CloseWait);
    for (auto& s : drain(client, t)) deliver(server, s, t);
    CHECK(server.state() == State::FinWait2);
}

TEST_CASE("connection: data and FIN on the SYN-ACK are taken; a SYN-ACK echoing a TSval never sent is reset",
          "[connection][tfo]") {
    // Linux tcp_rcv_synsent_state_process(): the SYN-ACK's payload is
    // queued like ESTABLISHED data and ACKed, a FIN behind it closes our
    // receive side (upstream fastopen/client/synack-data.pkt).
    Connection c(ctx(14));
    REQUIRE(c.connect(client_flow, at(0)) == Error::None);
    drain(c, at(0));
    auto sa = make(from_server(SeqNum(1000), c.iss() + 1, TcpFlag::Syn | TcpFlag::Ack | TcpFlag::Fin), server_ip,
                   client_ip, std::vector<std::uint8_t>(100, 'd'));
    const Received r = c.on_segment(server_ip, client_ip, sa, at(0.1));
    CHECK(r.in_order);
    CHECK(r.payload.size() == 100);
    CHECK(r.payload_seq == SeqNum(1001));
    CHECK(c.rcv_nxt() == SeqNum(1102));
    CHECK(c.state() == State::CloseWait);
    CHECK(events(c) == std::vector<EventKind>{EventKind::Established, EventKind::PeerClosed});
    auto ack = drain(c, at(0.1));
    REQUIRE(ack.size() == 1);
    CHECK(ack[0].header().ack == SeqNum(1102));
    // consume(): 100 bytes of 64 KiB read send no window update (tcp_cleanup_rbuf())
    c.consume(100);
    CHECK(drain(c, at(0.2)).empty());

    // PAWSActiveRejected: the echo is not a TSval of ours since the first SYN.
    Connection d(ctx(15));
    REQUIRE(d.connect(client_flow, at(10)) == Error::None);
    auto syn = drain(d, at(10));
    REQUIRE(syn.size() == 1);
    REQUIRE(syn[0].header().options.timestamps.has_value());
    const std::uint32_t our_ts = syn[0].header().options.timestamps->value;
    TcpHeader h = from_server(SeqNum(5000), d.iss() + 1, TcpFlag::Syn | TcpFlag::Ack);
    h.options.mss = 1460;
    h.options.timestamps = Timestamps{777, our_ts + 100000};
    d.on_segment(server_ip, client_ip, make(h, server_ip, client_ip), at(10.1));
    CHECK(d.state() == State::SynSent);
    auto rst = drain(d, at(10.1));
    REQUIRE(rst.size() == 1);
    CHECK(rst[0].header().flags == TcpFlags(TcpFlag::Rst));
    CHECK(rst[0].header().seq == d.iss() + 1);
    h.options.timestamps = Timestamps{777, our_ts};
    d.on_segment(server_ip, client_ip, make(h, server_ip, client_ip), at(10.2));
    CHECK(d.state() == State::Established);
}

TEST_CASE("connection: abort()'s RST carries the timestamps; a RST answering a segment none", "[connection]") {
    // Linux tcp_send_active_reset() -> tcp_transmit_skb() adds TS (upstream
    // ts_recent/reset_tsval.pkt); tcp_v4_send_reset() adds no options.
    Pair p;
    const std::uint32_t recent = p.server_ts(at(0.01)); // the server's SYN-ACK went at 0.01
    REQUIRE(p.client.abort(at(2)) == Error::None);
    auto rst = drain(p.client, at(2));
    REQUIRE(rst.size() == 1);
    CHECK(rst[0].header().flags == (TcpFlag::Rst | TcpFlag::Ack));
    REQUIRE(rst[0].header().options.timestamps.has_value());
    CHECK(rst[0].header().options.timestamps->echo_reply == recent);
    // Closed now: a stray segment draws a plain RST, no options.
    p.client.on_segment(server_ip, client_ip, p.server_segment(p.client.rcv_nxt(), TcpFlag::Ack, 5), at(3));
    auto reply = drain(p.client, at(3));
    REQUIRE(reply.size() == 1);
    CHECK(reply[0].header().flags.rst());
    CHECK_FALSE(reply[0].header().options.timestamps.has_value());
}
