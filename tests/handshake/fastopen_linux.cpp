// Tests for synack/handshake/fastopen_linux.hpp: Linux's Fast Open cookie.
// The expected cookies are the kernel's: packetdrill's run_all.py passes
// them (-D TFO_COOKIE=...) for its suite's addresses and the key its
// defaults.sh sets, and the server scripts of its suite pass against the
// kernel with them.
#include "synack/handshake/fastopen_linux.hpp"

#include <cstring>

#include "synack_test.hpp"

using namespace synack;

namespace {
Optional<SipKey> key_text(const char* s) { return fastopen_linux_key_from_text(s, std::strlen(s)); }
bool same(const Array<std::uint8_t, 8>& c, std::uint64_t be) {
    for (std::size_t i = 0; i < 8; ++i)
        if (c[i] != static_cast<std::uint8_t>(be >> (56U - 8U * i))) return false;
    return true;
}
} // namespace

TEST_CASE("the sysctl's key text gives Linux's SipHash key", "[fastopen_linux]") {
    const Optional<SipKey> k = key_text("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4");
    REQUIRE(k.has_value());
    CHECK(k->k0 == 0xb2b2b2b2a1a1a1a1ULL);
    CHECK(k->k1 == 0xd4d4d4d4c3c3c3c3ULL);
    CHECK(key_text("0-0-0-1,ffffffff-0-0-0").has_value()); // a backup key after ',' is ignored
    for (const char* bad : {"", "a1a1a1a1-b2b2b2b2-c3c3c3c3", "1-2-3-4-5", "123456789-0-0-0", "x-0-0-0", "--0-0", "0-0-0-"})
        CHECK_FALSE(key_text(bad).has_value());
}

TEST_CASE("cookies equal the kernel's for packetdrill's addresses", "[fastopen_linux]") {
    const SipKey k = *key_text("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4");
    CHECK(same(fastopen_linux_cookie(k, IpAddress::v4(192, 0, 2, 1), IpAddress::v4(192, 168, 0, 1)), 0x3021b9d889017eebULL));
    CHECK(same(fastopen_linux_cookie(k, IpAddress::v6_groups({0xfd3d, 0xfa7b, 0xd17d, 0, 0, 0, 0, 1}),
                                     IpAddress::v6_groups({0xfd3d, 0x0a0b, 0x17d6, 0, 0, 0, 0, 1})),
               0xc1d1e9742a47a9bcULL));
    // fastopen/server/simple1.pkt: key a0bf63f7-ed803d81-cd641d30-cebc4a90,
    // 10.248.0.2 -> 192.168.0.2 gives 00abaaabe8e954c2.
    const SipKey k2 = *key_text("a0bf63f7-ed803d81-cd641d30-cebc4a90");
    CHECK(same(fastopen_linux_cookie(k2, IpAddress::v4(10, 248, 0, 2), IpAddress::v4(192, 168, 0, 2)), 0x00abaaabe8e954c2ULL));
    // The same key given as TCP_FASTOPEN_KEY's 16 bytes (sockopt-fastopen-key.pkt).
    const std::uint8_t raw[16] = {0xf7, 0x63, 0xbf, 0xa0, 0x81, 0x3d, 0x80, 0xed, 0x30, 0x1d, 0x64, 0xcd, 0x90, 0x4a, 0xbc, 0xce};
    CHECK(fastopen_linux_key(Bytes(raw, 16)) == k2);
    // Direction matters: client first.
    CHECK_FALSE(same(fastopen_linux_cookie(k, IpAddress::v4(192, 168, 0, 1), IpAddress::v4(192, 0, 2, 1)), 0x3021b9d889017eebULL));
}
