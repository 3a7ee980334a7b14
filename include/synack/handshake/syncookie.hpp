// synack/handshake/syncookie.hpp — SYN cookies: a stateless SYN-ACK whose
// sequence number encodes what the listener must remember.
//
// Linux's scheme (net/ipv4/syncookies.c, secure_tcp_syn_cookie() and
// check_tcp_syn_cookie(); RFC 4987 §3.6 describes the idea):
//
//   cookie = H0(flow) + peer ISN + (count << 24)
//            + ((H1(flow, count) + mss_index) mod 2^24)
//
// H0, H1 keyed SipHash-2-4 (see CookieHasher below), `count` the number of
// 60 s periods since the caller's epoch, kept in the top 8 bits and accepted
// for 2 periods (MAX_SYNCOOKIE_AGE). The 2-bit MSS index selects from a
// per-family table; an ACK is valid when the recovered count is recent and
// the recovered index is < 4, so a blind forger who guesses the period wins
// with probability 4 / 2^24 = 2^-22 per try, and one who does not with
// 2 / 256 * 2^-22 = 2^-29.
//
// When the SYN carried timestamps, the SYN-ACK's TSval holds the rest of the
// SYN's options in its low 6 bits (cookie_init_timestamp()): window scale
// (4 bits, 0xF = none), SACK-permitted (bit 4), ECN (bit 5), rounded down so
// the TSval is never in the future; the ACK echoes it in TSecr
// (cookie_timestamp_decode()). Without timestamps only the MSS survives.
//
// Pure constexpr functions; keys come from the caller.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/seq.hpp"
#include "synack/core/siphash.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/isn.hpp"
#include "synack/wire/address.hpp"

namespace synack {

inline constexpr unsigned syncookie_bits = 24;                                  // COOKIEBITS
inline constexpr std::uint32_t syncookie_mask = (std::uint32_t{1} << syncookie_bits) - 1;
inline constexpr std::uint32_t syncookie_max_age = 2;                           // MAX_SYNCOOKIE_AGE
inline constexpr Duration syncookie_period = Duration::seconds(60);             // TCP_SYNCOOKIE_PERIOD
// Linux TCP_SYNCOOKIE_VALID: cookies are checked only this long after the
// listener last sent one (tcp_synq_no_recent_overflow()).
inline constexpr Duration syncookie_valid = Duration::seconds(120);

// Linux msstab[] (IPv4) and msstab[] of syncookies.c's IPv6 twin
// (net/ipv6/syncookies.c: 1280-60, 1480-60, 1500-60, 9000-60).
inline constexpr Array<std::uint16_t, 4> syncookie_mss_v4{536, 1300, 1440, 1460};
inline constexpr Array<std::uint16_t, 4> syncookie_mss_v6{1220, 1420, 1440, 8940};

[[nodiscard]] constexpr const Array<std::uint16_t, 4>& syncookie_mss_table(IpFamily f) noexcept {
    return f == IpFamily::V4 ? syncookie_mss_v4 : syncookie_mss_v6;
}

// The largest table entry not above the peer's MSS (entry 0 if all are):
// the cookie connection then uses msstab[index], as Linux does.
[[nodiscard]] constexpr std::uint8_t syncookie_mss_index(IpFamily f, std::uint16_t peer_mss) noexcept {
    const auto& t = syncookie_mss_table(f);
    std::uint8_t i = 3;
    while (i > 0 && peer_mss < t[i]) --i;
    return i;
}

[[nodiscard]] constexpr std::uint16_t syncookie_mss(IpFamily f, std::uint8_t index) noexcept {
    return syncookie_mss_table(f)[index & 3U];
}

// tcp_cookie_time(): 60 s periods since the caller's epoch.
[[nodiscard]] constexpr std::uint32_t syncookie_counter(Time now) noexcept {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.ns) /
                                      static_cast<std::uint64_t>(syncookie_period.ns));
}

namespace detail {
// H0 and H1 of one flow. H0 = SipHash-2-4(key, remote address, local address,
// remote port, local port); H1 = SipHash-2-4 of the same bytes followed by
// the low 24 bits of count (big-endian). The addresses fill whole SipHash
// words (8 or 32 bytes), so the two hashes share their compression and each
// ends with one final block: 14 SipRounds for both over IPv4, where two
// separate hashes of Linux's inputs take 20. Distinct message lengths keep
// H0 and H1 independent outputs of the keyed PRF. (Linux: the same two
// hashes, each over its own buffer, cookie_hash(saddr, daddr, sport, dport,
// count, c).)
class CookieHasher {
  public:
    constexpr CookieHasher(const SipKey& key, const FourTuple& t) noexcept : s_(key) {
        const IpAddress& r = t.remote.address;
        const IpAddress& l = t.local.address;
        if (r.is_v4()) {
            s_.compress(load_le32(r.bytes, 0) | (std::uint64_t{load_le32(l.bytes, 0)} << 32U));
            length_ = 8;
        } else {
            s_.compress(load_le64(r.bytes, 0));
            s_.compress(load_le64(r.bytes, 8));
            s_.compress(load_le64(l.bytes, 0));
            s_.compress(load_le64(l.bytes, 8));
            length_ = 32;
        }
        // The ports' four bytes in message order, packed little-endian.
        const std::uint32_t rp = t.remote.port;
        const std::uint32_t lp = t.local.port;
        ports_ = (rp >> 8U) | ((rp & 0xFFU) << 8U) | ((lp >> 8U) << 16U) | ((lp & 0xFFU) << 24U);
    }
    [[nodiscard]] constexpr std::uint32_t h0() const noexcept {
        SipState s = s_;
        return static_cast<std::uint32_t>(s.finish(ports_, length_ + 4));
    }
    [[nodiscard]] constexpr std::uint32_t h1(std::uint32_t count) const noexcept {
        SipState s = s_;
        const std::uint64_t c = (static_cast<std::uint64_t>((count >> 16U) & 0xFFU) << 32U) |
                                (static_cast<std::uint64_t>((count >> 8U) & 0xFFU) << 40U) |
                                (static_cast<std::uint64_t>(count & 0xFFU) << 48U);
        return static_cast<std::uint32_t>(s.finish(ports_ | c, length_ + 7));
    }

