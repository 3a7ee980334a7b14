// Tests for synack/handshake/syncookie.hpp: round trips of the cookie and of
// the options packed into the timestamp, expiry after two 60 s periods, and
// the forgery rate of random ACKs (a 31-bit MAC under a period parity bit).
#include "synack/handshake/syncookie.hpp"

#include <array>
#include <cstdint>
#include <cstdio>

#include "synack_test.hpp"

using namespace synack;

namespace {

constexpr SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
constexpr FourTuple flow{{IpAddress::v4(198, 18, 0, 1), 8080}, {IpAddress::v4(198, 18, 0, 2), 40000}};

// splitmix64: a deterministic generator for the property runs.
struct Rng {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31U);
    }
    std::uint32_t u32() { return static_cast<std::uint32_t>(next()); }
};

// M spelled out as a byte string: local port (network order), two zero
// bytes, the count (network order), the local address (an IPv4 one padded
// with four zero bytes), the remote address, the remote port; SipHash-2-4's
// low 31 bits.
constexpr std::uint32_t reference_mac(const SipKey& k, const FourTuple& t, std::uint32_t count) {
    std::array<std::uint8_t, 48> b{};
    std::size_t n = 0;
    b[n++] = static_cast<std::uint8_t>(t.local.port >> 8U);
    b[n++] = static_cast<std::uint8_t>(t.local.port);
    n += 2;
    for (unsigned shift : {24U, 16U, 8U, 0U}) b[n++] = static_cast<std::uint8_t>(count >> shift);
    for (std::size_t i = 0; i < t.local.address.size(); ++i) b[n++] = t.local.address.bytes[i];
    if (t.local.address.is_v4()) n += 4;
    for (std::size_t i = 0; i < t.remote.address.size(); ++i) b[n++] = t.remote.address.bytes[i];
    b[n++] = static_cast<std::uint8_t>(t.remote.port >> 8U);
    b[n++] = static_cast<std::uint8_t>(t.remote.port);
    return static_cast<std::uint32_t>(siphash24(k, Bytes(b.data(), n))) & 0x7FFFFFFFU;
}

constexpr FourTuple flow6{{IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}), 443},
                          {IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0xabcd, 0, 2}), 51234}};

static_assert(SyncookieMac(key, flow.local, 0x12345678)(flow.remote) == reference_mac(key, flow, 0x12345678));
static_assert(SyncookieMac(key, flow6.local, 7)(flow6.remote) == reference_mac(key, flow6, 7));
// The cookie, term by term: peer ISN, the count's parity in bit 31, M + index below it.
static_assert(syncookie_make(key, flow, SeqNum{1000}, 3, 5).raw() ==
              1000U + (1U << 31U) + ((reference_mac(key, flow, 5) + 3U) & 0x7FFFFFFFU));

} // namespace

TEST_CASE("syncookie MAC is SipHash-2-4 of the listener's endpoint, the count and the remote endpoint", "[syncookie]") {
    Rng rng{42};
    for (int i = 0; i < 1000; ++i) {
        FourTuple t = (i % 2) ? flow6 : flow;
        t.remote.address.bytes[static_cast<std::size_t>(i) % t.remote.address.size()] = static_cast<std::uint8_t>(rng.u32());
        t.local.address.bytes[static_cast<std::size_t>(i) % t.local.address.size()] = static_cast<std::uint8_t>(rng.u32());
        t.remote.port = static_cast<std::uint16_t>(rng.u32());
        t.local.port = static_cast<std::uint16_t>(rng.u32());
        const SipKey k{rng.next(), rng.next()};
        const std::uint32_t count = rng.u32();
        const SyncookieMac mac(k, t.local, count);
        CHECK(mac.count() == count);
        CHECK(mac(t.remote) == reference_mac(k, t, count));
        // The whole count is hashed, not only the bits the cookie carries.
        CHECK(mac(t.remote) != SyncookieMac(k, t.local, count + 2)(t.remote));
        CHECK(mac(t.remote) != SyncookieMac(k, t.local, count ^ 0x80000000U)(t.remote));
    }
}

