// tests/testing/mutator.cpp — the structure-aware mutator: deterministic per
// seed, never past max_size, and over many seeds it reaches every kind of
// malformation it promises (checked by decoding its outputs with synack),
// while most outputs stay well-formed enough to reach a parser's depths.
#include "synack_test.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "synack/driver/pcap_format.hpp"
#include "synack/testing/mutator.hpp"
#include "synack/wire/packet.hpp"

using namespace synack;

namespace {

using ByteVec = std::vector<std::uint8_t>;

// The IP packets of the reference captures (SYN, SYN-ACK, ACK, data, FIN, RST; IPv4 and IPv6).
std::vector<ByteVec> seeds() {
    std::vector<ByteVec> out;
    for (const char* name : {"a_ipv4_default.pcap", "d_ipv6_default.pcap", "e_ipv4_closed_port.pcap"}) {
        std::ifstream in(std::string(SYNACK_TEST_DATA_DIR) + "/" + name, std::ios::binary);
        REQUIRE(in.good());
        const ByteVec file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        result<CaptureReader> r = CaptureReader::open(file);
        REQUIRE(r.ok());
        for (const result<PcapRecord>& rec : *r) {
            REQUIRE(rec.ok());
            const result<PcapIpPayload> ip = r->ip_payload(*rec);
            REQUIRE(ip.ok());
            out.emplace_back(ip->packet.begin(), ip->packet.end());
        }
    }
    return out;
}

std::size_t g_byte_calls = 0;
std::size_t counting_bytes(std::uint8_t* d, std::size_t size, std::size_t) {
    ++g_byte_calls;
    if (size != 0) d[0] ^= 0x01;
    return size;
}

// What synack makes of a packet: the first error on the way down, or None.
Error verdict(Bytes pkt, bool& checksum_ok) {
    checksum_ok = false;
    const result<IpPacket> ip = parse_ip_packet(pkt);
    if (!ip) return ip.error();
    const result<TcpView> v = TcpView::parse(ip->tcp);
    if (!v) return v.error();
    for (const OptionEntry& o : v->options()) {
        if (!o.ok()) return o.error;
    }
    checksum_ok = verify_tcp_checksum(ip->source, ip->destination, ip->tcp);
    return checksum_ok ? Error::None : Error::BadChecksum;
}

} // namespace

TEST_CASE("mutator: deterministic, bounded, and every promised malformation appears", "[mutator]") {
    const std::vector<ByteVec> in = seeds();
    REQUIRE(in.size() == 22);
    std::map<Error, std::size_t> seen;
    std::size_t clean = 0;
    std::size_t total = 0;
    std::size_t tfo = 0, v6_ext = 0, doff_mismatch = 0, early_eol = 0;
    for (unsigned seed = 0; seed < 40000; ++seed) {
        const ByteVec& src = in[seed % in.size()];
        const std::size_t max = src.size() + 256;
        ByteVec a(max), b(max);
        std::memcpy(a.data(), src.data(), src.size());
        std::memcpy(b.data(), src.data(), src.size());
        const std::size_t na = testing::mutate_packet(a.data(), src.size(), max, seed);
        const std::size_t nb = testing::mutate_packet(b.data(), src.size(), max, seed);
        REQUIRE(na <= max);
        REQUIRE(na == nb);
        REQUIRE(std::memcmp(a.data(), b.data(), na) == 0);
        bool ok = false;
        const Error e = verdict(Bytes(a.data(), na), ok);
        ++seen[e];
        ++total;
        if (e == Error::None) ++clean;
        // Features of the outputs, read with the codec.
        const result<IpPacket> ip = parse_ip_packet(Bytes(a.data(), na));
        if (na > 0 && (a[0] >> 4U) == 6 && na > 40 && a[6] != ip_protocol_tcp) ++v6_ext;
        if (!ip) continue;
        const result<TcpView> v = TcpView::parse(ip->tcp);
        if (!v) continue;
        bool eol = false;
        for (const OptionEntry& o : v->options()) {
            if (o.kind == 34 || (o.kind == 254 && o.is_exp_fast_open())) ++tfo;
            if (o.kind == 0 && o.offset + 1U < v->header_length()) eol = true;
        }
        if (eol) ++early_eol;
        // The data offset disagrees with where the options end.
        std::size_t end = tcp_min_header;
        for (const OptionEntry& o : v->options()) end = std::size_t{o.offset} + o.length;
        if (end + 3 < v->header_length()) ++doff_mismatch;
    }
    // Most outputs are valid packets (checksums right), so a parser's deep
    // paths are reached; every malformation class appears.
    CHECK(clean * 100 / total >= 35);
    for (const Error e : {Error::BadChecksum, Error::OptionLengthPastEnd, Error::OptionLengthTooSmall,
                          Error::OptionBadSackLength, Error::OptionBadFastOpenLength, Error::OptionBadMssLength,
                          Error::OptionBadWindowScaleLength, Error::TcpDataOffsetPastEnd, Error::TcpDataOffsetTooSmall,
                          Error::Ipv4Fragment, Error::Ipv4BadChecksum, Error::Ipv4BadTotalLength,
                          Error::Ipv6TooManyExtensions, Error::Ipv6Fragment, Error::Ipv6ExtensionTruncated,
                          Error::Ipv6BadPayloadLength, Error::NotTcp}) {
        INFO(to_string(e));
        CHECK(seen[e] > 0);
    }
    CHECK(tfo > 100);
    CHECK(early_eol > 100);
    CHECK(v6_ext > 100);
    CHECK(doff_mismatch > 10);
    std::printf("mutator: %zu outputs, %zu clean; %zu with TFO, %zu with an early EOL, %zu IPv6 "
                "with extension headers, %zu with data offset past the options\n",
                total, clean, tfo, early_eol, v6_ext, doff_mismatch);
}

