// fuzz/format.cpp — tcpdump-style text for any segment.
//
// Input: an IP packet (IPv4 or IPv6). Its IPv4 header checksum is repaired
// so that parse_ip_packet() reaches the TCP bytes; when the packet does not
// parse, the addresses are taken from the bytes after the first (family
// from its version nibble) and the rest is formatted as a TCP segment, so
// that malformed segments are formatted too.
//
// Properties:
// - the line is printable ASCII, starts with "IP " / "IP6 " and the
//   addresses as inet_ntop() writes them, and formatting is deterministic;
// - every entry point agrees: format_packet(bytes), format_packet(view),
//   packet_to_string(), to_string(view) (the line's tail), and format_tcp()
//   of the decoded TcpHeader (its encode is byte-exact);
// - the line fits the 512-character stack buffer render() relies on;
// - a sink smaller than the line reports overflow(), still counts the full
//   size(), holds exactly the line's prefix and never writes past its end
//   (ASan on an exactly-sized heap buffer, and guard bytes).
#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "synack/wire/format.hpp"
#include "synack/wire/packet.hpp"

namespace {

using synack::Bytes;
using synack::IpAddress;
using synack::TextSink;

constexpr std::size_t max_line = 512; // format_detail::render()'s stack buffer

bool printable(std::string_view s) {
    for (const char c : s) {
        if (c < 0x20 || c > 0x7E) return false;
    }
    return true;
}

std::string ntop(const IpAddress& a) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    const char* r = inet_ntop(a.is_v4() ? AF_INET : AF_INET6, a.bytes.data(), buf.data(), buf.size());
    FUZZ_CHECK(r != nullptr);
    return std::string(buf.data());
}

std::string line_of(const IpAddress& src, const IpAddress& dst, Bytes seg) {
    std::array<char, 4096> buf{};
    TextSink s(buf);
    synack::format_packet(s, src, dst, seg);
    FUZZ_CHECK(!s.overflow() && s.size() <= buf.size());
    return std::string(s.view());
}

void check_small_sinks(const IpAddress& src, const IpAddress& dst, Bytes seg, const std::string& full,
                       std::uint8_t pick) {
    const std::array<std::size_t, 5> sizes{0, 1, full.size() / 2, full.size() - 1,
                                           full.size() == 0 ? 0 : pick % full.size()};
    for (const std::size_t k : sizes) {
        if (k >= full.size()) continue;
        // Exactly k bytes on the heap: ASan reports any write past them.
        const std::unique_ptr<char[]> exact(new char[k == 0 ? 1 : k]);
        TextSink s(std::span<char>(exact.get(), k));
        synack::format_packet(s, src, dst, seg);
        FUZZ_CHECK(s.overflow());
        FUZZ_CHECK(s.size() == full.size() && s.capacity() == k);
        FUZZ_CHECK(s.view() == std::string_view(full).substr(0, k));
        // And guard bytes after the span (replay builds have no ASan).
        std::vector<char> guarded(k + 16, '\x7f');
        TextSink g(std::span<char>(guarded.data(), k));
        synack::format_packet(g, src, dst, seg);
        FUZZ_CHECK(g.overflow() && g.size() == full.size());
        for (std::size_t i = k; i < guarded.size(); ++i) FUZZ_CHECK(guarded[i] == '\x7f');
    }
    // Exactly enough room: no overflow.
    std::vector<char> fit(full.size() + 1, '\x7f');
    TextSink f(std::span<char>(fit.data(), full.size()));
    synack::format_packet(f, src, dst, seg);
    FUZZ_CHECK(!f.overflow() && f.view() == full && fit[full.size()] == '\x7f');
}

void check_line(const IpAddress& src, const IpAddress& dst, Bytes seg, std::uint8_t pick) {
    const std::string full = line_of(src, dst, seg);
    FUZZ_CHECK(!full.empty() && printable(full));
    FUZZ_CHECK(full.size() <= max_line);
    FUZZ_CHECK(line_of(src, dst, seg) == full);
    FUZZ_CHECK(synack::packet_to_string(src, dst, seg) == full);

    // "IP a.p > b.p: ..." with inet_ntop's address text.
    const std::string prefix = std::string(src.is_v4() ? "IP " : "IP6 ") + ntop(src);
    FUZZ_CHECK(full.compare(0, prefix.size(), prefix) == 0);
    FUZZ_CHECK(synack::to_string(src) == ntop(src) && synack::to_string(dst) == ntop(dst));
    if (seg.size() >= 4) {
        const std::string head = prefix + "." + std::to_string(synack::load_be16(seg, 0)) + " > " + ntop(dst) + "." +
                                 std::to_string(synack::load_be16(seg, 2)) + ": ";
        FUZZ_CHECK(full.compare(0, head.size(), head) == 0);
    }

    const synack::result<synack::TcpView> v = synack::TcpView::parse(seg);
    if (v) {
        FUZZ_CHECK(synack::packet_to_string(src, dst, *v) == full);
        const std::string tcp = synack::to_string(*v);
        FUZZ_CHECK(tcp.compare(0, 7, "Flags [") == 0);
        FUZZ_CHECK(full.size() >= tcp.size() && full.compare(full.size() - tcp.size(), tcp.size(), tcp) == 0);
        const synack::result<synack::TcpHeader> h = synack::TcpHeader::decode(seg);
        FUZZ_CHECK(h.ok());
        FUZZ_CHECK(synack::to_string(*h, v->payload().size()) == tcp);
    }
    check_small_sinks(src, dst, seg, full, pick);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> buf(data, data + size);
    const std::uint8_t pick = size == 0 ? 0 : data[size - 1];
    // Repair an IPv4 header checksum (parse_ip_packet drops bad ones).
    const synack::result<synack::Ipv4View> v4 = synack::Ipv4View::parse(buf);
    if (v4) {
        synack::store_be16(buf, 10, 0);
        synack::store_be16(buf, 10, synack::ipv4_header_checksum(Bytes(buf.data(), v4->header_length())));
    }
    const synack::result<synack::IpPacket> p = synack::parse_ip_packet(buf);
    if (p) {
        check_line(p->source, p->destination, p->tcp, pick);
        FUZZ_CHECK(synack::packet_to_string(*p) == line_of(p->source, p->destination, p->tcp));
        return 0;
    }
    // Not a packet: addresses from the bytes, the rest is the segment.
    const bool v6 = !buf.empty() && (buf[0] >> 4U) == 6;
    const std::size_t alen = v6 ? 16 : 4;
    std::array<std::uint8_t, 32> addr{};
    for (std::size_t i = 0; i < 2 * alen && 1 + i < buf.size(); ++i) addr[i] = buf[1 + i];
    const synack::IpFamily fam = v6 ? synack::IpFamily::V6 : synack::IpFamily::V4;
    const IpAddress src = IpAddress::from_bytes(fam, Bytes(addr.data(), alen));
    const IpAddress dst = IpAddress::from_bytes(fam, Bytes(addr.data() + alen, alen));
    const std::size_t skip = 1 + 2 * alen < buf.size() ? 1 + 2 * alen : buf.size();
    check_line(src, dst, Bytes(buf).subspan(skip), pick);
    return 0;
}
