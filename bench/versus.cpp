// bench_versus: synack head to head with a minimal hand-written loop (the
// near-the-limit reference) and, when libtins is installed (Debian:
// libtins-dev; bench/CMakeLists.txt defines SYNACK_HAVE_LIBTINS), libtins,
// all in one binary on the same inputs. bench/RESULTS.md has the table and
// the command that produced it.
//
// Benchmark names are <case>/<contender>:
//   decode_syn20/*   the standard Linux SYN (20 option bytes: mss, sackOK,
//                    TS, nop, wscale), header fields + every option into
//                    typed values (SynFields below)
//   decode_syn40/*   a Linux SYN carrying a 16-byte Fast Open cookie (40
//                    option bytes: ... wscale, tfo cookie, nop, nop)
//   encode_synack/*           SYN-ACK with mss, sackOK, TS, nop, wscale,
//                             checksum field left 0
//   encode_synack_csum/*      the same + TCP checksum (IPv4 pseudo-header)
//   encode_synack_ipv4/*      IPv4 header + TCP, both checksums (what
//                             libtins' IP/TCP serialize() does)
//   checksum/<n>/*   one's-complement sum over n = 64, 1460, 9000 bytes
//   format_syn/*     the tcpdump line of the Linux SYN
//
// Fairness rules, the same for every contender:
//   - decode inputs: the TSval bytes take the iteration counter and the
//     input pointer escapes through DoNotOptimize (whose "memory" clobber
//     makes every input byte unknown), so nothing is constant-folded;
//   - decode outputs: the whole result object goes through DoNotOptimize;
//   - encode inputs: a parameter struct whose TSval and seq take the
//     counter, escaped the same way; outputs: the buffer escapes and
//     ClobberMemory forces every store;
//   - every contender's output is checked against the others' once, before
//     the benchmarks run (main() of benchmark_main runs static initialisers
//     first: see the self-check at the bottom).
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "synack/wire/checksum.hpp"
#include "synack/wire/format.hpp"
#include "synack/wire/ipv4.hpp"
#include "synack/wire/tcp.hpp"

#if defined(SYNACK_HAVE_LIBTINS)
#include <tins/ip.h>
#include <tins/ip_address.h>
#include <tins/tcp.h>
#include <tins/utils/checksum_utils.h>
#endif

namespace {

using namespace synack;

// ------------------------------------------------------------------ inputs

// tests/wire/tcp.cpp `linux_syn`: 198.18.0.1.40000 > 198.18.0.2.5000,
// Flags [S], seq 2083760515, win 64240, options [mss 1460,sackOK,TS val
// 945279175 ecr 0,nop,wscale 10].
constexpr std::array<std::uint8_t, 40> linux_syn{
    0x9c, 0x40, 0x13, 0x88, 0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xe2, 0x45, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a};

// The same SYN with a Fast Open cookie, as Linux's tcp_options_write() lays
// it out (TFO last, padded with two NOPs): 40 option bytes, data offset 15.
// The checksum field is filled in at start-up.
constexpr std::array<std::uint8_t, 60> linux_syn_tfo{
    0x9c, 0x40, 0x13, 0x88, 0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
    0x22, 0x12, 0x5a, 0x1f, 0x93, 0x07, 0xc4, 0x6e, 0x21, 0xb8, 0x0d, 0x77, 0xe2, 0x3c, 0x90, 0x4b, 0xaf, 0x16, 0x01, 0x01};

constexpr std::size_t tsval_offset = 28; // both inputs: 20 + mss(4) + 04 02 08 0a

constexpr IpAddress client = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress server = IpAddress::v4(198, 18, 0, 2);

// The pointer escapes: the compiler no longer knows its value nor the bytes
// it points to ("memory" clobber). Not benchmark::DoNotOptimize(p): with
// g++ 12 and benchmark 1.7.1, its "+m,r" operand on a pointer lvalue was
// seen to read the pointer back from the wrong stack slot (a null pointer
// dereference in decode_syn20/reference once the code around it changed).
template <class T>
inline void escape(T*& p) {
    asm volatile("" : "+r"(p) : : "memory");
}

// Input bytes in a buffer of their own, so that the benchmark can vary them.
struct Segment {
    alignas(64) std::array<std::uint8_t, 64> bytes{};
    std::size_t size = 0;

