// Tests for synack/handshake/endpoint.hpp (and wire/martian.hpp): two
// TcpEndpoints exchanging whole IP datagrams in virtual time. Routing by
// 4-tuple, the closed-port RST, martians dropped and counted with no reply,
// reaping after close and TIME-WAIT, the limits (pool, per source, idle),
// pool exhaustion answered with a RST, next_deadline over many flows,
// 100,000 flows served with memory_bytes() constant and no allocation after
// construction.
#include "synack/handshake/endpoint.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "synack_test.hpp"

#include "fixtures.hpp"

#include "alloc_counter.hpp"

using namespace synack;
using namespace fixtures;

namespace {

const IpAddress server_ip = IpAddress::v4(198, 18, 0, 2);
const IpAddress client_ip = IpAddress::v4(198, 18, 0, 1);
const Endpoint server_ep{server_ip, 8080};


using Packet = std::vector<std::uint8_t>;

std::vector<Packet> drain(TcpEndpoint& e, Time now) {
    std::vector<Packet> out;
    std::array<std::uint8_t, 2048> buf{};
    while (const auto d = e.poll_transmit(buf, now)) {
        REQUIRE(d->ok());
        out.emplace_back(buf.begin(), buf.begin() + static_cast<long>(d->length));
    }
    return out;
}

// A segment from `src` to `dst` inside an IPv4/IPv6 datagram.
Packet datagram(const IpAddress& src, std::uint16_t sport, const IpAddress& dst, std::uint16_t dport, TcpFlags flags,
                std::uint32_t seq = 1000, std::uint32_t ack = 0) {
    TcpHeader h;
    h.source_port = sport;
    h.destination_port = dport;
    h.seq = SeqNum(seq);
    h.ack = SeqNum(ack);
    h.flags = flags;
    h.window = 65535;
    std::array<std::uint8_t, 60> seg{};
    const auto n = h.encode(seg);
    REQUIRE(n.ok());
    fill_tcp_checksum(src, dst, MutableBytes(seg.data(), *n));
    Packet out(100);
    const auto m = encode_ip_packet(src, dst, 0, 64, Bytes(seg.data(), *n), out);
    REQUIRE(m.ok());
    out.resize(*m);
    return out;
}

TcpView tcp_of(const Packet& p) {
    const auto ip = parse_ip_packet(p);
    REQUIRE(ip.ok());
    return *TcpView::parse(ip->tcp);
}

// Delivers every datagram each side has to send to the other, until quiet;
// events are handled by `on_event` of each side (may call close()).
struct Pair {
    Pair(TcpEndpoint& c, TcpEndpoint& s) : client(c), server(s) {}
    TcpEndpoint& client;
    TcpEndpoint& server;
    std::vector<EndpointEvent> client_events;
    std::vector<EndpointEvent> server_events;
    bool server_closes_on_peer_fin = true;
    bool client_closes_on_established = true;

    void pump(Time now) {
        for (int round = 0; round < 32; ++round) {
            bool any = false;
            while (const auto e = server.poll_event()) {
                server_events.push_back(*e);
                if (e->event.kind == EventKind::PeerClosed && server_closes_on_peer_fin) server.close(e->flow, now);
            }
            while (const auto e = client.poll_event()) {
                client_events.push_back(*e);
                if (e->event.kind == EventKind::Established && client_closes_on_established) client.close(e->flow, now);
            }
            for (const Packet& p : drain(client, now)) {
                any = true;
                server.on_datagram(p, now);
            }
            for (const Packet& p : drain(server, now)) {
                any = true;
                client.on_datagram(p, now);
            }
            if (!any) break;
        }
    }

    [[nodiscard]] std::size_t server_count(EventKind k) const {
        std::size_t n = 0;
        for (const auto& e : server_events) n += e.event.kind == k ? 1 : 0;
        return n;
    }
};

EndpointLimits limits(std::uint32_t flows) {
    EndpointLimits l;
    l.max_flows = flows;
    return l;
}

Config short_msl() {
    Config c;
    c.msl = Duration::milliseconds(1);
    return c;
}

// The server listens, the client opens `t` at 1 s and keeps it open: both
// ESTABLISHED. The client's flow.
FlowHandle open_and_hold(Pair& p, const FourTuple& t) {
    REQUIRE(p.server.listen(t.remote) == Error::None);
    const auto h = p.client.connect(t, at(1));
    REQUIRE(h.ok());
    p.client_closes_on_established = false;
    p.pump(at(1));
    REQUIRE(p.server_count(EventKind::Established) == 1);
    return *h;
}

} // namespace

