// synack/wire/address.hpp — IPv4/IPv6 addresses, endpoints and 4-tuples.
//
// Plain values, constexpr, no allocation. Text output lives in
// wire/format.hpp (so <string> stays out of this header); text input is
// parse_address() below.
#pragma once

#include <bit>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"
#include "synack/core/optional.hpp"

namespace synack {

enum class IpFamily : std::uint8_t { V4 = 4, V6 = 6 };

// An IPv4 or IPv6 address. IPv4 uses bytes [0, 4); the rest stay zero so
// that comparison and hashing are uniform.
//
// Layout: the 16 bytes first, then the family. A copy of an address is a
// 16-byte move plus one byte, and the constructors below write the 16 bytes
// with one store, so a copy made right after a parse reads each part from
// the single store that wrote it (a wide load of several narrow stores
// stalls on store forwarding: it cost a SYN about 20 ns in the endpoint).
struct IpAddress {
    Array<std::uint8_t, 16> bytes{};
    IpFamily family = IpFamily::V4;

    static constexpr IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept {
        IpAddress r;
        r.family = IpFamily::V4;
        r.bytes = v4_bytes(a, b, c, d);
        return r;
    }
    static constexpr IpAddress v4(std::uint32_t host_order) noexcept {
        return v4(static_cast<std::uint8_t>(host_order >> 24U), static_cast<std::uint8_t>(host_order >> 16U),
                  static_cast<std::uint8_t>(host_order >> 8U), static_cast<std::uint8_t>(host_order));
    }
    // Precondition: b.size() >= 4 (v4) / 16 (v6).
    SYNACK_ALWAYS_INLINE static constexpr IpAddress from_bytes(IpFamily f, Bytes b) noexcept {
        IpAddress r;
        r.family = f;
        if (f == IpFamily::V4) {
            r.bytes = v4_bytes(b[0], b[1], b[2], b[3]);
        } else {
            for (std::size_t i = 0; i < 16; ++i) r.bytes[i] = b[i];
        }
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

    // Two 8-byte compares (a flow lookup makes two of these per candidate).
    friend constexpr bool operator==(const IpAddress& a, const IpAddress& b) noexcept {
        return a.family == b.family && load_le64(a.bytes, 0) == load_le64(b.bytes, 0) &&
               load_le64(a.bytes, 8) == load_le64(b.bytes, 8);
    }

    // True if `a` and `b` are of one family and agree in their first
    // `prefix_len` bits (capped at the address's length): on one subnet.
    [[nodiscard]] static constexpr bool same_prefix(const IpAddress& a, const IpAddress& b, unsigned prefix_len) noexcept {
        if (a.family != b.family) return false;
        const unsigned bits = prefix_len < 8U * a.size() ? prefix_len : static_cast<unsigned>(8U * a.size());
        for (unsigned i = 0; i < bits / 8U; ++i) {
            if (a.bytes[i] != b.bytes[i]) return false;
        }
        if (bits % 8U == 0) return true;
        const auto mask = static_cast<std::uint8_t>(0xFFU << (8U - bits % 8U));
        return ((a.bytes[bits / 8U] ^ b.bytes[bits / 8U]) & mask) == 0;
    }

  private:
    // The 16 bytes of an IPv4 address built as one value (a register, then
    // one store): the address in the first word, zeros after it.
    SYNACK_ALWAYS_INLINE static constexpr Array<std::uint8_t, 16> v4_bytes(std::uint8_t a, std::uint8_t b,
                                                                           std::uint8_t c, std::uint8_t d) noexcept {
        const std::uint32_t w = std::endian::native == std::endian::little
                                    ? (std::uint32_t{a} | std::uint32_t{b} << 8U | std::uint32_t{c} << 16U |
                                       std::uint32_t{d} << 24U)
                                    : (std::uint32_t{a} << 24U | std::uint32_t{b} << 16U | std::uint32_t{c} << 8U |
                                       std::uint32_t{d});
#if defined(__GNUC__) || defined(__clang__)
        if (!std::is_constant_evaluated()) {
            // A 16-byte vector (one register, one store); an array of four
            // words is stored as two 8-byte halves, which a 16-byte load of
            // the address cannot be forwarded from.
            using V = std::uint32_t __attribute__((vector_size(16)));
            const V v = {w, 0, 0, 0};
            return std::bit_cast<Array<std::uint8_t, 16>>(v);
        }
#endif
        return std::bit_cast<Array<std::uint8_t, 16>>(Array<std::uint32_t, 4>{{w, 0, 0, 0}});
    }
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

namespace detail {
constexpr bool parse_dotted_quad(const char* s, std::size_t n, std::uint8_t out[4]) noexcept {
    std::size_t i = 0;
    for (std::size_t part = 0; part < 4; ++part) {
        if (part != 0) {
            if (i >= n || s[i] != '.') return false;
            ++i;
        }
        std::uint32_t v = 0;
        std::size_t digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + static_cast<std::uint32_t>(s[i] - '0');
            if (++digits > 3 || v > 255) return false;
            ++i;
        }
        if (digits == 0) return false;
        out[part] = static_cast<std::uint8_t>(v);
    }
    return i == n;
}
} // namespace detail

// An address from text: IPv4 dotted quad ("192.0.2.1") or IPv6 (RFC 4291
// §2.2: hex groups, at most one "::", an IPv4 tail allowed: "::ffff:1.2.3.4").
// nullopt for anything else (no zone ids, no prefix lengths).
[[nodiscard]] constexpr Optional<IpAddress> parse_address(const char* s, std::size_t n) noexcept {
    bool colon = false;
    for (std::size_t i = 0; i < n; ++i) colon = colon || s[i] == ':';
    if (!colon) {
        std::uint8_t b[4] = {0, 0, 0, 0};
        if (!detail::parse_dotted_quad(s, n, b)) return nullopt;
        return IpAddress::v4(b[0], b[1], b[2], b[3]);
    }
    Array<std::uint16_t, 8> head{};
    Array<std::uint16_t, 8> tail{};
    std::size_t nh = 0, nt = 0;
    bool gap = false;
    std::size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = true;
        i = 2;
    } else if (n >= 1 && s[0] == ':') {
        return nullopt;
    }
    while (i < n) {
        // An IPv4 tail: the rest holds a '.'.
        bool dot = false;
        std::size_t end = i;
        while (end < n && s[end] != ':') {
            if (s[end] == '.') dot = true;
            ++end;
        }
        if (dot) {
            if (end != n) return nullopt;
            std::uint8_t b[4] = {0, 0, 0, 0};
            if (!detail::parse_dotted_quad(s + i, n - i, b)) return nullopt;
            for (std::size_t k = 0; k < 2; ++k) {
                const std::uint16_t g = static_cast<std::uint16_t>(b[2 * k] << 8U | b[2 * k + 1]);
                if (gap) {
                    if (nt >= 8) return nullopt;
                    tail[nt++] = g;
                } else {
                    if (nh >= 8) return nullopt;
                    head[nh++] = g;
                }
            }
            i = n;
            break;
        }
        if (end == i || end - i > 4) return nullopt;
        std::uint16_t v = 0;
        for (std::size_t k = i; k < end; ++k) {
            const char c = s[k];
            int h = -1;
            if (c >= '0' && c <= '9') h = c - '0';
            else if (c >= 'a' && c <= 'f') h = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') h = c - 'A' + 10;
            if (h < 0) return nullopt;
            v = static_cast<std::uint16_t>(v * 16 + h);
        }
        if (gap) {
            if (nt >= 8) return nullopt;
            tail[nt++] = v;
        } else {
            if (nh >= 8) return nullopt;
            head[nh++] = v;
        }
        i = end;
        if (i == n) break;
        ++i; // ':'
        if (i < n && s[i] == ':') {
            if (gap) return nullopt;
            gap = true;
            ++i;
        } else if (i == n) {
            return nullopt; // trailing single ':'
        }
    }
    if (gap ? nh + nt > 7 : nh != 8) return nullopt;
    Array<std::uint16_t, 8> g{};
    for (std::size_t k = 0; k < nh; ++k) g[k] = head[k];
    for (std::size_t k = 0; k < nt; ++k) g[8 - nt + k] = tail[k];
    return IpAddress::v6_groups(g);
}

} // namespace synack
