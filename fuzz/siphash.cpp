// fuzz/siphash.cpp — differential target: SipHasher fed in arbitrary pieces
// (bytes, u8, u16, u32, u64) must equal siphash24 over the same bytes; and
// SipHash-1-3 over packed words (the flow table's 12- and 36-byte 4-tuples)
// must equal siphash13 over the same bytes.
// Input: 16 key bytes, 1 byte of cut pattern seed, then the message.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "synack/core/siphash.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 17) return 0;
    const synack::Bytes in(data, size);
    const synack::SipKey key = synack::SipKey::from_bytes(in.first(16));
    std::uint8_t pattern = in[16];
    const synack::Bytes msg = in.subspan(17);

    synack::SipHasher h(key);
    std::size_t i = 0;
    while (i < msg.size()) {
        const std::size_t left = msg.size() - i;
        switch (pattern % 6) {
        case 0: h.add_u8(msg[i]); i += 1; break;
        case 1:
            if (left >= 2) { h.add_u16(synack::load_be16(msg, i)); i += 2; } else { h.add_u8(msg[i]); i += 1; }
            break;
        case 2:
            if (left >= 4) { h.add_u32(synack::load_be32(msg, i)); i += 4; } else { h.add_u8(msg[i]); i += 1; }
            break;
        case 3:
            if (left >= 8) {
                const std::uint64_t v = (static_cast<std::uint64_t>(synack::load_be32(msg, i)) << 32U) |
                                        synack::load_be32(msg, i + 4);
                h.add_u64(v);
                i += 8;
            } else {
                h.add_u8(msg[i]);
                i += 1;
            }
            break;
        default: {
            // A run of 1..37 bytes through add() (always progresses).
            std::size_t n = 1 + static_cast<std::size_t>(pattern % 37U);
            if (n > left) n = left;
            h.add(msg.subspan(i, n));
            i += n;
            break;
        }
        }
        pattern = static_cast<std::uint8_t>(pattern * 33U + 7U + (i & 0xffU));
    }
    if (h.finish() != synack::siphash24(key, msg)) std::abort();
    if (msg.size() >= 12) {
        const std::uint64_t w[1] = {synack::load_le64(msg, 0)};
        if (synack::siphash13_words(key, w, synack::load_le32(msg, 8), 12) != synack::siphash13(key, msg.first(12))) {
            std::abort();
        }
    }
    if (msg.size() >= 36) {
        const std::uint64_t w[4] = {synack::load_le64(msg, 0), synack::load_le64(msg, 8), synack::load_le64(msg, 16),
                                    synack::load_le64(msg, 24)};
        if (synack::siphash13_words(key, w, synack::load_le32(msg, 32), 36) != synack::siphash13(key, msg.first(36))) {
            std::abort();
        }
    }
    return 0;
}