    template <std::size_t N>
    static Segment of(const std::array<std::uint8_t, N>& b) {
        Segment s;
        std::memcpy(s.bytes.data(), b.data(), N);
        s.size = N;
        if (N > 20 && load_be16(s.span(), 16) == 0) fill_tcp_checksum(client, server, MutableBytes(s.bytes.data(), N));
        return s;
    }
    [[nodiscard]] Bytes span() const { return {bytes.data(), size}; }
};

// Per iteration: a new TSval, then the pointer escapes (memory clobber).
inline const std::uint8_t* vary(Segment& s, std::uint32_t i) {
    store_be32(s.bytes, tsval_offset, i);
    const std::uint8_t* p = s.bytes.data();
    escape(p);
    return p;
}

// ------------------------------------------------------------------ decode

// What "decode" produces, for every contender: header fields and every
// option of a SYN as typed values.
struct SynFields {
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t data_offset = 0;
    std::uint16_t flags = 0;
    std::uint16_t window = 0;
    std::uint16_t checksum = 0;
    std::uint16_t urgent = 0;
    bool has_mss = false;
    bool has_window_scale = false;
    bool sack_permitted = false;
    bool has_timestamps = false;
    bool has_fast_open = false;
    std::uint16_t mss = 0;
    std::uint8_t window_scale = 0;
    std::uint8_t fast_open_length = 0;
    std::uint32_t ts_val = 0;
    std::uint32_t ts_ecr = 0;
    std::array<std::uint8_t, 16> fast_open_cookie{};

    friend bool operator==(const SynFields&, const SynFields&) = default;
};

// The reference: what one writes in C (Linux's tcp_parse_options() shape),
// with memcpy + bswap loads. Same acceptance rules as the codec for the
// kinds it knows (length checks per kind; framing errors end the walk).
namespace ref {

inline std::uint16_t be16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}
inline std::uint32_t be32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline void put16(std::uint8_t* p, std::uint16_t v) {
    v = __builtin_bswap16(v);
    std::memcpy(p, &v, 2);
}
inline void put32(std::uint8_t* p, std::uint32_t v) {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}

inline bool decode(const std::uint8_t* p, std::size_t n, SynFields& f) {
    if (n < 20) return false;
    const unsigned doff = p[12] >> 4U;
    if (doff < 5 || doff * 4U > n) return false;
    f.source_port = be16(p);
    f.destination_port = be16(p + 2);
    f.seq = be32(p + 4);
    f.ack = be32(p + 8);
    f.data_offset = static_cast<std::uint8_t>(doff);
    f.flags = static_cast<std::uint16_t>(((p[12] & 1U) << 8U) | p[13]);
    f.window = be16(p + 14);
    f.checksum = be16(p + 16);
    f.urgent = be16(p + 18);
    const std::uint8_t* o = p + 20;
    std::size_t left = doff * 4U - 20U;
    while (left > 0) {
        const std::uint8_t kind = o[0];
        if (kind == 0) break;
        if (kind == 1) {
            ++o;
            --left;
            continue;
        }
        if (left < 2) break;
        const std::uint8_t len = o[1];
        if (len < 2 || len > left) break;
        switch (kind) {
        case 2:
            if (len == 4) {
                f.has_mss = true;
                f.mss = be16(o + 2);
            }
            break;
        case 3:
            if (len == 3) {
                f.has_window_scale = true;
                f.window_scale = o[2];
            }
            break;
        case 4:
            if (len == 2) f.sack_permitted = true;
            break;
        case 8:
            if (len == 10) {
                f.has_timestamps = true;
                f.ts_val = be32(o + 2);
                f.ts_ecr = be32(o + 6);
            }
            break;
        case 34: {
            const unsigned c = len - 2U;
            if (c == 0 || (c >= 4 && c <= 16 && c % 2 == 0)) {
                f.has_fast_open = true;
                f.fast_open_length = static_cast<std::uint8_t>(c);
                std::memcpy(f.fast_open_cookie.data(), o + 2, c);
            }
            break;
        }
        default: break;
        }
        o += len;
        left -= len;
    }
    return true;
}

} // namespace ref

// synack, view face: parse once (framing validated), read the fixed fields
// from the view and the typed options with OptionValues::decode (the lazy
// OptionRange walk, which also yields offsets and errors, is measured in
// bench_tcp).
inline bool synack_view_decode(Bytes seg, SynFields& f) {
    const result<TcpView> r = TcpView::parse(seg);
    if (!r) return false;
    const TcpView& v = *r;
    f.source_port = v.source_port();
    f.destination_port = v.destination_port();
    f.seq = v.seq().raw();
    f.ack = v.ack().raw();
    f.data_offset = v.data_offset();
    f.flags = v.flags().bits();
    f.window = v.window();
    f.checksum = v.checksum();
    f.urgent = v.urgent_pointer();
    const OptionValues o = OptionValues::decode(v.option_bytes());
    f.has_mss = o.mss.has_value();
    f.mss = o.mss.value_or(0);
    f.has_window_scale = o.window_scale.has_value();
    f.window_scale = o.window_scale.value_or(0);
    f.sack_permitted = o.sack_permitted;
    f.has_timestamps = o.timestamps.has_value();
    if (o.timestamps) {
        f.ts_val = o.timestamps->value;
        f.ts_ecr = o.timestamps->echo_reply;
    }
    if (o.fast_open && !o.fast_open->experimental) {
        f.has_fast_open = true;
        f.fast_open_length = o.fast_open->cookie_length;
        std::memcpy(f.fast_open_cookie.data(), o.fast_open->cookie.data(), f.fast_open_length);
    }
    return true;
}

