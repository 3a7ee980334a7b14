// Tests for synack/handshake/fastopen.hpp: server cookies (per client
// address, primary and backup keys) and the client's fixed-capacity cache.
#include "synack/handshake/fastopen.hpp"

#include <algorithm>
#include <cstdint>

#include "synack_test.hpp"

using namespace synack;

namespace {
constexpr SipKey k1{1, 2};
constexpr SipKey k2{3, 4};
constexpr IpAddress server = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress client = IpAddress::v4(198, 18, 0, 2);
constexpr IpAddress other = IpAddress::v4(198, 18, 0, 3);
constexpr IpAddress client6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
} // namespace

TEST_CASE("fastopen cookie is 8 bytes, per client, per key", "[fastopen]") {
    constexpr FastOpenCookie c = fastopen_cookie(k1, client, server);
    STATIC_REQUIRE(c.size() == 8);
    STATIC_REQUIRE(c != fastopen_cookie(k1, other, server));
    STATIC_REQUIRE(c != fastopen_cookie(k2, client, server));
    STATIC_REQUIRE(c != fastopen_cookie(k1, client6, server));
    STATIC_REQUIRE(c == fastopen_cookie(k1, client, server));
}

TEST_CASE("fastopen check: primary, backup, invalid", "[fastopen]") {
    const FastOpenCookie c1 = fastopen_cookie(k1, client, server);
    const FastOpenCookie c2 = fastopen_cookie(k2, client, server);
    FastOpenKeys keys{k1, nullopt};
    CHECK(fastopen_check(keys, client, server, c1) == FastOpenCheck::Primary);
    CHECK(fastopen_check(keys, client, server, c2) == FastOpenCheck::Invalid);
    CHECK(fastopen_check(keys, other, server, c1) == FastOpenCheck::Invalid);
    // Rotation: the new key becomes primary, the old one backup.
    keys = FastOpenKeys{k2, k1};
    CHECK(fastopen_check(keys, client, server, c2) == FastOpenCheck::Primary);
    CHECK(fastopen_check(keys, client, server, c1) == FastOpenCheck::Backup);
    // Wrong lengths are invalid whatever the bytes.
    CHECK(fastopen_check(keys, client, server, Bytes(c1.data(), 4)) == FastOpenCheck::Invalid);
    std::array<std::uint8_t, 16> longer{};
    for (std::size_t i = 0; i < 8; ++i) longer[i] = c2[i];
    CHECK(fastopen_check(keys, client, server, longer) == FastOpenCheck::Invalid);
    // Any single flipped bit is refused.
    for (std::size_t bit = 0; bit < 64; ++bit) {
        FastOpenCookie f = c2;
        f[bit / 8] = static_cast<std::uint8_t>(f[bit / 8] ^ (1U << (bit % 8)));
        CHECK(fastopen_check(keys, client, server, f) == FastOpenCheck::Invalid);
    }
}

TEST_CASE("fastopen keys derived from one secret differ from it and per secret", "[fastopen]") {
    STATIC_REQUIRE(!(fastopen_key_from(k1) == k1));
    STATIC_REQUIRE(!(fastopen_key_from(k1) == fastopen_key_from(k2)));
}

TEST_CASE("fastopen client cache: store, find, replace oldest, forget", "[fastopen]") {
    FastOpenCache<2> cache;
    STATIC_REQUIRE(FastOpenCache<2>::capacity() == 2);
    CHECK(cache.find(server) == nullptr);
    const std::array<std::uint8_t, 8> a{1, 2, 3, 4, 5, 6, 7, 8};
    const std::array<std::uint8_t, 4> b{9, 9, 9, 9};
    CHECK(cache.store(server, a, 1460));
    CHECK_FALSE(cache.store(other, Bytes(a.data(), 3), 1460)); // too short to be a cookie
    const FastOpenCacheEntry* e = cache.find(server);
    REQUIRE(e != nullptr);
    CHECK(e->mss == 1460);
    CHECK(std::equal(e->cookie_bytes().begin(), e->cookie_bytes().end(), a.begin(), a.end()));
    CHECK(cache.store(server, b, 1400)); // replaces in place
    CHECK(cache.size() == 1);
    CHECK(cache.find(server)->cookie_length == 4);
    CHECK(cache.store(other, a, 1460));
    CHECK(cache.size() == 2);
    CHECK(cache.store(client6, a, 1220)); // full: the oldest (server) goes
    CHECK(cache.find(server) == nullptr);
    CHECK(cache.find(other) != nullptr);
    CHECK(cache.find(client6) != nullptr);
    cache.forget(other);
    CHECK(cache.find(other) == nullptr);
    CHECK(cache.size() == 1);
    constexpr auto built = [] {
        FastOpenCache<1> c;
        const std::array<std::uint8_t, 4> k{1, 2, 3, 4};
        c.store(IpAddress::v4(1, 2, 3, 4), k, 536);
        return c.find(IpAddress::v4(1, 2, 3, 4))->mss;
    }();
    STATIC_REQUIRE(built == 536);
}

