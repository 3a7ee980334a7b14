// synack/testing/mutator.hpp — a structure-aware TCP/IP mutator for other
// projects' fuzzers: decodes an input with synack (an IPv4 or IPv6 packet
// carrying TCP, or a bare TCP segment), changes it at the level of fields
// and options, re-encodes it with valid (or, on purpose, broken) checksums
// and lengths, and falls back to byte mutation. Its signature is libFuzzer's
// LLVMFuzzerCustomMutator, so a user's target needs three lines:
//
//     #include <synack/testing/mutator.hpp>
//     extern "C" size_t LLVMFuzzerMutate(uint8_t*, size_t, size_t);
//     extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* d, size_t n, size_t max, unsigned seed) {
//         return synack::testing::mutate_packet(d, n, max, seed, {.byte_mutator = LLVMFuzzerMutate});
//     }
//
// What it changes (one to three of these per call, chosen by `seed`):
//   flags (single bits, the 3 reserved bits, classic combinations), sequence
//   and acknowledgment numbers at their edges (0, 2^31 +/- 1, 2^32 - 1,
//   ack = seq, +/- 1), window and urgent pointer edges; option kinds
//   swapped, option length bytes off by one, options duplicated, removed,
//   reordered, inserted (MSS, window scale 0/14/15/255, SACK-permitted,
//   timestamps, SACK with 0..5 blocks, TFO with cookies of 0..18 bytes,
//   experimental TFO, MD5, AO, MPTCP, unknown kinds), EOL placed early with
//   bytes after it, the option area filled with NOPs; the data offset set
//   against the real header length (4, 5, 15, +/- 1); payload cut or grown;
//   IPv4: IHL, total length, fragment bits, options; IPv6: extension headers
//   prepended (hop-by-hop, routing, destination options, fragment, up to
//   ten), their length and next-header bytes corrupted, the chain dropped.
//   Then checksums are recomputed (most of the time) or left wrong, and the
//   length fields made to agree with the bytes (most of the time) or not.
// Inputs synack cannot decode, and a few percent of the others, go to the
// byte mutator (`byte_mutator`, e.g. LLVMFuzzerMutate, or a small built-in
// one when none is given).
//
// Header-only, no allocation, no exceptions; deterministic for a seed. Not
// part of the umbrella header (testing/ is for tests and fuzzers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "synack/core/bytes.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/ipv4.hpp"
#include "synack/wire/ipv6.hpp"
#include "synack/wire/packet.hpp"
#include "synack/wire/tcp.hpp"

namespace synack::testing {

// libFuzzer's LLVMFuzzerMutate shape: mutate data[0, size) within
// max_size, return the new size.
using ByteMutator = std::size_t (*)(std::uint8_t* data, std::size_t size, std::size_t max_size);

enum class Framing : std::uint8_t {
    Auto, // by the first nibble: 4 or 6 is an IP packet, anything else a bare TCP segment
    Ip,   // always an IPv4/IPv6 packet
    Tcp,  // always a bare TCP segment (no checksum: no addresses)
};

struct MutatorOptions {
    ByteMutator byte_mutator = nullptr; // nullptr: the built-in byte mutator
    Framing framing = Framing::Auto;
    unsigned byte_percent = 5;        // share of decodable inputs sent to the byte mutator anyway
    unsigned bad_checksum_percent = 10;
    unsigned bad_length_percent = 10; // IP length fields left disagreeing with the bytes
};

namespace mutator_detail {

// splitmix64: a small, good generator for a per-call stream of choices.
class Rng {
  public:
    explicit constexpr Rng(std::uint64_t seed) noexcept : s_(seed) {}
    constexpr std::uint64_t next() noexcept {
        std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31U);
    }
    constexpr std::uint32_t below(std::uint32_t n) noexcept {
        return n == 0 ? 0U : static_cast<std::uint32_t>(next() % n);
    }
    constexpr bool percent(unsigned p) noexcept { return below(100) < p; }