// The value face (TcpHeader) as SynFields, for the self-check only.
SynFields fields_of(const TcpHeader& h) {
    SynFields f;
    f.source_port = h.source_port;
    f.destination_port = h.destination_port;
    f.seq = h.seq.raw();
    f.ack = h.ack.raw();
    f.data_offset = static_cast<std::uint8_t>(*h.encoded_size() / 4);
    f.flags = h.flags.bits();
    f.window = h.window;
    f.checksum = h.checksum;
    f.urgent = h.urgent_pointer;
    f.has_mss = h.options.mss.has_value();
    f.mss = h.options.mss.value_or(0);
    f.has_window_scale = h.options.window_scale.has_value();
    f.window_scale = h.options.window_scale.value_or(0);
    f.sack_permitted = h.options.sack_permitted;
    f.has_timestamps = h.options.timestamps.has_value();
    f.ts_val = h.options.timestamps ? h.options.timestamps->value : 0;
    f.ts_ecr = h.options.timestamps ? h.options.timestamps->echo_reply : 0;
    if (h.options.fast_open) {
        f.has_fast_open = true;
        f.fast_open_length = h.options.fast_open->cookie_length;
        std::memcpy(f.fast_open_cookie.data(), h.options.fast_open->cookie.data(), f.fast_open_length);
    }
    return f;
}

#if defined(SYNACK_HAVE_LIBTINS)
// libtins: construct Tins::TCP from the bytes (it parses every option into
// its option list) and read the same fields through its getters.
inline bool tins_decode(const std::uint8_t* p, std::size_t n, SynFields& f) {
    const Tins::TCP t(p, static_cast<std::uint32_t>(n));
    f.source_port = t.sport();
    f.destination_port = t.dport();
    f.seq = t.seq();
    f.ack = t.ack_seq();
    f.data_offset = static_cast<std::uint8_t>(t.data_offset());
    f.flags = static_cast<std::uint16_t>(t.flags());
    f.window = t.window();
    f.checksum = t.checksum();
    f.urgent = t.urg_ptr();
    // mss()/winscale()/timestamp() throw option_not_found when absent: both
    // inputs carry them, as the self-check confirms.
    f.has_mss = true;
    f.mss = t.mss();
    f.has_window_scale = true;
    f.window_scale = t.winscale();
    f.sack_permitted = t.has_sack_permitted();
    const std::pair<std::uint32_t, std::uint32_t> ts = t.timestamp();
    f.has_timestamps = true;
    f.ts_val = ts.first;
    f.ts_ecr = ts.second;
    // No Fast Open accessor in libtins 4.0: find kind 34 in its option list.
    if (const Tins::TCP::option* o = t.search_option(static_cast<Tins::TCP::OptionTypes>(34))) {
        const std::size_t c = o->data_size();
        if (c == 0 || (c >= 4 && c <= 16 && c % 2 == 0)) {
            f.has_fast_open = true;
            f.fast_open_length = static_cast<std::uint8_t>(c);
            std::memcpy(f.fast_open_cookie.data(), o->data_ptr(), c);
        }
    }
    return true;
}
#endif

template <const auto& Input>
void BM_DecodeReference(benchmark::State& state) {
    Segment s = Segment::of(Input);
    std::uint32_t i = 0;
    for (auto _ : state) {
        const std::uint8_t* p = vary(s, ++i);
        SynFields f;
        benchmark::DoNotOptimize(ref::decode(p, s.size, f));
        benchmark::DoNotOptimize(f);
    }
}

template <const auto& Input>
void BM_DecodeSynackView(benchmark::State& state) {
    Segment s = Segment::of(Input);
    std::uint32_t i = 0;
    for (auto _ : state) {
        const std::uint8_t* p = vary(s, ++i);
        SynFields f;
        benchmark::DoNotOptimize(synack_view_decode(Bytes(p, s.size), f));
        benchmark::DoNotOptimize(f);
    }
}

