// synack/wire/checksum.hpp — the Internet checksum: fast one's-complement sum,
// TCP/IPv4 header checksums, pseudo-headers and incremental updates.
//
// RFC 1071 (sum, §2(B) byte-order independence, §3 example), RFC 1624 eqn. 3
// (incremental update), RFC 9293 §3.1 (TCP checksum, IPv4 pseudo-header),
// RFC 8200 §8.1 (IPv6 pseudo-header), RFC 791 §3.1 (IPv4 header checksum).
//
// Sums are "partial sums": one's-complement sums of big-endian 16-bit words,
// folded to [0, 0xffff] and not complemented, so they chain: summing
// consecutive even-length pieces, each with the previous result as `initial`,
// gives exactly the sum of the whole. A folded sum is 0 only when everything
// summed was zero; any other multiple of 0xffff folds to 0xffff.
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/bytes.hpp"
#include "synack/wire/address.hpp"

namespace synack {

// Folds carries until the value fits 16 bits (end-around carry, RFC 1071
// §2(C)). Four steps suffice for any 64-bit input. Always inlined: at -O2
// g++ 12 calls it, and the SYN -> SYN-ACK codec path then takes 46 ns
// where -O3 takes 30 (bench_endpoint_O2, Codec_SynToSynAck).
[[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint16_t fold_sum(std::uint64_t sum) noexcept {
    sum = (sum & 0xffffffffU) + (sum >> 32U); // <= 0x1'ffff'fffe
    sum = (sum & 0xffffU) + (sum >> 16U);     // <= 0x2'fffe
    sum = (sum & 0xffffU) + (sum >> 16U);     // <= 0x1'0001
    sum = (sum & 0xffffU) + (sum >> 16U);     // <= 0xffff
    return static_cast<std::uint16_t>(sum);
}

namespace checksum_detail {

// Little-endian 32-bit composition over a raw pointer: byte-wise shifts only,
// so it is valid in constant evaluation; g++ and clang fuse it into one load
// at -O2 (and vectorize the loop below).
[[nodiscard]] constexpr std::uint64_t le32(const std::uint8_t* p) noexcept {
    return static_cast<std::uint64_t>(p[0]) | (static_cast<std::uint64_t>(p[1]) << 8U) |
           (static_cast<std::uint64_t>(p[2]) << 16U) | (static_cast<std::uint64_t>(p[3]) << 24U);
}

// The two 32-bit halves of a 64-bit word, added: 2^32 == 1 (mod 0xffff), so
// this preserves the one's-complement sum and cannot overflow 33 bits.
[[nodiscard]] constexpr std::uint64_t halves(std::uint64_t v) noexcept { return (v & 0xffffffffU) + (v >> 32U); }

// 64 KiB of 32-byte rounds per block: each accumulator then stays below
// 2^(33 + 11) and their sum below 2^46, far from overflow.
inline constexpr std::size_t block_bytes = 32U * 2048U;

// The 32-byte rounds of internet_sum() over the first n - n % 32 bytes (n >=
// 64), as a little-endian-word sum below 2^33; advances p and n. Apart from
// internet_sum(), which headers never take here, so that it stays small
// enough to be inlined into every decoder.
[[nodiscard]] constexpr std::uint64_t sum_blocks(const std::uint8_t*& p, std::size_t& n) noexcept {
    std::uint64_t total = 0;
    while (n >= 64) {
        const std::size_t block = (n < block_bytes ? n : block_bytes) & ~std::size_t{31};
        std::uint64_t a0 = 0;
        std::uint64_t a1 = 0;
        std::uint64_t a2 = 0;
        std::uint64_t a3 = 0;
        for (std::size_t i = 0; i < block; i += 32) {
            a0 += le32(p + i) + le32(p + i + 16);
            a1 += le32(p + i + 4) + le32(p + i + 20);
            a2 += le32(p + i + 8) + le32(p + i + 24);
            a3 += le32(p + i + 12) + le32(p + i + 28);
        }
        total = halves(total + a0 + a1 + a2 + a3); // back below 2^33
        p += block;
        n -= block;
    }
    return total;
}

} // namespace checksum_detail

// One's-complement sum of `data` as big-endian 16-bit words, added to
// `initial` (a previous partial sum or a pseudo-header sum). An odd final byte
// is padded with a zero byte (RFC 1071 §4.1). Returns a value in [0, 0xffff].
//
// Speed: 32-bit little-endian words into four independent 64-bit
// accumulators (lane k takes words k and k + 4 of each 32-byte round, a shape
// g++ and clang both vectorize), carries kept in the upper bits and folded
// once; RFC 1071 §2(B): the sum of byte-swapped words is the byte-swapped
// sum, so one swap at the end gives the big-endian result on any host.
[[nodiscard]] SYNACK_ALWAYS_INLINE constexpr std::uint32_t internet_sum(Bytes data, std::uint32_t initial = 0) noexcept {
    using namespace checksum_detail;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    // Headers (< 64 bytes) skip the block set-up: the tail below sums them
    // 4 bytes a load.
    std::uint64_t total = n >= 64 ? sum_blocks(p, n) : 0; // little-endian-word domain
    // Tail of 0..63 bytes; every piece starts at an even offset, so 16-bit
    // word boundaries line up with those of the main loop. Straight-line
    // 32-bit loads, not a loop (which both compilers vectorize into 16-byte
    // loads): a header the encoder has just written in 32-bit stores is
    // usually read back at once (the peer machine in the same thread, a
    // driver), and a 16-byte load over four fresh 32-bit stores cannot be
    // forwarded from them; it waits until they reach the cache.
    if (n >= 32) {
        total += (le32(p) + le32(p + 4) + le32(p + 8) + le32(p + 12)) +
                 (le32(p + 16) + le32(p + 20) + le32(p + 24) + le32(p + 28));
        p += 32;
        n -= 32;
    }
    if (n >= 16) {
        total += (le32(p) + le32(p + 4)) + (le32(p + 8) + le32(p + 12));
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        total += le32(p) + le32(p + 4);
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        total += le32(p);
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        total += static_cast<std::uint64_t>(p[0]) | (static_cast<std::uint64_t>(p[1]) << 8U);
        p += 2;
        n -= 2;
    }
    if (n == 1) {
        total += p[0]; // low byte of a little-endian word = high byte on the wire
    }

    // `initial` joins the little-endian domain before the one fold: a byte
    // swap of a 16-bit word is a multiplication by 2^8 modulo 0xffff (2^16 ==
    // 1), which holds for any 32-bit sum; 0 still comes out only when
    // everything summed was zero.
    total += static_cast<std::uint64_t>(initial) << 8U;
    const std::uint16_t le = fold_sum(total);
    return static_cast<std::uint16_t>((le >> 8U) | (le << 8U));
}

// Pseudo-header sums (not complemented), to pass as internet_sum's initial.
// IPv4 (RFC 9293 §3.1): src, dst, zero, protocol, 16-bit upper-layer length.
// IPv6 (RFC 8200 §8.1): src, dst, 32-bit upper-layer length, three zero
// bytes, next header. The family is taken from `src`; `dst` must match.
[[nodiscard]] constexpr std::uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst,
                                                        std::uint32_t upper_length,
                                                        std::uint8_t protocol = 6) noexcept {
    const std::size_t n = src.is_v4() ? 4 : 16;
    std::uint64_t sum = protocol;
    for (std::size_t i = 0; i < n; i += 2) {
        sum += load_be16(src.bytes, i);
        sum += load_be16(dst.bytes, i);
    }
    if (src.is_v4()) {
        sum += static_cast<std::uint16_t>(upper_length);
    } else {
        sum += (upper_length >> 16U) + (upper_length & 0xffffU);
    }
    return fold_sum(sum);
}

// The value for the TCP checksum field (bytes 16-17), computed as if the field
// were zero whatever it holds now (RFC 9293 §3.1). A segment shorter than 18
// bytes has no checksum field and is summed whole.
[[nodiscard]] constexpr std::uint16_t tcp_checksum(const IpAddress& src, const IpAddress& dst,
                                                   Bytes segment) noexcept {
    const std::uint32_t pseudo = pseudo_header_sum(src, dst, static_cast<std::uint32_t>(segment.size()));
    std::uint32_t sum = 0;
    if (segment.size() >= 18) {
        sum = internet_sum(segment.subspan(18), internet_sum(segment.first(16), pseudo));
    } else {
        sum = internet_sum(segment, pseudo);
    }
    // The pseudo-header holds protocol 6, so the sum is never 0 and the
    // checksum never 0xffff (RFC 1624 §3: 0 and 0xffff are both "zero").
    return static_cast<std::uint16_t>(~sum);
}

// Writes tcp_checksum() into bytes 16-17. Precondition: segment.size() >= 20
// (a shorter buffer is left untouched).
constexpr void fill_tcp_checksum(const IpAddress& src, const IpAddress& dst, MutableBytes segment) noexcept {
    if (segment.size() < 20) return;
    // Zero the field, then one pass over the whole segment (the same value
    // as tcp_checksum(), which skips the field instead).
    store_be16(segment, 16, 0);
    const std::uint32_t pseudo = pseudo_header_sum(src, dst, static_cast<std::uint32_t>(segment.size()));
    store_be16(segment, 16, static_cast<std::uint16_t>(~internet_sum(Bytes(segment), pseudo)));
}

// RFC 1071 §1 (4): the sum over pseudo-header and segment, checksum included,
// is all ones. Accepts 0x0000 and 0xffff alike in the field, as Linux does.
[[nodiscard]] constexpr bool verify_tcp_checksum(const IpAddress& src, const IpAddress& dst,
                                                 Bytes segment) noexcept {
    const std::uint32_t pseudo = pseudo_header_sum(src, dst, static_cast<std::uint32_t>(segment.size()));
    return internet_sum(segment, pseudo) == 0xffffU;
}

// The value for the IPv4 header checksum field (bytes 10-11), computed as if
// the field were zero (RFC 791 §3.1). `header` is IHL * 4 bytes.
[[nodiscard]] constexpr std::uint16_t ipv4_header_checksum(Bytes header) noexcept {
    std::uint32_t sum = 0;
    if (header.size() >= 12) {
        sum = internet_sum(header.subspan(12), internet_sum(header.first(10)));
    } else {
        sum = internet_sum(header);
    }
    return static_cast<std::uint16_t>(~sum);
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word m -> m'
// changed in the covered data. Unlike eqn. 2 it never produces 0xffff for a
// sum that is not all zeros (RFC 1624 §3), so it matches a full recompute.
[[nodiscard]] constexpr std::uint16_t checksum_update16(std::uint16_t old_checksum, std::uint16_t old_word,
                                                        std::uint16_t new_word) noexcept {
    const std::uint64_t sum = static_cast<std::uint16_t>(~old_checksum) +
                              static_cast<std::uint64_t>(static_cast<std::uint16_t>(~old_word)) + new_word;
    return static_cast<std::uint16_t>(~fold_sum(sum));
}

// The same for a 32-bit field (a sequence number, an IPv4 address): two words.
[[nodiscard]] constexpr std::uint16_t checksum_update32(std::uint16_t old_checksum, std::uint32_t old_value,
                                                        std::uint32_t new_value) noexcept {
    const std::uint64_t sum = static_cast<std::uint16_t>(~old_checksum) +
                              static_cast<std::uint64_t>(static_cast<std::uint16_t>(~(old_value >> 16U))) +
                              static_cast<std::uint16_t>(~old_value) + (new_value >> 16U) + (new_value & 0xffffU);
    return static_cast<std::uint16_t>(~fold_sum(sum));
}

// The same for a run of bytes (e.g. an IPv6 address) that starts at an even
// offset of the covered data; old_bytes and new_bytes have the same length.
[[nodiscard]] constexpr std::uint16_t checksum_update(std::uint16_t old_checksum, Bytes old_bytes,
                                                      Bytes new_bytes) noexcept {
    // ~m for the whole run is the one's-complement negation of its sum.
    const std::uint64_t sum = static_cast<std::uint16_t>(~old_checksum) +
                              static_cast<std::uint64_t>(static_cast<std::uint16_t>(~internet_sum(old_bytes))) +
                              internet_sum(new_bytes);
    return static_cast<std::uint16_t>(~fold_sum(sum));
}

} // namespace synack
