// Tests for synack/handshake/isn.hpp: RFC 6528 §3 ISNs (a 4 µs clock plus
// SipHash-2-4 of the 4-tuple) and the RFC 7323 §5.4 timestamp clock and
// per-address-pair offset. The hash inputs are spelled out byte by byte here,
// independently of the header's own gathering code.
#include "synack/handshake/isn.hpp"

#include <array>
#include <cstdint>

#include "synack_test.hpp"

using namespace synack;

namespace {

// Key bytes 00 01 .. 0f, as in the SipHash reference vectors.
constexpr SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
constexpr SipKey other_key{0x0706050403020101ULL, 0x0f0e0d0c0b0a0908ULL};

// Capture a's flow: 198.18.0.1:40000 -> 198.18.0.2:5001.
constexpr IpAddress v4_local = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress v4_remote = IpAddress::v4(198, 18, 0, 2);
constexpr FourTuple v4_flow{{v4_local, 40000}, {v4_remote, 5001}};

// The RFC 6528 input for v4_flow: family, local address, local port (big
// endian), family, remote address, remote port.
constexpr std::array<std::uint8_t, 14> v4_flow_bytes{
    4, 198, 18, 0, 1, 0x9c, 0x40, // 40000 = 0x9c40
    4, 198, 18, 0, 2, 0x13, 0x89, // 5001 = 0x1389
};

// 2001:db8::1:443 -> 2001:db8::2:50000.
constexpr IpAddress v6_local = IpAddress::v6_groups({0x2001, 0x0db8, 0, 0, 0, 0, 0, 1});
constexpr IpAddress v6_remote = IpAddress::v6_groups({0x2001, 0x0db8, 0, 0, 0, 0, 0, 2});
constexpr FourTuple v6_flow{{v6_local, 443}, {v6_remote, 50000}};

constexpr std::array<std::uint8_t, 38> v6_flow_bytes{
    6, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb, // 443
    6, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xc3, 0x50, // 50000
};

// The timestamp offset input: the local address padded to whole 8-byte
// words, then the remote address; no ports.
constexpr std::array<std::uint8_t, 12> v4_pair_bytes{198, 18, 0, 1, 0, 0, 0, 0, 198, 18, 0, 2};
constexpr std::array<std::uint8_t, 32> v6_pair_bytes{
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
};

template <std::size_t N>
constexpr std::uint32_t low32_siphash(const SipKey& k, const std::array<std::uint8_t, N>& b) noexcept {
    return static_cast<std::uint32_t>(siphash24(k, Bytes(b.data(), N)));
}

// One 4 µs tick and one full turn of the 32-bit 4 µs clock, in nanoseconds.
constexpr std::int64_t tick_ns = 4000;
constexpr std::int64_t isn_wrap_ns = (std::int64_t{1} << 32) * tick_ns; // ~4.77 h
constexpr std::int64_t ts_wrap_ns = (std::int64_t{1} << 32) * 1000000;  // ~49.7 days

} // namespace

// Compile-time evaluation of every function in the header.
static_assert(isn_hash(key, v4_flow) == low32_siphash(key, v4_flow_bytes));
static_assert(isn_hash(key, v6_flow) == low32_siphash(key, v6_flow_bytes));
static_assert(isn_clock(Time{8000}) == 2);
static_assert(initial_sequence_number(key, v4_flow, Time{400000}) ==
              static_cast<std::uint32_t>(100U + low32_siphash(key, v4_flow_bytes)));
static_assert(timestamp_offset(key, v4_local, v4_remote) == low32_siphash(key, v4_pair_bytes));
static_assert(timestamp_clock(Time{2500000}) == 2);

TEST_CASE("isn: isn_hash is SipHash-2-4 of the RFC 6528 byte string (IPv4)", "[isn]") {
    CHECK(isn_hash(key, v4_flow) == low32_siphash(key, v4_flow_bytes));
    // The same bytes streamed field by field through SipHasher.
    const std::uint64_t streamed = SipHasher(key)
                                       .add_u8(4)
                                       .add_u32(0xc6120001U)
                                       .add_u16(40000)
                                       .add_u8(4)
                                       .add_u32(0xc6120002U)
                                       .add_u16(5001)
                                       .finish();
    CHECK(isn_hash(key, v4_flow) == static_cast<std::uint32_t>(streamed));
    // The key is used: another key gives another hash.
    CHECK(isn_hash(other_key, v4_flow) == low32_siphash(other_key, v4_flow_bytes));
    CHECK(isn_hash(other_key, v4_flow) != isn_hash(key, v4_flow));
}

