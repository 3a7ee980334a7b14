// Tests for synack/wire/tcp_options.hpp's OptionValues (the typed values
// without a layout) and for TcpFields::encode(out, OptionValues) in
// wire/tcp.hpp. The option walk, the malformation classes and TcpOptions'
// layout-preserving encode are covered in tests/wire/tcp.cpp.
#include "synack/wire/tcp_options.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include "synack/wire/tcp.hpp"
#include "synack_test.hpp"

using namespace synack;

namespace {

using ByteVec = std::vector<std::uint8_t>;

// The option area of capture a's SYN:
// mss 1460, sackOK, TS val 945279175 ecr 0, nop, wscale 10.
constexpr std::array<std::uint8_t, 20> linux_syn_options{0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x38, 0x57,
                                                         0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a};

constexpr OptionValues syn_values(std::uint32_t tsval, std::uint32_t tsecr, std::uint8_t ws) noexcept {
    OptionValues v;
    v.mss = 1460;
    v.sack_permitted = true;
    v.timestamps = Timestamps{tsval, tsecr};
    v.window_scale = ws;
    return v;
}

ByteVec encode(const OptionValues& v) {
    std::array<std::uint8_t, max_option_bytes> buf{};
    const auto n = v.encode(buf);
    REQUIRE(n.ok());
    return ByteVec(buf.begin(), buf.begin() + static_cast<long>(*n));
}

OptionValues decode(const ByteVec& area) { return OptionValues::decode(Bytes(area.data(), area.size())); }

template <std::size_t N>
constexpr bool encodes_to(const OptionValues& v, const std::array<std::uint8_t, N>& expected) noexcept {
    std::array<std::uint8_t, max_option_bytes> buf{};
    const auto n = v.encode(buf);
    if (!n || *n != N) return false;
    for (std::size_t i = 0; i < N; ++i) {
        if (buf[i] != expected[i]) return false;
    }
    return true;
}

} // namespace

static_assert(std::is_base_of_v<OptionValues, TcpOptions>);
static_assert(std::is_base_of_v<TcpFields, TcpHeader>);
static_assert(OptionValues::decode(linux_syn_options) == syn_values(945279175U, 0, 10));
static_assert(encodes_to(syn_values(945279175U, 0, 10), linux_syn_options));
static_assert(OptionValues{}.encoded_size().value() == 0);

TEST_CASE("OptionValues: decode reads the typed values of a Linux SYN", "[tcp_options]") {
    const OptionValues v = OptionValues::decode(linux_syn_options);
    CHECK(v.mss == 1460);
    CHECK(v.sack_permitted);
    CHECK(v.timestamps == Timestamps{945279175U, 0});
    CHECK(v.window_scale == 10);
    CHECK(v.sack_count == 0);
    CHECK_FALSE(v.fast_open.has_value());

    CHECK(OptionValues::decode(Bytes{}) == OptionValues{});
    // Only NOPs and an EOL: nothing.
    CHECK(decode({1, 1, 1, 0}) == OptionValues{});
}

TEST_CASE("OptionValues: the last well-formed occurrence of each kind wins", "[tcp_options]") {
    CHECK(decode({2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18}).mss == 536);
    CHECK(decode({3, 3, 5, 3, 3, 9}).window_scale == 9);
    CHECK(decode({8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 8, 10, 0, 0, 0, 3, 0, 0, 0, 4}).timestamps == Timestamps{3, 4});

    // The last SACK option replaces the blocks of an earlier one.
    const OptionValues s = decode({5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,  // two blocks
                                   5, 10, 0, 0, 0, 9, 0, 0, 0, 10});                       // then one
    REQUIRE(s.sack_count == 1);
    CHECK(s.sack_blocks[0] == SackBlock{9, 10});

    // A Fast Open option of either kind: the later one wins.
    const OptionValues f = decode({34, 2, 254, 8, 0xf9, 0x89, 1, 2, 3, 4});
    REQUIRE(f.fast_open.has_value());
    CHECK(f.fast_open->experimental);
    CHECK(f.fast_open->cookie_length == 4);
    CHECK(f.fast_open->cookie[3] == 4);
}

