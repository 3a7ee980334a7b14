// synack/handshake/fastopen_linux.hpp — TCP Fast Open server cookies exactly
// as Linux computes them, so that scripts written for the kernel with a
// fixed key (net.ipv4.tcp_fastopen_key, TCP_FASTOPEN_KEY) match byte for
// byte.
//
// Linux (net/ipv4/tcp_fastopen.c, __tcp_fastopen_cookie_gen_cipher()):
// the cookie is SipHash-2-4 over the SYN's source address followed by its
// destination address (4 + 4 bytes for IPv4, 16 + 16 for IPv6), written
// little-endian into the 8 cookie bytes. The key is the 16 key bytes, k0 =
// bytes 0..7 and k1 = bytes 8..15 read little-endian
// (tcp_fastopen_reset_cipher()). The sysctl spells the key as four 32-bit
// hex words "w0-w1-w2-w3" (proc_tcp_fastopen_key()), each stored
// little-endian: k0 = w0 | w1 << 32, k1 = w2 | w3 << 32. Checked against
// the kernel by packetdrill's suite: key a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4
// gives 3021b9d889017eeb for 192.0.2.1 -> 192.168.0.1 and c1d1e9742a47a9bc
// for fd3d:fa7b:d17d::1 -> fd3d:a0b:17d6::1 (its run_all.py; tests/testing/fastopen_linux.cpp).
//
// The machines' own cookie (fastopen.hpp) also hashes the address family;
// this header is the Linux-exact variant for the lead to fold in.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/bytes.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/siphash.hpp"
#include "synack/wire/address.hpp"

namespace synack {

// The key from its 16 bytes (TCP_FASTOPEN_KEY's value). Precondition: b.size() >= 16.
[[nodiscard]] constexpr SipKey fastopen_linux_key(Bytes b) noexcept { return SipKey::from_bytes(b); }

// The key from the sysctl's text "w0-w1-w2-w3" (hex words; a ",backup" key
// after it is ignored). nullopt unless exactly four words of 1..8 hex digits.
[[nodiscard]] constexpr Optional<SipKey> fastopen_linux_key_from_text(const char* s, std::size_t n) noexcept {
    std::uint32_t w[4] = {0, 0, 0, 0};
    std::size_t word = 0;
    std::size_t digits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[i];
        if (c == ',') break;
        if (c == '-') {
            if (digits == 0 || word == 3) return nullopt;
            ++word;
            digits = 0;
            continue;
        }
        int h = -1;
        if (c >= '0' && c <= '9') h = c - '0';
        else if (c >= 'a' && c <= 'f') h = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') h = c - 'A' + 10;
        if (h < 0 || digits == 8) return nullopt;
        w[word] = (w[word] << 4U) | static_cast<std::uint32_t>(h);
        ++digits;
    }
    if (word != 3 || digits == 0) return nullopt;
    return SipKey{std::uint64_t{w[0]} | std::uint64_t{w[1]} << 32U, std::uint64_t{w[2]} | std::uint64_t{w[3]} << 32U};
}

// The cookie Linux gives `client` asking on `server`'s address.
[[nodiscard]] constexpr Array<std::uint8_t, 8> fastopen_linux_cookie(const SipKey& key, const IpAddress& client,
                                                                    const IpAddress& server) noexcept {
    SipHasher h(key);
    h.add(client.span());
    h.add(server.span());
    const std::uint64_t v = h.finish();
    Array<std::uint8_t, 8> c{};
    for (std::size_t i = 0; i < 8; ++i) c[i] = static_cast<std::uint8_t>(v >> (8U * i));
    return c;
}

} // namespace synack