TEST_CASE("syncookie MSS tables round down like Linux", "[syncookie]") {
    STATIC_REQUIRE(syncookie_mss_index(IpFamily::V4, 1460) == 3);
    STATIC_REQUIRE(syncookie_mss_index(IpFamily::V4, 1459) == 2);
    STATIC_REQUIRE(syncookie_mss_index(IpFamily::V4, 1300) == 1);
    STATIC_REQUIRE(syncookie_mss_index(IpFamily::V4, 536) == 0);
    STATIC_REQUIRE(syncookie_mss_index(IpFamily::V4, 100) == 0);
    STATIC_REQUIRE(syncookie_mss_index(IpFamily::V4, 9000) == 3);
    STATIC_REQUIRE(syncookie_mss(IpFamily::V4, syncookie_mss_index(IpFamily::V4, 1400)) == 1300);
    STATIC_REQUIRE(syncookie_mss_index(IpFamily::V6, 1440) == 2);
    STATIC_REQUIRE(syncookie_mss(IpFamily::V6, syncookie_mss_index(IpFamily::V6, 1220)) == 1220);
    STATIC_REQUIRE(syncookie_mss(IpFamily::V6, syncookie_mss_index(IpFamily::V6, 9000)) == 8940);
}

TEST_CASE("syncookie round trip at compile time", "[syncookie]") {
    constexpr std::uint32_t count = 1234;
    constexpr SeqNum peer{0xdeadbeef};
    constexpr SeqNum c = syncookie_make(key, flow, peer, 2, count);
    STATIC_REQUIRE(syncookie_check(key, flow, peer, c, count) == Optional<std::uint8_t>{2});
    STATIC_REQUIRE(syncookie_check(key, flow, peer, c, count + 1) == Optional<std::uint8_t>{2});
    STATIC_REQUIRE_FALSE(syncookie_check(key, flow, peer, c, count + 2).has_value());
    // The peer ISN enters additively, as in Linux: a nearby ISN shifts the
    // recovered index (peer + 1 decodes as index 1), a farther one breaks it.
    STATIC_REQUIRE(syncookie_check(key, flow, peer + 1, c, count) == Optional<std::uint8_t>{1});
    STATIC_REQUIRE_FALSE(syncookie_check(key, flow, peer + 8, c, count).has_value());
    STATIC_REQUIRE_FALSE(syncookie_check(key, flow.reversed(), peer, c, count).has_value());
}

TEST_CASE("syncookie accepted for two periods, then refused", "[syncookie]") {
    Rng rng{42};
    for (int i = 0; i < 20000; ++i) {
        FourTuple t = flow;
        t.remote.address = IpAddress::v4(rng.u32());
        t.remote.port = static_cast<std::uint16_t>(rng.u32());
        const SeqNum peer{rng.u32()};
        const auto idx = static_cast<std::uint8_t>(rng.u32() & 3U);
        const std::uint32_t count = rng.u32(); // any counter value, wrap included
        const SeqNum c = syncookie_make(key, t, peer, idx, count);
        REQUIRE(syncookie_check(key, t, peer, c, count) == Optional<std::uint8_t>{idx});
        REQUIRE(syncookie_check(key, t, peer, c, count + 1) == Optional<std::uint8_t>{idx});
        REQUIRE_FALSE(syncookie_check(key, t, peer, c, count + 2).has_value());
        REQUIRE_FALSE(syncookie_check(key, t, peer, c, count - 1).has_value());
        const SipKey other{key.k0 ^ 1U, key.k1};
        // A different key accepts with probability ~2^-29; this seed does not.
        REQUIRE_FALSE(syncookie_check(other, t, peer, c, count).has_value());
    }
}

