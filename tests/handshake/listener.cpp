// Tests for synack/handshake/listener.hpp: handshakes with Connection
// clients, Linux's SYN-ACK schedule, LISTEN and SYN-RECEIVED rules, SYN
// cookies (options recovered, forged and stale ACKs), the accept queue,
// Fast Open, Listeners sharing keys, and zero allocations after construction.
#include "synack/handshake/listener.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "synack_test.hpp"

#include "fixtures.hpp"

#include "alloc_counter.hpp"

using namespace synack;
using namespace fixtures;

namespace {

const IpAddress server_ip = IpAddress::v4(198, 18, 0, 1);
const IpAddress client_ip = IpAddress::v4(198, 18, 0, 2);
const Endpoint server_ep{server_ip, 8080};

FourTuple client_flow(std::uint16_t port, const IpAddress& ip = client_ip) {
    return {{ip, port}, server_ep};
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

TcpHeader to_server(std::uint16_t port, std::uint32_t seq, std::uint32_t ack, TcpFlags flags) {
    TcpHeader h;
    h.source_port = port;
    h.destination_port = 8080;
    h.seq = SeqNum(seq);
    h.ack = SeqNum(ack);
    h.flags = flags;
    h.window = 65535;
    return h;
}

Received inject(Listener& l, const TcpHeader& h, Time now, const std::vector<std::uint8_t>& payload = {},
                const IpAddress& src = client_ip) {
    const auto b = make(h, src, server_ip, payload);
    return l.on_segment(src, server_ip, b, now);
}

// Client Connection -> Listener -> client, until the client is ESTABLISHED
// and its ACK has reached the listener.
void handshake(Connection& c, Listener& l, Time t) {
    auto syn = drain(c, t);
    REQUIRE(syn.size() == 1);
    deliver(l, syn[0], t);
    auto synack = drain(l, t);
    REQUIRE(synack.size() == 1);
    deliver(c, synack[0], t);
    auto ack = drain(c, t);
    REQUIRE(ack.size() == 1);
    deliver(l, ack[0], t);
}

void check_mirrored(const Negotiated& client, const Negotiated& server) {
    CHECK(client.flow == server.flow.reversed());
    CHECK(client.iss == server.irs);
    CHECK(client.irs == server.iss);
    CHECK(client.snd_nxt == server.rcv_nxt);
    CHECK(client.rcv_nxt == server.snd_nxt);
    CHECK(client.wscale == server.wscale);
    CHECK(client.snd_wscale == server.rcv_wscale);
    CHECK(client.rcv_wscale == server.snd_wscale);
    CHECK(client.sack == server.sack);
    CHECK(client.timestamps == server.timestamps);
    CHECK(client.ecn == server.ecn);
}

} // namespace

TEST_CASE("listener: a Connection client completes; accept() and the adopted Connection agree", "[listener]") {
    Config scfg;
    scfg.mss = 1400;
    scfg.window_scale = 9;
    const Context& sc = ctx(2, scfg);
    Listener l(sc, server_ep);
    Connection c(ctx(1));
    REQUIRE(c.connect(client_flow(40000), at(0)) == Error::None);
    auto syn = drain(c, at(0));
    deliver(l, syn[0], at(0));
    CHECK(l.half_open() == 1);
    auto synack = drain(l, at(0));
    REQUIRE(synack.size() == 1);
    const TcpHeader h = synack[0].header();
    CHECK(h.flags == (TcpFlag::Syn | TcpFlag::Ack));
    CHECK(h.ack == syn[0].header().seq + 1);
    CHECK(h.options.mss == 1400);
    CHECK(h.options.window_scale == 9);
    CHECK(h.options.sack_permitted);
    CHECK(h.options.timestamps->echo_reply == syn[0].header().options.timestamps->value);
    // Linux tcp_select_initial_window(): 65535 rounded down to a multiple
    // of mss - 12 (timestamps agreed): 47 * 1388.
    CHECK(h.window == 65236);
    CHECK(verify_tcp_checksum(server_ip, client_ip, synack[0].bytes));
    CHECK_FALSE(l.accept().has_value());

    deliver(c, synack[0], at(0.1));
    REQUIRE(c.state() == State::Established);
    auto ack = drain(c, at(0.1));
    deliver(l, ack[0], at(0.15));
    CHECK(l.half_open() == 0);
    CHECK(l.next_deadline() == Time::never());
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->state == State::Established);
    CHECK_FALSE(a->from_cookie);
    const auto ce = c.poll_event();
    REQUIRE(ce.has_value());
    check_mirrored(ce->negotiated, a->negotiated);
    CHECK(a->negotiated.mss == 1400);
    CHECK(a->negotiated.has_rtt);
    CHECK(a->negotiated.rtt == Duration::milliseconds(150));

