// fuzz/ipv4_tcp.cpp — parse_ip_packet on an IPv4 packet carrying TCP.
//
// Input: an IP packet; the version nibble is forced to 4.
//
// Properties:
// - parse_ip_packet() fails exactly as the framing rules say, in their
//   order (truncated, header length, total length, header checksum,
//   fragment, not TCP), with the documented offsets; the header checksum
//   is then repaired (a fuzzer rarely gets it right) and the packet parsed
//   again, so both paths run on every input;
// - on success the addresses, ECN, TTL, TCP offset and TCP bytes are those
//   of the input (bytes past total length ignored);
// - Ipv4Header decode -> encode reproduces the header bytes exactly (with
//   the correct checksum);
// - the TCP checksum: fill on a copy, then verify is true; both agree with a
//   textbook RFC 1071 sum; incremental updates equal a full recompute;
// - the TCP header inside decodes and re-encodes byte-exact;
// - encode_ip_packet() of the found segment parses back to the same thing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.hpp"
#include "synack/wire/ipv4.hpp"
#include "synack/wire/packet.hpp"

namespace {

using synack::Bytes;
using synack::Error;

// What parse_ip_packet must report for `b` (a version-4 buffer).
synack::Failure expected_failure(Bytes b) {
    if (b.size() < 20) return {Error::Ipv4Truncated, static_cast<std::uint32_t>(b.size())};
    const std::size_t hl = static_cast<std::size_t>(b[0] & 0x0FU) * 4U;
    if (hl < 20 || hl > b.size()) return {Error::Ipv4BadHeaderLength, 0};
    const std::size_t total = synack::load_be16(b, 2);
    if (total < hl || total > b.size()) return {Error::Ipv4BadTotalLength, 2};
    if (fuzz::ref_fold(fuzz::ref_add_words(b.first(hl), 0)) != 0xFFFF) return {Error::Ipv4BadChecksum, 10};
    if ((b[6] & 0x20U) != 0 || (synack::load_be16(b, 6) & 0x1FFFU) != 0) return {Error::Ipv4Fragment, 6};
    if (b[9] != 6) return {Error::NotTcp, 9};
    return {};
}

void check_header_reencode(Bytes b) {
    const synack::result<synack::Ipv4Header> h = synack::Ipv4Header::decode(b);
    FUZZ_CHECK(h.ok());
    const std::size_t hl = static_cast<std::size_t>(b[0] & 0x0FU) * 4U;
    FUZZ_CHECK(h->header_length() == hl && h->total_length == synack::load_be16(b, 2));
    std::array<std::uint8_t, synack::ipv4_max_header> out{};
    const synack::result<std::size_t> n = h->encode(out);
    FUZZ_CHECK(n.ok() && *n == hl);
    const auto correct = static_cast<std::uint16_t>(~fuzz::ref_fold(
        fuzz::ref_add_words(b.first(hl), 0) - synack::load_be16(b, 10)));
    FUZZ_CHECK(synack::load_be16(out, 10) == correct);
    FUZZ_CHECK(synack::ipv4_header_checksum(b.first(hl)) == correct);
    // Byte-exact, the checksum field included when it held the right value.
    const bool checksum_was_right = synack::load_be16(b, 10) == correct;
    for (std::size_t i = 0; i < hl; ++i) {
        if (checksum_was_right || (i != 10 && i != 11)) FUZZ_CHECK(out[i] == b[i]);
    }
    // The re-encoded header decodes to the same value, checksum corrected.
    std::vector<std::uint8_t> again(b.begin(), b.end());
    for (std::size_t i = 0; i < hl; ++i) again[i] = out[i];
    const synack::result<synack::Ipv4Header> h2 = synack::Ipv4Header::decode(again);
    synack::Ipv4Header expect = *h;
    expect.header_checksum = correct;
    FUZZ_CHECK(h2.ok() && *h2 == expect);
}

void check_packet(Bytes b, const synack::IpPacket& p) {
    const std::size_t hl = static_cast<std::size_t>(b[0] & 0x0FU) * 4U;
    const std::size_t total = synack::load_be16(b, 2);
    FUZZ_CHECK(p.family == synack::IpFamily::V4);
    FUZZ_CHECK(p.source == synack::IpAddress::v4(b[12], b[13], b[14], b[15]));
    FUZZ_CHECK(p.destination == synack::IpAddress::v4(b[16], b[17], b[18], b[19]));
    FUZZ_CHECK(p.ecn == (b[1] & 3U) && p.ttl_or_hop_limit == b[8]);
    FUZZ_CHECK(p.tcp_offset == hl);
    FUZZ_CHECK(p.tcp.data() == b.data() + hl && p.tcp.size() == total - hl);

    fuzz::check_tcp_in_ip(p.source, p.destination, p.tcp);

    // Rebuild a minimal packet around the segment and parse it back.
    std::vector<std::uint8_t> out(20 + p.tcp.size());
    const synack::result<std::size_t> n =
        synack::encode_ip_packet(p.source, p.destination, p.ecn, p.ttl_or_hop_limit, p.tcp, out);
    FUZZ_CHECK(n.ok() && *n == out.size());
    FUZZ_CHECK(out[0] == 0x45 && synack::load_be16(out, 4) == 0 && out[6] == 0x40 && out[7] == 0 && out[9] == 6);
    const synack::result<synack::IpPacket> q = synack::parse_ip_packet(out);
    FUZZ_CHECK(q.ok());
    FUZZ_CHECK(q->family == p.family && q->source == p.source && q->destination == p.destination);
    FUZZ_CHECK(q->ecn == p.ecn && q->ttl_or_hop_limit == p.ttl_or_hop_limit && q->tcp_offset == 20);
    FUZZ_CHECK(q->tcp.size() == p.tcp.size());
    for (std::size_t i = 0; i < p.tcp.size(); ++i) FUZZ_CHECK(q->tcp[i] == p.tcp[i]);
    // One byte short: BufferTooSmall, nothing written.
    std::vector<std::uint8_t> small(out.size() - 1, 0xA5);
    const synack::result<std::size_t> m =
        synack::encode_ip_packet(p.source, p.destination, p.ecn, p.ttl_or_hop_limit, p.tcp, small);
    FUZZ_CHECK(!m.ok() && m.error() == Error::BufferTooSmall);
}

void run(Bytes b) {
    const synack::result<synack::IpPacket> r = synack::parse_ip_packet(b);
    const synack::Failure want = expected_failure(b);
    FUZZ_CHECK(r.failure() == want);
    const bool framed = synack::Ipv4View::parse(b).ok();
    if (framed) check_header_reencode(b);
    if (r) check_packet(b, *r);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> buf(data, data + size);
    if (!buf.empty()) buf[0] = static_cast<std::uint8_t>((buf[0] & 0x0FU) | 0x40U);
    run(buf);

    // Repair the header checksum and go again.
    if (synack::Ipv4View::parse(buf).ok()) {
        const std::size_t hl = static_cast<std::size_t>(buf[0] & 0x0FU) * 4U;
        const std::uint16_t c = synack::load_be16(buf, 10);
        synack::store_be16(buf, 10, 0);
        synack::store_be16(buf, 10, static_cast<std::uint16_t>(~fuzz::ref_fold(fuzz::ref_add_words(
                                        Bytes(buf.data(), hl), 0))));
        if (synack::load_be16(buf, 10) != c) run(buf);
    }
    return 0;
}