TEST_CASE("martian classification follows Linux's input checks") {
    const LocalAddress ours[] = {{server_ip, 24}, {IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2}), 64}};
    const Span<const LocalAddress> o(ours);
    const IpAddress peer = IpAddress::v4(198, 18, 0, 1);
    CHECK(classify_martian(peer, server_ip, o) == Martian::None);
    CHECK(classify_martian(IpAddress::v4(0, 0, 0, 0), server_ip, o) == Martian::SourceUnspecified);
    CHECK(classify_martian(IpAddress::v4(0, 1, 2, 3), server_ip, o) == Martian::SourceUnspecified);
    CHECK(classify_martian(IpAddress::v4(255, 255, 255, 255), server_ip, o) == Martian::SourceBroadcast);
    CHECK(classify_martian(IpAddress::v4(198, 18, 0, 255), server_ip, o) == Martian::SourceBroadcast);
    CHECK(classify_martian(IpAddress::v4(224, 0, 0, 1), server_ip, o) == Martian::SourceMulticast);
    CHECK(classify_martian(IpAddress::v4(239, 1, 1, 1), server_ip, o) == Martian::SourceMulticast);
    CHECK(classify_martian(IpAddress::v4(127, 0, 0, 1), server_ip, o) == Martian::SourceLoopback);
    CHECK(classify_martian(server_ip, server_ip, o) == Martian::SourceLocal);
    CHECK(classify_martian(IpAddress::v4(240, 0, 0, 1), server_ip, o) == Martian::None); // class E: unicast
    CHECK(classify_martian(peer, IpAddress::v4(255, 255, 255, 255), o) == Martian::DestinationBroadcast);
    CHECK(classify_martian(peer, IpAddress::v4(198, 18, 0, 255), o) == Martian::DestinationBroadcast);
    CHECK(classify_martian(peer, IpAddress::v4(224, 0, 0, 1), o) == Martian::DestinationMulticast);
    CHECK(classify_martian(peer, IpAddress::v4(127, 0, 0, 1), o) == Martian::DestinationLoopback);
    CHECK(classify_martian(peer, IpAddress::v4(0, 0, 0, 0), o) == Martian::DestinationUnspecified);
    // Another subnet's broadcast is unicast to us (a router would forward it).
    CHECK(classify_martian(peer, IpAddress::v4(198, 19, 0, 255), o) == Martian::None);
    // /31 and /32 have no broadcast (RFC 3021).
    const LocalAddress p31[] = {{server_ip, 31}};
    CHECK(classify_martian(peer, IpAddress::v4(198, 18, 0, 3), Span<const LocalAddress>(p31)) == Martian::None);

    const IpAddress v6peer = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    const IpAddress v6us = ours[1].address;
    CHECK(classify_martian(v6peer, v6us, o) == Martian::None);
    CHECK(classify_martian(IpAddress::v6_groups({}), v6us, o) == Martian::SourceUnspecified);
    CHECK(classify_martian(IpAddress::v6_groups({0, 0, 0, 0, 0, 0, 0, 1}), v6us, o) == Martian::SourceLoopback);
    CHECK(classify_martian(IpAddress::v6_groups({0xff02, 0, 0, 0, 0, 0, 0, 1}), v6us, o) == Martian::SourceMulticast);
    CHECK(classify_martian(IpAddress::v6_groups({0, 0, 0, 0, 0, 0xffff, 0xc612, 1}), v6us, o) ==
          Martian::SourceV4Mapped);
    CHECK(classify_martian(v6us, v6us, o) == Martian::SourceLocal);
    CHECK(classify_martian(v6peer, IpAddress::v6_groups({0xff02, 0, 0, 0, 0, 0, 0, 1}), o) ==
          Martian::DestinationMulticast);
    CHECK(classify_martian(v6peer, IpAddress::v6_groups({0, 0, 0, 0, 0, 0xffff, 0xc612, 2}), o) ==
          Martian::DestinationV4Mapped);
    CHECK(classify_martian(v6peer, IpAddress::v6_groups({0, 0, 0, 0, 0, 0, 0, 1}), o) == Martian::DestinationLoopback);
}

TEST_CASE("endpoint: a handshake and a graceful close, both sides reaped") {
    TcpEndpoint server(ctx(1), limits(16));
    TcpEndpoint client(ctx(2, short_msl()), limits(16));
    REQUIRE(server.listen(server_ep) == Error::None);
    const auto h = client.connect({{client_ip, 40000}, server_ep}, at(1));
    REQUIRE(h.ok());
    CHECK(client.flows() == 1);
    Pair p(client, server);
    p.pump(at(1));
    CHECK(p.server_count(EventKind::Established) == 1);
    CHECK(p.server_events.front().accepted);
    CHECK(p.server_events.front().event.negotiated.flow == FourTuple{server_ep, {client_ip, 40000}});
    CHECK(p.server_count(EventKind::PeerClosed) == 1);
    CHECK(p.server_count(EventKind::Closed) == 1);
    CHECK(server.flows() == 0); // LAST-ACK -> CLOSED: reaped
    CHECK(server.stats().reaped == 1);
    CHECK(server.connection(p.server_events.front().flow) == nullptr); // stale handle
    // The client (active closer) sits in TIME-WAIT until 2 * MSL.
    CHECK(client.flows() == 1);
    CHECK(client.connection(*h)->state() == State::TimeWait);
    CHECK(client.next_deadline() == at(1) + Duration::milliseconds(2));
    client.on_timer(at(1.003));
    p.pump(at(1.003));
    CHECK(client.flows() == 0);
    CHECK(client.next_deadline() == Time::never());
}

TEST_CASE("endpoint: IPv6 flows route like IPv4 ones") {
    const IpAddress s6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
    const IpAddress c6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    TcpEndpoint server(ctx(3), limits(8));
    TcpEndpoint client(ctx(4, short_msl()), limits(8));
    REQUIRE(server.listen({s6, 443}) == Error::None);
    REQUIRE(client.connect({{c6, 50000}, {s6, 443}}, at(0)).ok());
    Pair p(client, server);
    p.pump(at(0));
    CHECK(p.server_count(EventKind::Established) == 1);
    CHECK(p.server_count(EventKind::Closed) == 1);
    CHECK(server.flows() == 0);
}