TEST_CASE("OptionValues: malformed occurrences are skipped", "[tcp_options]") {
    // A bad-length MSS after a good one does not replace it (rule 5).
    CHECK(decode({2, 4, 0x05, 0xb4, 2, 3, 9, 1}).mss == 1460);
    // A bad-length one alone gives nothing, and the walk goes on past it.
    const OptionValues a = decode({2, 3, 9, 3, 3, 7});
    CHECK_FALSE(a.mss.has_value());
    CHECK(a.window_scale == 7);
    // Window scale of length 4 after a good one.
    CHECK(decode({3, 3, 5, 3, 4, 7, 0}).window_scale == 5);
    // Timestamps of length 6, SACK-permitted of length 3, SACK of length 6.
    CHECK_FALSE(decode({8, 6, 0, 0, 0, 1}).timestamps.has_value());
    CHECK_FALSE(decode({4, 3, 0}).sack_permitted);
    CHECK(decode({5, 6, 0, 0, 0, 1}).sack_count == 0);
    // A TFO cookie of odd length.
    CHECK_FALSE(decode({34, 5, 1, 2, 3}).fast_open.has_value());
    // A framing error ends the walk (rule 4): the MSS after it is not read.
    const OptionValues b = decode({3, 3, 7, 30, 0, 2, 4, 5, 0xb4});
    CHECK(b.window_scale == 7);
    CHECK_FALSE(b.mss.has_value());
    // A length running past the end: the options before it still count.
    const OptionValues c = decode({2, 4, 5, 0xb4, 8, 10, 1, 2});
    CHECK(c.mss == 1460);
    CHECK_FALSE(c.timestamps.has_value());
}

TEST_CASE("OptionValues: unknown kinds, kind 254 without the magic and bytes after EOL change nothing",
          "[tcp_options]") {
    CHECK(decode({19, 6, 1, 2, 3, 4, 77, 2, 254, 4, 0x12, 0x34}) == OptionValues{});
    const OptionValues v = decode({3, 3, 7, 0, 2, 4, 5, 0xb4});
    CHECK(v.window_scale == 7);
    CHECK_FALSE(v.mss.has_value());
}

