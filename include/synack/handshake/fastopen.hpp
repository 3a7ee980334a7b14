// synack/handshake/fastopen.hpp — TCP Fast Open cookies (RFC 7413).
//
// Server side (RFC 7413 §4.1.2): the cookie is a MAC of the client's IP
// address under a server secret. As Linux (net/ipv4/tcp_fastopen.c,
// __tcp_fastopen_cookie_gen_cipher()): SipHash-2-4 over the client and
// server addresses, 8 bytes (TCP_FASTOPEN_COOKIE_SIZE); a primary and a
// backup key (TCP_FASTOPEN_KEY_MAX = 2), so that a key can rotate without
// invalidating the cookies clients hold: a cookie valid under either key is
// accepted, and one valid only under the backup is answered with a fresh
// primary cookie (tcp_fastopen_cookie_gen_check() returning 2).
//
// Client side (RFC 7413 §4.1.3): a fixed-capacity cache of cookies keyed by
// server address, with the server's MSS, replacing the oldest entry when
// full (Linux keeps them in the tcp metrics cache). No allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/siphash.hpp"
#include "synack/handshake/isn.hpp"
#include "synack/wire/address.hpp"

namespace synack {

inline constexpr std::size_t fastopen_cookie_size = 8; // Linux TCP_FASTOPEN_COOKIE_SIZE

using FastOpenCookie = Array<std::uint8_t, fastopen_cookie_size>;

struct FastOpenKeys {
    SipKey primary{};
    Optional<SipKey> backup{};
    friend constexpr bool operator==(const FastOpenKeys&, const FastOpenKeys&) = default;
};

// The cookie a server gives `client` when it asks on `server`'s address.
[[nodiscard]] constexpr FastOpenCookie fastopen_cookie(const SipKey& key, const IpAddress& client,
                                                       const IpAddress& server) noexcept {
    SipHasher h(key);
    detail::add_address(h, client);
    detail::add_address(h, server);
    const std::uint64_t v = h.finish();
    FastOpenCookie c{};
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<std::uint8_t>(v >> (8U * i));
    return c;
}

enum class FastOpenCheck : std::uint8_t {
    Invalid, // wrong length or MAC
    Primary, // valid under the primary key
    Backup,  // valid under the backup key only: send the client a fresh cookie
};

namespace detail {
constexpr bool same_cookie(const FastOpenCookie& a, Bytes b) noexcept {
    // Constant time over the 8 bytes: no early exit on the first mismatch.
    std::uint8_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
    return diff == 0;
}
} // namespace detail

[[nodiscard]] constexpr FastOpenCheck fastopen_check(const FastOpenKeys& keys, const IpAddress& client,
                                                     const IpAddress& server, Bytes cookie) noexcept {
    if (cookie.size() != fastopen_cookie_size) return FastOpenCheck::Invalid;
    if (detail::same_cookie(fastopen_cookie(keys.primary, client, server), cookie)) return FastOpenCheck::Primary;
    if (keys.backup && detail::same_cookie(fastopen_cookie(*keys.backup, client, server), cookie))
        return FastOpenCheck::Backup;
    return FastOpenCheck::Invalid;
}

// Keys derived from one secret (the listener's default when the caller sets
// none): two SipHash outputs under `secret` with a domain label.
[[nodiscard]] constexpr SipKey fastopen_key_from(const SipKey& secret) noexcept {
    SipHasher a(secret);
    a.add_u32(0x54464f30U); // "TFO0"
    SipHasher b(secret);
    b.add_u32(0x54464f31U); // "TFO1"
    return {a.finish(), b.finish()};
}

// ---- client side ----

struct FastOpenCacheEntry {
    IpAddress server{};
    std::uint8_t cookie_length = 0; // 0: free slot
    Array<std::uint8_t, 16> cookie{};
    std::uint16_t mss = 0;          // the server's MSS, remembered with the cookie
    std::uint32_t stamp = 0;        // insertion order, for replacement

    [[nodiscard]] constexpr Bytes cookie_bytes() const noexcept { return Bytes(cookie.data(), cookie_length); }
};

// A fixed-capacity client cookie cache, keyed by server address. Lookup is a
// linear scan: N is small (a client talks to few Fast Open servers at once)
// and the cache lives inside the caller's object, no allocation.
template <std::size_t N>
class FastOpenCache {
    static_assert(N > 0);

  public:
    [[nodiscard]] constexpr const FastOpenCacheEntry* find(const IpAddress& server) const noexcept {
        for (const FastOpenCacheEntry& e : entries_) {
            if (e.cookie_length != 0 && e.server == server) return &e;
        }
        return nullptr;
    }

    // Stores (or replaces) the cookie for `server`; a cookie longer than 16
    // bytes or shorter than 4 is not a cookie (RFC 7413 §4.1.1) and is ignored.
    constexpr bool store(const IpAddress& server, Bytes cookie, std::uint16_t mss) noexcept {
        if (cookie.size() < 4 || cookie.size() > 16) return false;
        FastOpenCacheEntry* slot = nullptr;
        for (FastOpenCacheEntry& e : entries_) {
            if (e.cookie_length != 0 && e.server == server) {
                slot = &e;
                break;
            }
        }
        if (slot == nullptr) {
            slot = &entries_[0];
            for (FastOpenCacheEntry& e : entries_) {
                if (e.cookie_length == 0) {
                    slot = &e;
                    break;
                }
                if (next_stamp_ - e.stamp > next_stamp_ - slot->stamp) slot = &e; // oldest (largest age), wrap-safe
            }
        }
        slot->server = server;
        slot->cookie_length = static_cast<std::uint8_t>(cookie.size());
        slot->cookie = {};
        for (std::size_t i = 0; i < cookie.size(); ++i) slot->cookie[i] = cookie[i];
        slot->mss = mss;
        slot->stamp = next_stamp_++;
        return true;
    }

    // RFC 7413 §4.1.3: a server that rejects the cookie (acks only the SYN
    // and sends no new one) or whose SYN-ACK carried no cookie keeps it;
    // forget() is for a caller that wants to drop it.
    constexpr void forget(const IpAddress& server) noexcept {
        for (FastOpenCacheEntry& e : entries_) {
            if (e.cookie_length != 0 && e.server == server) e = FastOpenCacheEntry{};
        }
    }

    [[nodiscard]] constexpr std::size_t size() const noexcept {
        std::size_t n = 0;
        for (const FastOpenCacheEntry& e : entries_) n += e.cookie_length != 0 ? 1U : 0U;
        return n;
    }
    [[nodiscard]] static constexpr std::size_t capacity() noexcept { return N; }

  private:
    Array<FastOpenCacheEntry, N> entries_{};
    std::uint32_t next_stamp_ = 0;
};

} // namespace synack