    // The adopted Connection carries on: the client closes, the server ACKs.
    Connection s = a->connection(sc);
    CHECK(s.state() == State::Established);
    CHECK_FALSE(s.poll_event().has_value());
    REQUIRE(c.close(at(1)) == Error::None);
    auto fin = drain(c, at(1));
    REQUIRE(fin.size() == 1);
    deliver(s, fin[0], at(1));
    CHECK(s.state() == State::CloseWait);
    auto fin_ack = drain(s, at(1));
    REQUIRE(fin_ack.size() == 1);
    deliver(c, fin_ack[0], at(1));
    CHECK(c.state() == State::FinWait2);
}

TEST_CASE("listener: an answer written in place equals the queued one and leaves the ring empty", "[listener]") {
    for (const SynCookies mode : {SynCookies::Off, SynCookies::Always}) {
        Config cfg;
        cfg.syncookies = mode;
        const Context& c = ctx(41, cfg);
        Listener queued(c, server_ep);
        Listener in_place(c, server_ep);
        TcpHeader syn = to_server(5000, 100, 0, TcpFlag::Syn);
        syn.options.mss = 1460;
        syn.options.sack_permitted = true;
        syn.options.timestamps = Timestamps::of(7, 0);
        syn.options.window_scale = 7;
        for (const TcpHeader& h : {syn, to_server(5001, 100, 555, TcpFlag::Ack)}) {
            const auto b = make(h, client_ip, server_ip);
            const TcpView v = *TcpView::parse(b);
            queued.on_segment(client_ip, server_ip, v, at(1));
            const auto want = drain(queued, at(1));
            REQUIRE(want.size() == 1);
            std::array<std::uint8_t, Listener::max_segment_size()> buf{};
            const Received r = in_place.on_segment(client_ip, server_ip, v, at(1), buf);
            REQUIRE(r.reply == want[0].bytes.size());
            CHECK(std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(r.reply)) == want[0].bytes);
            CHECK(drain(in_place, at(1)).empty());
            // A buffer too small: the ring, as without one.
            std::array<std::uint8_t, Listener::max_segment_size() - 1> small{};
            const Received q = in_place.on_segment(client_ip, server_ip, v, at(1), small);
            CHECK(q.reply == 0);
            CHECK(drain(in_place, at(1)).size() == 1);
        }
        CHECK(in_place.stats().segments_in == 4);
    }
}

TEST_CASE("listener: SYN-ACK at 0,1,3,7,15,31 s, entry dropped at 63 s", "[listener]") {
    Listener l(ctx(3), server_ep);
    inject(l, to_server(40000, 1000, 0, TcpFlag::Syn), at(0));
    std::vector<double> sent;
    if (!drain(l, at(0)).empty()) sent.push_back(0);
    Time t = l.next_deadline();
    while (t != Time::never()) {
        l.on_timer(t);
        const auto out = drain(l, t);
        for (std::size_t k = 0; k < out.size(); ++k) sent.push_back(static_cast<double>(t.ns) / 1e9);
        if (l.half_open() == 0) break;
        t = l.next_deadline();
    }
    CHECK(sent == std::vector<double>{0, 1, 3, 7, 15, 31});
    CHECK(t == at(63));
    CHECK(l.half_open() == 0);
    CHECK(l.stats().expired == 1);
    CHECK(l.next_deadline() == Time::never());
}

TEST_CASE("listener: retransmitted SYN gets the SYN-ACK again", "[listener]") {
    Listener l(ctx(4), server_ep);
    inject(l, to_server(40000, 1000, 0, TcpFlag::Syn), at(0));
    const auto first = drain(l, at(0));
    inject(l, to_server(40000, 1000, 0, TcpFlag::Syn), at(0.5));
    const auto again = drain(l, at(0.5));
    REQUIRE(again.size() == 1);
    CHECK(again[0].header().seq == first[0].header().seq);
    CHECK(again[0].header().ack == SeqNum(1001));
    // counted as a retransmission: the timer restarts with the next backoff (Linux)
    CHECK(l.next_deadline() == at(2.5));
}

// A SYN that reopened a flow from TIME-WAIT (Connection::
// reopen_from_time_wait()): the request takes the ISS it is given, and no
// cookie answers it even with cookies always on (Linux tcp_conn_request()
// with tcp_tw_isn set); the next SYN is a SYN like any other again.
TEST_CASE("listener: a SYN reopening TIME-WAIT takes the given ISS, without a cookie", "[listener]") {
    Config scfg;
    scfg.syncookies = SynCookies::Always;
    Listener l(ctx(4, scfg), server_ep);
    const auto syn = make(to_server(40000, 1000, 0, TcpFlag::Syn), client_ip, server_ip);
    const TcpView v = TcpView::parse(Bytes(syn.data(), syn.size())).value();
    const SeqNum iss(0x12345678U);
    CHECK(l.on_reopening_syn(client_ip, server_ip, v, iss, at(0)).error == Error::None);
    const auto sa = drain(l, at(0));
    REQUIRE(sa.size() == 1);
    CHECK(sa[0].header().seq == iss);
    CHECK(sa[0].header().ack == SeqNum(1001));
    CHECK(l.half_open() == 1); // a request, not a cookie
    CHECK(l.stats().cookies_sent == 0);
    inject(l, to_server(40001, 5000, 0, TcpFlag::Syn), at(0));
    const auto other = drain(l, at(0));
    REQUIRE(other.size() == 1);
    CHECK(other[0].header().seq != iss);
    CHECK(l.stats().cookies_sent == 1);
    CHECK(l.half_open() == 1);
}