  private:
    std::uint64_t s_;
};

inline constexpr std::size_t max_packet = 4096;
inline constexpr std::size_t max_chunks = 48; // options (and NOPs) in one header
inline constexpr std::size_t max_ip = 60 + 8 * 256; // IPv4 header, or IPv6 + extension chain

// The built-in byte mutator: flip a bit, set an interesting byte, insert or
// erase a byte, or repeat a slice.
inline std::size_t builtin_bytes(Rng& r, std::uint8_t* d, std::size_t size, std::size_t max_size) noexcept {
    static constexpr std::uint8_t interesting[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x0a, 0x7f, 0x80, 0xfe, 0xff};
    switch (r.below(size == 0 ? 1U : 5U)) {
    case 0:
        if (size < max_size) {
            const std::size_t at = r.below(static_cast<std::uint32_t>(size + 1));
            std::memmove(d + at + 1, d + at, size - at);
            d[at] = interesting[r.below(sizeof interesting)];
            return size + 1;
        }
        return size;
    case 1: d[r.below(static_cast<std::uint32_t>(size))] ^= static_cast<std::uint8_t>(1U << r.below(8)); return size;
    case 2: d[r.below(static_cast<std::uint32_t>(size))] = interesting[r.below(sizeof interesting)]; return size;
    case 3: {
        const std::size_t at = r.below(static_cast<std::uint32_t>(size));
        std::memmove(d + at, d + at + 1, size - at - 1);
        return size - 1;
    }
    default: {
        const std::size_t from = r.below(static_cast<std::uint32_t>(size));
        const std::size_t n = 1 + r.below(static_cast<std::uint32_t>(size - from));
        if (size + n > max_size) return size;
        const std::size_t at = r.below(static_cast<std::uint32_t>(size + 1));
        std::uint8_t tmp[max_packet];
        if (n > sizeof tmp) return size;
        std::memcpy(tmp, d + from, n);
        std::memmove(d + at + n, d + at, size - at);
        std::memcpy(d + at, tmp, n);
        return size + n;
    }
    }
}

// One TCP option as it is on the wire (kind, length byte if any, value).
struct Chunk {
    std::uint8_t len = 0;
    std::uint8_t b[40]{};
};

// A decoded packet, in the pieces the mutations work on.
struct Packet {
    enum class Family : std::uint8_t { None, V4, V6 } family = Family::None;
    std::uint8_t ip[max_ip]{};  // IPv4 header with options, or IPv6 header + extension headers
    std::size_t ip_len = 0;
    IpAddress src{}, dst{};
    TcpFields tcp{};
    std::uint8_t reserved = 0;  // the 3 reserved bits (TcpFields keeps 9 flag bits)
    Chunk opts[max_chunks]{};
    std::size_t nopts = 0;
    std::uint8_t payload[max_packet]{};
    std::size_t payload_len = 0;
    int doff_override = -1;     // data offset written instead of the real one
};

[[nodiscard]] inline std::size_t options_length(const Packet& p) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < p.nopts; ++i) n += p.opts[i].len;
    return n;
}

inline bool decode_tcp(Packet& p, Bytes seg) noexcept {
    const result<TcpView> v = TcpView::parse(seg);
    if (!v) return false;
    p.tcp.source_port = v->source_port();
    p.tcp.destination_port = v->destination_port();
    p.tcp.seq = v->seq();
    p.tcp.ack = v->ack();
    p.tcp.flags = v->flags();
    p.tcp.window = v->window();
    p.tcp.checksum = v->checksum();
    p.tcp.urgent_pointer = v->urgent_pointer();
    p.reserved = v->reserved();
    p.nopts = 0;
    // Each option's wire bytes as the codec delimits them (a framing error
    // covers the rest of the area; EOL is one byte, the padding after it
    // one chunk of its own).
    std::size_t end = tcp_min_header;
    for (const OptionEntry& o : v->options()) {
        if (p.nopts == max_chunks) return false;
        Chunk& c = p.opts[p.nopts++];
        c.len = static_cast<std::uint8_t>(o.length);
        std::memcpy(c.b, seg.data() + o.offset, o.length);
        end = std::size_t{o.offset} + o.length;
    }
    const std::size_t hl = v->header_length();
    if (end < hl) {
        if (p.nopts == max_chunks) return false;
        Chunk& c = p.opts[p.nopts++];
        c.len = static_cast<std::uint8_t>(hl - end);
        std::memcpy(c.b, seg.data() + end, hl - end);
    }
    const Bytes pl = v->payload();
    if (pl.size() > sizeof p.payload) return false;
    std::memcpy(p.payload, pl.data(), pl.size());
    p.payload_len = pl.size();
    return true;
}