TEST_CASE("mutator: checksums and lengths right unless asked otherwise", "[mutator]") {
    const std::vector<ByteVec> in = seeds();
    testing::MutatorOptions o;
    o.bad_checksum_percent = 0;
    o.bad_length_percent = 0;
    o.byte_percent = 0;
    std::size_t parsed = 0;
    for (unsigned seed = 0; seed < 20000; ++seed) {
        const ByteVec& src = in[seed % in.size()];
        ByteVec a(src.size() + 256);
        std::memcpy(a.data(), src.data(), src.size());
        const std::size_t n = testing::mutate_packet(a.data(), src.size(), a.size(), seed, o);
        const result<IpPacket> ip = parse_ip_packet(Bytes(a.data(), n));
        if (!ip) continue; // an IP-level mutation (IHL, fragment bits, an extension chain)
        ++parsed;
        INFO("seed " << seed);
        CHECK(verify_tcp_checksum(ip->source, ip->destination, ip->tcp));
    }
    CHECK(parsed > 15000);
}

TEST_CASE("mutator: byte fallback, bare TCP, size limits", "[mutator]") {
    testing::MutatorOptions o;
    o.byte_mutator = counting_bytes;
    std::array<std::uint8_t, 64> junk{};
    junk[0] = 0x45; // IPv4, but nothing after: undecodable
    g_byte_calls = 0;
    CHECK(testing::mutate_packet(junk.data(), 10, junk.size(), 1, o) == 10);
    CHECK(g_byte_calls == 1);
    // A bare segment (first nibble 5: data offset 5): mutated as TCP.
    const std::vector<ByteVec> in = seeds();
    const ByteVec& syn = in[0];
    ByteVec seg(syn.begin() + 20, syn.end());
    REQUIRE((seg[0] >> 4U) != 4);
    std::size_t decoded = 0;
    for (unsigned seed = 0; seed < 2000; ++seed) {
        ByteVec t = seg;
        t.resize(seg.size() + 128);
        o.framing = testing::Framing::Tcp;
        const std::size_t n = testing::mutate_packet(t.data(), seg.size(), t.size(), seed, o);
        REQUIRE(n <= t.size());
        if (TcpView::parse(Bytes(t.data(), n))) ++decoded;
    }
    CHECK(decoded > 1000);
    // max_size == size: never grows.
    for (unsigned seed = 0; seed < 2000; ++seed) {
        ByteVec t = syn;
        const std::size_t n = testing::mutate_packet(t.data(), t.size(), t.size(), seed);
        REQUIRE(n <= t.size());
    }
}