TEST_CASE("listener: LISTEN ignores RST and answers a stray ACK with <SEQ=SEG.ACK><RST>", "[listener]") {
    Listener l(ctx(5), server_ep);
    inject(l, to_server(40000, 5, 0, TcpFlag::Rst), at(0));
    CHECK(drain(l, at(0)).empty());
    inject(l, to_server(40000, 5, 777, TcpFlag::Ack), at(0));
    auto r = drain(l, at(0));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().flags == TcpFlags(TcpFlag::Rst));
    CHECK(r[0].header().seq == SeqNum(777));
    CHECK(r[0].header().window == 0);
    // no flags at all, SYN+FIN: dropped
    inject(l, to_server(40000, 5, 0, TcpFlags{}), at(0));
    inject(l, to_server(40000, 5, 0, TcpFlag::Syn | TcpFlag::Fin), at(0));
    CHECK(drain(l, at(0)).empty());
    CHECK(l.half_open() == 0);
    // not our port / bad checksum
    auto h = to_server(40000, 5, 0, TcpFlag::Syn);
    h.destination_port = 9;
    CHECK(inject(l, h, at(0)).error == Error::NotFound);
    auto b = make(to_server(40000, 5, 0, TcpFlag::Syn), client_ip, server_ip);
    b[17] ^= 1U;
    CHECK(l.on_segment(client_ip, server_ip, b, at(0)).error == Error::BadChecksum);
    CHECK(l.half_open() == 0);
}

TEST_CASE("listener: bad ACK for an entry gets a RST and the entry stays; in-window RST drops it", "[listener]") {
    Listener l(ctx(6), server_ep);
    inject(l, to_server(40000, 1000, 0, TcpFlag::Syn), at(0));
    const SeqNum iss = drain(l, at(0))[0].header().seq;
    inject(l, to_server(40000, 1001, iss.raw() + 5, TcpFlag::Ack), at(0.1));
    auto r = drain(l, at(0.1));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().flags == TcpFlags(TcpFlag::Rst));
    CHECK(r[0].header().seq == iss + 5);
    CHECK(l.half_open() == 1);
    // RST out of window: ignored
    inject(l, to_server(40000, 1001 + 100000, 0, TcpFlag::Rst), at(0.2));
    CHECK(drain(l, at(0.2)).empty());
    CHECK(l.half_open() == 1);
    // data out of window: an ACK <SEQ=ISS+1><ACK=RCV.NXT>
    inject(l, to_server(40000, 1001 + 100000, iss.raw() + 1, TcpFlag::Ack), at(0.2));
    r = drain(l, at(0.2));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().flags == TcpFlags(TcpFlag::Ack));
    CHECK(r[0].header().seq == iss + 1);
    CHECK(r[0].header().ack == SeqNum(1001));
    // RST in window: dropped silently
    inject(l, to_server(40000, 1001 + 10, 0, TcpFlag::Rst), at(0.3));
    CHECK(drain(l, at(0.3)).empty());
    CHECK(l.half_open() == 0);
    CHECK(l.next_deadline() == Time::never());
    // A new SYN in window of an entry (not the same ISN): entry reset with a RST.
    inject(l, to_server(40001, 2000, 0, TcpFlag::Syn), at(0.4));
    drain(l, at(0.4));
    inject(l, to_server(40001, 2001, 0, TcpFlag::Syn), at(0.5));
    r = drain(l, at(0.5));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().flags == (TcpFlag::Rst | TcpFlag::Ack));
    CHECK(l.half_open() == 0);
}

