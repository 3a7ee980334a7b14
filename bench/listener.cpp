// Benchmarks for synack/handshake/listener.hpp: the passive side's hot
// paths, each from segment bytes in to segment bytes out (checksums
// verified and filled):
//   SynToSynAck_Table     SYN -> half-open entry + SYN-ACK
//   SynToSynAck_Cookie    SYN -> cookie SYN-ACK (cookies=always, no state)
//   SynToSynAck_CookieInPlace  the same answered in place (on_segment with a
//                         reply buffer: no transmit ring)
//   CookieAckToAccepted   cookie ACK -> accept() (Negotiated record)
//   FastOpenSynToAccepted SYN with a valid cookie + 100 bytes -> SYN-ACK
//                         acknowledging the data + accept() with the data
// All with Linux's SYN options (mss, sackOK, TS, wscale) from a v4 client.
// Counters: bytes_per_entry (a half-open entry and its share of the hash
// heads), listener_bytes (memory_bytes() of the listener under test).
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "synack/handshake/listener.hpp"

namespace {

using namespace synack;

const IpAddress server_ip = IpAddress::v4(198, 18, 0, 1);
constexpr std::uint16_t server_port = 8080;
constexpr std::size_t flows = 1U << 16U;

IpAddress client_ip(std::size_t i) { return IpAddress::v4(static_cast<std::uint32_t>(0xC6130000U + (i >> 8U))); }
std::uint16_t client_port(std::size_t i) { return static_cast<std::uint16_t>(1024 + (i & 0xFFU) * 97U); }

Secrets secrets() {
    Secrets s;
    s.isn_key = {1, 2};
    s.ts_key = {3, 4};
    s.cookie_key = {5, 6};
    return s;
}

struct Seg {
    IpAddress src;
    std::vector<std::uint8_t> b;
};

Seg make(const IpAddress& src, std::uint16_t sport, SeqNum seq, SeqNum ack, TcpFlags flags,
         const TcpOptions& o, std::size_t payload = 0) {
    TcpHeader h;
    h.source_port = sport;
    h.destination_port = server_port;
    h.seq = seq;
    h.ack = ack;
    h.flags = flags;
    h.window = 64240;
    h.options = o;
    Seg s{src, std::vector<std::uint8_t>(60)};
    const std::size_t n = h.encode(s.b).value();
    s.b.resize(n + payload, 0x61);
    fill_tcp_checksum(src, server_ip, s.b);
    return s;
}

TcpOptions linux_syn_options(std::uint32_t tsval) {
    TcpOptions o;
    o.mss = 1460;
    o.sack_permitted = true;
    o.timestamps = Timestamps{tsval, 0};
    o.window_scale = 7;
    return o;
}

std::vector<Seg> syns() {
    std::vector<Seg> v;
    v.reserve(flows);
    for (std::size_t i = 0; i < flows; ++i) {
        v.push_back(make(client_ip(i), client_port(i), SeqNum(static_cast<std::uint32_t>(i * 2654435761U)), SeqNum(0),
                         TcpFlag::Syn, linux_syn_options(static_cast<std::uint32_t>(i))));
    }
    return v;
}

const Time now = Time{} + Duration::seconds(1000);

void counters(benchmark::State& state, const Listener& l) {
    state.counters["bytes_per_entry"] = l.bytes_per_entry();
    state.counters["listener_bytes"] = static_cast<double>(l.memory_bytes());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_Listener_SynToSynAck_Table(benchmark::State& state) {
    Context ctx{Config{}, secrets()};
    ctx.config.backlog = flows;
    ctx.config.syncookies = SynCookies::Off;
    const std::vector<Seg> in = syns();
    auto l = std::make_unique<Listener>(ctx, Endpoint{server_ip, server_port});
    std::array<std::uint8_t, 64> out{};
    std::size_t i = 0;
    for (auto _ : state) {
        if (i == flows) { // table full: a fresh listener (rarely, outside the timing)
            state.PauseTiming();
            l = std::make_unique<Listener>(ctx, Endpoint{server_ip, server_port});
            i = 0;
            state.ResumeTiming();
        }
        const Seg& s = in[i++];
        l->on_segment(s.src, server_ip, s.b, now);
        auto t = l->poll_transmit(out, now);
        benchmark::DoNotOptimize(t);
        benchmark::DoNotOptimize(out);
    }
    counters(state, *l);
}
BENCHMARK(BM_Listener_SynToSynAck_Table);

void BM_Listener_SynToSynAck_Cookie(benchmark::State& state) {
    Context ctx{Config{}, secrets()};
    ctx.config.syncookies = SynCookies::Always;
    const std::vector<Seg> in = syns();
    Listener l(ctx, Endpoint{server_ip, server_port});
    std::array<std::uint8_t, 64> out{};
    std::size_t i = 0;
    for (auto _ : state) {
        const Seg& s = in[i++ & (flows - 1)];
        l.on_segment(s.src, server_ip, s.b, now);
        auto t = l.poll_transmit(out, now);
        benchmark::DoNotOptimize(t);
        benchmark::DoNotOptimize(out);
    }
    counters(state, l);
}
BENCHMARK(BM_Listener_SynToSynAck_Cookie);

void BM_Listener_SynToSynAck_CookieInPlace(benchmark::State& state) {
    Context ctx{Config{}, secrets()};
    ctx.config.syncookies = SynCookies::Always;
    const std::vector<Seg> in = syns();
    Listener l(ctx, Endpoint{server_ip, server_port});
    std::array<std::uint8_t, Listener::max_segment_size()> out{};
    std::size_t i = 0;
    std::size_t unanswered = 0;
    for (auto _ : state) {
        const std::size_t k = i++ & (flows - 1);
        const result<TcpView> v = TcpView::parse(in[k].b); // (parsed as the other benchmarks' on_segment() does)
        const Received r = l.on_segment(in[k].src, server_ip, *v, now, out);
        if (r.reply == 0) ++unanswered;
        benchmark::DoNotOptimize(out);
    }
    if (unanswered != 0) state.SkipWithError("a SYN was not answered in place");
    counters(state, l);
}
BENCHMARK(BM_Listener_SynToSynAck_CookieInPlace);

void BM_Listener_CookieAckToAccepted(benchmark::State& state) {
    Context ctx{Config{}, secrets()};
    ctx.config.syncookies = SynCookies::Always;
    ctx.config.accept_queue = 16;
    Listener l(ctx, Endpoint{server_ip, server_port});
    // The ACK each client would send for its cookie SYN-ACK.
    const std::vector<Seg> in = syns();
    std::vector<Seg> acks;
    acks.reserve(flows);
    std::array<std::uint8_t, 64> out{};
    for (std::size_t i = 0; i < flows; ++i) {
        l.on_segment(in[i].src, server_ip, in[i].b, now);
        const auto t = l.poll_transmit(out, now);
        const TcpHeader sa = TcpHeader::decode(Bytes(out.data(), t->length)).value();
        TcpOptions o;
        o.timestamps = Timestamps{static_cast<std::uint32_t>(i + 1), sa.options.timestamps->value};
        acks.push_back(make(in[i].src, client_port(i), sa.ack, sa.seq + 1, TcpFlag::Ack, o));
    }
    std::size_t i = 0;
    for (auto _ : state) {
        const Seg& s = acks[i++ & (flows - 1)];
        l.on_segment(s.src, server_ip, s.b, now);
        auto a = l.accept();
        benchmark::DoNotOptimize(a);
    }
    if (l.stats().cookies_accepted != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("a cookie ACK was not accepted");
    counters(state, l);
}
BENCHMARK(BM_Listener_CookieAckToAccepted);

void BM_Listener_FastOpenSynToAccepted(benchmark::State& state) {
    Context ctx{Config{}, secrets()};
    ctx.config.fastopen = FastOpenMode::Server;
    ctx.config.backlog = 1024;
    Listener l(ctx, Endpoint{server_ip, server_port});
    std::vector<Seg> in;
    for (std::size_t i = 0; i < 1024; ++i) {
        TcpOptions o = linux_syn_options(static_cast<std::uint32_t>(i));
        const FastOpenCookie c = fastopen_cookie(l.fastopen_keys().primary, client_ip(i), server_ip);
        o.fast_open = FastOpenOption::with_cookie(Bytes(c.data(), c.size()));
        in.push_back(make(client_ip(i), client_port(i), SeqNum(static_cast<std::uint32_t>(i * 7919U)), SeqNum(0),
                          TcpFlag::Syn, o, 100));
    }
    std::array<std::uint8_t, 64> out{};
    std::size_t i = 0;
    for (auto _ : state) {
        const Seg& s = in[i++ & 1023U];
        l.on_segment(s.src, server_ip, s.b, now);
        auto t = l.poll_transmit(out, now);
        benchmark::DoNotOptimize(t);
        auto a = l.accept();
        benchmark::DoNotOptimize(a);
    }
    if (l.stats().fastopen_accepted != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("a Fast Open SYN was not accepted");
    counters(state, l);
}
BENCHMARK(BM_Listener_FastOpenSynToAccepted);

} // namespace