template <const auto& Input>
void BM_DecodeSynackValue(benchmark::State& state) {
    Segment s = Segment::of(Input);
    std::uint32_t i = 0;
    for (auto _ : state) {
        const std::uint8_t* p = vary(s, ++i);
        result<TcpHeader> h = TcpHeader::decode(Bytes(p, s.size));
        benchmark::DoNotOptimize(h);
    }
}

#if defined(SYNACK_HAVE_LIBTINS)
template <const auto& Input>
void BM_DecodeLibtins(benchmark::State& state) {
    Segment s = Segment::of(Input);
    std::uint32_t i = 0;
    for (auto _ : state) {
        const std::uint8_t* p = vary(s, ++i);
        SynFields f;
        benchmark::DoNotOptimize(tins_decode(p, s.size, f));
        benchmark::DoNotOptimize(f);
    }
}
#endif

// ------------------------------------------------------------------ encode

// What a SYN-ACK is built from (the values of tests/wire/tcp.cpp's
// `linux_synack`, wscale 7). TSval and seq change every iteration.
struct SynAckParams {
    std::uint16_t source_port = 5000;
    std::uint16_t destination_port = 40000;
    std::uint32_t seq = 0x293c7ba8;
    std::uint32_t ack = 0x7c33a984;
    std::uint16_t window = 65160;
    std::uint16_t mss = 1460;
    std::uint8_t window_scale = 7;
    std::uint32_t ts_val = 0xe2497910;
    std::uint32_t ts_ecr = 0x3857d0c7;
};

inline SynAckParams& vary(SynAckParams& pr, std::uint32_t i) {
    pr.ts_val = i;
    pr.seq = i * 2654435761U;
    benchmark::DoNotOptimize(pr);
    return pr;
}

constexpr std::size_t synack_length = 40; // 20 + mss 4 + sackOK/TS 12 + nop,wscale 4

namespace ref {

// The hand-written RFC 1071 sum: 32-bit loads into a 64-bit accumulator,
// folded at the end (host order; swapped once, RFC 1071 §2(B)).
inline std::uint32_t sum(const std::uint8_t* p, std::size_t n, std::uint64_t acc = 0) {
    while (n >= 4) {
        std::uint32_t w;
        std::memcpy(&w, p, 4);
        acc += w;
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t w;
        std::memcpy(&w, p, 2);
        acc += w;
        p += 2;
        n -= 2;
    }
    if (n == 1) acc += p[0];
    acc = (acc & 0xffffffffU) + (acc >> 32U);
    while (acc >> 16U) acc = (acc & 0xffffU) + (acc >> 16U);
    return __builtin_bswap16(static_cast<std::uint16_t>(acc)); // big-endian partial sum
}

// Linux's SYN-ACK layout with word stores; the checksum over the IPv4
// pseudo-header (addresses as host-order integers) when asked.
inline std::size_t encode_synack(const SynAckParams& pr, std::uint8_t* out, bool csum, std::uint32_t src,
                                 std::uint32_t dst) {
    put16(out, pr.source_port);
    put16(out + 2, pr.destination_port);
    put32(out + 4, pr.seq);
    put32(out + 8, pr.ack);
    put16(out + 12, 0xa012); // data offset 10, SYN|ACK
    put16(out + 14, pr.window);
    put32(out + 16, 0);      // checksum, urgent pointer
    put32(out + 20, 0x02040000U | pr.mss);
    put32(out + 24, 0x0402080aU);
    put32(out + 28, pr.ts_val);
    put32(out + 32, pr.ts_ecr);
    put32(out + 36, 0x01030300U | pr.window_scale);
    if (csum) {
        const std::uint64_t pseudo = (src >> 16U) + (src & 0xffffU) + (dst >> 16U) + (dst & 0xffffU) + 6U + synack_length;
        std::uint64_t s = sum(out, synack_length) + pseudo;
        s = (s & 0xffffU) + (s >> 16U);
        s = (s & 0xffffU) + (s >> 16U);
        put16(out + 16, static_cast<std::uint16_t>(~s));
    }
    return synack_length;
}

} // namespace ref

// The builder face: TcpFields + OptionValues, written in Linux's canonical
// layout (TcpHeader, the decoded value that preserves layouts, encodes the
// same bytes and is measured in bench_tcp).
inline std::size_t synack_encode(const SynAckParams& pr, MutableBytes out, bool csum) {
    TcpFields h;
    h.source_port = pr.source_port;
    h.destination_port = pr.destination_port;
    h.seq = SeqNum(pr.seq);
    h.ack = SeqNum(pr.ack);
    h.flags = TcpFlag::Syn | TcpFlag::Ack;
    h.window = pr.window;
    OptionValues o;
    o.mss = pr.mss;
    o.sack_permitted = true;
    o.timestamps = Timestamps{pr.ts_val, pr.ts_ecr};
    o.window_scale = pr.window_scale;
    const result<std::size_t> n = csum ? h.encode(out, o, client, server) : h.encode(out, o);
    return n ? *n : 0;
}