TEST_CASE("listener: cookies when the table is full, options recovered from TSecr", "[listener][cookies]") {
    Config scfg;
    scfg.backlog = 1;
    scfg.ecn = true;
    const Context& sc = ctx(7, scfg);
    Listener l(sc, server_ep);
    inject(l, to_server(39999, 1, 0, TcpFlag::Syn), at(10)); // fills the table
    drain(l, at(10));
    REQUIRE(l.half_open() == 1);
    Config ccfg;
    ccfg.window_scale = 5;
    ccfg.mss = 1400; // rounds down to 1300 in the cookie
    ccfg.ecn = true;
    Connection c(ctx(8, ccfg));
    REQUIRE(c.connect(client_flow(40000), at(10)) == Error::None);
    handshake(c, l, at(10.2));
    CHECK(l.stats().cookies_sent == 1);
    CHECK(l.half_open() == 1);
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->from_cookie);
    auto ce = c.poll_event();
    REQUIRE(ce.has_value());
    check_mirrored(ce->negotiated, a->negotiated);
    CHECK(a->negotiated.mss == 1300);
    CHECK(a->negotiated.snd_wscale == 5);
    CHECK(a->negotiated.rcv_wscale == 7);
    CHECK(a->negotiated.sack);
    CHECK(a->negotiated.timestamps);
    CHECK(a->negotiated.ecn);
    // The client's ACK: its 64400 (65535 rounded down to 46 * 1400, an
    // active open's MSS) rounded up to 32 (Linux ALIGN), >> 5.
    CHECK(a->negotiated.peer_window == 2013);

    // Without timestamps only the MSS survives (Linux tcp_clear_options()).
    ccfg.timestamps = false;
    Connection c2(ctx(9, ccfg));
    REQUIRE(c2.connect(client_flow(40001), at(11)) == Error::None);
    auto syn = drain(c2, at(11));
    deliver(l, syn[0], at(11));
    auto synack = drain(l, at(11));
    REQUIRE(synack.size() == 1);
    const TcpHeader sh = synack[0].header();
    CHECK(sh.options.mss == 1460);
    CHECK_FALSE(sh.options.window_scale.has_value());
    CHECK_FALSE(sh.options.sack_permitted);
    CHECK_FALSE(sh.options.timestamps.has_value());
    CHECK(sh.flags == (TcpFlag::Syn | TcpFlag::Ack)); // no ECE without a timestamp to carry it
    deliver(c2, synack[0], at(11));
    deliver(l, drain(c2, at(11))[0], at(11));
    a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->negotiated.mss == 1300);
    CHECK_FALSE(a->negotiated.wscale);
    CHECK_FALSE(a->negotiated.sack);
    CHECK_FALSE(a->negotiated.timestamps);
    check_mirrored(c2.poll_event()->negotiated, a->negotiated);
}

TEST_CASE("listener: forged and stale cookies get a RST; cookies off drops at a full table", "[listener][cookies]") {
    Config scfg;
    scfg.syncookies = SynCookies::Always;
    Listener l(ctx(10, scfg), server_ep);
    inject(l, to_server(40000, 1000, 0, TcpFlag::Syn), at(100));
    const auto sa = drain(l, at(100));
    REQUIRE(sa.size() == 1);
    CHECK(l.half_open() == 0);
    const SeqNum cookie = sa[0].header().seq;
    // forged
    inject(l, to_server(40000, 1001, cookie.raw() + 77777, TcpFlag::Ack), at(100));
    auto r = drain(l, at(100));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().flags == TcpFlags(TcpFlag::Rst));
    // stale: three periods later
    inject(l, to_server(40000, 1001, cookie.raw() + 1, TcpFlag::Ack), at(100 + 180));
    r = drain(l, at(280));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().seq == cookie + 1);
    CHECK_FALSE(l.accept().has_value());
    // one period later: fine, also after a cookie of the new period (the
    // listener then holds that period's MAC and hashes the old one afresh)
    inject(l, to_server(40001, 5000, 0, TcpFlag::Syn), at(100 + 61));
    const auto sa2 = drain(l, at(161));
    REQUIRE(sa2.size() == 1);
    inject(l, to_server(40000, 1001, cookie.raw() + 1, TcpFlag::Ack), at(100 + 61));
    CHECK(drain(l, at(161)).empty());
    REQUIRE(l.accept().has_value());
    inject(l, to_server(40001, 5001, sa2[0].header().seq.raw() + 1, TcpFlag::Ack), at(100 + 62));
    CHECK(drain(l, at(162)).empty());
    REQUIRE(l.accept().has_value());
    CHECK(l.stats().cookies_accepted == 2);

    // Auto: cookies checked only while recently sent.
    Config auto_cfg;
    auto_cfg.backlog = 0;
    Listener la(ctx(10, auto_cfg), server_ep);
    inject(la, to_server(40000, 1001, cookie.raw() + 1, TcpFlag::Ack), at(100));
    CHECK(drain(la, at(100)).size() == 1); // this listener never sent a cookie: RST
    CHECK_FALSE(la.accept().has_value());

    Config off;
    off.backlog = 0;
    off.syncookies = SynCookies::Off;
    Listener lo(ctx(11, off), server_ep);
    inject(lo, to_server(40000, 1000, 0, TcpFlag::Syn), at(0));
    CHECK(drain(lo, at(0)).empty());
    CHECK(lo.stats().table_full_drops == 1);
}

