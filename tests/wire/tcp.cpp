// Tests for synack/wire/tcp.hpp and tcp_options.hpp: byte-exact vectors from
// the Linux captures and the seed document, compile-time round trips, one
// test per malformation class, and randomized round-trip properties.
#include "synack/wire/tcp.hpp"
#include "synack/wire/checksum.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "synack_test.hpp"

using namespace synack;

namespace {

// a_ipv4_default.pcap frame 1: the Linux SYN (TCP part only).
constexpr std::array<std::uint8_t, 40> linux_syn{
    0x9c, 0x40, 0x13, 0x88, 0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xe2, 0x45, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a};
// frame 2: the SYN-ACK.
constexpr std::array<std::uint8_t, 40> linux_synack{
    0x13, 0x88, 0x9c, 0x40, 0x29, 0x3c, 0x7b, 0xa8, 0x7c, 0x33, 0xa9, 0x84, 0xa0, 0x12, 0xfe, 0x88, 0xde, 0x5d, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xe2, 0x49, 0x79, 0x10, 0x38, 0x57, 0xd0, 0xc7, 0x01, 0x03, 0x03, 0x0a};

template <std::size_t N>
constexpr bool round_trips(const std::array<std::uint8_t, N>& in) {
    const auto h = TcpHeader::decode(in);
    if (!h) return false;
    std::array<std::uint8_t, 60> out{};
    const auto n = h->encode(out);
    if (!n || *n != N) return false;
    for (std::size_t i = 0; i < N; ++i)
        if (out[i] != in[i]) return false;
    return true;
}

// The same header built by hand, with no preserved layout, must come out in
// Linux's canonical layout.
constexpr bool canonical_syn_matches_linux() {
    TcpHeader h;
    h.source_port = 40000;
    h.destination_port = 5000;
    h.seq = SeqNum(2083760515);
    h.flags = TcpFlag::Syn;
    h.window = 64240;
    h.checksum = 0xe245;
    h.options.mss = 1460;
    h.options.sack_permitted = true;
    h.options.timestamps = Timestamps{945279175, 0};
    h.options.window_scale = 10;
    std::array<std::uint8_t, 60> out{};
    const auto n = h.encode(out);
    if (!n || *n != 40) return false;
    for (std::size_t i = 0; i < 40; ++i)
        if (out[i] != linux_syn[i]) return false;
    return true;
}

static_assert(round_trips(linux_syn));
static_assert(round_trips(linux_synack));
static_assert(canonical_syn_matches_linux());
static_assert(TcpView::parse(linux_syn)->flags() == TcpFlags(TcpFlag::Syn));
static_assert(TcpHeader::decode(linux_synack)->options.timestamps->echo_reply == 945279175U);

std::vector<std::uint8_t> segment_with_options(std::vector<std::uint8_t> opts) {
    std::vector<std::uint8_t> s(20, 0);
    s[0] = 0x9c; s[1] = 0x40; s[2] = 0x13; s[3] = 0x88;
    s[13] = 0x02;
    while (opts.size() % 4 != 0) opts.push_back(0);
    s[12] = static_cast<std::uint8_t>(((20 + opts.size()) / 4) << 4U);
    s.insert(s.end(), opts.begin(), opts.end());
    return s;
}

std::vector<std::uint8_t> encode_header(const TcpHeader& h) {
    std::vector<std::uint8_t> out(60);
    const auto n = h.encode(out);
    REQUIRE(n.ok());
    out.resize(*n);
    return out;
}

} // namespace

TEST_CASE("tcp: Linux SYN decodes field by field", "[tcp]") {
    const auto v = TcpView::parse(linux_syn);
    REQUIRE(v.ok());
    CHECK(v->source_port() == 40000);
    CHECK(v->destination_port() == 5000);
    CHECK(v->seq().raw() == 2083760515U);
    CHECK(v->ack().raw() == 0U);
    CHECK(v->data_offset() == 10);
    CHECK(v->header_length() == 40);
    CHECK(v->flags().syn());
    CHECK_FALSE(v->flags().ack());
    CHECK(v->window() == 64240);
    CHECK(v->checksum() == 0xe245);
    CHECK(v->payload().empty());
    CHECK(v->segment_length() == 1);

    std::vector<std::uint8_t> kinds;
    for (const OptionEntry& o : v->options()) {
        CHECK(o.ok());
        kinds.push_back(o.kind);
    }
    CHECK(kinds == std::vector<std::uint8_t>{2, 4, 8, 1, 3});

    const auto h = TcpHeader::decode(linux_syn);
    REQUIRE(h.ok());
    CHECK(h->options.mss == 1460);
    CHECK(h->options.sack_permitted);
    CHECK(h->options.timestamps == Timestamps{945279175, 0});
    CHECK(h->options.window_scale == 10);
    CHECK_FALSE(h->options.malformed());
}

