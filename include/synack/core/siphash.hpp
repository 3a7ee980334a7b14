// synack/core/siphash.hpp — constexpr SipHash-2-4 (Aumasson & Bernstein, 2012).
//
// The keyed PRF behind ISNs (RFC 6528 §3: "F ... a cryptographic hash ...
// of the 4-tuple and a secret key") and SYN cookies; Linux uses SipHash for
// both (secure_tcp_seq(), __cookie_v4_init_sequence()). Two faces that give
// identical results:
//   siphash24(key, bytes)        one shot over a contiguous buffer;
//   SipHasher(key).add(...)...   incremental, so a caller can hash a 4-tuple
//                                field by field without building a buffer.
// SipHash is defined little-endian (keys, message words, output). The
// add_u16/u32/u64 helpers feed an integer as its big-endian (network order)
// bytes, so hashing a field read from a header equals hashing its wire bytes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "synack/core/bytes.hpp"

namespace synack {

// 128-bit SipHash key: k0 = key bytes 0..7, k1 = key bytes 8..15, each
// read little-endian (the reference implementation's U8TO64_LE).
struct SipKey {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;

    // Precondition: b.size() >= 16.
    [[nodiscard]] static constexpr SipKey from_bytes(Bytes b) noexcept { return {load_le64(b, 0), load_le64(b, 8)}; }

    friend constexpr bool operator==(const SipKey&, const SipKey&) = default;
};

namespace detail {

struct SipState {
    std::uint64_t v0, v1, v2, v3;

    constexpr explicit SipState(const SipKey& k) noexcept
        : v0(k.k0 ^ 0x736f6d6570736575ULL), v1(k.k1 ^ 0x646f72616e646f6dULL), v2(k.k0 ^ 0x6c7967656e657261ULL),
          v3(k.k1 ^ 0x7465646279746573ULL) {}

    // Inlined everywhere: independent hashes of one packet (a cookie's two
    // outputs, the timestamp offset) then interleave in the pipeline.
    SYNACK_ALWAYS_INLINE constexpr void round() noexcept {
        v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
        v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
    }