TEST_CASE("listener: full accept queue drops SYNs and ignores completing ACKs, keeping the entry", "[listener]") {
    Config scfg;
    scfg.accept_queue = 1;
    const Context& sc = ctx(12, scfg);
    Listener l(sc, server_ep);
    Connection c1(ctx(13));
    Connection c2(ctx(14));
    REQUIRE(c1.connect(client_flow(40001), at(0)) == Error::None);
    REQUIRE(c2.connect(client_flow(40002), at(0)) == Error::None);
    // both SYNs in: two entries
    deliver(l, drain(c1, at(0))[0], at(0));
    deliver(l, drain(c2, at(0))[0], at(0));
    auto synacks = drain(l, at(0));
    REQUIRE(synacks.size() == 2);
    deliver(c1, synacks[0], at(0.1));
    deliver(c2, synacks[1], at(0.1));
    deliver(l, drain(c1, at(0.1))[0], at(0.1)); // fills the accept queue
    deliver(l, drain(c2, at(0.1))[0], at(0.1)); // ignored
    CHECK(l.accept_queue_length() == 1);
    CHECK(l.half_open() == 1);
    CHECK(l.stats().accept_queue_acks_ignored == 1);
    // a new SYN is dropped
    inject(l, to_server(40003, 5, 0, TcpFlag::Syn), at(0.2));
    CHECK(drain(l, at(0.2)).empty());
    CHECK(l.stats().accept_queue_drops == 1);
    // accept() makes room; the SYN-ACK retransmission brings another ACK
    REQUIRE(l.accept().has_value());
    l.on_timer(l.next_deadline());
    auto again = drain(l, at(1));
    REQUIRE(again.size() == 1);
    deliver(c2, again[0], at(1));
    auto dup_ack = drain(c2, at(1));
    REQUIRE(dup_ack.size() == 1);
    deliver(l, dup_ack[0], at(1));
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->negotiated.flow.remote.port == 40002);
    CHECK(l.half_open() == 0);
}

TEST_CASE("listener: children held above the Listener count toward the accept queue (set_held)", "[listener]") {
    // Linux sk_acceptq_is_full(): every child not yet accept()ed by the
    // application counts, also one a socket layer already took from the
    // Listener; a SYN that finds the queue full is dropped.
    Config scfg;
    scfg.accept_queue = 2;
    const Context& sc = ctx(16, scfg);
    Listener l(sc, server_ep);
    l.set_held(2);
    CHECK(l.held() == 2);
    inject(l, to_server(40010, 5, 0, TcpFlag::Syn), at(0));
    CHECK(drain(l, at(0)).empty());
    CHECK(l.stats().accept_queue_drops == 1);
    l.set_held(1); // the application accepted one: room again
    inject(l, to_server(40011, 5, 0, TcpFlag::Syn), at(0.1));
    CHECK(drain(l, at(0.1)).size() == 1);
    CHECK(l.stats().accept_queue_drops == 1);
}

