// fuzz/tcp_options.cpp — TcpOptions::decode on an arbitrary option area and
// the canonical encoder.
//
// Input: up to 40 bytes, the option area of a TCP header (longer inputs are
// cut to 40, as a 60-byte header holds no more).
//
// Properties:
// - decode() never fails; its typed fields, problems and preserved layout
//   match an independent reference walk (fuzz_check.hpp);
// - the layout-preserving encode writes an area of 4n bytes back verbatim;
//   any other length comes back padded to 4n with the same typed fields
//   and the same problems (padding must not complete a truncated option);
// - after clear_layout(), encode() writes exactly Linux's canonical layout
//   (an independent writer below, from DESIGN.md / tcp_options_write()), or
//   OptionsTooLong exactly when that layout exceeds 40 bytes; the canonical
//   bytes decode without problems to the same typed fields, and re-encoding
//   that decode reproduces them.
#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "synack/wire/tcp_options.hpp"

namespace {

using synack::Bytes;
using synack::Error;
using synack::TcpOptions;

// Linux tcp_options_write() order, written from DESIGN.md: mss; sackOK+TS
// packed as 04 02 08 0a, else nop,nop,TS, else nop,nop,sackOK; nop,wscale;
// nop,nop,sack; TFO (34 or 254+magic) followed by nop,nop when its length is
// 2 mod 4. Returns the length, which may exceed 40 (then nothing past 40 is
// meaningful).
struct RefCanonical {
    std::array<std::uint8_t, 128> bytes{};
    std::size_t n = 0;
    void put(std::uint8_t b) { bytes[n++] = b; }
    void put32(std::uint32_t v) {
        for (unsigned s = 24;; s -= 8) {
            put(static_cast<std::uint8_t>(v >> s));
            if (s == 0) break;
        }
    }
};

RefCanonical ref_canonical(const TcpOptions& o) {
    RefCanonical r;
    if (o.mss) {
        r.put(2); r.put(4);
        r.put(static_cast<std::uint8_t>(*o.mss >> 8U)); r.put(static_cast<std::uint8_t>(*o.mss));
    }
    if (o.timestamps) {
        if (o.sack_permitted) {
            r.put(4); r.put(2);
        } else {
            r.put(1); r.put(1);
        }
        r.put(8); r.put(10);
        r.put32(o.timestamps->value);
        r.put32(o.timestamps->echo_reply);
    } else if (o.sack_permitted) {
        r.put(1); r.put(1); r.put(4); r.put(2);
    }
    if (o.window_scale) {
        r.put(1); r.put(3); r.put(3); r.put(*o.window_scale);
    }
    if (o.sack_count > 0) {
        r.put(1); r.put(1); r.put(5); r.put(static_cast<std::uint8_t>(2 + 8 * o.sack_count));
        for (std::size_t i = 0; i < o.sack_count; ++i) {
            r.put32(o.sack_blocks[i].left);
            r.put32(o.sack_blocks[i].right);
        }
    }
    if (o.fast_open) {
        const std::size_t c = o.fast_open->cookie_length;
        if (o.fast_open->experimental) {
            r.put(254); r.put(static_cast<std::uint8_t>(4 + c)); r.put(0xF9); r.put(0x89);
        } else {
            r.put(34); r.put(static_cast<std::uint8_t>(2 + c));
        }
        for (std::size_t i = 0; i < c; ++i) r.put(o.fast_open->cookie[i]);
        if ((o.fast_open->experimental ? 4 + c : 2 + c) % 4 == 2) {
            r.put(1); r.put(1);
        }
    }
    while (r.n % 4 != 0) r.put(0);
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes area(data, size < synack::max_option_bytes ? size : synack::max_option_bytes);

    // Decode against the reference walk.
    const TcpOptions o = TcpOptions::decode(area, 20);
    const fuzz::RefWalk walk = fuzz::ref_walk(area);
    FUZZ_CHECK(fuzz::same_typed(o, fuzz::ref_typed(area, walk)));
    // The lean typed decode (its own loop) agrees with the full one.
    FUZZ_CHECK(synack::OptionValues::decode(area, 20) == static_cast<const synack::OptionValues&>(o));
    std::size_t problems = 0;
    for (std::size_t i = 0; i < walk.count; ++i) {
        const fuzz::RefEntry& e = walk.entries[i];
        if (e.error == Error::None) continue;
        if (problems < TcpOptions::problems_max) {
            FUZZ_CHECK(o.problems[problems] == (synack::OptionProblem{e.error, e.kind,
                                                                      static_cast<std::uint16_t>(20 + e.offset)}));
        }
        ++problems;
    }
    FUZZ_CHECK(o.problem_count == problems);
    FUZZ_CHECK(o.malformed() == (problems != 0));
    FUZZ_CHECK(o.wire_length == area.size());
    for (std::size_t i = 0; i < area.size(); ++i) FUZZ_CHECK(o.wire[i] == area[i]);
    FUZZ_CHECK(o.sack_count <= synack::max_sack_blocks);
    if (o.fast_open) {
        const std::size_t c = o.fast_open->cookie_length;
        FUZZ_CHECK(c == 0 || (c >= 4 && c <= 16 && c % 2 == 0));
    }

    // Layout-preserving encode: the input back (an area from a real header
    // is a multiple of 4 bytes); other lengths get padded, and the padding
    // must not change what the area means (e.g. complete a truncated tail).
    {
        std::array<std::uint8_t, synack::max_option_bytes> out{};
        const synack::result<std::size_t> n = o.encode(out);
        const std::size_t padded = (area.size() + 3) / 4 * 4;
        FUZZ_CHECK(n.ok() && *n == padded);
        if (area.size() % 4 == 0) {
            for (std::size_t i = 0; i < area.size(); ++i) FUZZ_CHECK(out[i] == area[i]);
        }
        const TcpOptions again = TcpOptions::decode(Bytes(out.data(), *n), 20);
        FUZZ_CHECK(fuzz::same_typed(again, o));
        FUZZ_CHECK(again.problem_count == o.problem_count);
        for (std::size_t i = 0; i < o.problem_count && i < TcpOptions::problems_max; ++i) {
            FUZZ_CHECK(again.problems[i].error == o.problems[i].error && again.problems[i].kind == o.problems[i].kind);
        }
    }

    // Canonical encode of the typed fields.
    TcpOptions c = o;
    c.clear_layout();
    const RefCanonical ref = ref_canonical(c);
    std::array<std::uint8_t, synack::max_option_bytes> out{};
    const synack::result<std::size_t> n = c.encode(out);
    const synack::result<std::size_t> sz = c.encoded_size();
    FUZZ_CHECK(sz.ok() == n.ok());
    if (ref.n > synack::max_option_bytes) {
        FUZZ_CHECK(!n.ok() && n.error() == Error::OptionsTooLong && sz.error() == Error::OptionsTooLong);
        return 0;
    }
    FUZZ_CHECK(n.ok() && *n == ref.n && *sz == ref.n);
    for (std::size_t i = 0; i < ref.n; ++i) FUZZ_CHECK(out[i] == ref.bytes[i]);

    const Bytes canonical(out.data(), *n);
    const TcpOptions d = TcpOptions::decode(canonical, 20);
    FUZZ_CHECK(!d.malformed());
    FUZZ_CHECK(fuzz::same_typed(d, c));
    // Decoding canonical bytes and re-encoding them (layout kept) is the identity.
    std::array<std::uint8_t, synack::max_option_bytes> out2{};
    const synack::result<std::size_t> n2 = d.encode(out2);
    FUZZ_CHECK(n2.ok() && *n2 == *n);
    for (std::size_t i = 0; i < *n; ++i) FUZZ_CHECK(out2[i] == out[i]);
    return 0;
}