// IPv4 or IPv6 (any extension chain synack can walk), then TCP.
inline bool decode(Packet& p, Bytes in, Framing framing) noexcept {
    const unsigned version = in.empty() ? 0U : in[0] >> 4U;
    const bool ip = framing == Framing::Ip || (framing == Framing::Auto && (version == 4 || version == 6));
    if (!ip) {
        p.family = Packet::Family::None;
        p.ip_len = 0;
        return decode_tcp(p, in);
    }
    if (version == 4) {
        const result<Ipv4View> v = Ipv4View::parse(in);
        if (!v || v->protocol() != ip_protocol_tcp) return false;
        p.family = Packet::Family::V4;
        p.ip_len = v->header_length();
        std::memcpy(p.ip, in.data(), p.ip_len);
        p.src = v->source();
        p.dst = v->destination();
        return decode_tcp(p, v->payload());
    }
    if (version == 6) {
        const result<Ipv6View> v = Ipv6View::parse(in);
        if (!v) return false;
        const result<Ipv6Upper> up = find_upper_layer(*v);
        if (!up || up->protocol != ip_protocol_tcp || up->offset > max_ip) return false;
        p.family = Packet::Family::V6;
        p.ip_len = up->offset;
        std::memcpy(p.ip, in.data(), p.ip_len);
        p.src = v->source();
        p.dst = v->destination();
        return decode_tcp(p, up->bytes);
    }
    return false;
}

// ---------------------------------------------------------------- mutations

inline constexpr std::uint32_t seq_edges[] = {0U, 1U, 0x7fffffffU, 0x80000000U, 0x80000001U, 0xfffffffeU, 0xffffffffU};

inline void put_chunk(Packet& p, std::size_t at, const std::uint8_t* b, std::size_t n) noexcept {
    if (p.nopts == max_chunks || n > 40) return;
    if (at > p.nopts) at = p.nopts;
    for (std::size_t i = p.nopts; i > at; --i) p.opts[i] = p.opts[i - 1];
    p.opts[at].len = static_cast<std::uint8_t>(n);
    std::memcpy(p.opts[at].b, b, n);
    ++p.nopts;
}

inline void remove_chunk(Packet& p, std::size_t at) noexcept {
    if (at >= p.nopts) return;
    for (std::size_t i = at; i + 1 < p.nopts; ++i) p.opts[i] = p.opts[i + 1];
    --p.nopts;
}

