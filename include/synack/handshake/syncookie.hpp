// synack/handshake/syncookie.hpp — SYN cookies: a stateless SYN-ACK whose
// sequence number encodes what the listener must remember.
//
// Linux's cookie (net/ipv4/syncookies.c, secure_tcp_syn_cookie(); RFC 4987
// §3.6 describes the idea) is H0(flow) + peer ISN + (count << 24) +
// ((H1(flow, count) + mss_index) mod 2^24): two keyed hashes per SYN, the
// 60 s period count in the top byte. synack keeps what it encodes and how
// long it lives, with one hash:
//
//   cookie = peer ISN + (count mod 2) * 2^31 + ((M + mss_index) mod 2^31)
//   M      = low 31 bits of SipHash-2-4(key, local endpoint, count,
//                                       remote endpoint)      (SyncookieMac)
//
// The count enters the MAC whole; only its parity rides in the clear, and
// picks which of the two live periods (MAX_SYNCOOKIE_AGE = 2: this one and
// the last) the check hashes. A blind forger wins with probability
// 4 / 2^31 = 2^-29 per try, as with Linux's; one that saw a cookie of the
// flow in an earlier period also 2^-29 (with Linux's, which then reveals
// H0: 4/2^24 = 2^-22). As in Linux, the peer ISN is added, not hashed: a
// cookie seen within its period answers any ISN of the same flow.
//
// The MAC's first words are the listener's own endpoint and the count,
// which a listener hashes once per period: a SYN then costs the remote
// endpoint's words only, 6 SipRounds for IPv4 where Linux's two hashes take
// 20. The 2-bit MSS index selects from a per-family table; an ACK is valid
// when its index decodes < 4.
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

inline constexpr unsigned syncookie_bits = 31;                                  // the MAC's (Linux COOKIEBITS: 24)
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

// M's hasher for one listener endpoint and one period: its words (the
// local port and the count, then the local address padded to whole words)
// are compressed here, once; operator() finishes with the remote endpoint.
// The message, byte by byte: local port (2, network order), 0, 0, count (4,
// network order), local address (4 or 16), 4 zero bytes after an IPv4
// address, remote address, remote port (2, network order).
class SyncookieMac {
  public:
    constexpr SyncookieMac(const SipKey& key, const Endpoint& local, std::uint32_t count) noexcept
        : s_(key), count_(count) {
        s_.compress(detail::wire16(local.port) | (detail::wire32(count) << 32U));
        length_ = 8 + detail::compress_address(s_, local.address);
    }

    [[nodiscard]] constexpr std::uint32_t count() const noexcept { return count_; }

    // M for a SYN (or its ACK) from `remote`.
    [[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint32_t operator()(const Endpoint& remote) const noexcept {
        detail::SipState s = s_;
        const std::uint64_t port = detail::wire16(remote.port);
        const IpAddress& a = remote.address;
        if (a.is_v4()) {
            return static_cast<std::uint32_t>(s.finish(load_le32(a.bytes, 0) | (port << 32U), length_ + 6)) &
                   syncookie_mask;
        }
        s.compress(load_le64(a.bytes, 0));
        s.compress(load_le64(a.bytes, 8));
        return static_cast<std::uint32_t>(s.finish(port, length_ + 18)) & syncookie_mask;
    }

  private:
    detail::SipState s_;
    std::uint64_t length_ = 0;
    std::uint32_t count_ = 0;
};

// The cookie (our ISS) for a SYN from `remote` whose sequence number was
// `peer_isn`, under `mac` (the listener's endpoint, the current period).
// `data` is the 2-bit MSS index.
[[nodiscard]] constexpr SeqNum syncookie_make(const SyncookieMac& mac, const Endpoint& remote, SeqNum peer_isn,
                                              std::uint8_t data) noexcept {
    return SeqNum(peer_isn.raw() + ((mac.count() & 1U) << syncookie_bits) + ((mac(remote) + data) & syncookie_mask));
}

// The period a cookie claims at `counter` (syncookie_counter(now)): this
// one or the last, by the parity the cookie carries. Its MAC is checked
// under that period's SyncookieMac.
// (One parity bit tells MAX_SYNCOOKIE_AGE periods apart only for two.)
static_assert(syncookie_max_age == 2);
[[nodiscard]] constexpr std::uint32_t syncookie_count_of(SeqNum peer_isn, SeqNum cookie, std::uint32_t counter) noexcept {
    const std::uint32_t parity = (cookie.raw() - peer_isn.raw()) >> syncookie_bits;
    return (counter & 1U) == parity ? counter : counter - 1U;
}

// check_tcp_syn_cookie(): the MSS index if `cookie` (SEG.ACK - 1 of the
// completing ACK) was made under `mac` for this remote and peer ISN (SEG.SEQ
// - 1); nullopt otherwise. `mac` is the period syncookie_count_of() names.
[[nodiscard]] constexpr Optional<std::uint8_t> syncookie_check(const SyncookieMac& mac, const Endpoint& remote,
                                                                    SeqNum peer_isn, SeqNum cookie) noexcept {
    const std::uint32_t c = cookie.raw() - peer_isn.raw();
    if ((c >> syncookie_bits) != (mac.count() & 1U)) return nullopt;
    const std::uint32_t data = (c - mac(remote)) & syncookie_mask;
    if (data >= syncookie_mss_v4.size()) return nullopt;
    return static_cast<std::uint8_t>(data);
}

// The same without a listener's cached MAC: `counter` is syncookie_counter(now).
[[nodiscard]] constexpr SeqNum syncookie_make(const SipKey& key, const FourTuple& t, SeqNum peer_isn,
                                              std::uint8_t data, std::uint32_t counter) noexcept {
    return syncookie_make(SyncookieMac(key, t.local, counter), t.remote, peer_isn, data);
}

[[nodiscard]] constexpr Optional<std::uint8_t> syncookie_check(const SipKey& key, const FourTuple& t,
                                                                    SeqNum peer_isn, SeqNum cookie,
                                                                    std::uint32_t counter) noexcept {
    const SyncookieMac mac(key, t.local, syncookie_count_of(peer_isn, cookie, counter));
    return syncookie_check(mac, t.remote, peer_isn, cookie);
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