TEST_CASE("tcp: the seed document's handshake encodes canonically", "[tcp]") {
    // 192.168.1.100.52431 > 93.184.216.34.80: Flags [S], seq 1823761425, win 65535,
    // options [mss 1460,sackOK,TS val 1234567 ecr 0,nop,wscale 7]
    TcpHeader syn;
    syn.source_port = 52431;
    syn.destination_port = 80;
    syn.seq = SeqNum(1823761425);
    syn.flags = TcpFlag::Syn;
    syn.window = 65535;
    syn.options.mss = 1460;
    syn.options.sack_permitted = true;
    syn.options.timestamps = Timestamps{1234567, 0};
    syn.options.window_scale = 7;
    const auto b = encode_header(syn);
    CHECK(b == std::vector<std::uint8_t>{0xcc, 0xcf, 0x00, 0x50, 0x6c, 0xb4, 0x64, 0x11, 0, 0, 0, 0, 0xa0, 0x02, 0xff,
                                         0xff, 0, 0, 0, 0, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x12,
                                         0xd6, 0x87, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07});
    // [S.], seq 2948572615, ack 1823761426, TS val 9876543 ecr 1234567, wscale 8
    TcpHeader synack = syn;
    synack.source_port = 80;
    synack.destination_port = 52431;
    synack.seq = SeqNum(2948572615U);
    synack.ack = SeqNum(1823761426);
    synack.flags = TcpFlag::Syn | TcpFlag::Ack;
    synack.options.timestamps = Timestamps{9876543, 1234567};
    synack.options.window_scale = 8;
    const auto sa = TcpHeader::decode(encode_header(synack));
    REQUIRE(sa.ok());
    CHECK(sa->ack.raw() == 1823761426U);
    CHECK(sa->flags == (TcpFlag::Syn | TcpFlag::Ack));
    CHECK(sa->options.window_scale == 8);
    // [.], ack 2948572616, win 512, options [nop,nop,TS val 1234568 ecr 9876543]
    TcpHeader ack;
    ack.source_port = 52431;
    ack.destination_port = 80;
    ack.seq = SeqNum(1823761426);
    ack.ack = SeqNum(2948572616U);
    ack.flags = TcpFlag::Ack;
    ack.window = 512;
    ack.options.timestamps = Timestamps{1234568, 9876543};
    const auto a = encode_header(ack);
    REQUIRE(a.size() == 32);
    CHECK(std::vector<std::uint8_t>(a.begin() + 20, a.end()) ==
          std::vector<std::uint8_t>{1, 1, 8, 10, 0x00, 0x12, 0xd6, 0x88, 0x00, 0x96, 0xb4, 0x3f});
}

TEST_CASE("tcp: canonical layouts match Linux", "[tcp]") {
    TcpOptions o;
    o.mss = 1460;
    o.sack_permitted = true;
    o.window_scale = 10;
    std::array<std::uint8_t, 40> buf{};
    // timestamps off: mss, nop, nop, sackOK, nop, wscale (capture b)
    auto n = o.encode(buf);
    REQUIRE(n.ok());
    CHECK(std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(*n)) ==
          std::vector<std::uint8_t>{2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 10});
    // no sack, no wscale: mss, nop, nop, TS (capture c)
    TcpOptions c;
    c.mss = 1460;
    c.timestamps = Timestamps{1, 2};
    n = c.encode(buf);
    REQUIRE(n.ok());
    CHECK(*n == 16);
    CHECK(buf[4] == 1);
    CHECK(buf[5] == 1);
    CHECK(buf[6] == 8);
    // established with SACK: nop,nop,TS,nop,nop,sack (3 blocks fit)
    TcpOptions e;
    e.timestamps = Timestamps{5, 6};
    for (std::uint32_t i = 0; i < 3; ++i) e.add_sack_block({i * 100, i * 100 + 50});
    n = e.encode(buf);
    REQUIRE(n.ok());
    CHECK(*n == 40);
    CHECK(buf[12] == 1);
    CHECK(buf[13] == 1);
    CHECK(buf[14] == 5);
    CHECK(buf[15] == 26);
    // a fourth block no longer fits beside TS: an error, not a truncation
    e.add_sack_block({1000, 2000});
    CHECK(e.encode(buf).error() == Error::OptionsTooLong);
    // TFO cookie request: 22 02 padded with nop,nop
    TcpOptions t;
    t.fast_open = FastOpenOption::request();
    n = t.encode(buf);
    REQUIRE(n.ok());
    CHECK(std::vector<std::uint8_t>(buf.begin(), buf.begin() + 4) == std::vector<std::uint8_t>{34, 2, 1, 1});
    // experimental TFO with an 8-byte cookie: fe 0c f9 89 + cookie (no padding)
    const std::array<std::uint8_t, 8> cookie{1, 2, 3, 4, 5, 6, 7, 8};
    t.fast_open = FastOpenOption::with_cookie(cookie, true);
    n = t.encode(buf);
    REQUIRE(n.ok());
    CHECK(*n == 12);
    CHECK(buf[0] == 254);
    CHECK(buf[1] == 12);
    CHECK(buf[2] == 0xf9);
    CHECK(buf[3] == 0x89);
    // buffer too small is its own error
    std::array<std::uint8_t, 2> tiny{};
    CHECK(t.encode(tiny).error() == Error::BufferTooSmall);
}