// A well-known option (or a deliberately odd variant of one).
inline void insert_option(Rng& r, Packet& p) noexcept {
    std::uint8_t b[40]{};
    std::size_t n = 0;
    switch (r.below(11)) {
    case 0: // MSS: edges
        b[0] = 2, b[1] = 4;
        store_be16(MutableBytes(b, 4), 2, static_cast<std::uint16_t>(r.percent(50) ? 0U : r.percent(50) ? 536U : 65535U));
        n = 4;
        break;
    case 1: { // window scale 0, 14, 15, 255
        static constexpr std::uint8_t shifts[] = {0, 7, 14, 15, 255};
        b[0] = 3, b[1] = 3, b[2] = shifts[r.below(sizeof shifts)];
        n = 3;
        break;
    }
    case 2: b[0] = 4, b[1] = 2, n = 2; break;
    case 3: // timestamps
        b[0] = 8, b[1] = 10;
        for (std::size_t i = 2; i < 10; ++i) b[i] = static_cast<std::uint8_t>(r.next());
        n = 10;
        break;
    case 4: { // SACK with 0..5 blocks (0 and 5 are malformed: 2 + 8n, n in 1..4)
        const std::size_t blocks = r.below(6);
        n = 2 + 8 * blocks;
        if (n > 40) n = 34 + r.below(7); // does not fit: a length past the area
        b[0] = 5, b[1] = static_cast<std::uint8_t>(2 + 8 * blocks);
        for (std::size_t i = 2; i < n; ++i) b[i] = static_cast<std::uint8_t>(r.next());
        break;
    }
    case 5: { // TFO (RFC 7413): cookie of 0..18 bytes, odd ones malformed
        const std::size_t cookie = r.below(19);
        b[0] = 34, b[1] = static_cast<std::uint8_t>(2 + cookie);
        for (std::size_t i = 0; i < cookie; ++i) b[2 + i] = static_cast<std::uint8_t>(r.next());
        n = 2 + cookie;
        break;
    }
    case 6: { // experimental TFO (kind 254, magic 0xF989), or 254 without the magic
        const std::size_t cookie = r.below(17);
        b[0] = 254, b[1] = static_cast<std::uint8_t>(4 + cookie);
        b[2] = 0xF9, b[3] = r.percent(80) ? 0x89 : 0x88;
        for (std::size_t i = 0; i < cookie; ++i) b[4 + i] = static_cast<std::uint8_t>(r.next());
        n = 4 + cookie;
        break;
    }
    case 7: // MD5 signature (RFC 2385): 18 bytes
        b[0] = 19, b[1] = 18;
        n = 18;
        break;
    case 8: // TCP-AO (RFC 5925): key ids + MAC
        b[0] = 29, b[1] = static_cast<std::uint8_t>(4 + r.below(13));
        n = b[1];
        break;
    case 9: // MPTCP (RFC 8684): MP_CAPABLE-ish
        b[0] = 30, b[1] = 12, b[2] = 0x01, b[3] = 0x81;
        n = 12;
        break;
    default: { // unknown kinds
        b[0] = static_cast<std::uint8_t>(r.percent(50) ? 35 + r.below(200) : 253);
        b[1] = static_cast<std::uint8_t>(2 + r.below(8));
        n = b[1];
        break;
    }
    }
    put_chunk(p, r.below(static_cast<std::uint32_t>(p.nopts + 1)), b, n);
}

inline void mutate_options(Rng& r, Packet& p) noexcept {
    const auto pick = [&]() { return static_cast<std::size_t>(r.below(static_cast<std::uint32_t>(p.nopts))); };
    switch (r.below(10)) {
    case 0: insert_option(r, p); break;
    case 1: // another kind, same bytes
        if (p.nopts != 0) {
            static constexpr std::uint8_t kinds[] = {0, 1, 2, 3, 4, 5, 8, 19, 29, 30, 34, 254, 99};
            p.opts[pick()].b[0] = kinds[r.below(sizeof kinds)];
        }
        break;
    case 2: // length byte off by one (or zero, one, 255)
        if (p.nopts != 0) {
            Chunk& c = p.opts[pick()];
            if (c.len >= 2) {
                static constexpr int deltas[] = {-1, 1, -2, 2};
                const std::uint32_t w = r.below(6);
                c.b[1] = w < 4 ? static_cast<std::uint8_t>(c.b[1] + deltas[w]) : w == 4 ? std::uint8_t{0} : std::uint8_t{255};
            }
        }
        break;
    case 3: // duplicate (rule 8: the last one wins)
        if (p.nopts != 0) {
            const Chunk c = p.opts[pick()];
            put_chunk(p, r.below(static_cast<std::uint32_t>(p.nopts + 1)), c.b, c.len);
        }
        break;
    case 4: // remove
        if (p.nopts != 0) remove_chunk(p, pick());
        break;
    case 5: { // EOL early, junk after it (rule 2: padding whatever it holds)
        const std::uint8_t eol = 0;
        put_chunk(p, r.below(static_cast<std::uint32_t>(p.nopts + 1)), &eol, 1);
        if (r.percent(50)) insert_option(r, p);
        break;
    }
    case 6: // swap two
        if (p.nopts >= 2) {
            const std::size_t a = pick();
            const std::size_t b = pick();
            const Chunk t = p.opts[a];
            p.opts[a] = p.opts[b];
            p.opts[b] = t;
        }
        break;
    case 7: { // NOP runs: pad to the full 40 bytes, or one more
        const std::uint8_t nop = 1;
        const std::size_t k = 1 + r.below(8);
        for (std::size_t i = 0; i < k; ++i) put_chunk(p, r.below(static_cast<std::uint32_t>(p.nopts + 1)), &nop, 1);
        break;
    }
    case 8: // a value byte changed
        if (p.nopts != 0) {
            Chunk& c = p.opts[pick()];
            if (c.len > 2) c.b[2 + r.below(c.len - 2U)] = static_cast<std::uint8_t>(r.next());
        }
        break;
    default: // all options gone
        p.nopts = 0;
        break;
    }
}

