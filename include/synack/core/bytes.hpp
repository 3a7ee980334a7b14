// synack/core/bytes.hpp — constexpr big-endian loads and stores over byte spans.
//
// Network byte order (RFC 791 Appendix B / RFC 9293 §3.1). Loads and stores
// are byte-wise in constant evaluation and one std::memcpy of the swapped
// value at run time. No reinterpret_cast anywhere.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "synack/core/span.hpp"

// For the few small functions on hot paths that must be inlined for their
// locals to stay in registers (a store through a byte pointer may alias any
// object in memory, so the compiler reloads those it cannot see).
#if defined(__GNUC__) || defined(__clang__)
#define SYNACK_ALWAYS_INLINE [[gnu::always_inline]] inline
#else
#define SYNACK_ALWAYS_INLINE inline
#endif

namespace synack {

using Bytes = Span<const std::uint8_t>;
using MutableBytes = Span<std::uint8_t>;

namespace bytes_detail {
// At run time a load or store is one move of the byte-swapped value
// (std::memcpy: no aliasing or alignment assumptions). Written byte by byte, g++ 12
// assembles whole headers in registers and bounces them through the stack,
// which defeats store forwarding when the checksum reads them back.
inline constexpr bool little = std::endian::native == std::endian::little;
constexpr std::uint16_t to_be(std::uint16_t v) noexcept {
    return little ? static_cast<std::uint16_t>((v >> 8U) | (v << 8U)) : v;
}
constexpr std::uint32_t to_be(std::uint32_t v) noexcept {
    return little ? ((v >> 24U) | ((v >> 8U) & 0xff00U) | ((v & 0xff00U) << 8U) | (v << 24U)) : v;
}
} // namespace bytes_detail

// Callers check bounds first (every view validates framing once in parse()).
// In constant evaluation a load is byte-wise shifts; at run time it is one
// std::memcpy and a swap, because g++ fuses the shifts only at constant
// offsets and leaves them byte by byte inside the option walk.
[[nodiscard]] constexpr std::uint16_t load_be16(Bytes b, std::size_t at) noexcept {
    if (std::is_constant_evaluated()) {
        return static_cast<std::uint16_t>((static_cast<unsigned>(b[at]) << 8U) | b[at + 1]);
    }
    std::uint16_t w = 0;
    std::memcpy(&w, &b[at], sizeof w);
    return bytes_detail::to_be(w);
}

[[nodiscard]] constexpr std::uint32_t load_be32(Bytes b, std::size_t at) noexcept {
    if (std::is_constant_evaluated()) {
        return (static_cast<std::uint32_t>(b[at]) << 24U) | (static_cast<std::uint32_t>(b[at + 1]) << 16U) |
               (static_cast<std::uint32_t>(b[at + 2]) << 8U) | static_cast<std::uint32_t>(b[at + 3]);
    }
    std::uint32_t w = 0;
    std::memcpy(&w, &b[at], sizeof w);
    return bytes_detail::to_be(w);
}

constexpr void store_be16(MutableBytes b, std::size_t at, std::uint16_t v) noexcept {
    if (std::is_constant_evaluated()) {
        b[at] = static_cast<std::uint8_t>(v >> 8U);
        b[at + 1] = static_cast<std::uint8_t>(v);
    } else {
        const std::uint16_t w = bytes_detail::to_be(v);
        std::memcpy(&b[at], &w, sizeof w);
    }
}

constexpr void store_be32(MutableBytes b, std::size_t at, std::uint32_t v) noexcept {
    if (std::is_constant_evaluated()) {
        b[at] = static_cast<std::uint8_t>(v >> 24U);
        b[at + 1] = static_cast<std::uint8_t>(v >> 16U);
        b[at + 2] = static_cast<std::uint8_t>(v >> 8U);
        b[at + 3] = static_cast<std::uint8_t>(v);
    } else {
        const std::uint32_t w = bytes_detail::to_be(v);
        std::memcpy(&b[at], &w, sizeof w);
    }
}

// Little-endian loads, used by SipHash (which is defined little-endian) and
// by the checksum's wide accumulation; one std::memcpy at run time on a
// little-endian host.
[[nodiscard]] constexpr std::uint64_t load_le64(Bytes b, std::size_t at) noexcept {
    if (!std::is_constant_evaluated() && bytes_detail::little) {
        std::uint64_t w = 0;
        std::memcpy(&w, &b[at], sizeof w);
        return w;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        v |= static_cast<std::uint64_t>(b[at + i]) << (8U * i);
    }
    return v;
}

[[nodiscard]] constexpr std::uint32_t load_le32(Bytes b, std::size_t at) noexcept {
    if (!std::is_constant_evaluated() && bytes_detail::little) {
        std::uint32_t w = 0;
        std::memcpy(&w, &b[at], sizeof w);
        return w;
    }
    return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8U) |
           (static_cast<std::uint32_t>(b[at + 2]) << 16U) | (static_cast<std::uint32_t>(b[at + 3]) << 24U);
}

// Copies n bytes; constexpr-friendly (std::copy is too, but pulls <algorithm>).
constexpr void copy_bytes(MutableBytes dst, std::size_t dst_at, Bytes src) noexcept {
    for (std::size_t i = 0; i < src.size(); ++i) {
        dst[dst_at + i] = src[i];
    }
}

} // namespace synack
