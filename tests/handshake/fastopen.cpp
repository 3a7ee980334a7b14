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
    FastOpenKeys keys{k1, std::nullopt};
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