TEST_CASE("OptionValues: encode writes Linux's canonical layout", "[tcp_options]") {
    // mss 1460, sackOK, TS, wscale 7: 02 04 05 b4 04 02 08 0a <tsval> <tsecr> 01 03 03 07.
    CHECK(encode(syn_values(0x01020304U, 0x0a0b0c0dU, 7)) ==
          ByteVec{0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x01, 0x02,
                  0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0x01, 0x03, 0x03, 0x07});
    CHECK(encode(syn_values(945279175U, 0, 10)) ==
          ByteVec(linux_syn_options.begin(), linux_syn_options.end()));

    OptionValues v;
    CHECK(encode(v).empty());
    v.mss = 536;
    CHECK(encode(v) == ByteVec{2, 4, 0x02, 0x18});
    // Without TS: sackOK behind two NOPs (capture b).
    v.mss = 1460;
    v.sack_permitted = true;
    v.window_scale = 10;
    CHECK(encode(v) == ByteVec{2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 10});
    // TS alone: nop, nop, TS.
    OptionValues t;
    t.timestamps = Timestamps{1, 2};
    CHECK(encode(t) == ByteVec{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
    // Window scale alone: nop, wscale.
    OptionValues w;
    w.window_scale = 14;
    CHECK(encode(w) == ByteVec{1, 3, 3, 14});
    // SACK blocks: nop, nop, sack.
    OptionValues s;
    s.add_sack_block({0x10, 0x20});
    CHECK(encode(s) == ByteVec{1, 1, 5, 10, 0, 0, 0, 0x10, 0, 0, 0, 0x20});
    // A TFO request: 22 02 nop nop.
    OptionValues f;
    f.fast_open = FastOpenOption::request();
    CHECK(encode(f) == ByteVec{34, 2, 1, 1});
}

TEST_CASE("OptionValues: encode errors", "[tcp_options]") {
    std::array<std::uint8_t, max_option_bytes> buf{};
    OptionValues v;
    v.sack_count = 5;
    CHECK(v.encode(buf).error() == Error::OptionValueInvalid);
    CHECK(v.encoded_size().error() == Error::OptionValueInvalid);

    OptionValues f;
    f.fast_open = FastOpenOption::request();
    f.fast_open->cookie_length = 3;
    CHECK(f.encode(buf).error() == Error::OptionValueInvalid);
    f.fast_open->cookie_length = 4;
    CHECK(f.encode(buf).ok());

    // TS (12 bytes) and four SACK blocks (36) do not fit in 40.
    OptionValues l;
    l.timestamps = Timestamps{1, 2};
    for (std::uint32_t i = 0; i < 4; ++i) l.add_sack_block({i, i + 1});
    CHECK(l.encode(buf).error() == Error::OptionsTooLong);
    CHECK(l.encoded_size().error() == Error::OptionsTooLong);

    const OptionValues syn = syn_values(1, 2, 3);
    std::array<std::uint8_t, 19> small{};
    CHECK(syn.encode(small).error() == Error::BufferTooSmall);
    std::array<std::uint8_t, 20> exact{};
    CHECK(syn.encode(exact).value() == 20);
    CHECK(syn.encoded_size().value() == 20);
}

TEST_CASE("OptionValues: decode(encode(v)) == v, and TcpOptions agrees", "[tcp_options][property]") {
    std::mt19937 rng(6528);
    std::uniform_int_distribution<std::uint32_t> u32;
    std::uniform_int_distribution<int> coin(0, 1);
    int checked = 0;
    for (int iter = 0; iter < 5000; ++iter) {
        OptionValues v;
        if (coin(rng)) v.mss = static_cast<std::uint16_t>(u32(rng));
        if (coin(rng)) v.window_scale = static_cast<std::uint8_t>(u32(rng) % 15);
        v.sack_permitted = coin(rng) != 0;
        if (coin(rng)) v.timestamps = Timestamps{u32(rng), u32(rng)};
        const std::uint32_t blocks = u32(rng) % 5;
        for (std::uint32_t i = 0; i < blocks; ++i) v.add_sack_block({u32(rng), u32(rng)});
        if (coin(rng)) {
            std::array<std::uint8_t, 16> cookie{};
            for (auto& b : cookie) b = static_cast<std::uint8_t>(u32(rng));
            const std::size_t len = 2 * (u32(rng) % 9); // 0, 2, ..., 16
            v.fast_open = FastOpenOption::with_cookie(Bytes(cookie.data(), len < 4 ? 0 : len), coin(rng) != 0);
        }

        std::array<std::uint8_t, max_option_bytes> buf{};
        const auto n = v.encode(buf);
        if (!n) {
            REQUIRE(n.error() == Error::OptionsTooLong);
            continue;
        }
        ++checked;
        REQUIRE(*n % 4 == 0);
        REQUIRE(v.encoded_size().value() == *n);
        const Bytes area(buf.data(), *n);
        REQUIRE(OptionValues::decode(area) == v);
        // TcpOptions is OptionValues plus layout: same typed values, and with
        // no layout the same bytes.
        const TcpOptions full = TcpOptions::decode(area);
        REQUIRE(static_cast<const OptionValues&>(full) == v);
        TcpOptions plain;
        static_cast<OptionValues&>(plain) = v;
        std::array<std::uint8_t, max_option_bytes> buf2{};
        const auto n2 = plain.encode(buf2);
        REQUIRE(n2.ok());
        REQUIRE(*n2 == *n);
        REQUIRE(buf2 == buf);
    }
    CHECK(checked > 1000);
}

TEST_CASE("OptionValues: typed values equal TcpOptions' on arbitrary bytes", "[tcp_options][property]") {
    std::mt19937 rng(9293);
    std::uniform_int_distribution<int> small(0, 12);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int iter = 0; iter < 20000; ++iter) {
        const std::size_t n = static_cast<std::size_t>(std::uniform_int_distribution<int>(0, 40)(rng));
        ByteVec area(n);
        for (auto& b : area) {
            const int r = small(rng);
            b = static_cast<std::uint8_t>(r < 11 ? r : byte(rng));
        }
        const Bytes a(area.data(), area.size());
        REQUIRE(OptionValues::decode(a) == static_cast<const OptionValues&>(TcpOptions::decode(a)));
    }
}

TEST_CASE("TcpFields::encode writes fields plus canonical options", "[tcp_options][tcp]") {
    // The seed document's SYN:
    // 192.168.1.100.52431 > 93.184.216.34.80: Flags [S], seq 1823761425, win 65535,
    // options [mss 1460,sackOK,TS val 1234567 ecr 0,nop,wscale 7]
    TcpFields f;
    f.source_port = 52431;
    f.destination_port = 80;
    f.seq = SeqNum(1823761425);
    f.flags = TcpFlag::Syn;
    f.window = 65535;
    const OptionValues o = syn_values(1234567, 0, 7);

    std::array<std::uint8_t, 64> out{};
    out.fill(0xee);
    const auto n = f.encode(out, o);
    REQUIRE(n.ok());
    REQUIRE(*n == 40);
    CHECK(ByteVec(out.begin(), out.begin() + 40) ==
          ByteVec{0xcc, 0xcf, 0x00, 0x50, 0x6c, 0xb4, 0x64, 0x11, 0, 0, 0, 0, 0xa0, 0x02, 0xff, 0xff, 0, 0, 0, 0,
                  0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x12, 0xd6, 0x87, 0, 0, 0, 0, 0x01, 0x03,
                  0x03, 0x07});
    CHECK(out[40] == 0xee); // nothing written past the header

    // The same as TcpHeader::encode of the same fields and options.
    TcpHeader h;
    static_cast<TcpFields&>(h) = f;
    static_cast<OptionValues&>(h.options) = o;
    std::array<std::uint8_t, 64> via_header{};
    via_header.fill(0xee);
    const auto hn = h.encode(via_header);
    REQUIRE(hn.ok());
    CHECK(*hn == *n);
    CHECK(via_header == out);

    // And it decodes back to the same fields and values.
    const auto d = TcpHeader::decode(Bytes(out.data(), *n));
    REQUIRE(d.ok());
    CHECK(static_cast<const TcpFields&>(*d) == f);
    CHECK(static_cast<const OptionValues&>(d->options) == o);
}

TEST_CASE("TcpFields::encode: data offset, all fields, and errors", "[tcp_options][tcp]") {
    TcpFields f;
    f.source_port = 0x1234;
    f.destination_port = 0x5678;
    f.seq = SeqNum(0x01020304U);
    f.ack = SeqNum(0xa0b0c0d0U);
    f.reserved = 5;
    f.flags = TcpFlag::Ack | TcpFlag::Ae;
    f.window = 0x9abc;
    f.checksum = 0xdef0;
    f.urgent_pointer = 0x0fed;

    std::array<std::uint8_t, 60> out{};
    // No options: a 20-byte header, data offset 5.
    auto n = f.encode(out, OptionValues{});
    REQUIRE(n.ok());
    CHECK(*n == 20);
    CHECK(ByteVec(out.begin(), out.begin() + 20) == ByteVec{0x12, 0x34, 0x56, 0x78, 0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0,
                                                            0xc0, 0xd0, 0x5b, 0x10, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed});
    // TS only: 12 option bytes, data offset 8.
    OptionValues ts;
    ts.timestamps = Timestamps{7, 8};
    n = f.encode(out, ts);
    REQUIRE(n.ok());
    CHECK(*n == 32);
    CHECK((out[12] >> 4U) == 8U);
    CHECK(out[20] == 1);
    CHECK(out[22] == 8);
    CHECK(TcpView::parse(Bytes(out.data(), *n))->header_length() == 32);

    // Errors: a buffer shorter than 20 bytes, or than the options need,
    // and invalid or oversized options.
    std::array<std::uint8_t, 19> tiny{};
    CHECK(f.encode(tiny, OptionValues{}).error() == Error::BufferTooSmall);
    std::array<std::uint8_t, 31> short_buf{};
    CHECK(f.encode(short_buf, ts).error() == Error::BufferTooSmall);
    OptionValues bad;
    bad.sack_count = 5;
    CHECK(f.encode(out, bad).error() == Error::OptionValueInvalid);
    OptionValues too_long = ts;
    for (std::uint32_t i = 0; i < 4; ++i) too_long.add_sack_block({i, i});
    CHECK(f.encode(out, too_long).error() == Error::OptionsTooLong);
}
