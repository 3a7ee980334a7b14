// Benchmarks for synack/handshake/endpoint.hpp: the per-SYN cost of the
// whole packet path against the codec alone, on the same inputs (Linux's
// SYN options, IPv4 datagrams, 4,096 distinct client flows in turn):
//   Codec_SynToSynAck      parse the datagram (IPv4 + TCP), verify the
//                          checksum, decode the options, encode a SYN-ACK
//                          with its checksum and its IPv4 header: the least
//                          any answer costs
//   Endpoint_SynCookie/N   TcpEndpoint::on_datagram with a reply buffer
//                          (the SYN-ACK written in place, as the driver
//                          has it), the Listener in cookie mode
//                          (cookies=always): martian check, 4-tuple lookup,
//                          checksum, cookie, SYN-ACK, IPv4 header; with N
//                          ESTABLISHED flows in the table (0 and 100,000:
//                          per-packet work must not depend on N)
//   Endpoint_SynCookieQueued  the same answer queued and taken by
//                          poll_transmit() (on_datagram without a buffer)
//   Floor_SynCookie        the same steps from the same building blocks
//                          (martian check, keyed flow hash and table probe,
//                          checksum, options, negotiate::agree(), cookie,
//                          timestamp offset, SYN-ACK, IPv4 header) with none
//                          of the endpoint's plumbing: no queue, no record,
//                          no handle. What an Endpoint could cost at best.
// The ratio Endpoint_SynCookie/0 : Codec_SynToSynAck is the figure to report
// (one run, same machine); Floor_SynCookie splits it into the work a cookie
// SYN needs and the plumbing around it.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "synack/handshake/endpoint.hpp"