// IPv4 header + SYN-ACK, both checksums: the TCP segment is encoded in place
// after the 20-byte IP header, then the IP header in front of it.
inline std::size_t synack_encode_ipv4(const SynAckParams& pr, MutableBytes out) {
    const std::size_t n = synack_encode(pr, out.subspan(ipv4_min_header), true);
    if (n == 0) return 0;
    Ipv4Header ip;
    ip.source = client;
    ip.destination = server;
    if (ip.set_payload_length(n) != Error::None) return 0;
    const result<std::size_t> hl = ip.encode(out);
    if (!hl) return 0;
    return *hl + n;
}

#if defined(SYNACK_HAVE_LIBTINS)
const Tins::IPv4Address tins_client("198.18.0.1");
const Tins::IPv4Address tins_server("198.18.0.2");

// Options added in Linux's order; libtins pads the option area itself.
inline void tins_fill(Tins::TCP& t, const SynAckParams& pr) {
    t.seq(pr.seq);
    t.ack_seq(pr.ack);
    t.flags(Tins::TCP::SYN | Tins::TCP::ACK);
    t.window(pr.window);
    t.mss(pr.mss);
    t.sack_permitted();
    t.timestamp(pr.ts_val, pr.ts_ecr);
    t.add_option(Tins::TCP::option(Tins::TCP::NOP));
    t.winscale(pr.window_scale);
}

// TCP alone: serialize() computes no checksum without an IP parent (the
// field is written as 0); PDU::serialize() returning a std::vector is
// libtins' only public serialization.
inline Tins::PDU::serialization_type tins_encode(const SynAckParams& pr) {
    Tins::TCP t(pr.destination_port, pr.source_port);
    tins_fill(t, pr);
    return t.serialize();
}

// IP / TCP: serialize() writes the IPv4 header (its checksum too) and the TCP
// checksum over the pseudo-header.
inline Tins::PDU::serialization_type tins_encode_ipv4(const SynAckParams& pr) {
    Tins::IP ip(tins_server, tins_client);
    auto* t = new Tins::TCP(pr.destination_port, pr.source_port); // owned by ip
    tins_fill(*t, pr);
    ip.inner_pdu(t);
    return ip.serialize();
}
#endif

constexpr std::uint32_t client_u32 = 0xc6120001U;
constexpr std::uint32_t server_u32 = 0xc6120002U;

template <bool Checksum>
void BM_EncodeReference(benchmark::State& state) {
    SynAckParams pr;
    alignas(64) std::array<std::uint8_t, 64> out{};
    std::uint32_t i = 0;
    for (auto _ : state) {
        const SynAckParams& p = vary(pr, ++i);
        std::uint8_t* o = out.data();
        escape(o);
        benchmark::DoNotOptimize(ref::encode_synack(p, o, Checksum, client_u32, server_u32));
        benchmark::ClobberMemory();
    }
}

template <bool Checksum>
void BM_EncodeSynack(benchmark::State& state) {
    SynAckParams pr;
    alignas(64) std::array<std::uint8_t, 64> out{};
    std::uint32_t i = 0;
    for (auto _ : state) {
        const SynAckParams& p = vary(pr, ++i);
        std::uint8_t* o = out.data();
        escape(o);
        benchmark::DoNotOptimize(synack_encode(p, MutableBytes(o, out.size()), Checksum));
        benchmark::ClobberMemory();
    }
}

void BM_EncodeIpv4Reference(benchmark::State& state) {
    SynAckParams pr;
    alignas(64) std::array<std::uint8_t, 64> out{};
    std::uint32_t i = 0;
    for (auto _ : state) {
        const SynAckParams& p = vary(pr, ++i);
        std::uint8_t* o = out.data();
        escape(o);
        const std::size_t n = ref::encode_synack(p, o + 20, true, client_u32, server_u32);
        // IPv4: version/IHL, DSCP/ECN 0, total length, id 0, DF, TTL 64, TCP.
        ref::put32(o, 0x45000000U | static_cast<std::uint32_t>(20 + n));
        ref::put32(o + 4, 0x00004000U);
        ref::put32(o + 8, 0x40060000U);
        ref::put32(o + 12, client_u32);
        ref::put32(o + 16, server_u32);
        ref::put16(o + 10, static_cast<std::uint16_t>(~ref::sum(o, 20)));
        benchmark::DoNotOptimize(n);
        benchmark::ClobberMemory();
    }
}