TEST_CASE("endpoint: a segment nobody owns gets the closed-port RST; a RST gets nothing") {
    TcpEndpoint server(ctx(5), limits(4));
    REQUIRE(server.listen(server_ep) == Error::None);
    // SYN to a closed port: <SEQ=0><ACK=SEG.SEQ+1><RST,ACK>
    server.on_datagram(datagram(client_ip, 1234, server_ip, 9999, TcpFlag::Syn, 500), at(0));
    auto out = drain(server, at(0));
    REQUIRE(out.size() == 1);
    const TcpView r = tcp_of(out[0]);
    CHECK(r.flags().rst());
    CHECK(r.flags().ack());
    CHECK(r.seq() == SeqNum(0));
    CHECK(r.ack() == SeqNum(501));
    CHECK(r.source_port() == 9999);
    CHECK(r.destination_port() == 1234);
    const auto ip = parse_ip_packet(out[0]);
    CHECK(ip->source == server_ip);
    CHECK(ip->destination == client_ip);
    CHECK(verify_tcp_checksum(ip->source, ip->destination, ip->tcp));
    // An ACK nobody owns: <SEQ=SEG.ACK><RST>
    server.on_datagram(datagram(client_ip, 1234, server_ip, 8080, TcpFlag::Ack, 500, 777), at(0));
    out = drain(server, at(0));
    REQUIRE(out.size() == 1); // (the Listener answers a stray ACK the same way)
    CHECK(tcp_of(out[0]).seq() == SeqNum(777));
    // A RST is never answered.
    server.on_datagram(datagram(client_ip, 1234, server_ip, 9999, TcpFlag::Rst, 500), at(0));
    CHECK(drain(server, at(0)).empty());
    CHECK(server.stats().closed_port_rsts_ignored == 1);
    // A bad checksum gets nothing.
    Packet bad = datagram(client_ip, 1234, server_ip, 9999, TcpFlag::Syn, 500);
    bad[30] ^= 0x40U;
    server.on_datagram(bad, at(0));
    CHECK(drain(server, at(0)).empty());
    CHECK(server.stats().closed_port_bad_checksum == 1);
    CHECK(server.stats().closed_port_resets == 1);
    CHECK(server.flows() == 0);
}

TEST_CASE("endpoint: a buffer too small names the size needed; the datagram stays queued") {
    TcpEndpoint server(ctx(15), limits(4));
    REQUIRE(server.listen(server_ep) == Error::None);
    // A closed-port RST (IPv4: 20 + 20 bytes), then the Listener's SYN-ACK.
    server.on_datagram(datagram(client_ip, 1234, server_ip, 9999, TcpFlag::Syn, 500), at(0));
    server.on_datagram(datagram(client_ip, 1235, server_ip, 8080, TcpFlag::Syn, 900), at(0));
    std::array<std::uint8_t, 39> tiny{};
    auto d = server.poll_transmit(tiny, at(0));
    REQUIRE(d);
    CHECK(d->error == Error::BufferTooSmall);
    CHECK(d->length == 0);
    CHECK(d->needed == 40);
    // Asking again with the same buffer gives the same answer: nothing lost.
    d = server.poll_transmit(tiny, at(0));
    REQUIRE(d);
    CHECK(d->needed == 40);
    std::array<std::uint8_t, 40> rst{};
    d = server.poll_transmit(rst, at(0));
    REQUIRE(d);
    REQUIRE(d->ok());
    CHECK(tcp_of(Packet(rst.begin(), rst.end())).flags().rst());
    // The SYN-ACK: too small for its options, then whole.
    std::array<std::uint8_t, 41> small{}; // room for a RST, not for the SYN-ACK's MSS option
    d = server.poll_transmit(small, at(0));
    REQUIRE(d);
    CHECK(d->error == Error::BufferTooSmall);
    CHECK(d->needed > small.size());
    const auto out = drain(server, at(0));
    REQUIRE(out.size() == 1);
    CHECK(out[0].size() == d->needed);
    CHECK(tcp_of(out[0]).flags().syn());
    CHECK(tcp_of(out[0]).flags().ack());
}

TEST_CASE("endpoint: closed-port RSTs wait in a bounded queue; the excess is counted") {
    EndpointLimits l = limits(4);
    l.reset_queue = 8;
    TcpEndpoint server(ctx(6), l);
    REQUIRE(server.add_address(server_ip, 24) == Error::None);
    for (std::uint16_t i = 0; i < 20; ++i) {
        server.on_datagram(datagram(client_ip, static_cast<std::uint16_t>(2000 + i), server_ip, 9, TcpFlag::Syn), at(0));
    }
    CHECK(server.stats().closed_port_resets == 8);
    CHECK(server.stats().reset_queue_full == 12);
    CHECK(drain(server, at(0)).size() == 8);
    server.on_datagram(datagram(client_ip, 3000, server_ip, 9, TcpFlag::Syn), at(0));
    CHECK(drain(server, at(0)).size() == 1);
}

