// synack/handshake/isn.hpp — initial sequence numbers and timestamp offsets.
//
// RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, key),
// M a 4 µs clock and F a keyed PRF (SipHash-2-4, as Linux's secure_tcp_seq()
// uses). RFC 7323 §5.4 / Linux secure_tcp_ts_off(): the timestamp clock runs
// at 1 ms with a per-address-pair offset from a second keyed hash, so TSval
// does not leak uptime and differs across peers. The caller supplies the keys;
// nothing here reads entropy or a clock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/siphash.hpp"
#include "synack/core/time.hpp"
#include "synack/wire/address.hpp"

namespace synack {

struct Secrets {
    SipKey isn_key{};
    SipKey ts_key{};
    SipKey cookie_key{}; // SYN cookies (handshake/syncookie.hpp)
    friend constexpr bool operator==(const Secrets&, const Secrets&) = default;
};

namespace detail {
// The hash input of an address: family byte, then the address bytes, pushed
// in 4-byte pieces so the hasher stays in registers (byte-wise input costs
// twice as much, and a gathered buffer stalls on store forwarding).
constexpr SipHasher& add_address(SipHasher& h, const IpAddress& a) noexcept {
    h.add_u8(static_cast<std::uint8_t>(a.family));
    for (std::size_t i = 0; i < a.size(); i += 4) h.add_u32(load_be32(a.bytes, i));
    return h;
}

// An address as whole SipHash words (an IPv4 address and 4 zero bytes, or
// the two words of an IPv6 one) into `s`; returns the bytes compressed.
constexpr std::uint64_t compress_address(SipState& s, const IpAddress& a) noexcept {
    if (a.is_v4()) {
        s.compress(load_le32(a.bytes, 0));
        return 8;
    }
    s.compress(load_le64(a.bytes, 0));
    s.compress(load_le64(a.bytes, 8));
    return 16;
}
} // namespace detail

// The index hash of a flow table (TcpEndpoint's flows, a Listener's
// half-open entries): keyed SipHash-1-3 of the 4-tuple, its words packed
// straight from the addresses and ports (remote address, local address,
// then remote and local port); the family is in the length. A table's hash,
// not a PRF: ISNs, cookies and timestamp offsets stay SipHash-2-4.
[[nodiscard]] constexpr std::uint64_t flow_table_hash(const SipKey& key, const FourTuple& t) noexcept {
    const IpAddress& r = t.remote.address;
    const IpAddress& l = t.local.address;
    const std::uint64_t ports = (std::uint64_t{t.remote.port} << 16U) | t.local.port;
    if (r.is_v4()) {
        const std::uint64_t w[1] = {load_le32(r.bytes, 0) | (std::uint64_t{load_le32(l.bytes, 0)} << 32U)};
        return siphash13_words(key, w, ports, 12);
    }
    const std::uint64_t w[4] = {load_le64(r.bytes, 0), load_le64(r.bytes, 8), load_le64(l.bytes, 0),
                                load_le64(l.bytes, 8)};
    return siphash13_words(key, w, ports, 36);
}

// F(): the keyed hash of the 4-tuple, in RFC 6528's argument order
// (family, local address, local port, family, remote address, remote port).
[[nodiscard]] constexpr std::uint32_t isn_hash(const SipKey& key, const FourTuple& t) noexcept {
    SipHasher h(key);
    detail::add_address(h, t.local.address).add_u16(t.local.port);
    detail::add_address(h, t.remote.address).add_u16(t.remote.port);
    return static_cast<std::uint32_t>(h.finish());
}

// M: the 4 µs clock of RFC 6528 §3 (wraps every ~4.77 hours).
[[nodiscard]] constexpr std::uint32_t isn_clock(Time now) noexcept {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.ns) / 4000U);
}

[[nodiscard]] constexpr std::uint32_t initial_sequence_number(const SipKey& key, const FourTuple& t, Time now) noexcept {
    return isn_clock(now) + isn_hash(key, t);
}

// Per address pair, as Linux (ports excluded, so all flows between two hosts
// share one timestamp clock and PAWS works across them). The message: the
// local address padded to whole 8-byte words (4 zero bytes after an IPv4
// address), then the remote address; the family is in the length (12 or
// 32 bytes). The local words come first so a listener hashes them once
// (TimestampOffsets) and each SYN-ACK costs the remote address only.
class TimestampOffsets {
  public:
    constexpr TimestampOffsets(const SipKey& key, const IpAddress& local) noexcept
        : s_(key), length_(detail::compress_address(s_, local)) {}

    // The offset towards `remote`.
    [[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint32_t operator()(const IpAddress& remote) const noexcept {
        detail::SipState s = s_;
        if (remote.is_v4()) return static_cast<std::uint32_t>(s.finish(load_le32(remote.bytes, 0), length_ + 4));
        s.compress(load_le64(remote.bytes, 0));
        s.compress(load_le64(remote.bytes, 8));
        return static_cast<std::uint32_t>(s.finish(0, length_ + 16));
    }

  private:
    detail::SipState s_;
    std::uint64_t length_ = 0;
};

[[nodiscard]] constexpr std::uint32_t timestamp_offset(const SipKey& key, const IpAddress& local,
                                                       const IpAddress& remote) noexcept {
    return TimestampOffsets(key, local)(remote);
}

// The 1 ms timestamp clock (RFC 7323 §5.4: between 1 ms and 1 s per tick).
[[nodiscard]] constexpr std::uint32_t timestamp_clock(Time now) noexcept {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.ns) / 1000000U);
}

} // namespace synack