    // SipHash-c-d: c compression rounds per 8-byte message word; the last
    // block is the remaining 0..7 bytes (little-endian) with the message
    // length mod 256 in the top byte, then d finalization rounds.
    template <int C>
    SYNACK_ALWAYS_INLINE constexpr void compress_c(std::uint64_t m) noexcept {
        v3 ^= m;
        for (int i = 0; i < C; ++i) round();
        v0 ^= m;
    }
    template <int C, int D>
    [[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint64_t finish_cd(std::uint64_t tail, std::uint64_t length) noexcept {
        compress_c<C>(tail | (length << 56U));
        v2 ^= 0xffU;
        for (int i = 0; i < D; ++i) round();
        return v0 ^ v1 ^ v2 ^ v3;
    }

    // SipHash-2-4's.
    SYNACK_ALWAYS_INLINE constexpr void compress(std::uint64_t m) noexcept { compress_c<2>(m); }
    [[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint64_t finish(std::uint64_t tail, std::uint64_t length) noexcept {
        return finish_cd<2, 4>(tail, length);
    }
    // SipHash-1-3's (see siphash13_words()).
    SYNACK_ALWAYS_INLINE constexpr void compress13(std::uint64_t m) noexcept { compress_c<1>(m); }
    [[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint64_t finish13(std::uint64_t tail, std::uint64_t length) noexcept {
        return finish_cd<1, 3>(tail, length);
    }
};

// An integer's network-order (big-endian) bytes packed little-endian, as a
// SipHash message word holds them: wire16(0x1234) is bytes 12 34.
[[nodiscard]] constexpr std::uint64_t wire16(std::uint16_t v) noexcept {
    return static_cast<std::uint64_t>((v >> 8U) | ((v & 0xffU) << 8U));
}
[[nodiscard]] constexpr std::uint64_t wire32(std::uint32_t v) noexcept {
    return ((v >> 24U) & 0xffU) | ((v >> 8U) & 0xff00U) | ((v & 0xff00U) << 8U) |
           (static_cast<std::uint64_t>(v & 0xffU) << 24U);
}

} // namespace detail

// SipHash-1-3 (one compression round per word, three finalization rounds):
// the variant hash tables key with (CPython's str/bytes hash, Rust's
// HashMap), cheaper than 2-4 and still keyed against chosen collisions.
// The PRFs (ISNs, SYN cookies, timestamp offsets) stay SipHash-2-4.
// `words` are the message's whole 8-byte words (little-endian), `tail` its
// last 0..7 bytes packed little-endian, `length` its length in bytes.
template <std::size_t N>
[[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint64_t siphash13_words(const SipKey& key,
                                                                         const std::uint64_t (&words)[N],
                                                                         std::uint64_t tail,
                                                                         std::uint64_t length) noexcept {
    detail::SipState s(key);
    for (const std::uint64_t w : words) s.compress13(w);
    return s.finish13(tail, length);
}

// One shot over a contiguous buffer (what the tests check against other
// implementations; a packet path packs its words and calls the above).
[[nodiscard]] constexpr std::uint64_t siphash13(const SipKey& key, Bytes data) noexcept {
    detail::SipState s(key);
    const std::size_t n = data.size();
    const std::size_t full = n - n % 8;
    for (std::size_t i = 0; i < full; i += 8) s.compress13(load_le64(data, i));
    std::uint64_t tail = 0;
    for (std::size_t i = full; i < n; ++i) tail |= static_cast<std::uint64_t>(data[i]) << (8U * (i - full));
    return s.finish13(tail, static_cast<std::uint64_t>(n));
}

[[nodiscard]] constexpr std::uint64_t siphash24(const SipKey& key, Bytes data) noexcept {
    detail::SipState s(key);
    const std::size_t n = data.size();
    const std::size_t full = n - n % 8;
    for (std::size_t i = 0; i < full; i += 8) {
        s.compress(load_le64(data, i));
    }
    std::uint64_t tail = 0;
    for (std::size_t i = full; i < n; ++i) {
        tail |= static_cast<std::uint64_t>(data[i]) << (8U * (i - full));
    }
    return s.finish(tail, static_cast<std::uint64_t>(n));
}

// Incremental SipHash-2-4. Any split of the same byte sequence across add()
// calls gives the same finish() as siphash24() over the concatenation.
// Seven words of state, no allocation; finish() does not consume the hasher.
class SipHasher {
  public:
    constexpr explicit SipHasher(const SipKey& key) noexcept : s_(key) {}

    constexpr SipHasher& add(Bytes data) noexcept {
        std::size_t i = 0;
        const std::size_t n = data.size();
        // Top up a partial word first, then whole words straight from the input.
        while (ntail_ != 0 && i < n) {
            push_byte(data[i++]);
        }
        for (; i + 8 <= n; i += 8) {
            s_.compress(load_le64(data, i));
            length_ += 8;
        }
        while (i < n) {
            push_byte(data[i++]);
        }
        return *this;
    }

    constexpr SipHasher& add_u8(std::uint8_t v) noexcept {
        push_byte(v);
        return *this;
    }
    // Network byte order: add_u16(0x1234) == add({0x12, 0x34}).
    constexpr SipHasher& add_u16(std::uint16_t v) noexcept {
        push_packed(detail::wire16(v), 2);
        return *this;
    }
    constexpr SipHasher& add_u32(std::uint32_t v) noexcept {
        push_packed(detail::wire32(v), 4);
        return *this;
    }
    constexpr SipHasher& add_u64(std::uint64_t v) noexcept {
        add_u32(static_cast<std::uint32_t>(v >> 32U));
        add_u32(static_cast<std::uint32_t>(v));
        return *this;
    }

    [[nodiscard]] constexpr std::uint64_t finish() const noexcept {
        detail::SipState s = s_;
        return s.finish(tail_, length_);
    }

  private:
    constexpr void push_byte(std::uint8_t b) noexcept { push_packed(b, 1); }

    // Appends n (1..8) bytes given packed little-endian in `packed` (first
    // byte in bits 0..7); the bits above 8n must be zero.
    constexpr void push_packed(std::uint64_t packed, unsigned n) noexcept {
        const unsigned have = ntail_;
        tail_ |= packed << (8U * have);  // have <= 7: shift < 64
        length_ += n;
        if (have + n < 8) {
            ntail_ = static_cast<std::uint8_t>(have + n);
            return;
        }
        s_.compress(tail_);
        const unsigned used = 8 - have;  // bytes of `packed` consumed
        tail_ = used >= 8 ? 0 : packed >> (8U * used);
        ntail_ = static_cast<std::uint8_t>(n - used);
    }

    detail::SipState s_;
    std::uint64_t tail_ = 0;    // pending bytes, little-endian
    std::uint64_t length_ = 0;  // total bytes added (only mod 256 is used)
    std::uint8_t ntail_ = 0;    // number of pending bytes, 0..7
};

} // namespace synack