  private:
    SipState s_;
    std::uint64_t ports_ = 0;
    std::uint64_t length_ = 0;
};
} // namespace detail

// The cookie (our ISS) for a SYN from t.remote to t.local whose sequence
// number was `peer_isn`. `data` is the 2-bit MSS index. `counter` is
// syncookie_counter(now).
[[nodiscard]] constexpr SeqNum syncookie_make(const SipKey& key, const FourTuple& t, SeqNum peer_isn,
                                              std::uint8_t data, std::uint32_t counter) noexcept {
    const detail::CookieHasher h(key, t);
    return SeqNum(h.h0() + peer_isn.raw() + (counter << syncookie_bits) + ((h.h1(counter) + data) & syncookie_mask));
}

// check_tcp_syn_cookie(): the MSS index if `cookie` (SEG.ACK - 1 of the
// completing ACK) was made for this flow and peer ISN (SEG.SEQ - 1) within
// the last syncookie_max_age periods; nullopt otherwise.
[[nodiscard]] constexpr Optional<std::uint8_t> syncookie_check(const SipKey& key, const FourTuple& t,
                                                                    SeqNum peer_isn, SeqNum cookie,
                                                                    std::uint32_t counter) noexcept {
    const detail::CookieHasher h(key, t);
    const std::uint32_t c = cookie.raw() - (h.h0() + peer_isn.raw());
    const std::uint32_t diff = (counter - (c >> syncookie_bits)) & (0xFFFFFFFFU >> syncookie_bits);
    if (diff >= syncookie_max_age) return nullopt;
    const std::uint32_t data = (c - h.h1(counter - diff)) & syncookie_mask;
    if (data >= syncookie_mss_v4.size()) return nullopt;
    return static_cast<std::uint8_t>(data);
}

// ---- options in the timestamp (cookie_init_timestamp(), TSBITS = 6) ----

inline constexpr unsigned syncookie_ts_bits = 6;
inline constexpr std::uint32_t syncookie_ts_wscale_none = 0xF; // TS_OPT_WSCALE_MASK
inline constexpr std::uint32_t syncookie_ts_sack = 1U << 4;    // TS_OPT_SACK
inline constexpr std::uint32_t syncookie_ts_ecn = 1U << 5;     // TS_OPT_ECN

// The SYN options a cookie connection keeps (beyond the MSS).
struct SyncookieOptions {
    Optional<std::uint8_t> window_scale; // the peer's shift (0..14), nullopt = none
    bool sack = false;
    bool ecn = false;
    friend constexpr bool operator==(const SyncookieOptions&, const SyncookieOptions&) = default;
};

[[nodiscard]] constexpr std::uint32_t syncookie_ts_encode(const SyncookieOptions& o) noexcept {
    std::uint32_t bits = o.window_scale ? (*o.window_scale > 14 ? 14U : *o.window_scale) : syncookie_ts_wscale_none;
    if (o.sack) bits |= syncookie_ts_sack;
    if (o.ecn) bits |= syncookie_ts_ecn;
    return bits;
}

// The TS clock value (before the per-flow offset is added) to send in a
// cookie SYN-ACK: `clock` with its low 6 bits replaced by the options, one
// step of 64 back when that would be in the future.
[[nodiscard]] constexpr std::uint32_t syncookie_timestamp(std::uint32_t clock, const SyncookieOptions& o) noexcept {
    std::uint32_t ts = (clock >> syncookie_ts_bits) << syncookie_ts_bits;
    ts |= syncookie_ts_encode(o);
    if (ts > clock) ts -= 1U << syncookie_ts_bits;
    return ts;
}

// cookie_timestamp_decode(): `echo` is the ACK's TSecr minus our TS offset.
[[nodiscard]] constexpr SyncookieOptions syncookie_ts_decode(std::uint32_t echo) noexcept {
    SyncookieOptions o;
    o.sack = (echo & syncookie_ts_sack) != 0;
    o.ecn = (echo & syncookie_ts_ecn) != 0;
    const std::uint32_t ws = echo & syncookie_ts_wscale_none;
    if (ws != syncookie_ts_wscale_none) o.window_scale = static_cast<std::uint8_t>(ws > 14 ? 14 : ws);
    return o;
}

} // namespace synack