void BM_EncodeIpv4Synack(benchmark::State& state) {
    SynAckParams pr;
    alignas(64) std::array<std::uint8_t, 64> out{};
    std::uint32_t i = 0;
    for (auto _ : state) {
        const SynAckParams& p = vary(pr, ++i);
        std::uint8_t* o = out.data();
        escape(o);
        benchmark::DoNotOptimize(synack_encode_ipv4(p, MutableBytes(o, out.size())));
        benchmark::ClobberMemory();
    }
}

#if defined(SYNACK_HAVE_LIBTINS)
void BM_EncodeLibtins(benchmark::State& state) {
    SynAckParams pr;
    std::uint32_t i = 0;
    for (auto _ : state) {
        const SynAckParams& p = vary(pr, ++i);
        Tins::PDU::serialization_type b = tins_encode(p);
        benchmark::DoNotOptimize(b.data());
        benchmark::ClobberMemory();
    }
}

void BM_EncodeIpv4Libtins(benchmark::State& state) {
    SynAckParams pr;
    std::uint32_t i = 0;
    for (auto _ : state) {
        const SynAckParams& p = vary(pr, ++i);
        Tins::PDU::serialization_type b = tins_encode_ipv4(p);
        benchmark::DoNotOptimize(b.data());
        benchmark::ClobberMemory();
    }
}
#endif

// ---------------------------------------------------------------- checksum

struct ChecksumData {
    alignas(64) std::array<std::uint8_t, 9000> bytes{};
    ChecksumData() {
        std::uint32_t x = 0x9e3779b9U; // xorshift32: fixed, incompressible-looking
        for (std::uint8_t& b : bytes) {
            x ^= x << 13U;
            x ^= x >> 17U;
            x ^= x << 5U;
            b = static_cast<std::uint8_t>(x);
        }
    }
};

ChecksumData& checksum_data() {
    static ChecksumData d;
    return d;
}

void report_bytes(benchmark::State& state, std::size_t n) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

void BM_ChecksumReference(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::uint8_t* p = checksum_data().bytes.data();
    for (auto _ : state) {
        escape(p);
        benchmark::DoNotOptimize(ref::sum(p, n));
    }
    report_bytes(state, n);
}

void BM_ChecksumSynack(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::uint8_t* p = checksum_data().bytes.data();
    for (auto _ : state) {
        escape(p);
        benchmark::DoNotOptimize(internet_sum(Bytes(p, n)));
    }
    report_bytes(state, n);
}

#if defined(SYNACK_HAVE_LIBTINS)
// Utils::do_checksum returns the unfolded 32-bit sum: fold it as a caller must.
inline std::uint16_t tins_sum(const std::uint8_t* p, std::size_t n) {
    std::uint32_t s = Tins::Utils::do_checksum(p, p + n);
    while (s >> 16U) s = (s & 0xffffU) + (s >> 16U);
    return static_cast<std::uint16_t>(s);
}

void BM_ChecksumLibtins(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const std::uint8_t* p = checksum_data().bytes.data();
    for (auto _ : state) {
        escape(p);
        benchmark::DoNotOptimize(tins_sum(p, n));
    }
    report_bytes(state, n);
}
#endif

// ------------------------------------------------------------------ format

// The reference formatter: snprintf pieces over a hand-written option walk,
// the same text as tcpdump -nn -S for the options this SYN carries.
inline std::size_t ref_format(char* out, std::size_t cap, const std::uint8_t* p, std::size_t n) {
    std::size_t k = 0;
    auto put = [&](int w) { k += w > 0 ? static_cast<std::size_t>(w) : 0; };
    const unsigned doff = p[12] >> 4U;
    char flags[9];
    std::size_t nf = 0;
    for (unsigned bit = 0; bit < 8; ++bit) {
        if (p[13] & (1U << bit)) flags[nf++] = "FSRP.UEW"[bit];
    }
    flags[nf] = '\0';
    put(std::snprintf(out, cap, "IP 198.18.0.1.%u > 198.18.0.2.%u: Flags [%s], seq %u, win %u, options [",
                      ref::be16(p), ref::be16(p + 2), flags, ref::be32(p + 4), ref::be16(p + 14)));
    const std::uint8_t* o = p + 20;
    std::size_t left = doff * 4U - 20U;
    bool first = true;
    while (left > 0 && k < cap) {
        const std::uint8_t kind = o[0];
        if (kind > 1 && left < 2) break;
        const std::uint8_t len = kind <= 1 ? 1 : o[1];
        if (len < 1 || len > left) break;
        if (!first) put(std::snprintf(out + k, cap - k, ","));
        first = false;
        switch (kind) {
        case 0: put(std::snprintf(out + k, cap - k, "eol")); left = len; break;
        case 1: put(std::snprintf(out + k, cap - k, "nop")); break;
        case 2: put(std::snprintf(out + k, cap - k, "mss %u", ref::be16(o + 2))); break;
        case 3: put(std::snprintf(out + k, cap - k, "wscale %u", o[2])); break;
        case 4: put(std::snprintf(out + k, cap - k, "sackOK")); break;
        case 8: put(std::snprintf(out + k, cap - k, "TS val %u ecr %u", ref::be32(o + 2), ref::be32(o + 6))); break;
        default: put(std::snprintf(out + k, cap - k, "unknown-%u", kind)); break;
        }
        o += len;
        left -= len;
    }
    put(std::snprintf(out + k, cap - k, "], length %u", static_cast<unsigned>(n - doff * 4U)));
    return k;
}

