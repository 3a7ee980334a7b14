// synack/core/bytes.hpp — constexpr big-endian loads and stores over byte spans.
//
// Network byte order (RFC 791 Appendix B / RFC 9293 §3.1). Byte-wise shifts
// only: no reinterpret_cast, no unaligned pointer loads; g++ and clang fuse
// these into single (byte-swapped) moves at -O2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace synack {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

// Callers check bounds first (every view validates framing once in parse()).
[[nodiscard]] constexpr std::uint16_t load_be16(Bytes b, std::size_t at) noexcept {
    return static_cast<std::uint16_t>((static_cast<unsigned>(b[at]) << 8U) | b[at + 1]);
}

[[nodiscard]] constexpr std::uint32_t load_be32(Bytes b, std::size_t at) noexcept {
    return (static_cast<std::uint32_t>(b[at]) << 24U) | (static_cast<std::uint32_t>(b[at + 1]) << 16U) |
           (static_cast<std::uint32_t>(b[at + 2]) << 8U) | static_cast<std::uint32_t>(b[at + 3]);
}

constexpr void store_be16(MutableBytes b, std::size_t at, std::uint16_t v) noexcept {
    b[at] = static_cast<std::uint8_t>(v >> 8U);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

constexpr void store_be32(MutableBytes b, std::size_t at, std::uint32_t v) noexcept {
    b[at] = static_cast<std::uint8_t>(v >> 24U);
    b[at + 1] = static_cast<std::uint8_t>(v >> 16U);
    b[at + 2] = static_cast<std::uint8_t>(v >> 8U);
    b[at + 3] = static_cast<std::uint8_t>(v);
}

// Little-endian 64-bit load, used by SipHash (which is defined little-endian)
// and by the checksum's wide accumulation.
[[nodiscard]] constexpr std::uint64_t load_le64(Bytes b, std::size_t at) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        v |= static_cast<std::uint64_t>(b[at + i]) << (8U * i);
    }
    return v;
}

// Copies n bytes; constexpr-friendly (std::copy is too, but pulls <algorithm>).
constexpr void copy_bytes(MutableBytes dst, std::size_t dst_at, Bytes src) noexcept {
    for (std::size_t i = 0; i < src.size(); ++i) {
        dst[dst_at + i] = src[i];
    }
}

} // namespace synack