TEST_CASE("endpoint: martians and strangers' addresses get no reply, and are counted") {
    TcpEndpoint server(ctx(7), limits(4));
    REQUIRE(server.add_address(server_ip, 24) == Error::None);
    REQUIRE(server.listen(server_ep) == Error::None);
    const IpAddress bad_sources[] = {IpAddress::v4(0, 0, 0, 0), IpAddress::v4(255, 255, 255, 255),
                                     IpAddress::v4(224, 0, 0, 1), IpAddress::v4(127, 0, 0, 1),
                                     IpAddress::v4(198, 18, 0, 255), server_ip};
    for (const IpAddress& s : bad_sources) {
        server.on_datagram(datagram(s, 1000, server_ip, 8080, TcpFlag::Syn), at(0));
        server.on_datagram(datagram(s, 1000, server_ip, 9999, TcpFlag::Ack, 1, 1), at(0));
    }
    const IpAddress bad_destinations[] = {IpAddress::v4(255, 255, 255, 255), IpAddress::v4(198, 18, 0, 255),
                                          IpAddress::v4(224, 0, 0, 1), IpAddress::v4(127, 0, 0, 1),
                                          IpAddress::v4(0, 0, 0, 0)};
    for (const IpAddress& d : bad_destinations) {
        server.on_datagram(datagram(client_ip, 1000, d, 8080, TcpFlag::Syn), at(0));
    }
    // A unicast address that is not ours (routed into the device): dropped.
    server.on_datagram(datagram(client_ip, 1000, IpAddress::v4(198, 18, 0, 3), 8080, TcpFlag::Syn), at(0));
    CHECK(drain(server, at(0)).empty());
    const EndpointStats& s = server.stats();
    CHECK(s.martian_total() == 2 * 6 + 5);
    CHECK(s.martians[static_cast<std::size_t>(Martian::SourceBroadcast)] == 4);
    CHECK(s.martians[static_cast<std::size_t>(Martian::SourceLocal)] == 2);
    CHECK(s.martians[static_cast<std::size_t>(Martian::DestinationBroadcast)] == 2);
    CHECK(s.not_local == 1);
    CHECK(server.listener(0).stats().segments_in == 0); // nothing reached the Listener
    CHECK(server.flows() == 0);

    // IPv6: v4-mapped and multicast sources.
    const IpAddress s6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
    REQUIRE(server.listen({s6, 8080}) == Error::None);
    server.on_datagram(datagram(IpAddress::v6_groups({0, 0, 0, 0, 0, 0xffff, 0xc612, 1}), 1, s6, 8080, TcpFlag::Syn),
                       at(0));
    server.on_datagram(datagram(IpAddress::v6_groups({0xff02, 0, 0, 0, 0, 0, 0, 1}), 1, s6, 8080, TcpFlag::Syn), at(0));
    CHECK(drain(server, at(0)).empty());
    CHECK(server.stats().martian_total() == 2 * 6 + 5 + 2);
}

TEST_CASE("endpoint: undecodable datagrams are counted, never answered") {
    TcpEndpoint server(ctx(8), limits(4));
    REQUIRE(server.listen(server_ep) == Error::None);
    Packet p = datagram(client_ip, 1000, server_ip, 8080, TcpFlag::Syn);
    Packet not_tcp = p;
    not_tcp[9] = 17; // UDP (the header checksum now fails first)
    server.on_datagram(not_tcp, at(0));
    server.on_datagram(Bytes(p.data(), 10), at(0));
    Packet short_tcp = p;
    short_tcp.resize(30); // IP total length says more
    server.on_datagram(short_tcp, at(0));
    server.on_datagram(Bytes{}, at(0));
    CHECK(drain(server, at(0)).empty());
    CHECK(server.stats().malformed_ip == 4);
    CHECK(server.stats().datagrams_in == 4);
}

TEST_CASE("endpoint: routing is by the whole 4-tuple") {
    TcpEndpoint server(ctx(9), limits(16));
    TcpEndpoint client(ctx(10, short_msl()), limits(16));
    REQUIRE(server.listen(server_ep) == Error::None);
    REQUIRE(server.listen({server_ip, 8081}) == Error::None);
    Pair p(client, server);
    p.client_closes_on_established = false;
    const auto a = client.connect({{client_ip, 40000}, server_ep}, at(0));
    const auto b = client.connect({{client_ip, 40000}, {server_ip, 8081}}, at(0)); // same source port
    const auto c = client.connect({{client_ip, 40001}, server_ep}, at(0));
    REQUIRE((a.ok() && b.ok() && c.ok()));
    CHECK(client.connect({{client_ip, 40001}, server_ep}, at(0)).error() == Error::InvalidState);
    p.pump(at(0));
    CHECK(server.flows() == 3);
    CHECK(p.server_count(EventKind::Established) == 3);
    for (const auto* h : {&*a, &*b, &*c}) {
        const Connection* conn = client.connection(*h);
        REQUIRE(conn != nullptr);
        CHECK(conn->state() == State::Established);
        const auto s = server.find(conn->flow().reversed());
        REQUIRE(s.has_value());
        CHECK(server.connection(*s)->state() == State::Established);
        CHECK(server.connection(*s)->iss() == conn->negotiated().irs);
    }
    // Closing one flow leaves the others.
    client.close(*b, at(1));
    p.pump(at(1));
    CHECK(server.flows() == 2);
    CHECK(client.connection(*b)->state() == State::TimeWait);
    CHECK(client.connection(*a)->state() == State::Established);
}

TEST_CASE("endpoint: the flow table stays exact under churn (insert, erase with shifts, lookups)") {
    // 48 flows live at most in a 64-slot pool (a 128-entry table, kept at most
    // half full): runs of neighbours form and erase shifts them back. After
    // every step each live 4-tuple is found at its own handle and every
    // removed one is gone, against a plain reference list.
    constexpr std::uint32_t pool = 64;
    TcpEndpoint e(ctx(31), limits(pool));
    std::vector<std::pair<FourTuple, FlowHandle>> live;
    std::vector<FourTuple> gone;
    std::uint64_t rng = 0x9E3779B97F4A7C15ULL;
    const auto next = [&rng] {
        rng ^= rng << 13U;
        rng ^= rng >> 7U;
        rng ^= rng << 17U;
        return rng;
    };
    std::uint16_t port = 1024;
    for (int step = 0; step < 3000; ++step) {
        const bool add = live.empty() || (live.size() < 48 && next() % 3 != 0);
        if (add) {
            const IpAddress src = IpAddress::v4(198, 18, 1, static_cast<std::uint8_t>(next() % 4));
            const FourTuple t{{src, port++}, server_ep};
            const auto h = e.connect(t, at(1));
            REQUIRE(h.ok());
            live.emplace_back(t, *h);
        } else {
            const std::size_t k = next() % live.size();
            REQUIRE(e.abort(live[k].second, at(1)) == Error::None);
            static_cast<void>(drain(e, at(1)));
            while (e.poll_event()) {
            }
            gone.push_back(live[k].first);
            live.erase(live.begin() + static_cast<long>(k));
        }
        static_cast<void>(drain(e, at(1)));
        while (e.poll_event()) {
        }
        REQUIRE(e.flows() == live.size());
        for (const auto& [t, h] : live) {
            const Optional<FlowHandle> f = e.find(t);
            REQUIRE(f);
            REQUIRE(f->index == h.index);
            REQUIRE(f->generation == h.generation);
        }
        for (std::size_t g = gone.size() > 16 ? gone.size() - 16 : 0; g < gone.size(); ++g) REQUIRE_FALSE(e.find(gone[g]));
    }
    CHECK(gone.size() > 500);
}

