// synack/wire/address.hpp — IPv4/IPv6 addresses, endpoints and 4-tuples.
//
// Plain values, constexpr, no allocation. Text conversion lives in
// wire/format.hpp (so <string> stays out of this header).
#pragma once

#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"

namespace synack {

enum class IpFamily : std::uint8_t { V4 = 4, V6 = 6 };

// An IPv4 or IPv6 address. IPv4 uses bytes [0, 4); the rest stay zero so
// that comparison and hashing are uniform.
struct IpAddress {
    IpFamily family = IpFamily::V4;
    Array<std::uint8_t, 16> bytes{};

    static constexpr IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept {
        IpAddress r;
        r.family = IpFamily::V4;
        r.bytes[0] = a; r.bytes[1] = b; r.bytes[2] = c; r.bytes[3] = d;
        return r;
    }
    static constexpr IpAddress v4(std::uint32_t host_order) noexcept {
        return v4(static_cast<std::uint8_t>(host_order >> 24U), static_cast<std::uint8_t>(host_order >> 16U),
                  static_cast<std::uint8_t>(host_order >> 8U), static_cast<std::uint8_t>(host_order));
    }
    // Precondition: b.size() >= 4 (v4) / 16 (v6).
    static constexpr IpAddress from_bytes(IpFamily f, Bytes b) noexcept {
        IpAddress r;
        r.family = f;
        const std::size_t n = f == IpFamily::V4 ? 4 : 16;
        for (std::size_t i = 0; i < n; ++i) r.bytes[i] = b[i];
        return r;
    }
    static constexpr IpAddress v6(const Array<std::uint8_t, 16>& b) noexcept {
        IpAddress r;
        r.family = IpFamily::V6;
        r.bytes = b;
        return r;
    }
    // Any 16 bytes with data() and size() (a std::array, a Span...); a
    // template, so that v6({}) still means the Array overload.
    // Precondition: b.size() >= 16.
    template <class C>
    static constexpr IpAddress v6(const C& b) noexcept {
        return from_bytes(IpFamily::V6, Bytes(b));
    }
    // 16-bit groups, as written in text: v6_groups({0x2001, 0xdb8, 0,0,0,0,0, 1}).
    static constexpr IpAddress v6_groups(const Array<std::uint16_t, 8>& g) noexcept {
        IpAddress r;
        r.family = IpFamily::V6;
        for (std::size_t i = 0; i < 8; ++i) {
            r.bytes[2 * i] = static_cast<std::uint8_t>(g[i] >> 8U);
            r.bytes[2 * i + 1] = static_cast<std::uint8_t>(g[i]);
        }
        return r;
    }

    [[nodiscard]] constexpr bool is_v4() const noexcept { return family == IpFamily::V4; }
    [[nodiscard]] constexpr bool is_v6() const noexcept { return family == IpFamily::V6; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
    [[nodiscard]] constexpr Bytes span() const noexcept { return Bytes(bytes.data(), size()); }

    friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;
    friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
};

// A TCP flow seen from one side: local and remote endpoints (same family).
struct FourTuple {
    Endpoint local;
    Endpoint remote;

    [[nodiscard]] constexpr FourTuple reversed() const noexcept { return {remote, local}; }
    friend constexpr bool operator==(const FourTuple&, const FourTuple&) = default;
};

} // namespace synack