TEST_CASE("listener: Fast Open cookie request, 0-RTT data, invalid cookie, backup key", "[listener][tfo]") {
    Config scfg;
    scfg.fastopen = FastOpenMode::Server;
    scfg.fastopen_pending = 1;
    const Context& sc = ctx(15, scfg);
    Listener l(sc, server_ep);

    // 1. request: the SYN-ACK carries the cookie
    TcpHeader syn = to_server(40000, 1000, 0, TcpFlag::Syn);
    syn.options.mss = 1460;
    syn.options.fast_open = FastOpenOption::request();
    inject(l, syn, at(0));
    auto r = drain(l, at(0));
    REQUIRE(r.size() == 1);
    REQUIRE(r[0].header().options.fast_open.has_value());
    const FastOpenOption cookie = *r[0].header().options.fast_open;
    CHECK(cookie.cookie_length == 8);
    CHECK_FALSE(cookie.experimental);

    // 2. valid cookie + 10 bytes: the SYN-ACK acknowledges 11, accept() has the data now
    const std::vector<std::uint8_t> data{'h', 'e', 'l', 'l', 'o', 'w', 'o', 'r', 'l', 'd'};
    TcpHeader syn2 = to_server(40001, 5000, 0, TcpFlag::Syn);
    syn2.options.fast_open = cookie;
    inject(l, syn2, at(1), data);
    r = drain(l, at(1));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().ack == SeqNum(5011));
    CHECK_FALSE(r[0].header().options.fast_open.has_value());
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->state == State::SynReceived);
    CHECK(a->negotiated.tfo_data == 10);
    CHECK(std::vector<std::uint8_t>(a->data.begin(), a->data.end()) == data);
    CHECK(a->negotiated.rcv_nxt == SeqNum(5011));
    // the child Connection completes on the client's ACK
    Connection child = a->connection(sc);
    CHECK(child.state() == State::SynReceived);
    const SeqNum iss = r[0].header().seq;
    const auto ackb = make(to_server(40001, 5011, iss.raw() + 1, TcpFlag::Ack), client_ip, server_ip);
    child.on_segment(client_ip, server_ip, ackb, at(1.1));
    CHECK(child.state() == State::Established);
    CHECK(l.fastopen_pending() == 0);

    // 2b. valid cookie, no data: still a Fast Open child at once (Linux
    // tcp_try_fastopen() -> tcp_fastopen_create_child()), accept()ed in SYN-RECEIVED
    TcpHeader syn2b = to_server(40006, 6000, 0, TcpFlag::Syn);
    syn2b.options.fast_open = cookie;
    inject(l, syn2b, at(1.5));
    r = drain(l, at(1.5));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().ack == SeqNum(6001));
    CHECK_FALSE(r[0].header().options.fast_open.has_value());
    a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->state == State::SynReceived);
    CHECK(a->negotiated.tfo_data == 0);
    CHECK(a->negotiated.rcv_nxt == SeqNum(6001));
    Connection child2 = a->connection(sc);
    const auto ack2b = make(to_server(40006, 6001, r[0].header().seq.raw() + 1, TcpFlag::Ack), client_ip, server_ip);
    child2.on_segment(client_ip, server_ip, ack2b, at(1.6));
    CHECK(child2.state() == State::Established);
    CHECK(l.fastopen_pending() == 0);

    // 3. invalid cookie + data: data dropped, only the SYN acknowledged, a valid cookie offered
    TcpHeader syn3 = to_server(40002, 7000, 0, TcpFlag::Syn);
    FastOpenOption bad = cookie;
    bad.cookie[0] ^= 0xFFU;
    syn3.options.fast_open = bad;
    inject(l, syn3, at(2), data);
    r = drain(l, at(2));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().ack == SeqNum(7001));
    REQUIRE(r[0].header().options.fast_open.has_value());
    CHECK(*r[0].header().options.fast_open == cookie);
    CHECK_FALSE(l.accept().has_value());

    // 4. experimental option (kind 254, 0xF989) understood; pending limit of 1 reached by a child
    TcpHeader syn4 = to_server(40003, 9000, 0, TcpFlag::Syn);
    syn4.options.fast_open = FastOpenOption::with_cookie(cookie.cookie_bytes(), true);
    inject(l, syn4, at(3), data);
    r = drain(l, at(3));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().ack == SeqNum(9011));
    CHECK(l.fastopen_pending() == 1);
    TcpHeader syn5 = to_server(40004, 11000, 0, TcpFlag::Syn);
    syn5.options.fast_open = cookie;
    inject(l, syn5, at(3), data);
    r = drain(l, at(3));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().ack == SeqNum(11001)); // over the pending limit: a plain handshake
    CHECK(l.stats().fastopen_pending_full == 1);
    a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->negotiated.flow.remote.port == 40003);
    CHECK(a->state == State::SynReceived);
    CHECK(l.fastopen_pending() == 0);

    // 5. key rotation: a cookie under the backup key is accepted and refreshed
    const SipKey fresh{99, 100};
    l.set_fastopen_keys({fresh, l.fastopen_keys().primary});
    TcpHeader syn6 = to_server(40005, 13000, 0, TcpFlag::Syn);
    syn6.options.fast_open = cookie;
    inject(l, syn6, at(4), data);
    r = drain(l, at(4));
    REQUIRE(r.size() == 1);
    CHECK(r[0].header().ack == SeqNum(13011));
    REQUIRE(r[0].header().options.fast_open.has_value());
    const FastOpenCookie expect = fastopen_cookie(fresh, client_ip, server_ip);
    CHECK(std::equal(expect.begin(), expect.end(), r[0].header().options.fast_open->cookie.begin()));
}

// A SYN from client_ip:40000 (ISN 999) with the Listener's valid Fast Open
// cookie and 3 bytes of data; what the Listener answers.
static std::vector<Segment> fastopen_syn(Listener& l, Time now) {
    const FastOpenCookie ck = fastopen_cookie(l.fastopen_keys().primary, client_ip, server_ip);
    TcpHeader syn = to_server(40000, 1000, 0, TcpFlag::Syn);
    syn.options.fast_open = FastOpenOption::with_cookie(ck);
    inject(l, syn, now, {1, 2, 3});
    return drain(l, now);
}