TEST_CASE("endpoint: a full pool resets what the Listener completes; connect() says TableFull") {
    TcpEndpoint server(ctx(11), limits(2));
    TcpEndpoint client(ctx(12, short_msl()), limits(8));
    REQUIRE(server.listen(server_ep) == Error::None);
    Pair p(client, server);
    p.client_closes_on_established = false;
    for (std::uint16_t i = 0; i < 3; ++i) REQUIRE(client.connect({{client_ip, static_cast<std::uint16_t>(100 + i)}, server_ep}, at(0)).ok());
    p.pump(at(0));
    CHECK(server.flows() == 2);
    CHECK(server.stats().pool_full == 1);
    std::size_t reset = 0;
    for (const auto& e : p.client_events) reset += e.event.kind == EventKind::Reset ? 1 : 0;
    CHECK(reset == 1); // the third client learnt at once
    CHECK(client.flows() == 2); // its flow reaped after the Reset event
    // Active opens on a full pool.
    TcpEndpoint tiny(ctx(13), limits(1));
    CHECK(tiny.connect({{client_ip, 1}, server_ep}, at(0)).ok());
    CHECK(tiny.connect({{client_ip, 2}, server_ep}, at(0)).error() == Error::TableFull);
    CHECK(tiny.stats().pool_full == 1);
}

TEST_CASE("endpoint: flows per source address are limited") {
    EndpointLimits l = limits(16);
    l.max_per_source = 2;
    TcpEndpoint server(ctx(14), l);
    TcpEndpoint client(ctx(15, short_msl()), limits(16));
    REQUIRE(server.listen(server_ep) == Error::None);
    Pair p(client, server);
    p.client_closes_on_established = false;
    const IpAddress other = IpAddress::v4(198, 18, 0, 7);
    for (std::uint16_t i = 0; i < 3; ++i) REQUIRE(client.connect({{client_ip, static_cast<std::uint16_t>(100 + i)}, server_ep}, at(0)).ok());
    REQUIRE(client.connect({{other, 100}, server_ep}, at(0)).ok());
    p.pump(at(0));
    CHECK(server.flows() == 3);
    CHECK(server.flows_from(client_ip) == 2);
    CHECK(server.flows_from(other) == 1);
    CHECK(server.stats().per_source_refused == 1);
    // Closing one frees a place for the source.
    const auto h = client.find({{client_ip, 100}, server_ep});
    REQUIRE(h.has_value());
    client.close(*h, at(1));
    p.pump(at(1));
    CHECK(server.flows_from(client_ip) == 1);
    REQUIRE(client.connect({{client_ip, 200}, server_ep}, at(1)).ok());
    p.pump(at(1));
    CHECK(server.flows_from(client_ip) == 2);
    CHECK(server.stats().per_source_refused == 1);
}

TEST_CASE("endpoint: the idle limit aborts flows nobody closes, taken or not") {
    EndpointLimits l = limits(16);
    l.idle_timeout = Duration::seconds(10);
    TcpEndpoint server(ctx(16), l);
    TcpEndpoint client(ctx(17, short_msl()), limits(16));
    REQUIRE(server.listen(server_ep) == Error::None);
    Pair p(client, server);
    p.client_closes_on_established = false;
    REQUIRE(client.connect({{client_ip, 100}, server_ep}, at(0)).ok());
    // Handshake by hand: the server's owner never polls its events.
    for (int i = 0; i < 4; ++i) {
        for (const Packet& d : drain(client, at(0))) server.on_datagram(d, at(0));
        for (const Packet& d : drain(server, at(0))) client.on_datagram(d, at(0));
    }
    CHECK(server.flows() == 1);
    CHECK(server.next_deadline() == at(10));
    server.on_timer(at(9.9));
    CHECK(server.flows() == 1);
    server.on_timer(at(10));
    const auto out = drain(server, at(10));
    REQUIRE(out.size() == 1);
    CHECK(tcp_of(out[0]).flags().rst());
    CHECK(server.stats().idle_aborted == 1);
    CHECK_FALSE(server.poll_event().has_value()); // it was never taken: no events for it
    CHECK(server.flows() == 0);
    client.on_datagram(out[0], at(10));
    while (client.poll_event()) {
    }
    drain(client, at(10));
    CHECK(client.flows() == 0);

    // A taken flow whose peer goes quiet: the owner hears Closed.
    REQUIRE(client.connect({{client_ip, 101}, server_ep}, at(20)).ok());
    p.pump(at(20));
    CHECK(p.server_count(EventKind::Established) == 1);
    server.on_timer(at(30));
    p.pump(at(30));
    CHECK(server.stats().idle_aborted == 2);
    CHECK(p.server_count(EventKind::Closed) == 1);
    CHECK(server.flows() == 0);
}