// ---- client side in Connection, against the Listener ----

#include "synack/handshake/connection.hpp"
#include "synack/handshake/listener.hpp"

#include <vector>

namespace {

const IpAddress srv_ip = IpAddress::v4(198, 18, 0, 1);
const IpAddress cli_ip = IpAddress::v4(198, 18, 0, 2);

struct Out {
    Transmit tx;
    std::vector<std::uint8_t> b;
    [[nodiscard]] TcpHeader h() const { return *TcpHeader::decode(b); }
    [[nodiscard]] std::size_t payload() const { return TcpView::parse(b)->payload().size(); }
};

template <class M>
std::vector<Out> out(M& m, Time now) {
    std::vector<Out> v;
    std::array<std::uint8_t, 1600> buf{};
    while (auto t = m.poll_transmit(buf, now)) v.push_back({*t, {buf.begin(), buf.begin() + static_cast<long>(t->length)}});
    return v;
}

template <class M>
Received in(M& m, const Out& o, Time now) {
    return m.on_segment(o.tx.flow.local.address, o.tx.flow.remote.address, o.b, now);
}

Context make_ctx(FastOpenMode mode, std::uint64_t seed) {
    Context c;
    c.config.fastopen = mode;
    c.secrets.isn_key = {seed, 1};
    c.secrets.ts_key = {seed, 2};
    c.secrets.cookie_key = {seed, 3};
    return c;
}

const std::array<std::uint8_t, 10> payload10{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'};

} // namespace

TEST_CASE("fastopen client: request, cookie cached, then 0-RTT data accepted", "[fastopen][connection]") {
    const Context sc = make_ctx(FastOpenMode::Server, 100);
    const Context cc = make_ctx(FastOpenMode::Client, 200);
    Listener l(sc, {srv_ip, 8080});
    FastOpenCache<4> cache;

    // 1. no cookie yet: the SYN asks for one and carries no data
    Connection c1(cc);
    REQUIRE(c1.connect_fast_open({{cli_ip, 40000}, {srv_ip, 8080}}, {}, payload10, Time{}) == Error::None);
    auto syn = out(c1, Time{});
    REQUIRE(syn.size() == 1);
    REQUIRE(syn[0].h().options.fast_open.has_value());
    CHECK(syn[0].h().options.fast_open->is_request());
    CHECK(syn[0].payload() == 0);
    in(l, syn[0], Time{});
    auto synack = out(l, Time{});
    REQUIRE(synack.size() == 1);
    const Received r = in(c1, synack[0], Time{} + Duration::milliseconds(10));
    REQUIRE(r.fastopen_cookie.size() == 8);
    CHECK(cache.store(srv_ip, r.fastopen_cookie, c1.negotiated().mss));
    // the ACK, then the data (Linux: tcp_send_ack(), then the write queue)
    auto after = out(c1, Time{} + Duration::milliseconds(10));
    REQUIRE(after.size() == 2);
    CHECK(after[0].h().flags == TcpFlags(TcpFlag::Ack));
    CHECK(after[0].h().seq == c1.iss() + 1);
    CHECK(after[0].payload() == 0);
    CHECK(after[1].h().flags == (TcpFlag::Psh | TcpFlag::Ack));
    CHECK(after[1].h().seq == c1.iss() + 1);
    CHECK(after[1].payload() == 10);
    CHECK(c1.negotiated().tfo_data == 0);
    CHECK(c1.snd_nxt() == c1.iss() + 11);

    // 2. with the cookie: SYN with cookie + data, SYN-ACK acknowledges all of it
    Connection c2(cc);
    const FastOpenCacheEntry* e = cache.find(srv_ip);
    REQUIRE(e != nullptr);
    REQUIRE(c2.connect_fast_open({{cli_ip, 40001}, {srv_ip, 8080}}, e->cookie_bytes(), payload10, Time{}, e->mss) ==
            Error::None);
    syn = out(c2, Time{});
    REQUIRE(syn.size() == 1);
    CHECK(syn[0].payload() == 10);
    CHECK(syn[0].h().options.fast_open->cookie_length == 8);
    in(l, syn[0], Time{});
    synack = out(l, Time{});
    REQUIRE(synack.size() == 1);
    CHECK(synack[0].h().ack == syn[0].h().seq + 11);
    const Received r2 = in(c2, synack[0], Time{} + Duration::milliseconds(10));
    CHECK(r2.fastopen_cookie.empty()); // nothing new to cache
    CHECK(c2.state() == State::Established);
    CHECK(c2.negotiated().tfo_data == 10);
    auto ack = out(c2, Time{} + Duration::milliseconds(10));
    REQUIRE(ack.size() == 1); // a bare ACK: nothing left to send
    CHECK(ack[0].payload() == 0);
    CHECK(ack[0].h().seq == c2.iss() + 11);
    while (l.accept()) {
    }
}

TEST_CASE("fastopen client: rejected cookie falls back; the data segment is the ACK", "[fastopen][connection]") {
    const Context sc = make_ctx(FastOpenMode::Server, 101);
    const Context cc = make_ctx(FastOpenMode::Both, 201);
    Listener l(sc, {srv_ip, 8080});
    const std::array<std::uint8_t, 8> stale{1, 2, 3, 4, 5, 6, 7, 8};
    Connection c(cc);
    REQUIRE(c.connect_fast_open({{cli_ip, 40000}, {srv_ip, 8080}}, stale, payload10, Time{}) == Error::None);
    auto syn = out(c, Time{});
    in(l, syn[0], Time{});
    auto synack = out(l, Time{});
    REQUIRE(synack.size() == 1);
    CHECK(synack[0].h().ack == syn[0].h().seq + 1); // only the SYN
    const Received r = in(c, synack[0], Time{} + Duration::milliseconds(20));
    CHECK(r.fastopen_cookie.size() == 8); // the server offers the valid one
    CHECK(c.negotiated().tfo_data == 0);
    auto after = out(c, Time{} + Duration::milliseconds(20));
    REQUIRE(after.size() == 1);
    CHECK(after[0].h().flags == (TcpFlag::Psh | TcpFlag::Ack));
    CHECK(after[0].h().seq == c.iss() + 1);
    CHECK(after[0].h().ack == synack[0].h().seq + 1);
    CHECK(after[0].payload() == 10);
    // the listener completes on it (its payload is not taken there)
    const Received lr = in(l, after[0], Time{} + Duration::milliseconds(30));
    CHECK(lr.payload.size() == 10);
    auto a = l.accept();
    REQUIRE(a.has_value());
    CHECK(a->negotiated.tfo_data == 0);
}

TEST_CASE("fastopen client: a retransmitted SYN carries neither cookie nor data", "[fastopen][connection]") {
    const Context sc = make_ctx(FastOpenMode::Server, 102);
    const Context cc = make_ctx(FastOpenMode::Client, 202);
    Listener l(sc, {srv_ip, 8080});
    const FastOpenCookie ck = fastopen_cookie(l.fastopen_keys().primary, cli_ip, srv_ip);
    Connection c(cc);
    REQUIRE(c.connect_fast_open({{cli_ip, 40000}, {srv_ip, 8080}}, ck, payload10, Time{}) == Error::None);
    auto lost = out(c, Time{});
    REQUIRE(lost.size() == 1);
    CHECK(lost[0].payload() == 10);
    c.on_timer(c.next_deadline());
    auto again = out(c, Time{} + Duration::seconds(1));
    REQUIRE(again.size() == 1);
    CHECK(again[0].payload() == 0);
    CHECK_FALSE(again[0].h().options.fast_open.has_value());
    CHECK(again[0].h().seq == lost[0].h().seq);
    in(l, again[0], Time{} + Duration::seconds(1));
    auto synack = out(l, Time{} + Duration::seconds(1));
    REQUIRE(synack.size() == 1);
    in(c, synack[0], Time{} + Duration::seconds(1));
    auto after = out(c, Time{} + Duration::seconds(1));
    REQUIRE(after.size() == 1); // the data, as the ACK (Linux: the SYN had data)
    CHECK(after[0].payload() == 10);
    CHECK(c.negotiated().tfo_data == 0);
}

TEST_CASE("fastopen client: experimental option in the SYN-ACK; disabled mode refuses", "[fastopen][connection]") {
    const Context cc = make_ctx(FastOpenMode::Client, 203);
    Connection c(cc);
    REQUIRE(c.connect_fast_open({{cli_ip, 40000}, {srv_ip, 8080}}, {}, {}, Time{}) == Error::None);
    const auto syn = out(c, Time{});
    TcpHeader h;
    h.source_port = 8080;
    h.destination_port = 40000;
    h.seq = SeqNum(5000);
    h.ack = syn[0].h().seq + 1;
    h.flags = TcpFlag::Syn | TcpFlag::Ack;
    h.window = 65535;
    h.options.mss = 1460;
    const std::array<std::uint8_t, 6> cookie{9, 8, 7, 6, 5, 4};
    h.options.fast_open = FastOpenOption::with_cookie(cookie, true);
    std::vector<std::uint8_t> b(60);
    b.resize(h.encode(b).value());
    fill_tcp_checksum(srv_ip, cli_ip, b);
    const Received r = c.on_segment(srv_ip, cli_ip, b, Time{});
    REQUIRE(r.fastopen_cookie.size() == 6);
    CHECK(std::equal(cookie.begin(), cookie.end(), r.fastopen_cookie.begin()));

    const Context off_ctx = make_ctx(FastOpenMode::Server, 204);
    Connection off(off_ctx);
    CHECK(off.connect_fast_open({{cli_ip, 40000}, {srv_ip, 8080}}, {}, {}, Time{}) == Error::InvalidState);
    Connection bad(cc);
    CHECK(bad.connect_fast_open({{cli_ip, 40000}, {srv_ip, 8080}}, Bytes(cookie.data(), 3), {}, Time{}) ==
          Error::OptionValueInvalid);
}