TEST_CASE("tcp: header framing errors", "[tcp][malformed]") {
    std::array<std::uint8_t, 19> short_seg{};
    CHECK(TcpView::parse(short_seg).failure() == Failure{Error::TcpTruncated, 19});
    CHECK(TcpView::parse(Bytes{}).failure() == Failure{Error::TcpTruncated, 0});
    auto s = segment_with_options({});
    s[12] = 0x40; // data offset 4
    CHECK(TcpView::parse(s).failure() == Failure{Error::TcpDataOffsetTooSmall, 12});
    s[12] = 0x60; // 24 > 20 bytes
    CHECK(TcpView::parse(s).failure() == Failure{Error::TcpDataOffsetPastEnd, 12});
    CHECK(TcpHeader::decode(s).error() == Error::TcpDataOffsetPastEnd);
    s[12] = 0x50;
    CHECK(TcpView::parse(s).ok());
}

namespace {
std::vector<Failure> problems_of(const std::vector<std::uint8_t>& opts) {
    const auto seg = segment_with_options(opts);
    const auto h = TcpHeader::decode(seg);
    REQUIRE(h.ok());
    std::vector<Failure> out;
    for (std::size_t i = 0; i < std::min<std::size_t>(h->options.problem_count, TcpOptions::problems_max); ++i)
        out.push_back({h->options.problems[i].error, h->options.problems[i].offset});
    // The lazy view reports the same.
    std::vector<Failure> lazy;
    for (const OptionEntry& e : TcpView::parse(seg)->options())
        if (!e.ok()) lazy.push_back({e.error, e.offset});
    CHECK(lazy == out);
    // And the value re-encodes byte-for-byte whatever is wrong.
    CHECK(encode_header(*h) == seg);
    return out;
}
} // namespace

TEST_CASE("tcp: option framing errors stop the walk with their offset", "[tcp][malformed]") {
    // length 0 at offset 20 + 1
    CHECK(problems_of({1, 8, 0, 0}) == std::vector<Failure>{{Error::OptionLengthTooSmall, 21}});
    // length 1
    CHECK(problems_of({2, 1, 0, 0}) == std::vector<Failure>{{Error::OptionLengthTooSmall, 20}});
    // length past the end of the option area
    CHECK(problems_of({1, 1, 8, 10}) == std::vector<Failure>{{Error::OptionLengthPastEnd, 22}});
    // missing length byte: a kind as the last byte
    CHECK(problems_of({1, 1, 1, 3}) == std::vector<Failure>{{Error::OptionMissingLength, 23}});
    // nothing after the framing error is interpreted: the MSS is not seen
    const auto seg = segment_with_options({30, 0, 2, 4, 5, 0xb4, 0, 0});
    CHECK_FALSE(TcpHeader::decode(seg)->options.mss.has_value());
}