TEST_CASE("endpoint: next_deadline is the earliest of many flows, on_timer serves only those due") {
    TcpEndpoint client(ctx(18), limits(64));
    // SYNs into the void: each flow's retransmission timer at connect + 1 s.
    for (std::uint16_t i = 0; i < 50; ++i) {
        REQUIRE(client.connect({{client_ip, static_cast<std::uint16_t>(1000 + i)}, server_ep}, at(10 - 0.1 * i)).ok());
    }
    CHECK(drain(client, at(10)).size() == 50);
    CHECK(client.next_deadline() == at(10 - 0.1 * 49) + Duration::seconds(1));
    client.on_timer(at(6.2)); // flows connected at 5.1 and 5.2 are due
    CHECK(drain(client, at(6.2)).size() == 2);
    CHECK(client.next_deadline() == at(5.3) + Duration::seconds(1));
    // After the last SYN retry every flow times out and is reaped.
    for (double t = 6.2; t < 400; t += 1) {
        client.on_timer(at(t));
        while (client.poll_event()) {
        }
        drain(client, at(t));
    }
    CHECK(client.flows() == 0);
    CHECK(client.next_deadline() == Time::never());
}

// What each datagram makes `e` send: with a reply buffer, the in-place
// answer first, then whatever poll_transmit() still has.
std::vector<Packet> answer(TcpEndpoint& e, const Packet& in, Time now, std::size_t reply_size, std::size_t* in_place = nullptr) {
    std::vector<std::uint8_t> reply(reply_size);
    const Delivery d = e.on_datagram(in, now, MutableBytes(reply.data(), reply.size()));
    std::vector<Packet> out;
    if (d.reply != 0) {
        REQUIRE(d.reply <= reply.size());
        out.emplace_back(reply.begin(), reply.begin() + static_cast<long>(d.reply));
        if (in_place != nullptr) ++*in_place;
    }
    for (Packet& p : drain(e, now)) out.push_back(std::move(p));
    return out;
}

TEST_CASE("endpoint: answers written in place are the datagrams poll_transmit() would give, byte for byte") {
    for (const SynCookies mode : {SynCookies::Always, SynCookies::Auto}) {
        Config cfg;
        cfg.syncookies = mode;
        cfg.backlog = 4; // Auto: the fifth concurrent SYN gets a cookie
        const Context& shared = ctx(31, cfg);
        TcpEndpoint queued(shared, limits(64));
        TcpEndpoint in_place(shared, limits(64));
        TcpEndpoint client(ctx(32, short_msl()), limits(64));
        const IpAddress s6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
        const IpAddress c6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
        for (TcpEndpoint* e : {&queued, &in_place}) {
            REQUIRE(e->listen(server_ep) == Error::None);
            REQUIRE(e->listen({s6, 8080}) == Error::None);
        }
        for (std::uint16_t i = 0; i < 12; ++i) {
            const bool v6 = i % 3 == 2;
            REQUIRE(client.connect({{v6 ? c6 : client_ip, static_cast<std::uint16_t>(100 + i)}, {v6 ? s6 : server_ip, 8080}},
                                   at(0)).ok());
        }
        std::vector<Packet> inputs = drain(client, at(0));
        // Strangers: a closed port (SYN, ACK, RST), a stray ACK to the
        // listener, a bad checksum, a martian source.
        inputs.push_back(datagram(client_ip, 7000, server_ip, 9999, TcpFlag::Syn, 500));
        inputs.push_back(datagram(client_ip, 7001, server_ip, 9999, TcpFlag::Ack, 500, 777));
        inputs.push_back(datagram(client_ip, 7002, server_ip, 9999, TcpFlag::Rst, 500));
        inputs.push_back(datagram(client_ip, 7003, server_ip, 8080, TcpFlag::Ack, 500, 777));
        inputs.push_back(datagram(c6, 7004, s6, 9999, TcpFlag::Syn, 500));
        Packet bad = datagram(client_ip, 7005, server_ip, 8080, TcpFlag::Syn, 500);
        bad[30] ^= 0x40U;
        inputs.push_back(bad);
        inputs.push_back(datagram(IpAddress::v4(224, 0, 0, 1), 7006, server_ip, 8080, TcpFlag::Syn));
        std::size_t replies = 0;
        std::size_t answered = 0;
        for (int round = 0; round < 4 && !inputs.empty(); ++round) {
            std::vector<Packet> next;
            for (const Packet& in : inputs) {
                const std::vector<Packet> a = answer(queued, in, at(0), 0);
                const std::vector<Packet> b = answer(in_place, in, at(0), TcpEndpoint::reply_capacity, &replies);
                REQUIRE(a == b);
                answered += a.size();
                for (const Packet& p : a) client.on_datagram(p, at(0));
            }
            for (Packet& p : drain(client, at(0))) next.push_back(std::move(p));
            inputs = std::move(next);
        }
        CHECK(answered >= 12 + 4); // every SYN-ACK, and the resets
        CHECK(replies == answered); // every one of them in place
        CHECK(in_place.flows() == queued.flows());
        CHECK(in_place.flows() == 12);
        CHECK(in_place.stats().datagrams_out == queued.stats().datagrams_out);
        CHECK(in_place.stats().closed_port_resets == queued.stats().closed_port_resets);
        CHECK(in_place.stats().accepted == 12);
        // Timers (SYN-ACK retransmissions, none here once all completed)
        // and a too-small buffer still go through the queue.
        const Packet syn = datagram(client_ip, 7100, server_ip, 9999, TcpFlag::Syn, 500);
        std::size_t small_replies = 0;
        const std::vector<Packet> q = answer(in_place, syn, at(0), TcpEndpoint::reply_capacity - 1, &small_replies);
        CHECK(small_replies == 0);
        REQUIRE(q.size() == 1);
        CHECK(q == answer(queued, syn, at(0), 0));
    }
}