TEST_CASE("isn: isn_hash is SipHash-2-4 of the RFC 6528 byte string (IPv6)", "[isn]") {
    CHECK(isn_hash(key, v6_flow) == low32_siphash(key, v6_flow_bytes));
    CHECK(isn_hash(other_key, v6_flow) == low32_siphash(other_key, v6_flow_bytes));
    CHECK(isn_hash(key, v6_flow) != isn_hash(key, v4_flow));
}

TEST_CASE("isn: every field of the 4-tuple and the key change the ISN", "[isn]") {
    const Time now{123456789};
    const std::uint32_t base = initial_sequence_number(key, v4_flow, now);

    FourTuple t = v4_flow;
    t.local.port = 40001;
    CHECK(initial_sequence_number(key, t, now) != base);

    t = v4_flow;
    t.remote.port = 5002;
    CHECK(initial_sequence_number(key, t, now) != base);

    t = v4_flow;
    t.local.address = IpAddress::v4(198, 18, 0, 3);
    CHECK(initial_sequence_number(key, t, now) != base);

    t = v4_flow;
    t.remote.address = IpAddress::v4(198, 18, 0, 3);
    CHECK(initial_sequence_number(key, t, now) != base);

    // Direction matters: the peer's view of the same flow hashes differently.
    CHECK(initial_sequence_number(key, v4_flow.reversed(), now) != base);
    // Swapping only the ports (a symmetric-looking tuple) also differs.
    t = v4_flow;
    t.local.port = v4_flow.remote.port;
    t.remote.port = v4_flow.local.port;
    CHECK(initial_sequence_number(key, t, now) != base);

    CHECK(initial_sequence_number(other_key, v4_flow, now) != base);
    // Same inputs, same ISN: it is a function, with no hidden state.
    CHECK(initial_sequence_number(key, FourTuple{{v4_local, 40000}, {v4_remote, 5001}}, now) == base);
}

TEST_CASE("isn: the ISN is the 4 µs clock plus the hash, modulo 2^32", "[isn]") {
    const std::uint32_t f = isn_hash(key, v4_flow);
    for (const std::int64_t ns : {std::int64_t{0}, std::int64_t{3999}, std::int64_t{4000}, std::int64_t{1000000000},
                                  isn_wrap_ns - 1, isn_wrap_ns + 5 * tick_ns}) {
        INFO("now " << ns << " ns");
        CHECK(initial_sequence_number(key, v4_flow, Time{ns}) == static_cast<std::uint32_t>(isn_clock(Time{ns}) + f));
    }
    // At time zero the ISN is the hash itself.
    CHECK(initial_sequence_number(key, v4_flow, Time{0}) == f);
    // One second later it has moved by 250000 ticks.
    const Time t0{777777777};
    CHECK(initial_sequence_number(key, v4_flow, t0 + Duration::seconds(1)) -
              initial_sequence_number(key, v4_flow, t0) ==
          250000U);
}

TEST_CASE("isn: isn_clock ticks every 4 µs and wraps after 2^32 ticks", "[isn]") {
    CHECK(isn_clock(Time{0}) == 0U);
    CHECK(isn_clock(Time{tick_ns - 1}) == 0U);
    CHECK(isn_clock(Time{tick_ns}) == 1U);
    CHECK(isn_clock(Time{2 * tick_ns - 1}) == 1U);
    CHECK(isn_clock(Time{2 * tick_ns}) == 2U);
    CHECK(isn_clock(Time{} + Duration::microseconds(4)) == 1U);
    CHECK(isn_clock(Time{} + Duration::milliseconds(1)) == 250U);
    CHECK(isn_clock(Time{} + Duration::seconds(1)) == 250000U);
    // The last tick before the wrap, the wrap, and one tick after it.
    CHECK(isn_clock(Time{isn_wrap_ns - 1}) == 0xFFFFFFFFU);
    CHECK(isn_clock(Time{isn_wrap_ns}) == 0U);
    CHECK(isn_clock(Time{isn_wrap_ns + tick_ns}) == 1U);
    // ~4.77 hours: the wrap is 17179.869184 s.
    CHECK(isn_clock(Time{} + Duration::seconds(17179)) == 4294750000U);
    CHECK(isn_clock(Time{} + Duration::seconds(17180)) == 32704U);
}

