// fuzz/tcp_value.cpp — TcpHeader decode/encode round trips and edits.
//
// Input: a TCP segment. Its header is the value under test; its payload
// (bytes after data offset * 4, which the codec never reads) is a mutation
// script applied to the decoded value.
//
// Properties:
// - encode(decode(x)) writes exactly x's header bytes, and
//   decode(encode(decode(x))) == decode(x);
// - after editing typed fields (mss, wscale, sackOK, TS, SACK blocks, TFO,
//   clearing the layout, fixed header fields), encode() either fails with
//   OptionsTooLong / OptionValueInvalid (and then encoded_size() agrees), or
//   writes a well-framed header whose decode gives back exactly the edited
//   typed values and fixed fields; encoded_size() equals the bytes written,
//   and a buffer one byte short gives BufferTooSmall.
//
// Script ops (one byte, op % 8, then arguments; missing bytes read as 0):
//   0 mss     flag(odd = set) u16        4 sack   n(% 6: 0..5) n*(u32 u32)
//   1 wscale  flag u8                    5 tfo    flag(bit0 set, bit1 exp)
//   2 toggle sackOK                               len(% 20) cookie bytes
//   3 ts      flag u32 u32               6 clear_layout()
//   7 header  reserved(& 7) flags(u16, 9 bits) window(u16)
#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "synack/wire/tcp.hpp"

namespace {

using synack::Bytes;
using synack::Error;
using synack::TcpHeader;

// Applies the script; returns true when the edits left the value one that a
// correct encoder must reject (sack_count > 4). Other invalid values (an odd,
// 2-byte or over-16-byte TFO cookie) are allowed to be rejected with
// OptionValueInvalid; when accepted they must round-trip.
bool apply_script(fuzz::Reader& r, TcpHeader& h) {
    bool must_reject = false;
    synack::TcpOptions& o = h.options;
    int ops = 0;
    while (!r.empty() && ops++ < 32) {
        switch (r.u8() % 8U) {
        case 0: {
            const bool set = (r.u8() & 1U) != 0;
            const std::uint16_t v = r.u16();
            if (set) { o.mss = v; } else { o.mss.reset(); }
            break;
        }
        case 1: {
            const bool set = (r.u8() & 1U) != 0;
            const std::uint8_t v = r.u8();
            if (set) { o.window_scale = v; } else { o.window_scale.reset(); }
            break;
        }
        case 2: o.sack_permitted = !o.sack_permitted; break;
        case 3: {
            const bool set = (r.u8() & 1U) != 0;
            const std::uint32_t val = r.u32();
            const std::uint32_t ecr = r.u32();
            if (set) { o.timestamps = synack::Timestamps{val, ecr}; } else { o.timestamps.reset(); }
            break;
        }
        case 4: {
            const auto n = static_cast<std::uint8_t>(r.u8() % 6U);
            for (std::size_t i = 0; i < n && i < synack::max_sack_blocks; ++i) {
                o.sack_blocks[i].left = r.u32();
                o.sack_blocks[i].right = r.u32();
            }
            o.sack_count = n;
            break;
        }
        case 5: {
            const std::uint8_t flag = r.u8();
            if ((flag & 1U) == 0) {
                o.fast_open.reset();
                break;
            }
            synack::FastOpenOption f;
            f.experimental = (flag & 2U) != 0;
            f.cookie_length = static_cast<std::uint8_t>(r.u8() % 20U);
            for (std::size_t i = 0; i < f.cookie_length && i < synack::fast_open_cookie_max; ++i) f.cookie[i] = r.u8();
            o.fast_open = f;
            break;
        }
        case 6: o.clear_layout(); break;
        default:
            h.reserved = static_cast<std::uint8_t>(r.u8() & 7U);
            h.flags = synack::TcpFlags::from_bits(r.u16());
            h.window = r.u16();
            break;
        }
    }
    if (o.sack_count > synack::max_sack_blocks) must_reject = true;
    return must_reject;
}

bool valid_cookie_length(std::size_t c) {
    return c == 0 || (c >= 4 && c <= synack::fast_open_cookie_max && c % 2 == 0);
}

// The machines' path: TcpFields::encode(out, OptionValues, src, dst,
// payload) writes the canonical layout and the checksum summed from the
// values; it must equal the plain encode + fill_tcp_checksum over header and
// payload, and fail exactly when the plain encode fails.
void check_checksummed(const TcpHeader& h, Bytes payload, bool v6) {
    const synack::IpAddress src = v6 ? synack::IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})
                                     : synack::IpAddress::v4(198, 18, 0, 1);
    const synack::IpAddress dst = v6 ? synack::IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 7, 2})
                                     : synack::IpAddress::v4(198, 19, 255, 254);
    const synack::TcpFields& f = h;
    const synack::OptionValues& o = h.options;
    std::array<std::uint8_t, 64 + 64> a{};
    std::array<std::uint8_t, 64 + 64> b{};
    const Bytes pl = payload.first(payload.size() < 64 ? payload.size() : 64);
    const synack::result<std::size_t> na = f.encode(a, o, src, dst, pl);
    synack::TcpFields zero = f;
    zero.checksum = 0;
    const synack::result<std::size_t> nb = zero.encode(b, o);
    FUZZ_CHECK(na.ok() == nb.ok());
    if (!na) {
        FUZZ_CHECK(na.error() == nb.error());
        return;
    }
    FUZZ_CHECK(*na == *nb);
    for (std::size_t i = 0; i < pl.size(); ++i) a[*na + i] = b[*nb + i] = pl[i];
    synack::fill_tcp_checksum(src, dst, synack::MutableBytes(b.data(), *nb + pl.size()));
    FUZZ_CHECK(a == b);
    FUZZ_CHECK(synack::verify_tcp_checksum(src, dst, Bytes(a.data(), *na + pl.size())));
}