inline void mutate_fields(Rng& r, Packet& p) noexcept {
    switch (r.below(8)) {
    case 0: { // one flag bit, or a classic combination
        static constexpr std::uint16_t combos[] = {0x002, 0x012, 0x010, 0x014, 0x004, 0x011, 0x029, 0x03f, 0x000,
                                                   0x0c2, 0x1ff, 0x003, 0x006};
        if (r.percent(50)) {
            p.tcp.flags = TcpFlags::from_bits(static_cast<std::uint16_t>(p.tcp.flags.bits() ^ (1U << r.below(9))));
        } else {
            p.tcp.flags = TcpFlags::from_bits(combos[r.below(sizeof combos / sizeof combos[0])]);
        }
        break;
    }
    case 1: p.reserved = static_cast<std::uint8_t>(r.below(8)); break;
    case 2: p.tcp.seq = SeqNum(seq_edges[r.below(sizeof seq_edges / 4)]); break;
    case 3: {
        const std::uint32_t w = r.below(4);
        p.tcp.ack = w == 0 ? SeqNum(seq_edges[r.below(sizeof seq_edges / 4)])
                    : w == 1 ? p.tcp.seq
                    : w == 2 ? p.tcp.ack + 1
                             : SeqNum(p.tcp.ack.raw() - 1U);
        break;
    }
    case 4: p.tcp.window = static_cast<std::uint16_t>(r.percent(50) ? 0U : r.percent(50) ? 1U : 0xffffU); break;
    case 5: p.tcp.urgent_pointer = static_cast<std::uint16_t>(r.percent(50) ? 0xffffU : p.payload_len + r.below(3)); break;
    case 6: { // data offset against the real header length
        const int real = static_cast<int>((tcp_min_header + options_length(p) + 3) / 4);
        static constexpr int choices[] = {0, 4, 5, 15, -1, 1};
        const int c = choices[r.below(6)];
        p.doff_override = c == -1 ? real - 1 : c == 1 ? real + 1 : c;
        if (p.doff_override < 0) p.doff_override = 0;
        if (p.doff_override > 15) p.doff_override = 15;
        break;
    }
    default: { // ports
        static constexpr std::uint16_t ports[] = {0, 1, 80, 443, 65535};
        (r.percent(50) ? p.tcp.source_port : p.tcp.destination_port) = ports[r.below(5)];
        break;
    }
    }
}

inline void mutate_payload(Rng& r, Packet& p) noexcept {
    if (r.percent(50) || p.payload_len == 0) {
        const std::size_t add = 1 + r.below(64);
        for (std::size_t i = 0; i < add && p.payload_len < 1460; ++i) p.payload[p.payload_len++] = static_cast<std::uint8_t>(r.next());
    } else {
        p.payload_len = r.below(static_cast<std::uint32_t>(p.payload_len));
    }
}