void BM_FormatReference(benchmark::State& state) {
    Segment s = Segment::of(linux_syn);
    std::uint32_t i = 0;
    for (auto _ : state) {
        const std::uint8_t* p = vary(s, ++i);
        std::array<char, 256> buf; // NOLINT: written before read
        benchmark::DoNotOptimize(ref_format(buf.data(), buf.size(), p, s.size));
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
    }
}

void BM_FormatSynack(benchmark::State& state) {
    Segment s = Segment::of(linux_syn);
    std::uint32_t i = 0;
    for (auto _ : state) {
        const std::uint8_t* p = vary(s, ++i);
        std::array<char, 256> buf; // NOLINT: written before read
        TextSink sink(buf);
        format_packet(sink, client, server, Bytes(p, s.size));
        benchmark::DoNotOptimize(sink.size());
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
    }
}

// ------------------------------------------------------------- self-check

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "bench_versus self-check failed: %s\n", what);
    std::abort();
}

template <std::size_t N>
void check_decode(const std::array<std::uint8_t, N>& in, const char* name) {
    Segment s = Segment::of(in);
    SynFields r;
    SynFields v;
    if (!ref::decode(s.bytes.data(), s.size, r)) fail(name);
    if (!synack_view_decode(s.span(), v)) fail(name);
    if (!(r == v)) fail("decode: reference != synack view");
    const result<TcpHeader> h = TcpHeader::decode(s.span());
    if (!h || h->options.malformed()) fail(name);
    if (!(fields_of(*h) == r)) fail("decode: reference != synack value");
    if (!r.has_mss || !r.has_window_scale || !r.sack_permitted || !r.has_timestamps) fail("decode: option missing");
#if defined(SYNACK_HAVE_LIBTINS)
    SynFields t;
    if (!tins_decode(s.bytes.data(), s.size, t)) fail(name);
    if (!(r == t)) fail("decode: reference != libtins");
#endif
}

void check_encode() {
    const SynAckParams pr;
    std::array<std::uint8_t, 64> a{};
    std::array<std::uint8_t, 64> b{};
    for (bool csum : {false, true}) {
        a = {};
        b = {};
        if (ref::encode_synack(pr, a.data(), csum, client_u32, server_u32) != synack_length) fail("encode: ref size");
        if (synack_encode(pr, b, csum) != synack_length) fail("encode: synack size");
        if (a != b) fail("encode: reference != synack");
        if (csum && !verify_tcp_checksum(client, server, Bytes(b.data(), synack_length))) fail("encode: checksum");
    }
    std::array<std::uint8_t, 64> ip{};
    if (synack_encode_ipv4(pr, ip) != 20 + synack_length) fail("encode: ipv4 size");
    if (std::memcmp(ip.data() + 20, b.data(), synack_length) != 0) fail("encode: ipv4 tcp part");
    {
        std::array<std::uint8_t, 64> r{};
        const std::size_t n = ref::encode_synack(pr, r.data() + 20, true, client_u32, server_u32);
        ref::put32(r.data(), 0x45000000U | static_cast<std::uint32_t>(20 + n));
        ref::put32(r.data() + 4, 0x00004000U);
        ref::put32(r.data() + 8, 0x40060000U);
        ref::put32(r.data() + 12, client_u32);
        ref::put32(r.data() + 16, server_u32);
        ref::put16(r.data() + 10, static_cast<std::uint16_t>(~ref::sum(r.data(), 20)));
        if (r != ip) fail("encode: ipv4 reference != synack");
    }
#if defined(SYNACK_HAVE_LIBTINS)
    const Tins::PDU::serialization_type t = tins_encode(pr);
    if (t.size() != synack_length) fail("encode: libtins size");
    a = {};
    (void)ref::encode_synack(pr, a.data(), false, client_u32, server_u32);
    if (std::memcmp(t.data(), a.data(), synack_length) != 0) fail("encode: libtins != reference (no checksum)");
    const Tins::PDU::serialization_type ti = tins_encode_ipv4(pr);
    if (ti.size() != 20 + synack_length) fail("encode: libtins ipv4 size");
    // libtins' IP header differs (TTL 128, DF clear); the TCP part must not.
    if (std::memcmp(ti.data() + 20, b.data(), synack_length) != 0) fail("encode: libtins ipv4 tcp part");
#endif
}