TEST_CASE("tcp: wrong lengths for known kinds are reported, the rest still parses", "[tcp][malformed]") {
    CHECK(problems_of({2, 3, 5, 3, 3, 7, 0, 0}) == std::vector<Failure>{{Error::OptionBadMssLength, 20}});
    CHECK(problems_of({3, 4, 7, 0}) == std::vector<Failure>{{Error::OptionBadWindowScaleLength, 20}});
    CHECK(problems_of({4, 3, 0, 0}) == std::vector<Failure>{{Error::OptionBadSackPermittedLength, 20}});
    CHECK(problems_of({1, 1, 8, 6, 0, 0, 0, 0}) == std::vector<Failure>{{Error::OptionBadTimestampsLength, 22}});
    // SACK not 2 + 8n
    CHECK(problems_of({5, 6, 0, 0, 0, 0}) == std::vector<Failure>{{Error::OptionBadSackLength, 20}});
    CHECK(problems_of({5, 2}) == std::vector<Failure>{{Error::OptionBadSackLength, 20}});
    CHECK(problems_of({5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}) == std::vector<Failure>{{Error::OptionBadSackLength, 20}});
    // TFO odd, or outside 4..16
    CHECK(problems_of({34, 7, 1, 2, 3, 4, 5}) == std::vector<Failure>{{Error::OptionBadFastOpenLength, 20}});
    CHECK(problems_of({34, 4, 1, 2}) == std::vector<Failure>{{Error::OptionBadFastOpenLength, 20}});
    std::vector<std::uint8_t> long_tfo{34, 20};
    for (int i = 0; i < 18; ++i) long_tfo.push_back(0xaa);
    CHECK(problems_of(long_tfo) == std::vector<Failure>{{Error::OptionBadFastOpenLength, 20}});
    CHECK(problems_of({254, 5, 0xf9, 0x89, 1}) == std::vector<Failure>{{Error::OptionBadFastOpenLength, 20}});

    // The good options around a bad one are still decoded.
    const auto seg = segment_with_options({2, 3, 9, 1, 3, 3, 7, 2, 4, 5, 0xb4});
    const auto h = TcpHeader::decode(seg);
    REQUIRE(h.ok());
    CHECK(h->options.window_scale == 7);
    CHECK(h->options.mss == 1460);
}

TEST_CASE("tcp: values are reported as on the wire", "[tcp]") {
    // window scale > 14 is reported (clamping is the handshake's job)
    auto h = TcpHeader::decode(segment_with_options({1, 3, 3, 15}));
    CHECK(h->options.window_scale == 15);
    CHECK_FALSE(h->options.malformed());
    // MSS 0 is reported as 0
    h = TcpHeader::decode(segment_with_options({2, 4, 0, 0}));
    CHECK(h->options.mss == 0);
    // duplicates: the last one wins, and re-encoding keeps both
    const auto dup = segment_with_options({2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18});
    h = TcpHeader::decode(dup);
    CHECK(h->options.mss == 536);
    CHECK(encode_header(*h) == dup);
    // garbage after EOL is padding, not options
    const auto eol = segment_with_options({1, 3, 3, 7, 0, 2, 4, 5, 0xb4, 0xff, 0xee, 0xdd});
    h = TcpHeader::decode(eol);
    CHECK_FALSE(h->options.mss.has_value());
    CHECK(h->options.window_scale == 7);
    CHECK_FALSE(h->options.malformed());
    CHECK(encode_header(*h) == eol);
    // unknown kinds, MD5, TCP-AO and kind 254 without the TFO magic are preserved
    const auto unk = segment_with_options({19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 254, 4, 0x12,
                                           0x34, 77, 3, 9, 1});
    h = TcpHeader::decode(unk);
    REQUIRE(h.ok());
    CHECK_FALSE(h->options.malformed());
    CHECK_FALSE(h->options.fast_open.has_value());
    std::vector<std::uint8_t> kinds;
    for (const OptionEntry& e : h->options.raw()) kinds.push_back(e.kind);
    CHECK(kinds == std::vector<std::uint8_t>{19, 254, 77, 1, 0}); // EOL ends the walk
    CHECK(encode_header(*h) == unk);
    // experimental TFO is understood
    h = TcpHeader::decode(segment_with_options({254, 8, 0xf9, 0x89, 1, 2, 3, 4}));
    REQUIRE(h->options.fast_open.has_value());
    CHECK(h->options.fast_open->experimental);
    CHECK(h->options.fast_open->cookie_length == 4);
    // a kind-34 request
    h = TcpHeader::decode(segment_with_options({34, 2, 1, 1}));
    REQUIRE(h->options.fast_open.has_value());
    CHECK(h->options.fast_open->is_request());
}