TEST_CASE("listener: a RST resets a Fast Open child accepted in SYN-RECEIVED (no LISTEN of its own)", "[listener][tfo]") {
    // Linux: the accepted child socket is reset (tcp_reset(): read() after
    // the SYN's data fails with ECONNRESET); packetdrill's
    // fastopen/server/reset-after-accept.pkt, which synack-drill passes. A
    // Connection that listen()ed for one flow still goes back to LISTEN
    // (RFC 9293 §3.10.7.4): connection.cpp covers that.
    Config scfg;
    scfg.fastopen = FastOpenMode::Server;
    const Context& sc = ctx(17, scfg);
    Listener l(sc, server_ep);
    REQUIRE(fastopen_syn(l, at(0)).size() == 1);
    auto a = l.accept();
    REQUIRE(a.has_value());
    REQUIRE(a->state == State::SynReceived);
    Connection child = a->connection(sc);
    while (child.poll_event()) {
    }
    const auto rst = make(to_server(40000, 1004, 0, TcpFlag::Rst), client_ip, server_ip);
    child.on_segment(client_ip, server_ip, rst, at(0.1));
    CHECK(child.state() == State::Closed);
    const auto e = child.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->kind == EventKind::Reset);
    CHECK(child.next_deadline() == Time::never()); // no SYN-ACK retransmission left behind
}

TEST_CASE("listener: Fast Open child acknowledged before accept() comes out ESTABLISHED", "[listener][tfo]") {
    Config scfg;
    scfg.fastopen = FastOpenMode::Both;
    const Context& sc = ctx(16, scfg);
    Listener l(sc, server_ep);
    const auto r = fastopen_syn(l, at(0));
    REQUIRE(r.size() == 1);
    const SeqNum iss = r[0].header().seq;
    inject(l, to_server(40000, 1004, iss.raw() + 1, TcpFlag::Ack), at(0.2));
    CHECK(drain(l, at(0.2)).empty());
    CHECK(l.next_deadline() == Time::never());
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->state == State::Established);
    CHECK(a->negotiated.has_rtt);
    CHECK(a->negotiated.rtt == Duration::milliseconds(200));
    CHECK(a->data.size() == 3);
    Connection s = a->connection(sc);
    CHECK(s.state() == State::Established);
    CHECK(s.rcv_nxt() == SeqNum(1004));
    CHECK(l.half_open() == 0);
}

TEST_CASE("listener: several Listeners sharing keys accept each other's SYN and Fast Open cookies",
          "[listener][reuseport]") {
    for (const SynCookies mode : {SynCookies::Always, SynCookies::Auto}) {
        Config scfg;
        scfg.syncookies = mode;
        scfg.backlog = 0; // Auto: every SYN overflows
        scfg.fastopen = FastOpenMode::Server;
        const Context& shared = ctx(17, scfg);
        std::vector<std::unique_ptr<Listener>> group;
        for (int k = 0; k < 4; ++k) group.push_back(std::make_unique<Listener>(shared, server_ep));
        // Auto mode: each listener has been sending cookies (a flood spread by hash).
        for (auto& l : group) {
            inject(*l, to_server(1, 1, 0, TcpFlag::Syn), at(5), {}, IpAddress::v4(203, 0, 113, 1));
            drain(*l, at(5));
        }
        for (int k = 0; k < 4; ++k) {
            Connection c(ctx(18 + static_cast<std::uint64_t>(k)));
            const auto port = static_cast<std::uint16_t>(41000 + k);
            REQUIRE(c.connect(client_flow(port), at(6)) == Error::None);
            Listener& a = *group[static_cast<std::size_t>(k)];
            Listener& b = *group[static_cast<std::size_t>((k + 1) % 4)];
            deliver(a, drain(c, at(6))[0], at(6)); // the SYN lands on one
            deliver(c, drain(a, at(6))[0], at(6));
            deliver(b, drain(c, at(6))[0], at(6)); // the ACK on another
            CHECK(drain(b, at(6)).empty());
            const auto acc = b.accept();
            REQUIRE(acc.has_value());
            check_mirrored(c.poll_event()->negotiated, acc->negotiated);
        }
        // A Fast Open cookie from listener 0 opens 0-RTT on listener 3.
        scfg.syncookies = SynCookies::Auto;
        scfg.backlog = 16;
        const Context& tfo = ctx(17, scfg);
        Listener l0(tfo, server_ep);
        Listener l3(tfo, server_ep);
        TcpHeader req = to_server(42000, 10, 0, TcpFlag::Syn);
        req.options.fast_open = FastOpenOption::request();
        inject(l0, req, at(7));
        const auto r = drain(l0, at(7));
        REQUIRE(r.size() == 1);
        TcpHeader syn = to_server(42001, 20, 0, TcpFlag::Syn);
        syn.options.fast_open = r[0].header().options.fast_open;
        inject(l3, syn, at(7), {1, 2, 3, 4});
        const auto r3 = drain(l3, at(7));
        REQUIRE(r3.size() == 1);
        CHECK(r3[0].header().ack == SeqNum(25));
        REQUIRE(l3.accept().has_value());
    }
}

