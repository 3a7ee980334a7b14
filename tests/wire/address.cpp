// Tests for synack/wire/address.hpp: every way to build an IpAddress gives
// the same value for the same address, the family is part of the value, and
// Endpoint / FourTuple compare field by field.
#include "synack/wire/address.hpp"

#include <string>

#include "synack/wire/format.hpp"

#include <array>
#include <cstdint>

#include "synack_test.hpp"

using namespace synack;

namespace {

constexpr Array<std::uint8_t, 16> doc_v6_bytes{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

constexpr bool all_zero_after(const IpAddress& a, std::size_t from) noexcept {
    for (std::size_t i = from; i < a.bytes.size(); ++i) {
        if (a.bytes[i] != 0) return false;
    }
    return true;
}

} // namespace

static_assert(static_cast<int>(IpFamily::V4) == 4);
static_assert(static_cast<int>(IpFamily::V6) == 6);
static_assert(IpAddress::v4(198, 18, 0, 1) == IpAddress::v4(0xc6120001U));
static_assert(IpAddress::v4(198, 18, 0, 1).size() == 4);
static_assert(IpAddress::v6(doc_v6_bytes) == IpAddress::v6_groups({0x2001, 0x0db8, 0, 0, 0, 0, 0, 1}));
static_assert(IpAddress::v6(doc_v6_bytes).span().size() == 16);
static_assert(IpAddress::from_bytes(IpFamily::V6, doc_v6_bytes) == IpAddress::v6(doc_v6_bytes));
static_assert(!(IpAddress::v4(1, 2, 3, 4) == IpAddress::v4(1, 2, 3, 5)));
static_assert(FourTuple{{IpAddress::v4(1, 2, 3, 4), 1}, {IpAddress::v4(5, 6, 7, 8), 2}}.reversed().local.port == 2);

TEST_CASE("address: v4 from four bytes", "[address]") {
    const IpAddress a = IpAddress::v4(198, 18, 0, 1);
    CHECK(a.family == IpFamily::V4);
    CHECK(a.is_v4());
    CHECK_FALSE(a.is_v6());
    CHECK(a.bytes[0] == 198);
    CHECK(a.bytes[1] == 18);
    CHECK(a.bytes[2] == 0);
    CHECK(a.bytes[3] == 1);
    CHECK(all_zero_after(a, 4));
    CHECK(a.size() == 4);
    REQUIRE(a.span().size() == 4);
    CHECK(a.span().data() == a.bytes.data());
    CHECK(a.span()[0] == 198);
    CHECK(a.span()[3] == 1);
}

TEST_CASE("address: v4 from a host-order integer is most significant byte first", "[address]") {
    const IpAddress a = IpAddress::v4(0xc0a80164U); // 192.168.1.100
    CHECK(a == IpAddress::v4(192, 168, 1, 100));
    CHECK(a.bytes[0] == 0xc0);
    CHECK(a.bytes[3] == 0x64);
    CHECK(IpAddress::v4(0x01020304U) != IpAddress::v4(4, 3, 2, 1));
    CHECK(IpAddress::v4(0xffffffffU) == IpAddress::v4(255, 255, 255, 255));
    CHECK(IpAddress::v4(0U) == IpAddress::v4(0, 0, 0, 0));
    CHECK(all_zero_after(IpAddress::v4(0xffffffffU), 4));
}

TEST_CASE("address: the default is 0.0.0.0", "[address]") {
    const IpAddress a;
    CHECK(a.is_v4());
    CHECK(a == IpAddress::v4(0, 0, 0, 0));
    CHECK(a.size() == 4);
}

TEST_CASE("address: v6 from bytes and from 16-bit groups", "[address]") {
    const IpAddress a = IpAddress::v6(doc_v6_bytes);
    CHECK(a.family == IpFamily::V6);
    CHECK(a.is_v6());
    CHECK_FALSE(a.is_v4());
    CHECK(a.bytes == doc_v6_bytes);
    CHECK(a.size() == 16);
    CHECK(a.span().size() == 16);
    CHECK(a.span()[15] == 0x01);

    // Groups are written big-endian: 0x0db8 -> 0d b8.
    const IpAddress g = IpAddress::v6_groups({0x2001, 0x0db8, 0, 0, 0, 0, 0, 1});
    CHECK(g == a);
    const IpAddress h = IpAddress::v6_groups({0xfe80, 0, 0, 0, 0x1234, 0x5678, 0x9abc, 0xdef0});
    CHECK(h.bytes[0] == 0xfe);
    CHECK(h.bytes[1] == 0x80);
    CHECK(h.bytes[8] == 0x12);
    CHECK(h.bytes[9] == 0x34);
    CHECK(h.bytes[14] == 0xde);
    CHECK(h.bytes[15] == 0xf0);
    CHECK(h != a);
}

TEST_CASE("address: from_bytes reads 4 or 16 bytes by family", "[address]") {
    const std::array<std::uint8_t, 20> buf{10, 0, 0, 7, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    const IpAddress a = IpAddress::from_bytes(IpFamily::V4, buf);
    CHECK(a == IpAddress::v4(10, 0, 0, 7));
    CHECK(all_zero_after(a, 4)); // the bytes past the fourth are not read
    CHECK(a.span().size() == 4);

    const IpAddress b = IpAddress::from_bytes(IpFamily::V6, buf);
    CHECK(b.is_v6());
    for (std::size_t i = 0; i < 16; ++i) CHECK(b.bytes[i] == buf[i]);
    CHECK(b == IpAddress::v6({10, 0, 0, 7, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 5, 6, 7, 8}));

    CHECK(IpAddress::from_bytes(IpFamily::V6, doc_v6_bytes) == IpAddress::v6(doc_v6_bytes));
}

TEST_CASE("address: equality covers the family and every byte", "[address]") {
    CHECK(IpAddress::v4(1, 2, 3, 4) == IpAddress::v4(1, 2, 3, 4));
    for (std::uint8_t i = 0; i < 4; ++i) {
        IpAddress b = IpAddress::v4(1, 2, 3, 4);
        b.bytes[i] = static_cast<std::uint8_t>(b.bytes[i] + 1);
        CHECK(b != IpAddress::v4(1, 2, 3, 4));
    }
    // 1.2.3.4 and the v6 address whose first bytes are 01 02 03 04 differ only by family.
    Array<std::uint8_t, 16> v6_bytes{};
    v6_bytes[0] = 1;
    v6_bytes[1] = 2;
    v6_bytes[2] = 3;
    v6_bytes[3] = 4;
    const IpAddress v6 = IpAddress::v6(v6_bytes);
    CHECK(v6.bytes == IpAddress::v4(1, 2, 3, 4).bytes);
    CHECK(v6 != IpAddress::v4(1, 2, 3, 4));
    // :: and 0.0.0.0 too.
    CHECK(IpAddress::v6({}) != IpAddress{});
    // Every byte of a v6 address counts, the last one included.
    IpAddress last = IpAddress::v6(doc_v6_bytes);
    last.bytes[15] = 2;
    CHECK(last != IpAddress::v6(doc_v6_bytes));
}

TEST_CASE("address: Endpoint and FourTuple compare field by field", "[address]") {
    const Endpoint client{IpAddress::v4(198, 18, 0, 1), 40000};
    const Endpoint server{IpAddress::v4(198, 18, 0, 2), 5001};
    CHECK(client == Endpoint{IpAddress::v4(198, 18, 0, 1), 40000});
    CHECK(client != Endpoint{IpAddress::v4(198, 18, 0, 1), 40001});
    CHECK(client != Endpoint{IpAddress::v4(198, 18, 0, 3), 40000});
    CHECK(Endpoint{} == Endpoint{IpAddress::v4(0, 0, 0, 0), 0});

    const FourTuple t{client, server};
    CHECK(t == FourTuple{client, server});
    CHECK(t != FourTuple{server, client});
    CHECK(t != FourTuple{client, Endpoint{server.address, 5002}});
    CHECK(t != FourTuple{Endpoint{client.address, 1}, server});

    const FourTuple r = t.reversed();
    CHECK(r.local == server);
    CHECK(r.remote == client);
    CHECK(r != t);
    CHECK(r.reversed() == t);

    // Families are not mixed up either.
    const FourTuple v6{{IpAddress::v6(doc_v6_bytes), 443}, {IpAddress::v6_groups({0x2001, 0x0db8, 0, 0, 0, 0, 0, 2}), 50000}};
    CHECK(v6.reversed().local.address.is_v6());
    CHECK(v6.reversed().local.port == 50000);
    CHECK(v6 != t);
}

// ---- parse_address (text -> IpAddress; the inverse of format_address)

TEST_CASE("parse_address reads IPv4 dotted quads", "[address][parse]") {
    auto p = [](const char* s) { return parse_address(s, std::char_traits<char>::length(s)); };
    REQUIRE(p("192.0.2.1").has_value());
    CHECK(*p("192.0.2.1") == IpAddress::v4(192, 0, 2, 1));
    CHECK(*p("0.0.0.0") == IpAddress::v4(0, 0, 0, 0));
    CHECK(*p("255.255.255.255") == IpAddress::v4(255, 255, 255, 255));
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ", "a.b.c.d", "1.2.3.-4", "0001.2.3.4", "1.2.3.4/24"})
        CHECK_FALSE(p(bad).has_value());
}

TEST_CASE("parse_address reads IPv6 text forms (RFC 4291 2.2)", "[address][parse]") {
    auto p = [](const char* s) { return parse_address(s, std::char_traits<char>::length(s)); };
    CHECK(*p("2001:db8::1") == IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}));
    CHECK(*p("::") == IpAddress::v6_groups({0, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(*p("::1") == IpAddress::v6_groups({0, 0, 0, 0, 0, 0, 0, 1}));
    CHECK(*p("fe80::") == IpAddress::v6_groups({0xfe80, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(*p("1:2:3:4:5:6:7:8") == IpAddress::v6_groups({1, 2, 3, 4, 5, 6, 7, 8}));
    CHECK(*p("FD3D:0a0b:17d6::1") == IpAddress::v6_groups({0xfd3d, 0x0a0b, 0x17d6, 0, 0, 0, 0, 1}));
    CHECK(*p("::ffff:192.0.2.1") == IpAddress::v6_groups({0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201}));
    CHECK(*p("1:2:3:4:5:6:1.2.3.4") == IpAddress::v6_groups({1, 2, 3, 4, 5, 6, 0x0102, 0x0304}));
    for (const char* bad : {":", ":::", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1:", ":1",
                            "1:2:3:4:5:6:7::8", "::1.2.3", "::1.2.3.4:5", "2001:db8::1%eth0"})
        CHECK_FALSE(p(bad).has_value());
}

TEST_CASE("parse_address inverts format_address", "[address][parse]") {
    for (const IpAddress& a : {IpAddress::v4(198, 18, 0, 1), IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 1, 0, 0, 2}),
                               IpAddress::v6_groups({0, 0, 0, 0, 0, 0, 0, 0}), IpAddress::v6_groups({1, 0, 0, 0, 0, 0, 0, 0})}) {
        const std::string s = to_string(a);
        const auto back = parse_address(s.data(), s.size());
        INFO(s);
        REQUIRE(back.has_value());
        CHECK(*back == a);
    }
}

static_assert(parse_address("10.0.0.1", 8).has_value(), "parse_address is constexpr");

TEST_CASE("same_prefix: the first bits agree, within one family", "[address]") {
    const IpAddress a = IpAddress::v4(198, 18, 5, 2);
    CHECK(IpAddress::same_prefix(a, IpAddress::v4(198, 18, 5, 200), 24));
    CHECK(!IpAddress::same_prefix(a, IpAddress::v4(198, 18, 6, 2), 24));
    CHECK(IpAddress::same_prefix(a, IpAddress::v4(198, 18, 6, 2), 22));   // 198.18.4.0/22
    CHECK(!IpAddress::same_prefix(a, IpAddress::v4(198, 18, 8, 2), 22));
    CHECK(IpAddress::same_prefix(a, IpAddress::v4(198, 19, 0, 0), 15));   // 198.18.0.0/15
    CHECK(!IpAddress::same_prefix(a, IpAddress::v4(198, 20, 0, 0), 15));
    CHECK(IpAddress::same_prefix(a, IpAddress::v4(1, 2, 3, 4), 0));
    CHECK(IpAddress::same_prefix(a, a, 32));
    CHECK(!IpAddress::same_prefix(a, IpAddress::v4(198, 18, 5, 3), 32));
    CHECK(!IpAddress::same_prefix(a, IpAddress::v4(198, 18, 5, 3), 200)); // capped at 32
    const IpAddress b = IpAddress::v6_groups({0x2001, 0xdb8, 5, 0, 0, 0, 0, 2});
    CHECK(IpAddress::same_prefix(b, IpAddress::v6_groups({0x2001, 0xdb8, 5, 0, 0, 0, 0, 1}), 64));
    CHECK(!IpAddress::same_prefix(b, IpAddress::v6_groups({0x2001, 0xdb8, 6, 0, 0, 0, 0, 1}), 64));
    CHECK(IpAddress::same_prefix(b, IpAddress::v6_groups({0x2001, 0xdb9, 0, 0, 0, 0, 0, 1}), 31));
    CHECK(!IpAddress::same_prefix(b, IpAddress::v6_groups({0x2001, 0xdb9, 0, 0, 0, 0, 0, 1}), 32));
    CHECK(!IpAddress::same_prefix(a, b, 0)); // families differ
}