TEST_CASE("tcp: edits to a decoded value are applied in its layout", "[tcp]") {
    auto h = TcpHeader::decode(linux_syn);
    REQUIRE(h.ok());
    h->options.mss = 1200;
    h->options.window_scale.reset();
    auto b = encode_header(*h);
    const auto again = TcpHeader::decode(b);
    REQUIRE(again.ok());
    CHECK(again->options.mss == 1200);
    CHECK_FALSE(again->options.window_scale.has_value());
    CHECK(again->options.sack_permitted);
    // add a TFO option to a decoded layout: it goes at the end
    h->options.fast_open = FastOpenOption::request();
    b = encode_header(*h);
    const auto tfo = TcpHeader::decode(b);
    REQUIRE(tfo->options.fast_open.has_value());
    CHECK(tfo->options.fast_open->is_request());
    CHECK(tfo->options.mss == 1200);
    // user-added raw options survive
    TcpOptions o;
    const std::array<std::uint8_t, 2> v{0xab, 0xcd};
    REQUIRE(o.add_raw(99, v) == Error::None);
    o.mss = 1000;
    std::array<std::uint8_t, 40> buf{};
    const auto n = o.encode(buf);
    REQUIRE(n.ok());
    const auto d = TcpOptions::decode(Bytes(buf.data(), *n));
    CHECK(d.mss == 1000);
    CHECK((*d.raw().begin()).kind == 99);
}

TEST_CASE("tcp: flags and the reserved bits round trip", "[tcp]") {
    for (std::uint16_t bits = 0; bits < 0x200; ++bits) {
        for (std::uint8_t res = 0; res < 8; ++res) {
            TcpHeader h;
            h.flags = TcpFlags::from_bits(bits);
            h.reserved = res;
            const auto b = encode_header(h);
            const auto v = TcpView::parse(b);
            REQUIRE(v.ok());
            REQUIRE(v->flags().bits() == bits);
            REQUIRE(v->reserved() == res);
        }
    }
    CHECK((TcpFlag::Syn | TcpFlag::Ack).has(TcpFlag::Ack));
    CHECK_FALSE(TcpFlags(TcpFlag::Syn).any(TcpFlag::Ack | TcpFlag::Rst));
}

TEST_CASE("tcp: random segments decode, re-encode byte-exact, and never read out of bounds", "[tcp][property]") {
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> small(0, 12);
    int decoded = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        const std::size_t n = static_cast<std::size_t>(std::uniform_int_distribution<int>(0, 80)(rng));
        std::vector<std::uint8_t> s(n);
        for (auto& b : s) {
            // Bias toward option-like bytes so that the walk is exercised.
            const int r = small(rng);
            b = static_cast<std::uint8_t>(r < 9 ? r : byte(rng));
        }
        if (n > 12 && iter % 2 == 0) s[12] = static_cast<std::uint8_t>(((n / 4) << 4U) | (s[12] & 0x0fU));
        const auto v = TcpView::parse(s);
        const auto h = TcpHeader::decode(s);
        REQUIRE(v.ok() == h.ok());
        if (!v) continue;
        ++decoded;
        std::vector<std::uint8_t> out(60);
        const auto len = h->encode(out);
        REQUIRE(len.ok());
        REQUIRE(*len == v->header_length());
        out.resize(*len);
        REQUIRE(out == std::vector<std::uint8_t>(s.begin(), s.begin() + static_cast<long>(*len)));
        const auto again = TcpHeader::decode(out);
        REQUIRE(again.ok());
        REQUIRE(*again == *h);
    }
    CHECK(decoded > 1000);
}

namespace {
// A SYN-ACK or established header with the options picked by `mask`.
OptionValues options_of(int mask, std::uint8_t cookie_len) {
    OptionValues o;
    if (mask & 1) o.mss = 1460;
    o.sack_permitted = (mask & 2) != 0;
    if (mask & 4) o.timestamps = Timestamps::of(0x11223344, 0x55667788);
    if (mask & 8) o.window_scale = static_cast<std::uint8_t>(mask & 15);
    if (mask & 16) {
        std::array<std::uint8_t, 16> c{};
        for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<std::uint8_t>(0xc0 + i);
        o.fast_open = FastOpenOption::with_cookie(Bytes(c.data(), cookie_len), (mask & 32) != 0);
    }
    if (mask & 64) {
        o.add_sack_block({1, 2});
        o.add_sack_block({3, 4});
    }
    return o;
}

constexpr bool checksummed_encode_is_constexpr() {
    TcpFields h;
    h.source_port = 1;
    h.destination_port = 2;
    h.flags = TcpFlag::Syn;
    OptionValues o;
    o.mss = 1460;
    o.timestamps = Timestamps::of(5, 0);
    std::array<std::uint8_t, 60> b{};
    const IpAddress s = IpAddress::v4(198, 18, 0, 1);
    const IpAddress d = IpAddress::v4(198, 18, 0, 2);
    const result<std::size_t> n = h.encode(b, o, s, d);
    return n && *n == 36 && verify_tcp_checksum(s, d, Bytes(b.data(), *n));
}
static_assert(checksummed_encode_is_constexpr());
} // namespace