// IPv4 header fields, IPv6 extension headers.
inline void mutate_ip(Rng& r, Packet& p, const MutatorOptions& o) noexcept {
    // Changes that move where TCP starts are broken framing: made only as
    // often as bad_length_percent says.
    const bool break_framing = r.percent(o.bad_length_percent);
    if (p.family == Packet::Family::V4) {
        switch (r.below(4)) {
        case 0: p.ip[6] = static_cast<std::uint8_t>(p.ip[6] ^ (r.percent(50) ? 0x20U : 0x40U)); break; // MF / DF
        case 1: p.ip[7] = static_cast<std::uint8_t>(r.below(256)); break;                              // fragment offset
        case 2: // IHL off (the bytes stay where they are)
            if (break_framing) p.ip[0] = static_cast<std::uint8_t>(0x40U | (r.below(16)));
            break;
        default: // options: NOPs + EOL, or record route (RFC 791), up to 40 bytes
            if (p.ip_len + 8 <= 60) {
                std::uint8_t opt[8] = {1, 1, 1, 0, 0, 0, 0, 0};
                if (r.percent(50)) {
                    opt[0] = 7, opt[1] = 7, opt[2] = 4; // RR, one slot
                }
                std::memcpy(p.ip + p.ip_len, opt, 8);
                p.ip_len += 8;
                p.ip[0] = static_cast<std::uint8_t>(0x40U | (p.ip_len / 4));
            }
            break;
        }
        return;
    }
    if (p.family != Packet::Family::V6) return;
    const std::size_t chain = p.ip_len - ipv6_header_length;
    std::uint32_t what = r.below(4);
    if (what == 2 && !break_framing) what = 0;
    switch (what) {
    case 0:
    case 1: { // prepend extension headers (up to ten: two over the walk's limit)
        static constexpr std::uint8_t types[] = {ipv6_next::hop_by_hop, ipv6_next::routing, ipv6_next::destination_options,
                                                 ipv6_next::fragment};
        const std::size_t k = 1 + r.below(r.percent(80) ? 2U : 10U);
        for (std::size_t i = 0; i < k; ++i) {
            const std::uint8_t type = types[r.below(4)];
            // The fragment header is 8 bytes (RFC 8200 §4.5); the others 8n.
            const std::size_t len = type == ipv6_next::fragment ? 8U : 8 * (1 + (r.percent(80) ? 0U : r.below(3)));
            if (p.ip_len + len > max_ip) break;
            std::memmove(p.ip + ipv6_header_length + len, p.ip + ipv6_header_length, p.ip_len - ipv6_header_length);
            std::uint8_t* e = p.ip + ipv6_header_length;
            std::memset(e, 0, len);
            e[0] = p.ip[6]; // it names what the fixed header named
            if (type == ipv6_next::fragment) {
                if (r.percent(30)) e[3] = static_cast<std::uint8_t>(r.percent(50) ? 1U : 8U); // M, or an offset
            } else {
                e[1] = static_cast<std::uint8_t>(len / 8 - 1);
                if (len > 2) e[2] = 1, e[3] = static_cast<std::uint8_t>(len - 4); // PadN over the rest
                if (type == ipv6_next::routing) e[2] = 4, e[3] = 0;              // SRH type, segments left 0
            }
            p.ip[6] = type;
            p.ip_len += len;
        }
        break;
    }
    case 2: // a length or next-header byte in the chain
        if (chain >= 2) {
            std::uint8_t* e = p.ip + ipv6_header_length;
            if (r.percent(50)) {
                e[1] = static_cast<std::uint8_t>(e[1] + (r.percent(50) ? 1 : 255));
            } else {
                static constexpr std::uint8_t next[] = {0, 6, 17, 43, 44, 59, 60, 51, 50};
                e[0] = next[r.below(sizeof next)];
            }
        } else {
            static constexpr std::uint8_t next[] = {0, 17, 59, 60};
            p.ip[6] = next[r.below(sizeof next)];
        }
        break;
    default: // drop the chain
        p.ip_len = ipv6_header_length;
        p.ip[6] = ip_protocol_tcp;
        break;
    }
}

// ---------------------------------------------------------------- encoding