TEST_CASE("isn: timestamp_offset hashes the address pair, without ports", "[isn][timestamps]") {
    CHECK(timestamp_offset(key, v4_local, v4_remote) == low32_siphash(key, v4_pair_bytes));
    CHECK(timestamp_offset(key, v6_local, v6_remote) == low32_siphash(key, v6_pair_bytes));
    CHECK(timestamp_offset(other_key, v4_local, v4_remote) == low32_siphash(other_key, v4_pair_bytes));
    CHECK(timestamp_offset(other_key, v4_local, v4_remote) != timestamp_offset(key, v4_local, v4_remote));

    // Not the ISN hash: the ports are not part of it.
    CHECK(timestamp_offset(key, v4_local, v4_remote) != isn_hash(key, v4_flow));

    // Per address pair: another peer, or the other direction, differs.
    CHECK(timestamp_offset(key, v4_local, IpAddress::v4(198, 18, 0, 3)) != timestamp_offset(key, v4_local, v4_remote));
    CHECK(timestamp_offset(key, IpAddress::v4(198, 18, 0, 3), v4_remote) != timestamp_offset(key, v4_local, v4_remote));
    CHECK(timestamp_offset(key, v4_remote, v4_local) != timestamp_offset(key, v4_local, v4_remote));
    CHECK(timestamp_offset(key, v4_remote, v4_local) ==
          low32_siphash(key, std::array<std::uint8_t, 12>{198, 18, 0, 2, 0, 0, 0, 0, 198, 18, 0, 1}));
    CHECK(timestamp_offset(key, v6_remote, v6_local) != timestamp_offset(key, v6_local, v6_remote));

    // The padding is part of the input: the bare addresses hash differently.
    const std::array<std::uint8_t, 8> unpadded{198, 18, 0, 1, 198, 18, 0, 2};
    CHECK(timestamp_offset(key, v4_local, v4_remote) != low32_siphash(key, unpadded));
    // A listener's cached half gives the same offsets.
    const TimestampOffsets mine(key, v6_local);
    CHECK(mine(v6_remote) == timestamp_offset(key, v6_local, v6_remote));
    CHECK(TimestampOffsets(key, v4_local)(v4_remote) == timestamp_offset(key, v4_local, v4_remote));
}

TEST_CASE("isn: timestamp_clock is a 1 ms clock that wraps after 2^32 ms", "[isn][timestamps]") {
    CHECK(timestamp_clock(Time{0}) == 0U);
    CHECK(timestamp_clock(Time{999999}) == 0U);
    CHECK(timestamp_clock(Time{1000000}) == 1U);
    CHECK(timestamp_clock(Time{} + Duration::milliseconds(1) + Duration::microseconds(999)) == 1U);
    CHECK(timestamp_clock(Time{} + Duration::seconds(1)) == 1000U);
    CHECK(timestamp_clock(Time{} + Duration::seconds(3600)) == 3600000U);
    CHECK(timestamp_clock(Time{ts_wrap_ns - 1}) == 0xFFFFFFFFU);
    CHECK(timestamp_clock(Time{ts_wrap_ns}) == 0U);
    CHECK(timestamp_clock(Time{ts_wrap_ns + 1000000}) == 1U);
    // TSval = clock + offset advances by one per millisecond.
    const std::uint32_t off = timestamp_offset(key, v4_local, v4_remote);
    const Time t0{5000000123};
    const auto tsval = [&](Time t) { return static_cast<std::uint32_t>(timestamp_clock(t) + off); };
    CHECK(tsval(t0 + Duration::milliseconds(7)) - tsval(t0) == 7U);
}

TEST_CASE("isn: Secrets compare by all three keys", "[isn]") {
    Secrets a;
    a.isn_key = key;
    Secrets b = a;
    CHECK(a == b);
    b.ts_key = other_key;
    CHECK_FALSE(a == b);
    b = a;
    b.cookie_key = other_key;
    CHECK_FALSE(a == b);
    b = a;
    b.isn_key = other_key;
    CHECK_FALSE(a == b);
}