TEST_CASE("endpoint: the flow table finds every flow through full windows, wrap-around and erasure") {
    // 8 flows at most: a table of 16 entries, so runs of entries fill the
    // probe windows, cross into the next and wrap past the end; flows
    // come and go in a fixed pseudo-random order, and after every change
    // each live flow is found under its own handle and no other is.
    TcpEndpoint e(ctx(33), limits(8));
    std::vector<std::pair<FourTuple, FlowHandle>> live;
    std::uint32_t x = 12345;
    const auto next = [&x] { return x = x * 1103515245U + 12345U, x >> 8U; };
    const auto tuple = [](std::uint32_t k) {
        return FourTuple{{client_ip, static_cast<std::uint16_t>(1000 + k % 64)}, server_ep};
    };
    std::size_t opened = 0;
    std::size_t closed = 0;
    for (int op = 0; op < 3000; ++op) {
        if (live.size() < 8 && (live.empty() || next() % 3 != 0)) {
            const FourTuple t = tuple(next());
            bool taken = false;
            for (const auto& f : live) taken = taken || f.first == t;
            const result<FlowHandle> h = e.connect(t, at(0));
            REQUIRE(h.ok() == !taken);
            if (h.ok()) {
                live.emplace_back(t, *h);
                ++opened;
            }
        } else {
            const std::size_t i = next() % live.size();
            REQUIRE(e.abort(live[i].second, at(0)) == Error::None);
            while (e.poll_event()) {
            }
            static_cast<void>(drain(e, at(0)));
            live.erase(live.begin() + static_cast<long>(i));
            ++closed;
        }
        REQUIRE(e.flows() == live.size());
        for (const auto& f : live) {
            const Optional<FlowHandle> h = e.find(f.first);
            REQUIRE(h);
            REQUIRE(*h == f.second);
        }
        for (std::uint32_t k = 0; k < 64; ++k) {
            bool is_live = false;
            for (const auto& f : live) is_live = is_live || f.first == tuple(k);
            CHECK(e.find(tuple(k)).has_value() == is_live);
        }
    }
    CHECK(opened > 1000);
    CHECK(closed > 900);
}

TEST_CASE("endpoint: SYN cookies from one shard complete on another sharing the Context") {
    Config cfg;
    cfg.syncookies = SynCookies::Always;
    const Context& shared = ctx(19, cfg);
    TcpEndpoint a(shared, limits(4));
    TcpEndpoint b(shared, limits(4));
    TcpEndpoint client(ctx(20, short_msl()), limits(4));
    REQUIRE(a.listen(server_ep) == Error::None);
    REQUIRE(b.listen(server_ep) == Error::None);
    REQUIRE(client.connect({{client_ip, 100}, server_ep}, at(0)).ok());
    for (const Packet& d : drain(client, at(0))) a.on_datagram(d, at(0));
    for (const Packet& d : drain(a, at(0))) client.on_datagram(d, at(0));
    for (const Packet& d : drain(client, at(0))) b.on_datagram(d, at(0)); // the ACK reaches the other shard
    CHECK(b.flows() == 1);
    CHECK(b.stats().accepted == 1);
    CHECK(a.flows() == 0);
}

TEST_CASE("endpoint: 100,000 flows served in virtual time, memory constant, no allocation") {
    Config cfg;
    cfg.syncookies = SynCookies::Always;
    TcpEndpoint server(ctx(21, cfg), limits(256));
    TcpEndpoint client(ctx(22, short_msl()), limits(256));
    REQUIRE(server.listen(server_ep) == Error::None);
    const std::size_t server_memory = server.memory_bytes();
    const std::size_t client_memory = client.memory_bytes();
    Pair p(client, server);
    p.server_events.reserve(4);
    p.client_events.reserve(4);
    std::uint64_t established = 0;
    std::uint64_t closed = 0;
    const int total = 100000;
    const int batch = 50; // below Listener::tx_capacity: its SYN-ACKs wait there until polled
    Time now = at(1);
    std::array<std::uint8_t, 2048> buf{};
    alloc_counter::Scope counting;
    const std::uint64_t allocs = alloc_counter::count;
    for (int done = 0; done < total; done += batch) {
        for (int i = 0; i < batch; ++i) {
            const int n = done + i;
            const IpAddress src = IpAddress::v4(198, 18, static_cast<std::uint8_t>(1 + n / 60000), 1);
            REQUIRE(client.connect({{src, static_cast<std::uint16_t>(1024 + n % 60000)}, server_ep}, now).ok());
        }
        for (int round = 0; round < 16; ++round) {
            bool any = false;
            while (const auto e = server.poll_event()) {
                if (e->event.kind == EventKind::Established) ++established;
                if (e->event.kind == EventKind::Closed) ++closed;
                if (e->event.kind == EventKind::PeerClosed) server.close(e->flow, now);
            }
            while (const auto e = client.poll_event()) {
                if (e->event.kind == EventKind::Established) client.close(e->flow, now);
            }
            while (const auto d = client.poll_transmit(buf, now)) {
                any = true;
                server.on_datagram(Bytes(buf.data(), d->length), now);
            }
            while (const auto d = server.poll_transmit(buf, now)) {
                any = true;
                client.on_datagram(Bytes(buf.data(), d->length), now);
            }
            if (!any) break;
        }
        now = now + Duration::milliseconds(3); // past the client's TIME-WAIT
        client.on_timer(now);
        while (client.poll_event()) {
        }
        while (client.poll_transmit(buf, now)) {
        }
        REQUIRE(server.flows() == 0);
        REQUIRE(client.flows() == 0);
    }
    CHECK(alloc_counter::count == allocs);
    CHECK(established == static_cast<std::uint64_t>(total));
    CHECK(closed == static_cast<std::uint64_t>(total));
    CHECK(server.stats().reaped == static_cast<std::uint64_t>(total));
    CHECK(server.stats().accepted == static_cast<std::uint64_t>(total));
    CHECK(server.memory_bytes() == server_memory);
    CHECK(client.memory_bytes() == client_memory);
    CHECK(server.next_deadline() == Time::never());
}