inline std::size_t encode(Rng& r, const Packet& p, const MutatorOptions& o, std::uint8_t* out,
                          std::size_t max_size) noexcept {
    std::uint8_t seg[max_packet];
    std::size_t optlen = options_length(p);
    if (optlen > 40 && r.percent(70)) optlen = 40; // usually cut to the area; sometimes longer than doff can say
    const bool pad_nop = r.percent(50);
    std::size_t hl = tcp_min_header + optlen;
    const std::size_t padded = (hl + 3) & ~std::size_t{3};
    if (tcp_min_header + optlen + (padded - hl) + p.payload_len > sizeof seg) return 0;
    // Options: the chunks in order, cut at optlen.
    std::size_t at = tcp_min_header;
    for (std::size_t i = 0; i < p.nopts && at < tcp_min_header + optlen; ++i) {
        const std::size_t n = p.opts[i].len < tcp_min_header + optlen - at ? p.opts[i].len : tcp_min_header + optlen - at;
        std::memcpy(seg + at, p.opts[i].b, n);
        at += n;
    }
    while (at < padded) seg[at++] = pad_nop ? 1 : 0;
    hl = padded;
    const std::size_t doff = p.doff_override >= 0 ? static_cast<std::size_t>(p.doff_override) : (hl / 4 > 15 ? 15 : hl / 4);
    TcpFields f = p.tcp;
    f.checksum = 0;
    const MutableBytes s(seg, hl + p.payload_len);
    f.store(s, doff * 4); // the fixed 20 bytes, data offset and flags
    seg[12] = static_cast<std::uint8_t>((doff << 4U) | (std::size_t{p.reserved} << 1U) | ((f.flags.bits() >> 8U) & 1U));
    std::memcpy(seg + hl, p.payload, p.payload_len);
    const std::size_t seg_len = hl + p.payload_len;

    const bool bad_sum = r.percent(o.bad_checksum_percent);
    if (p.family != Packet::Family::None) fill_tcp_checksum(p.src, p.dst, MutableBytes(seg, seg_len));
    if (bad_sum || p.family == Packet::Family::None) {
        // No addresses (bare segment), or broken on purpose: anything but right.
        const std::uint16_t good = load_be16(Bytes(seg, seg_len), 16);
        std::uint16_t bad = static_cast<std::uint16_t>(r.next());
        if (bad == good) bad = static_cast<std::uint16_t>(~good);
        if (p.family != Packet::Family::None || r.percent(50)) store_be16(MutableBytes(seg, seg_len), 16, bad);
    }
    if (p.family == Packet::Family::None) {
        if (seg_len > max_size) return 0;
        std::memcpy(out, seg, seg_len);
        return seg_len;
    }
    const std::size_t total = p.ip_len + seg_len;
    if (total > max_size || total > 0xffff) return 0;
    std::memcpy(out, p.ip, p.ip_len);
    std::memcpy(out + p.ip_len, seg, seg_len);
    const bool bad_len = r.percent(o.bad_length_percent);
    const MutableBytes pkt(out, total);
    if (p.family == Packet::Family::V4) {
        std::uint16_t len = static_cast<std::uint16_t>(total);
        if (bad_len) len = static_cast<std::uint16_t>(r.percent(50) ? total + 1 + r.below(64) : r.below(static_cast<std::uint32_t>(total)));
        store_be16(pkt, 2, len);
        store_be16(pkt, 10, 0);
        const std::size_t ihl = std::size_t{out[0] & 0xFU} * 4;
        std::uint16_t sum = ipv4_header_checksum(Bytes(out, ihl <= total ? ihl : total));
        if (bad_sum && r.percent(50)) sum = static_cast<std::uint16_t>(sum ^ 0x0100U);
        store_be16(pkt, 10, sum);
    } else {
        std::uint16_t len = static_cast<std::uint16_t>(total - ipv6_header_length);
        if (bad_len) len = static_cast<std::uint16_t>(r.percent(50) ? len + 1 + r.below(64) : r.below(len + 1U));
        store_be16(pkt, 4, len);
    }
    return total;
}

} // namespace mutator_detail

// Mutates the packet in data[0, size) in place, never past max_size, and
// returns its new size; LLVMFuzzerCustomMutator's contract.
inline std::size_t mutate_packet(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned int seed,
                                 const MutatorOptions& options = {}) noexcept {
    using namespace mutator_detail;
    Rng r(seed * 0x2545F4914F6CDD1DULL + size);
    const auto bytes = [&]() -> std::size_t {
        if (options.byte_mutator != nullptr) return options.byte_mutator(data, size, max_size);
        return builtin_bytes(r, data, size, max_size);
    };
    if (size == 0 || size > max_packet || r.percent(options.byte_percent)) return bytes();
    static thread_local Packet p; // ~10 KiB: kept off the stack, reused
    p = Packet{};
    if (!decode(p, Bytes(data, size), options.framing)) return bytes();
    const std::uint32_t rounds = 1 + r.below(3);
    for (std::uint32_t i = 0; i < rounds; ++i) {
        const std::uint32_t what = r.below(100);
        if (what < 40) {
            mutate_options(r, p);
        } else if (what < 75) {
            mutate_fields(r, p);
        } else if (what < 85) {
            mutate_payload(r, p);
        } else {
            mutate_ip(r, p, options);
        }
    }
    const std::size_t n = encode(r, p, options, data, max_size);
    return n == 0 ? bytes() : n;
}

} // namespace synack::testing
