// fuzz/tcp_view.cpp — TcpView::parse on arbitrary bytes (a TCP segment).
//
// Properties:
// - parse() fails exactly when the framing rules say so (length < 20, data
//   offset < 5, data offset * 4 > length), with the documented error/offset;
// - when it succeeds every accessor reads the right bytes, header_length is
//   in [20, 60] and <= size, header/options/payload partition the segment;
// - the lazy option walk ends within 40 steps, entries are contiguous and
//   inside the option area, and match an independent reference walk (kind,
//   offset, length, value bytes, framing/content error);
// - TcpHeader::decode agrees with the view on every field, and its typed
//   options equal the last well-formed entry of each kind; decoding only the
//   header bytes (payload cut off) gives the same value (rule 1).
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "synack/wire/tcp.hpp"

namespace {

using synack::Bytes;
using synack::Error;

void check_framing_failure(Bytes seg, const synack::result<synack::TcpView>& v) {
    if (seg.size() < 20) {
        FUZZ_CHECK(v.error() == Error::TcpTruncated);
        FUZZ_CHECK(v.offset() == seg.size());
        return;
    }
    const std::size_t doff = seg[12] >> 4U;
    if (doff < 5) {
        FUZZ_CHECK(v.error() == Error::TcpDataOffsetTooSmall);
    } else {
        FUZZ_CHECK(doff * 4 > seg.size());
        FUZZ_CHECK(v.error() == Error::TcpDataOffsetPastEnd);
    }
    FUZZ_CHECK(v.offset() == 12);
}

void check_view(Bytes seg, const synack::TcpView& v) {
    FUZZ_CHECK(seg.size() >= 20);
    const std::size_t hl = v.header_length();
    FUZZ_CHECK(hl >= 20 && hl <= 60 && hl % 4 == 0);
    FUZZ_CHECK(hl <= seg.size());
    FUZZ_CHECK(hl == static_cast<std::size_t>(seg[12] >> 4U) * 4U);
    FUZZ_CHECK(v.data_offset() == hl / 4);

    FUZZ_CHECK(v.source_port() == synack::load_be16(seg, 0));
    FUZZ_CHECK(v.destination_port() == synack::load_be16(seg, 2));
    FUZZ_CHECK(v.seq().raw() == synack::load_be32(seg, 4));
    FUZZ_CHECK(v.ack().raw() == synack::load_be32(seg, 8));
    FUZZ_CHECK(v.reserved() == ((seg[12] >> 1U) & 7U));
    FUZZ_CHECK(v.flags().bits() == (((seg[12] & 1U) << 8U) | seg[13]));
    FUZZ_CHECK(v.window() == synack::load_be16(seg, 14));
    FUZZ_CHECK(v.checksum() == synack::load_be16(seg, 16));
    FUZZ_CHECK(v.urgent_pointer() == synack::load_be16(seg, 18));

    // header + payload partition the segment; options are [20, hl).
    FUZZ_CHECK(v.bytes().data() == seg.data() && v.bytes().size() == seg.size());
    FUZZ_CHECK(v.header().data() == seg.data() && v.header().size() == hl);
    FUZZ_CHECK(v.option_bytes().data() == seg.data() + 20 && v.option_bytes().size() == hl - 20);
    FUZZ_CHECK(v.payload().data() == seg.data() + hl && v.payload().size() == seg.size() - hl);
    const std::uint32_t seg_len = static_cast<std::uint32_t>(seg.size() - hl) + ((seg[13] & 0x02U) != 0 ? 1U : 0U) +
                                  ((seg[13] & 0x01U) != 0 ? 1U : 0U);
    FUZZ_CHECK(v.segment_length() == seg_len);
    FUZZ_CHECK(v.options().bytes().data() == seg.data() + 20 && v.options().bytes().size() == hl - 20);

    // The lazy walk against the reference walk.
    const Bytes area = v.option_bytes();
    const fuzz::RefWalk ref = fuzz::ref_walk(area);
    std::size_t steps = 0;
    std::size_t expect_offset = 20;
    bool ended = false; // an EOL or a framing error was seen: nothing may follow
    synack::Failure first_framing{};
    for (const synack::OptionEntry& e : v.options()) {
        FUZZ_CHECK(!ended);
        FUZZ_CHECK(steps < 40);
        FUZZ_CHECK(steps < ref.count);
        const fuzz::RefEntry& r = ref.entries[steps];
        ++steps;
        FUZZ_CHECK(e.offset == expect_offset); // contiguous, starts at 20
        FUZZ_CHECK(e.offset >= 20 && e.offset < hl);
        FUZZ_CHECK(e.length >= 1 && e.offset + e.length <= hl);
        FUZZ_CHECK(e.kind == seg[e.offset]);
        FUZZ_CHECK(e.kind == r.kind && e.offset == 20 + r.offset && e.length == r.length);
        FUZZ_CHECK(e.error == r.error);
        FUZZ_CHECK(e.ok() == (r.error == Error::None));
        FUZZ_CHECK(e.data.size() == r.data_length);
        if (!e.data.empty()) {
            FUZZ_CHECK(e.data.data() == seg.data() + 20 + r.data_offset);
            FUZZ_CHECK(r.data_offset >= 2 && r.data_offset + r.data_length <= area.size());
        }
        const bool framing = e.error == Error::OptionMissingLength || e.error == Error::OptionLengthTooSmall ||
                             e.error == Error::OptionLengthPastEnd;
        FUZZ_CHECK(e.framing_error() == framing);
        if (framing) {
            FUZZ_CHECK(e.offset + e.length == hl); // the entry covers the rest
            if (first_framing.error == Error::None) first_framing = {e.error, e.offset};
        }
        if (e.kind == 0 || framing) ended = true;
        if (e.ok()) {
            // Typed accessors read inside the value bytes (ASan checks the
            // reads; the values are checked through TcpHeader below).
            switch (e.kind) {
            case 2: FUZZ_CHECK(e.mss() == synack::load_be16(seg, e.offset + 2U)); break;
            case 3: FUZZ_CHECK(e.window_scale() == seg[e.offset + 2U]); break;
            case 5:
                FUZZ_CHECK(e.sack_count() >= 1 && e.sack_count() <= 4);
                for (std::size_t i = 0; i < e.sack_count(); ++i) {
                    FUZZ_CHECK(e.sack_block(i).left == synack::load_be32(seg, e.offset + 2U + 8 * i));
                    FUZZ_CHECK(e.sack_block(i).right == synack::load_be32(seg, e.offset + 6U + 8 * i));
                }
                break;
            case 8:
                FUZZ_CHECK(e.timestamps().value == synack::load_be32(seg, e.offset + 2U));
                FUZZ_CHECK(e.timestamps().echo_reply == synack::load_be32(seg, e.offset + 6U));
                break;
            default: break;
            }
            if (e.is_fast_open()) {
                const synack::FastOpenOption f = e.fast_open();
                FUZZ_CHECK(f.experimental == (e.kind == 254));
                FUZZ_CHECK(f.cookie_length == e.length - (f.experimental ? 4U : 2U));
            }
        }
        expect_offset = e.offset + e.length;
    }
    FUZZ_CHECK(steps == ref.count);
    FUZZ_CHECK(steps <= 40);
    // Without EOL or framing error the entries tile the whole area.
    if (!ended) FUZZ_CHECK(expect_offset == hl);
    FUZZ_CHECK(v.options().framing() == first_framing);

    // TcpHeader agrees with the view and with the reference walk.
    const synack::result<synack::TcpHeader> h = synack::TcpHeader::decode(seg);
    FUZZ_CHECK(h.ok());
    FUZZ_CHECK(h->source_port == v.source_port() && h->destination_port == v.destination_port());
    FUZZ_CHECK(h->seq == v.seq() && h->ack == v.ack());
    FUZZ_CHECK(h->reserved == v.reserved() && h->flags == v.flags());
    FUZZ_CHECK(h->window == v.window() && h->checksum == v.checksum());
    FUZZ_CHECK(h->urgent_pointer == v.urgent_pointer());
    fuzz::check_tcp_decode(seg, *h);
    FUZZ_CHECK(*h == synack::TcpHeader::from_view(v));

    // Rule 1: the payload plays no part.
    const synack::result<synack::TcpHeader> h2 = synack::TcpHeader::decode(seg.first(hl));
    FUZZ_CHECK(h2.ok() && *h2 == *h);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes seg(data, size);
    const synack::result<synack::TcpView> v = synack::TcpView::parse(seg);
    const synack::result<synack::TcpHeader> h = synack::TcpHeader::decode(seg);
    FUZZ_CHECK(v.ok() == h.ok());
    if (!v) {
        check_framing_failure(seg, v);
        FUZZ_CHECK(h.failure() == v.failure());
        return 0;
    }
    check_view(seg, *v);
    return 0;
}