TEST_CASE("listener: no allocation after construction; memory stated", "[listener][memory]") {
    Config scfg;
    scfg.backlog = 64;
    scfg.accept_queue = 16;
    scfg.fastopen = FastOpenMode::Server;
    const Context& sc = ctx(30, scfg);
    std::array<std::uint8_t, 128> buf{};
    alloc_counter::Scope counting;
    const std::uint64_t before_construct = alloc_counter::count;
    Listener l(sc, server_ep);
    const std::uint64_t after_construct = alloc_counter::count;
    CHECK(after_construct > before_construct);
    // Pre-built segments, so that only the listener runs between the marks.
    std::vector<std::vector<std::uint8_t>> syns;
    for (std::uint16_t p = 0; p < 500; ++p) syns.push_back(make(to_server(p, p * 7U, 0, TcpFlag::Syn), client_ip, server_ip));
    std::vector<std::vector<std::uint8_t>> acks;
    for (std::uint16_t p = 0; p < 500; ++p) acks.push_back(make(to_server(p, p * 7U + 1, 12345, TcpFlag::Ack), client_ip, server_ip));
    const std::uint64_t mark = alloc_counter::count;
    Time t = at(0);
    for (int round = 0; round < 3; ++round) {
        for (std::size_t k = 0; k < syns.size(); ++k) {
            l.on_segment(client_ip, server_ip, syns[k], t);
            l.on_segment(client_ip, server_ip, acks[k], t);
            while (l.poll_transmit(buf, t)) {
            }
            while (l.accept()) {
            }
            t = t + Duration::milliseconds(100);
            l.on_timer(t);
        }
    }
    CHECK(alloc_counter::count == mark);
    CHECK(l.half_open() <= l.capacity());
    std::printf("listener memory: %zu bytes (backlog 64, accept queue 16, 16 Fast Open slots of 1460); "
                "%.1f bytes per half-open entry (%zu entry + hash heads); sizeof(Listener) %zu\n",
                l.memory_bytes(), l.bytes_per_entry(), sizeof(Listener::HalfOpen), sizeof(Listener));
    STATIC_REQUIRE(sizeof(Listener::HalfOpen) == 64);
}

TEST_CASE("listener forgery: 10,000,000 random ACKs against one listener", "[listener][forgery][cookies]") {
    Config scfg;
    scfg.syncookies = SynCookies::Always;
    scfg.accept_queue = 16;
    Listener l(ctx(40, scfg), server_ep);
    std::array<std::uint8_t, 128> buf{};
    auto seg = make(to_server(40000, 0, 0, TcpFlag::Ack), client_ip, server_ip);
    std::uint64_t s = 0x243f6a8885a308d3ULL;
    auto rnd = [&s] {
        s ^= s << 13U;
        s ^= s >> 7U;
        s ^= s << 17U;
        return static_cast<std::uint32_t>(s);
    };
    constexpr int n = 10'000'000;
    int accepted = 0;
    const Time now = at(3600);
    for (int k = 0; k < n; ++k) {
        store_be16(seg, 0, static_cast<std::uint16_t>(rnd()));
        store_be32(seg, 4, rnd());
        store_be32(seg, 8, rnd());
        store_be16(seg, 16, 0);
        fill_tcp_checksum(client_ip, server_ip, seg);
        l.on_segment(client_ip, server_ip, seg, now);
        while (l.poll_transmit(buf, now)) {
        }
        while (l.accept()) ++accepted;
    }
    std::printf("listener forgery: %d of %d random ACKs accepted (expected %.3f at 2^-29); %llu RSTs\n", accepted, n,
                n / 536870912.0, static_cast<unsigned long long>(l.stats().resets_sent));
    CHECK(accepted <= 2);
    CHECK(l.stats().resets_sent == static_cast<std::uint64_t>(n - accepted));
}

TEST_CASE("listener: IPv6 cookies use the IPv6 MSS table; an entry round trip over IPv6", "[listener][cookies]") {
    const IpAddress s6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    const IpAddress c6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
    Config scfg;
    scfg.syncookies = SynCookies::Always;
    const Context& sc = ctx(50, scfg);
    Listener l(sc, {s6, 8080});
    Config ccfg;
    ccfg.mss = 1430; // rounds down to 1420 ({1220, 1420, 1440, 8940})
    Connection c(ctx(51, ccfg));
    REQUIRE(c.connect({{c6, 40000}, {s6, 8080}}, at(1)) == Error::None);
    handshake(c, l, at(1));
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->from_cookie);
    CHECK(a->negotiated.mss == 1420);
    CHECK(a->negotiated.flow.remote.address == c6);
    check_mirrored(c.poll_event()->negotiated, a->negotiated);
    // An IPv4 segment is not for an IPv6 listener.
    CHECK(inject(l, to_server(40000, 1, 0, TcpFlag::Syn), at(2)).error == Error::NotFound);
}