TEST_CASE("tcp: encode with the checksum equals encode + fill_tcp_checksum, every option set", "[tcp][checksum]") {
    const IpAddress v4s = IpAddress::v4(198, 18, 0, 1), v4d = IpAddress::v4(198, 18, 0, 2);
    const IpAddress v6s = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    const IpAddress v6d = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});
    std::array<std::uint8_t, 101> payload{};
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + 3);
    int encoded = 0;
    int refused = 0;
    for (int mask = 0; mask < 128; ++mask) {
        for (std::uint8_t cookie_len : {std::uint8_t{0}, std::uint8_t{4}, std::uint8_t{6}, std::uint8_t{16}}) {
            for (std::size_t plen : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{101}}) {
                for (int v6 = 0; v6 < 2; ++v6) {
                    const IpAddress& s = v6 ? v6s : v4s;
                    const IpAddress& d = v6 ? v6d : v4d;
                    TcpFields h;
                    h.source_port = 8080;
                    h.destination_port = 40000;
                    h.seq = SeqNum(0x01020304U + static_cast<std::uint32_t>(mask));
                    h.ack = SeqNum(0xa0b0c0d0U);
                    h.flags = (mask & 1) ? (TcpFlag::Syn | TcpFlag::Ack) : TcpFlags(TcpFlag::Ack);
                    h.reserved = static_cast<std::uint8_t>(mask & 7);
                    h.window = 64240;
                    h.checksum = 0xbeef; // ignored by the checksummed encode
                    h.urgent_pointer = static_cast<std::uint16_t>(mask);
                    const OptionValues o = options_of(mask, cookie_len);
                    const Bytes pl(payload.data(), plen);
                    std::array<std::uint8_t, 200> a{};
                    std::array<std::uint8_t, 200> b{};
                    const result<std::size_t> na = h.encode(a, o, s, d, pl);
                    TcpFields plain = h;
                    plain.checksum = 0;
                    const result<std::size_t> nb = plain.encode(b, o);
                    CAPTURE(mask, cookie_len, plen, v6);
                    REQUIRE(na.ok() == nb.ok());
                    if (!na) {
                        CHECK(na.error() == nb.error());
                        ++refused;
                        continue;
                    }
                    REQUIRE(*na == *nb);
                    for (std::size_t i = 0; i < plen; ++i) a[*na + i] = b[*nb + i] = payload[i];
                    fill_tcp_checksum(s, d, MutableBytes(b.data(), *nb + plen));
                    CHECK(a == b);
                    CHECK(verify_tcp_checksum(s, d, Bytes(a.data(), *na + plen)));
                    // And the layout decodes back to the same values.
                    const OptionValues back = OptionValues::decode(Bytes(a.data() + 20, *na - 20));
                    CHECK(back == o);
                    ++encoded;
                }
            }
        }
    }
    CHECK(encoded > 1000);
    CHECK(refused > 0); // option sets over 40 bytes are refused by both
}

TEST_CASE("tcp: encode reports a short buffer before writing past it", "[tcp]") {
    TcpFields h;
    OptionValues o;
    o.mss = 1460;
    o.timestamps = Timestamps::of(1, 2);
    std::array<std::uint8_t, 64> b{};
    b.fill(0xAA);
    const IpAddress s = IpAddress::v4(198, 18, 0, 1);
    CHECK(h.encode(MutableBytes(b.data(), 35), o, s, s).error() == Error::BufferTooSmall);
    CHECK(h.encode(MutableBytes(b.data(), 19), o).error() == Error::BufferTooSmall);
    for (std::uint8_t x : b) CHECK(x == 0xAA);
    CHECK(h.encode(MutableBytes(b.data(), 36), o, s, s).value() == 36);
}