TEST_CASE("syncookie counter is 60 s periods", "[syncookie]") {
    STATIC_REQUIRE(syncookie_counter(Time{}) == 0);
    STATIC_REQUIRE(syncookie_counter(Time{} + Duration::seconds(59)) == 0);
    STATIC_REQUIRE(syncookie_counter(Time{} + Duration::seconds(60)) == 1);
    STATIC_REQUIRE(syncookie_counter(Time{} + Duration::seconds(3600)) == 60);
}

TEST_CASE("syncookie options ride in the TSval low bits and are never in the future", "[syncookie]") {
    STATIC_REQUIRE(syncookie_ts_encode({nullopt, false, false}) == 0xF);
    STATIC_REQUIRE(syncookie_ts_encode({std::uint8_t{7}, true, false}) == (7U | 16U));
    STATIC_REQUIRE(syncookie_ts_encode({std::uint8_t{14}, true, true}) == (14U | 16U | 32U));
    for (std::uint32_t clock : {0U, 1U, 63U, 64U, 100U, 1000000U, 0xFFFFFFFFU}) {
        for (int ws = -1; ws <= 14; ++ws) {
            for (int bits = 0; bits < 4; ++bits) {
                SyncookieOptions o;
                if (ws >= 0) o.window_scale = static_cast<std::uint8_t>(ws);
                o.sack = (bits & 1) != 0;
                o.ecn = (bits & 2) != 0;
                const std::uint32_t ts = syncookie_timestamp(clock, o);
                CAPTURE(clock, ws, bits, ts);
                // not in the future, and at most 64 ticks in the past
                REQUIRE(static_cast<std::int32_t>(clock - ts) >= 0);
                REQUIRE(clock - ts < 64U);
                REQUIRE(syncookie_ts_decode(ts) == o);
                // the echo arrives with the offset added, the listener subtracts it
                const std::uint32_t offset = 0x12345678U;
                REQUIRE(syncookie_ts_decode((ts + offset) - offset) == o);
            }
        }
    }
    // A shift above 14 on the wire is kept as 14 (RFC 7323 §2.3).
    STATIC_REQUIRE(syncookie_ts_decode(syncookie_timestamp(1000, {std::uint8_t{15}, false, false})).window_scale ==
                   Optional<std::uint8_t>{14});
}

TEST_CASE("syncookie forgery: 10,000,000 random ACKs against one key", "[syncookie][forgery]") {
    // A blind attacker picks SEG.SEQ and SEG.ACK at random for a flow. The
    // parity bit names a period, and the 31 bits below it must decode to an
    // index < 4 under that period's secret MAC: 4/2^31 = 2^-29 per ACK,
    // 0.019 expected in 10^7.
    constexpr int n = 10'000'000;
    Rng rng{20261201};
    const std::uint32_t count = 777;
    int accepted_random = 0;
    for (int i = 0; i < n; ++i) {
        const SeqNum peer{rng.u32()};
        const SeqNum ack{rng.u32()};
        if (syncookie_check(key, flow, peer, ack, count)) ++accepted_random;
    }
    // An attacker who knows the period and sets the parity bit right does
    // no better: the 31 bits are the MAC's (Linux's cookie, to one that
    // knows H0 of the flow, leaves 24: 4/2^24 = 2^-22).
    int accepted_period_known = 0;
    const SeqNum peer{0x01020304};
    const std::uint32_t base = peer.raw() + ((count & 1U) << syncookie_bits);
    for (int i = 0; i < n; ++i) {
        const SeqNum ack{base + (rng.u32() & syncookie_mask)};
        if (syncookie_check(key, flow, peer, ack, count)) ++accepted_period_known;
    }
    std::printf("syncookie forgery: %d of %d random ACKs accepted, %d of %d with the period known "
                "(expected %.3f each at 2^-29)\n",
                accepted_random, n, accepted_period_known, n, n / 536870912.0);
    CHECK(accepted_random <= 2);
    CHECK(accepted_period_known <= 2); // Poisson(0.019): P(> 2) ~ 1e-6; the seed is fixed
}