void check_edited(const TcpHeader& h, bool must_reject) {
    std::array<std::uint8_t, 64> buf{};
    buf.fill(0xAA);
    const synack::result<std::size_t> n = h.encode(buf);
    const synack::result<std::size_t> size = h.encoded_size();
    const synack::result<std::size_t> opt_size = h.options.encoded_size();
    FUZZ_CHECK(size.ok() == n.ok() && opt_size.ok() == n.ok());
    if (!n) {
        FUZZ_CHECK(n.error() == Error::OptionsTooLong || n.error() == Error::OptionValueInvalid);
        FUZZ_CHECK(size.error() == n.error() && opt_size.error() == n.error());
        return;
    }
    FUZZ_CHECK(!must_reject);
    FUZZ_CHECK(*n >= 20 && *n <= 60 && *n % 4 == 0);
    FUZZ_CHECK(*size == *n && *opt_size == *n - 20);
    for (std::size_t i = *n; i < buf.size(); ++i) FUZZ_CHECK(buf[i] == 0xAA); // nothing written past the end

    const Bytes out(buf.data(), *n);
    const synack::result<TcpHeader> d = TcpHeader::decode(out);
    FUZZ_CHECK(d.ok());
    fuzz::check_tcp_decode(out, *d);
    // An invalid cookie cannot be written so that it decodes back.
    if (h.options.fast_open) FUZZ_CHECK(valid_cookie_length(h.options.fast_open->cookie_length));
    FUZZ_CHECK(fuzz::same_fixed_fields(*d, h));
    FUZZ_CHECK(fuzz::same_typed(d->options, h.options));
    // A value built from scratch (no layout) is encoded canonically, and
    // canonical output is always well-formed.
    if (h.options.wire_length == 0) FUZZ_CHECK(!d->options.malformed());

    // Encoding is deterministic and respects the buffer size.
    std::array<std::uint8_t, 64> again{};
    const synack::result<std::size_t> n2 = h.encode(synack::MutableBytes(again.data(), *n));
    FUZZ_CHECK(n2.ok() && *n2 == *n);
    for (std::size_t i = 0; i < *n; ++i) FUZZ_CHECK(again[i] == buf[i]);
    std::array<std::uint8_t, 64> shorter{};
    shorter.fill(0x55);
    const synack::result<std::size_t> n3 = h.encode(synack::MutableBytes(shorter.data(), *n - 1));
    FUZZ_CHECK(!n3.ok() && n3.error() == Error::BufferTooSmall);
    for (std::size_t i = *n - 1; i < shorter.size(); ++i) FUZZ_CHECK(shorter[i] == 0x55);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes seg(data, size);
    const synack::result<TcpHeader> h = TcpHeader::decode(seg);
    if (!h) return 0;
    const std::size_t hl = static_cast<std::size_t>(seg[12] >> 4U) * 4U;

    // Layout-preserving re-encode: byte-exact.
    std::array<std::uint8_t, 64> buf{};
    const synack::result<std::size_t> n = h->encode(buf);
    FUZZ_CHECK(n.ok());
    FUZZ_CHECK(*n == hl);
    for (std::size_t i = 0; i < hl; ++i) FUZZ_CHECK(buf[i] == seg[i]);
    const synack::result<TcpHeader> h2 = TcpHeader::decode(Bytes(buf.data(), *n));
    FUZZ_CHECK(h2.ok() && *h2 == *h);

    // Edits driven by the payload.
    fuzz::Reader r(seg.subspan(hl));
    TcpHeader edited = *h;
    const bool must_reject = apply_script(r, edited);
    check_edited(edited, must_reject);
    check_checksummed(edited, seg.subspan(hl), (size & 1U) != 0);
    return 0;
}