namespace {

using namespace synack;

const IpAddress server_ip = IpAddress::v4(198, 18, 0, 2);
constexpr std::uint16_t server_port = 8080;
constexpr std::size_t inputs = 4096;

IpAddress client_ip(std::size_t i) { return IpAddress::v4(static_cast<std::uint32_t>(0xC6130000U + (i >> 8U))); }
std::uint16_t client_port(std::size_t i) { return static_cast<std::uint16_t>(1024 + (i & 0xFFU) * 97U); }

Secrets secrets() {
    Secrets s;
    s.isn_key = {1, 2};
    s.ts_key = {3, 4};
    s.cookie_key = {5, 6};
    return s;
}

std::vector<std::vector<std::uint8_t>> syn_datagrams() {
    std::vector<std::vector<std::uint8_t>> v;
    for (std::size_t i = 0; i < inputs; ++i) {
        TcpFields h;
        h.source_port = client_port(i);
        h.destination_port = server_port;
        h.seq = SeqNum(static_cast<std::uint32_t>(i * 2654435761U));
        h.flags = TcpFlag::Syn;
        h.window = 64240;
        OptionValues o;
        o.mss = 1460;
        o.sack_permitted = true;
        o.timestamps = Timestamps::of(static_cast<std::uint32_t>(i), 0);
        o.window_scale = 7;
        std::array<std::uint8_t, 60> seg{};
        const std::size_t n = h.encode(seg, o, client_ip(i), server_ip, Bytes{}).value();
        std::vector<std::uint8_t> d(100);
        d.resize(encode_ip_packet(client_ip(i), server_ip, 0, 64, Bytes(seg.data(), n), d).value());
        v.push_back(std::move(d));
    }
    return v;
}

void Codec_SynToSynAck(benchmark::State& state) {
    const auto in = syn_datagrams();
    std::array<std::uint8_t, 128> out{};
    std::size_t i = 0;
    std::uint32_t iss = 12345;
    for (auto _ : state) {
        const Bytes d(in[i].data(), in[i].size());
        i = (i + 1) % inputs;
        const result<IpPacket> p = parse_ip_packet(d);
        const result<TcpView> v = TcpView::parse(p->tcp);
        if (!verify_tcp_checksum(p->source, p->destination, p->tcp)) state.SkipWithError("checksum");
        const OptionValues o = OptionValues::decode(v->option_bytes());
        TcpFields h;
        h.source_port = v->destination_port();
        h.destination_port = v->source_port();
        h.seq = SeqNum(iss++);
        h.ack = v->seq() + 1;
        h.flags = TcpFlag::Syn | TcpFlag::Ack;
        h.window = 64240;
        OptionValues r;
        r.mss = 1460;
        r.sack_permitted = o.sack_permitted;
        if (o.timestamps) r.timestamps = Timestamps::of(iss, o.timestamps->value);
        if (o.window_scale) r.window_scale = 7;
        const result<std::size_t> n = h.encode(MutableBytes(out.data() + 20, out.size() - 20), r, p->destination, p->source, Bytes{});
        const result<std::size_t> hl = encode_ip_header(p->destination, p->source, 0, 64, *n, out);
        benchmark::DoNotOptimize(hl);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Codec_SynToSynAck);

// The endpoint's per-SYN work written out in one loop: the lower bound of
// Endpoint_SynCookie. The flow table is an empty probe array the size of
// the endpoint's (131,072 flows at most half full).
void Floor_SynCookie(benchmark::State& state) {
    const auto in = syn_datagrams();
    std::array<std::uint8_t, 128> out{};
    const Config cfg{};
    const Secrets sec = secrets();
    const Endpoint local{server_ip, server_port};
    const std::array<LocalAddress, 1> ours{{{server_ip, 24}}};
    const SipKey flow_key{7, 8};
    const std::vector<std::uint64_t> table(std::size_t{1} << 18U, ~std::uint64_t{0});
    Time now = Time::from_ns(2000000000);
    SyncookieMac mac(sec.cookie_key, local, syncookie_counter(now));
    const TimestampOffsets offsets(sec.ts_key, server_ip);
    std::size_t i = 0;
    std::uint64_t dropped = 0;
    for (auto _ : state) {
        const Bytes datagram(in[i].data(), in[i].size());
        i = (i + 1) % inputs;
        now = now + Duration::nanoseconds(100);
        IpPacket p;
        const bool parsed = parse_ip_packet(datagram, p).error == Error::None;
        const result<TcpView> v = TcpView::parse(p.tcp);
        if (!parsed || !v || classify_martian(p.source, p.destination, Span<const LocalAddress>(ours.data(), 1)) != Martian::None) {
            ++dropped;
            continue;
        }
        const FourTuple t{{p.destination, v->destination_port()}, {p.source, v->source_port()}};
        const std::uint64_t hash = flow_table_hash(flow_key, t);
        const TcpFlags f = v->flags();
        if (table[hash & (table.size() - 1)] != ~std::uint64_t{0} || t.local != local ||
            !verify_tcp_checksum(p.source, p.destination, p.tcp) || f.ack() || f.rst() || !f.syn() || f.fin()) {
            ++dropped;
            continue;
        }
        const OptionValues o = OptionValues::decode(v->option_bytes());
        const std::uint32_t counter = syncookie_counter(now);
        if (mac.count() != counter) mac = SyncookieMac(sec.cookie_key, local, counter);
        const std::uint32_t ts_offset = o.timestamps ? offsets(p.source) : 0U;
        const negotiate::Agreement a = negotiate::agree(cfg, o, f, true, false);
        TcpFields h;
        h.source_port = local.port;
        h.destination_port = t.remote.port;
        h.seq = syncookie_make(mac, t.remote, v->seq(), syncookie_mss_index(IpFamily::V4, negotiate::peer_mss(o.mss, true)));
        h.ack = v->seq() + 1;
        h.flags = negotiate::synack_flags(a);
        h.window = negotiate::syn_window(negotiate::initial_window(cfg.rcv_wnd, cfg.mss, a.timestamps));
        OptionValues r;
        SyncookieOptions co; // (every input has timestamps)
        if (a.wscale) co.window_scale = a.snd_wscale;
        co.sack = a.sack;
        co.ecn = a.ecn;
        negotiate::synack_answer(cfg, a, syncookie_timestamp(timestamp_clock(now), co) + ts_offset, r);
        const result<std::size_t> n = h.encode(MutableBytes(out.data() + 20, out.size() - 20), r, p.destination, p.source, Bytes{});
        const result<std::size_t> hl = encode_ip_header(p.destination, p.source, 0, 64, *n, out);
        benchmark::DoNotOptimize(hl);
        benchmark::DoNotOptimize(out.data());
    }
    if (dropped != 0) state.SkipWithError("a SYN was dropped");
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Floor_SynCookie);

// The server endpoint with `established` ESTABLISHED flows, made by real
// handshakes with a client endpoint in virtual time.
std::unique_ptr<TcpEndpoint> server_with(const Context& sctx, const Context& cctx, std::size_t established) {
    EndpointLimits l;
    l.max_flows = 131072;
    auto server = std::make_unique<TcpEndpoint>(sctx, l);
    static_cast<void>(server->listen({server_ip, server_port}));
    TcpEndpoint client(cctx, l);
    std::array<std::uint8_t, 2048> buf{};
    const Time now = Time::from_ns(1000000000);
    for (std::size_t done = 0; done < established; done += 50) {
        for (std::size_t k = done; k < done + 50 && k < established; ++k) {
            const IpAddress src = IpAddress::v4(static_cast<std::uint32_t>(0xC6120100U + k / 60000));
            static_cast<void>(client.connect({{src, static_cast<std::uint16_t>(1024 + k % 60000)}, {server_ip, server_port}}, now));
        }
        for (int round = 0; round < 4; ++round) {
            while (server->poll_event()) {
            }
            while (client.poll_event()) {
            }
            while (const auto d = client.poll_transmit(buf, now)) server->on_datagram(Bytes(buf.data(), d->length), now);
            while (const auto d = server->poll_transmit(buf, now)) client.on_datagram(Bytes(buf.data(), d->length), now);
        }
    }
    return server;
}

void Endpoint_SynCookie(benchmark::State& state) {
    Context sctx{Config{}, secrets()};
    sctx.config.syncookies = SynCookies::Always;
    Context cctx{Config{}, secrets()};
    cctx.secrets.isn_key = {9, 9};
    const auto server = server_with(sctx, cctx, static_cast<std::size_t>(state.range(0)));
    if (server->flows() != static_cast<std::uint32_t>(state.range(0))) state.SkipWithError("setup");
    const auto in = syn_datagrams();
    std::array<std::uint8_t, 128> out{};
    std::size_t i = 0;
    Time now = Time::from_ns(2000000000);
    std::size_t unanswered = 0;
    for (auto _ : state) {
        const Delivery d = server->on_datagram(Bytes(in[i].data(), in[i].size()), now, out);
        i = (i + 1) % inputs;
        if (d.reply == 0) ++unanswered;
        benchmark::DoNotOptimize(out.data());
        now = now + Duration::nanoseconds(100);
    }
    if (unanswered != 0) state.SkipWithError("a SYN was not answered in place");
    state.SetItemsProcessed(state.iterations());
    state.counters["flows"] = static_cast<double>(server->flows());
    state.counters["endpoint_bytes"] = static_cast<double>(server->memory_bytes());
}
BENCHMARK(Endpoint_SynCookie)->Arg(0)->Arg(100000);

// The same with the answer queued and taken by poll_transmit(), as a
// driver that gives no reply buffer has it.
void Endpoint_SynCookieQueued(benchmark::State& state) {
    Context sctx{Config{}, secrets()};
    sctx.config.syncookies = SynCookies::Always;
    Context cctx{Config{}, secrets()};
    cctx.secrets.isn_key = {9, 9};
    const auto server = server_with(sctx, cctx, 0);
    const auto in = syn_datagrams();
    std::array<std::uint8_t, 128> out{};
    std::size_t i = 0;
    Time now = Time::from_ns(2000000000);
    for (auto _ : state) {
        server->on_datagram(Bytes(in[i].data(), in[i].size()), now);
        i = (i + 1) % inputs;
        const Optional<Datagram> d = server->poll_transmit(out, now);
        benchmark::DoNotOptimize(d);
        now = now + Duration::nanoseconds(100);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Endpoint_SynCookieQueued);

} // namespace