void check_checksum() {
    const std::uint8_t* p = checksum_data().bytes.data();
    for (std::size_t n : {64U, 1460U, 9000U, 41U}) {
        const std::uint32_t s = internet_sum(Bytes(p, n));
        if (ref::sum(p, n) != s) fail("checksum: reference != synack");
#if defined(SYNACK_HAVE_LIBTINS)
        // do_checksum sums in host order: compare after the byte swap.
        const std::uint16_t t = tins_sum(p, n);
        if (t != s && __builtin_bswap16(t) != s) fail("checksum: libtins != synack");
#endif
    }
}

void check_format() {
    Segment s = Segment::of(linux_syn);
    std::array<char, 256> a{};
    std::array<char, 256> b{};
    const std::size_t na = ref_format(a.data(), a.size(), s.bytes.data(), s.size);
    TextSink sink(b);
    format_packet(sink, client, server, s.span());
    const std::string_view want =
        "IP 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S], seq 2083760515, win 64240, "
        "options [mss 1460,sackOK,TS val 945279175 ecr 0,nop,wscale 10], length 0";
    if (std::string_view(a.data(), na) != want) fail("format: reference");
    if (std::string_view(b.data(), sink.size()) != want) fail("format: synack");
}

const bool self_checked = [] {
    check_decode(linux_syn, "linux_syn");
    check_decode(linux_syn_tfo, "linux_syn_tfo");
    check_encode();
    check_checksum();
    check_format();
    return true;
}();

} // namespace

BENCHMARK(BM_DecodeReference<linux_syn>)->Name("decode_syn20/reference");
BENCHMARK(BM_DecodeSynackView<linux_syn>)->Name("decode_syn20/synack_view");
BENCHMARK(BM_DecodeSynackValue<linux_syn>)->Name("decode_syn20/synack_value");
#if defined(SYNACK_HAVE_LIBTINS)
BENCHMARK(BM_DecodeLibtins<linux_syn>)->Name("decode_syn20/libtins");
#endif
BENCHMARK(BM_DecodeReference<linux_syn_tfo>)->Name("decode_syn40/reference");
BENCHMARK(BM_DecodeSynackView<linux_syn_tfo>)->Name("decode_syn40/synack_view");
BENCHMARK(BM_DecodeSynackValue<linux_syn_tfo>)->Name("decode_syn40/synack_value");
#if defined(SYNACK_HAVE_LIBTINS)
BENCHMARK(BM_DecodeLibtins<linux_syn_tfo>)->Name("decode_syn40/libtins");
#endif

BENCHMARK(BM_EncodeReference<false>)->Name("encode_synack/reference");
BENCHMARK(BM_EncodeSynack<false>)->Name("encode_synack/synack");
#if defined(SYNACK_HAVE_LIBTINS)
BENCHMARK(BM_EncodeLibtins)->Name("encode_synack/libtins");
#endif
BENCHMARK(BM_EncodeReference<true>)->Name("encode_synack_csum/reference");
BENCHMARK(BM_EncodeSynack<true>)->Name("encode_synack_csum/synack");
BENCHMARK(BM_EncodeIpv4Reference)->Name("encode_synack_ipv4/reference");
BENCHMARK(BM_EncodeIpv4Synack)->Name("encode_synack_ipv4/synack");
#if defined(SYNACK_HAVE_LIBTINS)
BENCHMARK(BM_EncodeIpv4Libtins)->Name("encode_synack_ipv4/libtins");
#endif

BENCHMARK(BM_ChecksumReference)->Name("checksum/reference")->Arg(64)->Arg(1460)->Arg(9000);
BENCHMARK(BM_ChecksumSynack)->Name("checksum/synack")->Arg(64)->Arg(1460)->Arg(9000);
#if defined(SYNACK_HAVE_LIBTINS)
BENCHMARK(BM_ChecksumLibtins)->Name("checksum/libtins")->Arg(64)->Arg(1460)->Arg(9000);
#endif

BENCHMARK(BM_FormatReference)->Name("format_syn/reference");
BENCHMARK(BM_FormatSynack)->Name("format_syn/synack");