// RFC 1122 §4.2.2.13 / Linux tcp_timewait_state_process(): a new SYN for a
// flow the server holds in TIME-WAIT (it closed first) opens the flow again
// through the Listener, its ISS past everything the old one sent; an old
// duplicate SYN is only acknowledged. (tests/scenarios/time-wait-syn-reopens
// has the kernel's verdict on the same rule.)
TEST_CASE("endpoint: a new SYN reopens a flow in TIME-WAIT, an old one does not") {
    TcpEndpoint server(ctx(21), limits(8));
    TcpEndpoint client(ctx(22, short_msl()), limits(8));
    Pair p(client, server);
    const FourTuple tuple{{client_ip, 40000}, server_ep};
    const FlowHandle first = open_and_hold(p, tuple);
    const FlowHandle old = p.server_events.front().flow;
    server.close(old, at(1.1)); // the server closes first
    p.pump(at(1.1));
    client.close(first, at(1.2));
    p.pump(at(1.2));
    REQUIRE(server.connection(old) != nullptr);
    REQUIRE(server.connection(old)->state() == State::TimeWait);
    const SeqNum old_snd_nxt = server.connection(old)->snd_nxt();
    const SeqNum old_rcv_nxt = server.connection(old)->rcv_nxt();
    client.on_timer(at(1.3)); // the client's own short TIME-WAIT, if any, ends
    p.pump(at(1.3));

    // An old duplicate: a bare SYN below RCV.NXT, no timestamps. ACKed, no reopening.
    const Packet dup = datagram(client_ip, 40000, server_ip, 8080, TcpFlag::Syn, (old_rcv_nxt - 2).raw());
    server.on_datagram(dup, at(1.4));
    const auto answers = drain(server, at(1.4));
    REQUIRE(answers.size() == 1);
    const IpPacket ack = parse_ip_packet(Bytes(answers[0].data(), answers[0].size())).value();
    const TcpView av = TcpView::parse(ack.tcp).value();
    CHECK(av.flags() == TcpFlags(TcpFlag::Ack));
    CHECK(av.ack() == old_rcv_nxt);
    CHECK(server.stats().time_wait_reopened == 0);
    CHECK(server.connection(old)->state() == State::TimeWait);

    // The client connects again on the same 4-tuple: a newer ISN and TSval.
    const auto second = client.connect(tuple, at(2));
    REQUIRE(second.ok());
    p.server_events.clear();
    p.pump(at(2));
    CHECK(server.stats().time_wait_reopened == 1);
    CHECK(server.stats().accepted == 2);
    CHECK(client.connection(*second)->state() == State::Established);
    REQUIRE(p.server_count(EventKind::Established) == 1);
    const FlowHandle fresh = p.server_events.back().flow;
    for (const auto& e : p.server_events) {
        if (e.event.kind == EventKind::Established) {
            REQUIRE(server.connection(e.flow) != nullptr);
            CHECK(server.connection(e.flow)->iss() == old_snd_nxt + 65537U);
        }
    }
    CHECK(p.server_count(EventKind::Closed) == 1); // the old incarnation's end
    CHECK(server.connection(old) == nullptr);      // and reaped
    CHECK(server.flows() == 1);
    static_cast<void>(fresh);
}

// A flow that has ended owns no segment, even before its owner has taken
// its last events: Linux frees the socket when the RST arrives, so the
// peer's next SYN on the same 4-tuple reaches the listener and is answered
// with a SYN-ACK, not with a reset from the dead flow.
TEST_CASE("endpoint: a reset flow whose events are not yet taken leaves its 4-tuple to the Listener") {
    TcpEndpoint server(ctx(23), limits(8));
    TcpEndpoint client(ctx(24), limits(8));
    Pair p(client, server);
    const FlowHandle h = open_and_hold(p, {{client_ip, 40001}, server_ep});
    const Connection* cc = client.connection(h);
    REQUIRE(cc != nullptr);
    // The peer resets (in window: SEQ = RCV.NXT), then opens again at once;
    // the server's owner polls nothing in between.
    const Packet rst = datagram(client_ip, 40001, server_ip, 8080, TcpFlag::Rst, cc->snd_nxt().raw());
    server.on_datagram(rst, at(2));
    const Packet syn = datagram(client_ip, 40001, server_ip, 8080, TcpFlag::Syn, cc->snd_nxt().raw() + 100000U);
    server.on_datagram(syn, at(2));
    const auto out = drain(server, at(2));
    REQUIRE(out.size() == 1);
    const IpPacket ip = parse_ip_packet(Bytes(out[0].data(), out[0].size())).value();
    const TcpView v = TcpView::parse(ip.tcp).value();
    CHECK(v.flags() == (TcpFlag::Syn | TcpFlag::Ack));
    CHECK(v.ack() == SeqNum(cc->snd_nxt().raw() + 100001U));
    // The old flow still reports its end, and is reaped then.
    std::size_t resets = 0;
    while (const auto e = server.poll_event()) resets += e->event.kind == EventKind::Reset ? 1 : 0;
    CHECK(resets == 1);
}
