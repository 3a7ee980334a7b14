// Tests for synack/wire/format.hpp: the formatter's text is compared with
// what the real tcpdump printed.
//
// (a) every packet of the reference captures (tests/data/*.pcap) against the
//     `tcpdump -nn -S -v` transcripts beside them (tests/data/*.txt);
// (b) the seed document's three tcpdump lines, rebuilt from TcpHeader values;
// (c) every value of the flags byte, AE/reserved bits, payload, every option
//     rendering (malformed ones included) and malformed headers;
// (d) IPv6 address compression.
// The expected strings of (c) and (d) are literals: they are what tcpdump
// 4.99.3 (Debian 12) printed with `tcpdump -nn -S -t -r` for a pcap holding
// exactly those bytes (Ethernet + IPv4 198.18.0.1 > 198.18.0.2, or IPv6
// 2001:db8::1 > 2001:db8::2, then the TCP segment), generated once and
// pasted here.
#include "synack_test.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "synack/wire/format.hpp"
#include "synack/wire/packet.hpp"

using namespace synack;

namespace {

std::vector<std::uint8_t> from_hex(std::string_view h) {
    auto nibble = [](char c) -> std::uint8_t {
        if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
        return static_cast<std::uint8_t>(c - 'a' + 10);
    };
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>((nibble(h[i]) << 4U) | nibble(h[i + 1])));
    }
    return out;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// ---------------------------------------------------------------- pcap
// A deliberately small classic-pcap reader (the library's own lives in the
// driver layer): either byte order, micro- or nanosecond magic, Ethernet
// link type only, as the reference captures are.
std::uint32_t pcap_u32(const std::string& f, std::size_t at, bool swap) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto b = static_cast<std::uint8_t>(f[at + (swap ? 3 - i : i)]);
        v |= static_cast<std::uint32_t>(b) << (8U * i);
    }
    return v;
}

std::vector<std::vector<std::uint8_t>> read_pcap_frames(const std::string& file) {
    REQUIRE(file.size() >= 24);
    const std::uint32_t magic = pcap_u32(file, 0, false);
    const bool native = magic == 0xa1b2c3d4U || magic == 0xa1b23c4dU;
    const bool swapped = magic == 0xd4c3b2a1U || magic == 0x4d3cb2a1U;
    REQUIRE((native || swapped));
    REQUIRE((pcap_u32(file, 20, swapped) & 0xFFFFU) == 1U); // LINKTYPE_ETHERNET
    std::vector<std::vector<std::uint8_t>> frames;
    std::size_t at = 24;
    while (at < file.size()) {
        REQUIRE(at + 16 <= file.size());
        const std::uint32_t incl = pcap_u32(file, at + 8, swapped);
        REQUIRE(at + 16 + incl <= file.size());
        frames.emplace_back(file.begin() + static_cast<std::ptrdiff_t>(at + 16),
                            file.begin() + static_cast<std::ptrdiff_t>(at + 16 + incl));
        at += 16 + incl;
    }
    return frames;
}

// ---------------------------------------------------------- transcripts
// One packet of a `tcpdump -nn -S -v` transcript, reduced to what -nn -S
// without -v prints for the TCP layer.
struct TranscriptEntry {
    bool v6 = false;
    std::string addresses; // "198.18.0.1.40000 > 198.18.0.2.5000"
    std::string tcp;       // "Flags [S], seq ..., length 0" without the -v checksum
};

TranscriptEntry split_tcp_line(bool v6, const std::string& line) {
    TranscriptEntry e;
    e.v6 = v6;
    const std::size_t colon = line.find(": ");
    REQUIRE(colon != std::string::npos);
    e.addresses = line.substr(0, colon);
    e.tcp = line.substr(colon + 2);
    // -v adds "cksum 0x1234 (correct), " after the flags: strip it.
    const std::size_t ck = e.tcp.find("cksum 0x");
    REQUIRE(ck != std::string::npos);
    const std::size_t end = e.tcp.find("(correct), ", ck);
    REQUIRE(end == ck + 13); // "cksum 0x" + 4 hex digits + " "
    e.tcp.erase(ck, end + 11 - ck);
    return e;
}

// IPv4: "<time> IP (tos ...)" then the TCP line indented by four spaces.
// IPv6: "<time> IP6 (... payload length: N) <TCP line>" on one line.
std::vector<TranscriptEntry> parse_transcript(const std::string& text) {
    std::vector<TranscriptEntry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find(" IP (") != std::string::npos) {
            std::string next;
            REQUIRE(std::getline(in, next));
            REQUIRE(next.rfind("    ", 0) == 0);
            out.push_back(split_tcp_line(false, next.substr(4)));
        } else if (line.find(" IP6 (") != std::string::npos) {
            const std::size_t pl = line.find("payload length: ");
            REQUIRE(pl != std::string::npos);
            const std::size_t close = line.find(") ", pl);
            REQUIRE(close != std::string::npos);
            out.push_back(split_tcp_line(true, line.substr(close + 2)));
        }
    }
    return out;
}

std::string tcp_text(Bytes segment) {
    const result<TcpView> v = TcpView::parse(segment);
    REQUIRE(v.ok());
    return to_string(*v);
}

// seq 100, ack 200, the given flags (9 bits) and reserved bits, options and
// payload, ports 40000 > 5000.
std::vector<std::uint8_t> make_segment(std::uint16_t flags, std::string_view options_hex, std::string_view payload_hex,
                                       std::uint16_t window, std::uint16_t urgent, std::uint8_t reserved = 0) {
    const std::vector<std::uint8_t> opts = from_hex(options_hex);
    const std::vector<std::uint8_t> payload = from_hex(payload_hex);
    REQUIRE(opts.size() % 4 == 0);
    std::vector<std::uint8_t> s(20, 0);
    store_be16(s, 0, 40000);
    store_be16(s, 2, 5000);
    store_be32(s, 4, 100);
    store_be32(s, 8, 200);
    s[12] = static_cast<std::uint8_t>(((5 + opts.size() / 4) << 4U) | ((reserved & 7U) << 1U) | (flags >> 8U));
    s[13] = static_cast<std::uint8_t>(flags & 0xFFU);
    store_be16(s, 14, window);
    store_be16(s, 18, urgent);
    s.insert(s.end(), opts.begin(), opts.end());
    s.insert(s.end(), payload.begin(), payload.end());
    return s;
}

constexpr IpAddress client4 = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress server4 = IpAddress::v4(198, 18, 0, 2);
constexpr IpAddress client6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
constexpr IpAddress server6 = IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 2});

} // namespace

// ============================================================ (a) captures

TEST_CASE("format: every captured packet reads as in the tcpdump transcript", "[format][captures]") {
    const char* const names[] = {"a_ipv4_default",    "b_ipv4_timestamps_off", "c_ipv4_nosack_nowscale",
                                 "d_ipv6_default",    "e_ipv4_closed_port",    "f_ipv4_mtu9000"};
    std::size_t total = 0;
    for (const char* name : names) {
        const std::string base = std::string(SYNACK_TEST_DATA_DIR) + "/" + name;
        const auto frames = read_pcap_frames(read_text(base + ".pcap"));
        const auto transcript = parse_transcript(read_text(base + ".txt"));
        INFO(name);
        REQUIRE(frames.size() == transcript.size());
        REQUIRE(!frames.empty());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            INFO("packet " << i + 1);
            const std::vector<std::uint8_t>& f = frames[i];
            REQUIRE(f.size() > 14);
            const result<IpPacket> pkt = parse_ip_packet(Bytes(f).subspan(14));
            REQUIRE(pkt.ok());
            const TranscriptEntry& want = transcript[i];
            CHECK((pkt->family == IpFamily::V6) == want.v6);
            const result<TcpView> v = TcpView::parse(pkt->tcp);
            REQUIRE(v.ok());

            // The address part and the TCP part, separately...
            const std::string addresses = to_string(Endpoint{pkt->source, v->source_port()}) + " > " +
                                          to_string(Endpoint{pkt->destination, v->destination_port()});
            CHECK(addresses == want.addresses);
            CHECK(to_string(*v) == want.tcp);

            // ...and the whole -nn -S line, by every entry point.
            const std::string line = (want.v6 ? "IP6 " : "IP ") + want.addresses + ": " + want.tcp;
            CHECK(packet_to_string(pkt->source, pkt->destination, *v) == line);
            CHECK(packet_to_string(pkt->source, pkt->destination, pkt->tcp) == line);
            CHECK(packet_to_string(*pkt) == line);

            // A decoded TcpHeader re-encodes to the same text.
            const result<TcpHeader> h = TcpHeader::decode(pkt->tcp);
            REQUIRE(h.ok());
            CHECK(to_string(*h, v->payload().size()) == want.tcp);
            ++total;
        }
    }
    CHECK(total == 56);
}

// ============================================================ (b) seed

// The seed document (seeds/000_797350010c07f288.txt) shows this handshake as
// tcpdump printed it; its lines are wrapped and carry timestamps, and its
// numbers are absolute and its ports numeric as with -nn -S. Joined:
TEST_CASE("format: the seed document's three tcpdump lines from TcpHeader values", "[format][seed]") {
    const IpAddress client = IpAddress::v4(192, 168, 1, 100);
    const IpAddress server = IpAddress::v4(93, 184, 216, 34);

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

    TcpHeader syn_ack;
    syn_ack.source_port = 80;
    syn_ack.destination_port = 52431;
    syn_ack.seq = SeqNum(2948572615);
    syn_ack.ack = SeqNum(1823761426);
    syn_ack.flags = TcpFlag::Syn | TcpFlag::Ack;
    syn_ack.window = 65535;
    syn_ack.options.mss = 1460;
    syn_ack.options.sack_permitted = true;
    syn_ack.options.timestamps = Timestamps{9876543, 1234567};
    syn_ack.options.window_scale = 8;

    TcpHeader ack;
    ack.source_port = 52431;
    ack.destination_port = 80;
    ack.seq = SeqNum(1823761426);
    ack.ack = SeqNum(2948572616);
    ack.flags = TcpFlag::Ack;
    ack.window = 512;
    ack.options.timestamps = Timestamps{1234568, 9876543};

    struct Line {
        const TcpHeader* header;
        IpAddress src, dst;
        const char* text;
    };
    const Line lines[] = {
        {&syn, client, server,
         "IP 192.168.1.100.52431 > 93.184.216.34.80: Flags [S], seq 1823761425, win 65535, "
         "options [mss 1460,sackOK,TS val 1234567 ecr 0,nop,wscale 7], length 0"},
        {&syn_ack, server, client,
         "IP 93.184.216.34.80 > 192.168.1.100.52431: Flags [S.], seq 2948572615, ack 1823761426, win 65535, "
         "options [mss 1460,sackOK,TS val 9876543 ecr 1234567,nop,wscale 8], length 0"},
        {&ack, client, server,
         "IP 192.168.1.100.52431 > 93.184.216.34.80: Flags [.], ack 2948572616, win 512, "
         "options [nop,nop,TS val 1234568 ecr 9876543], length 0"},
    };
    for (const Line& l : lines) {
        std::array<std::uint8_t, tcp_max_header> buf{};
        const result<std::size_t> n = l.header->encode(buf);
        REQUIRE(n.ok());
        const result<TcpView> v = TcpView::parse(Bytes(buf.data(), *n));
        REQUIRE(v.ok());
        CHECK(packet_to_string(l.src, l.dst, *v) == l.text);
        const std::string_view text = l.text;
        CHECK(to_string(*l.header) == text.substr(text.find(": ") + 2));
    }
}

// ============================================================ (c) flags

// Byte 13 = 0..255 in a 20-byte header: seq 100, ack 200, win 1000, urg 7,
// no payload. Line i is what tcpdump printed (after "a.p > b.p: ") for i.
static constexpr std::string_view tcpdump_flag_lines = R"(
Flags [none], win 1000, length 0
Flags [F], seq 100, win 1000, length 0
Flags [S], seq 100, win 1000, length 0
Flags [FS], seq 100, win 1000, length 0
Flags [R], seq 100, win 1000, length 0
Flags [FR], seq 100, win 1000, length 0
Flags [SR], seq 100, win 1000, length 0
Flags [FSR], seq 100, win 1000, length 0
Flags [P], win 1000, length 0
Flags [FP], seq 100, win 1000, length 0
Flags [SP], seq 100, win 1000, length 0
Flags [FSP], seq 100, win 1000, length 0
Flags [RP], seq 100, win 1000, length 0
Flags [FRP], seq 100, win 1000, length 0
Flags [SRP], seq 100, win 1000, length 0
Flags [FSRP], seq 100, win 1000, length 0
Flags [.], ack 200, win 1000, length 0
Flags [F.], seq 100, ack 200, win 1000, length 0
Flags [S.], seq 100, ack 200, win 1000, length 0
Flags [FS.], seq 100, ack 200, win 1000, length 0
Flags [R.], seq 100, ack 200, win 1000, length 0
Flags [FR.], seq 100, ack 200, win 1000, length 0
Flags [SR.], seq 100, ack 200, win 1000, length 0
Flags [FSR.], seq 100, ack 200, win 1000, length 0
Flags [P.], ack 200, win 1000, length 0
Flags [FP.], seq 100, ack 200, win 1000, length 0
Flags [SP.], seq 100, ack 200, win 1000, length 0
Flags [FSP.], seq 100, ack 200, win 1000, length 0
Flags [RP.], seq 100, ack 200, win 1000, length 0
Flags [FRP.], seq 100, ack 200, win 1000, length 0
Flags [SRP.], seq 100, ack 200, win 1000, length 0
Flags [FSRP.], seq 100, ack 200, win 1000, length 0
Flags [U], win 1000, urg 7, length 0
Flags [FU], seq 100, win 1000, urg 7, length 0
Flags [SU], seq 100, win 1000, urg 7, length 0
Flags [FSU], seq 100, win 1000, urg 7, length 0
Flags [RU], seq 100, win 1000, urg 7, length 0
Flags [FRU], seq 100, win 1000, urg 7, length 0
Flags [SRU], seq 100, win 1000, urg 7, length 0
Flags [FSRU], seq 100, win 1000, urg 7, length 0
Flags [PU], win 1000, urg 7, length 0
Flags [FPU], seq 100, win 1000, urg 7, length 0
Flags [SPU], seq 100, win 1000, urg 7, length 0
Flags [FSPU], seq 100, win 1000, urg 7, length 0
Flags [RPU], seq 100, win 1000, urg 7, length 0
Flags [FRPU], seq 100, win 1000, urg 7, length 0
Flags [SRPU], seq 100, win 1000, urg 7, length 0
Flags [FSRPU], seq 100, win 1000, urg 7, length 0
Flags [.U], ack 200, win 1000, urg 7, length 0
Flags [F.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [S.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FS.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [R.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FR.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SR.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSR.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [P.U], ack 200, win 1000, urg 7, length 0
Flags [FP.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SP.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSP.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [RP.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FRP.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SRP.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSRP.U], seq 100, ack 200, win 1000, urg 7, length 0
Flags [E], win 1000, length 0
Flags [FE], seq 100, win 1000, length 0
Flags [SE], seq 100, win 1000, length 0
Flags [FSE], seq 100, win 1000, length 0
Flags [RE], seq 100, win 1000, length 0
Flags [FRE], seq 100, win 1000, length 0
Flags [SRE], seq 100, win 1000, length 0
Flags [FSRE], seq 100, win 1000, length 0
Flags [PE], win 1000, length 0
Flags [FPE], seq 100, win 1000, length 0
Flags [SPE], seq 100, win 1000, length 0
Flags [FSPE], seq 100, win 1000, length 0
Flags [RPE], seq 100, win 1000, length 0
Flags [FRPE], seq 100, win 1000, length 0
Flags [SRPE], seq 100, win 1000, length 0
Flags [FSRPE], seq 100, win 1000, length 0
Flags [.E], ack 200, win 1000, length 0
Flags [F.E], seq 100, ack 200, win 1000, length 0
Flags [S.E], seq 100, ack 200, win 1000, length 0
Flags [FS.E], seq 100, ack 200, win 1000, length 0
Flags [R.E], seq 100, ack 200, win 1000, length 0
Flags [FR.E], seq 100, ack 200, win 1000, length 0
Flags [SR.E], seq 100, ack 200, win 1000, length 0
Flags [FSR.E], seq 100, ack 200, win 1000, length 0
Flags [P.E], ack 200, win 1000, length 0
Flags [FP.E], seq 100, ack 200, win 1000, length 0
Flags [SP.E], seq 100, ack 200, win 1000, length 0
Flags [FSP.E], seq 100, ack 200, win 1000, length 0
Flags [RP.E], seq 100, ack 200, win 1000, length 0
Flags [FRP.E], seq 100, ack 200, win 1000, length 0
Flags [SRP.E], seq 100, ack 200, win 1000, length 0
Flags [FSRP.E], seq 100, ack 200, win 1000, length 0
Flags [UE], win 1000, urg 7, length 0
Flags [FUE], seq 100, win 1000, urg 7, length 0
Flags [SUE], seq 100, win 1000, urg 7, length 0
Flags [FSUE], seq 100, win 1000, urg 7, length 0
Flags [RUE], seq 100, win 1000, urg 7, length 0
Flags [FRUE], seq 100, win 1000, urg 7, length 0
Flags [SRUE], seq 100, win 1000, urg 7, length 0
Flags [FSRUE], seq 100, win 1000, urg 7, length 0
Flags [PUE], win 1000, urg 7, length 0
Flags [FPUE], seq 100, win 1000, urg 7, length 0
Flags [SPUE], seq 100, win 1000, urg 7, length 0
Flags [FSPUE], seq 100, win 1000, urg 7, length 0
Flags [RPUE], seq 100, win 1000, urg 7, length 0
Flags [FRPUE], seq 100, win 1000, urg 7, length 0
Flags [SRPUE], seq 100, win 1000, urg 7, length 0
Flags [FSRPUE], seq 100, win 1000, urg 7, length 0
Flags [.UE], ack 200, win 1000, urg 7, length 0
Flags [F.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [S.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FS.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [R.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FR.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SR.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSR.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [P.UE], ack 200, win 1000, urg 7, length 0
Flags [FP.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SP.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSP.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [RP.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FRP.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SRP.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSRP.UE], seq 100, ack 200, win 1000, urg 7, length 0
Flags [W], win 1000, length 0
Flags [FW], seq 100, win 1000, length 0
Flags [SW], seq 100, win 1000, length 0
Flags [FSW], seq 100, win 1000, length 0
Flags [RW], seq 100, win 1000, length 0
Flags [FRW], seq 100, win 1000, length 0
Flags [SRW], seq 100, win 1000, length 0
Flags [FSRW], seq 100, win 1000, length 0
Flags [PW], win 1000, length 0
Flags [FPW], seq 100, win 1000, length 0
Flags [SPW], seq 100, win 1000, length 0
Flags [FSPW], seq 100, win 1000, length 0
Flags [RPW], seq 100, win 1000, length 0
Flags [FRPW], seq 100, win 1000, length 0
Flags [SRPW], seq 100, win 1000, length 0
Flags [FSRPW], seq 100, win 1000, length 0
Flags [.W], ack 200, win 1000, length 0
Flags [F.W], seq 100, ack 200, win 1000, length 0
Flags [S.W], seq 100, ack 200, win 1000, length 0
Flags [FS.W], seq 100, ack 200, win 1000, length 0
Flags [R.W], seq 100, ack 200, win 1000, length 0
Flags [FR.W], seq 100, ack 200, win 1000, length 0
Flags [SR.W], seq 100, ack 200, win 1000, length 0
Flags [FSR.W], seq 100, ack 200, win 1000, length 0
Flags [P.W], ack 200, win 1000, length 0
Flags [FP.W], seq 100, ack 200, win 1000, length 0
Flags [SP.W], seq 100, ack 200, win 1000, length 0
Flags [FSP.W], seq 100, ack 200, win 1000, length 0
Flags [RP.W], seq 100, ack 200, win 1000, length 0
Flags [FRP.W], seq 100, ack 200, win 1000, length 0
Flags [SRP.W], seq 100, ack 200, win 1000, length 0
Flags [FSRP.W], seq 100, ack 200, win 1000, length 0
Flags [UW], win 1000, urg 7, length 0
Flags [FUW], seq 100, win 1000, urg 7, length 0
Flags [SUW], seq 100, win 1000, urg 7, length 0
Flags [FSUW], seq 100, win 1000, urg 7, length 0
Flags [RUW], seq 100, win 1000, urg 7, length 0
Flags [FRUW], seq 100, win 1000, urg 7, length 0
Flags [SRUW], seq 100, win 1000, urg 7, length 0
Flags [FSRUW], seq 100, win 1000, urg 7, length 0
Flags [PUW], win 1000, urg 7, length 0
Flags [FPUW], seq 100, win 1000, urg 7, length 0
Flags [SPUW], seq 100, win 1000, urg 7, length 0
Flags [FSPUW], seq 100, win 1000, urg 7, length 0
Flags [RPUW], seq 100, win 1000, urg 7, length 0
Flags [FRPUW], seq 100, win 1000, urg 7, length 0
Flags [SRPUW], seq 100, win 1000, urg 7, length 0
Flags [FSRPUW], seq 100, win 1000, urg 7, length 0
Flags [.UW], ack 200, win 1000, urg 7, length 0
Flags [F.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [S.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FS.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [R.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FR.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SR.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSR.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [P.UW], ack 200, win 1000, urg 7, length 0
Flags [FP.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SP.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSP.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [RP.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FRP.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SRP.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSRP.UW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [EW], win 1000, length 0
Flags [FEW], seq 100, win 1000, length 0
Flags [SEW], seq 100, win 1000, length 0
Flags [FSEW], seq 100, win 1000, length 0
Flags [REW], seq 100, win 1000, length 0
Flags [FREW], seq 100, win 1000, length 0
Flags [SREW], seq 100, win 1000, length 0
Flags [FSREW], seq 100, win 1000, length 0
Flags [PEW], win 1000, length 0
Flags [FPEW], seq 100, win 1000, length 0
Flags [SPEW], seq 100, win 1000, length 0
Flags [FSPEW], seq 100, win 1000, length 0
Flags [RPEW], seq 100, win 1000, length 0
Flags [FRPEW], seq 100, win 1000, length 0
Flags [SRPEW], seq 100, win 1000, length 0
Flags [FSRPEW], seq 100, win 1000, length 0
Flags [.EW], ack 200, win 1000, length 0
Flags [F.EW], seq 100, ack 200, win 1000, length 0
Flags [S.EW], seq 100, ack 200, win 1000, length 0
Flags [FS.EW], seq 100, ack 200, win 1000, length 0
Flags [R.EW], seq 100, ack 200, win 1000, length 0
Flags [FR.EW], seq 100, ack 200, win 1000, length 0
Flags [SR.EW], seq 100, ack 200, win 1000, length 0
Flags [FSR.EW], seq 100, ack 200, win 1000, length 0
Flags [P.EW], ack 200, win 1000, length 0
Flags [FP.EW], seq 100, ack 200, win 1000, length 0
Flags [SP.EW], seq 100, ack 200, win 1000, length 0
Flags [FSP.EW], seq 100, ack 200, win 1000, length 0
Flags [RP.EW], seq 100, ack 200, win 1000, length 0
Flags [FRP.EW], seq 100, ack 200, win 1000, length 0
Flags [SRP.EW], seq 100, ack 200, win 1000, length 0
Flags [FSRP.EW], seq 100, ack 200, win 1000, length 0
Flags [UEW], win 1000, urg 7, length 0
Flags [FUEW], seq 100, win 1000, urg 7, length 0
Flags [SUEW], seq 100, win 1000, urg 7, length 0
Flags [FSUEW], seq 100, win 1000, urg 7, length 0
Flags [RUEW], seq 100, win 1000, urg 7, length 0
Flags [FRUEW], seq 100, win 1000, urg 7, length 0
Flags [SRUEW], seq 100, win 1000, urg 7, length 0
Flags [FSRUEW], seq 100, win 1000, urg 7, length 0
Flags [PUEW], win 1000, urg 7, length 0
Flags [FPUEW], seq 100, win 1000, urg 7, length 0
Flags [SPUEW], seq 100, win 1000, urg 7, length 0
Flags [FSPUEW], seq 100, win 1000, urg 7, length 0
Flags [RPUEW], seq 100, win 1000, urg 7, length 0
Flags [FRPUEW], seq 100, win 1000, urg 7, length 0
Flags [SRPUEW], seq 100, win 1000, urg 7, length 0
Flags [FSRPUEW], seq 100, win 1000, urg 7, length 0
Flags [.UEW], ack 200, win 1000, urg 7, length 0
Flags [F.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [S.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FS.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [R.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FR.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SR.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSR.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [P.UEW], ack 200, win 1000, urg 7, length 0
Flags [FP.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SP.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSP.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [RP.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FRP.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [SRP.UEW], seq 100, ack 200, win 1000, urg 7, length 0
Flags [FSRP.UEW], seq 100, ack 200, win 1000, urg 7, length 0
)";

TEST_CASE("format: every value of the flags byte", "[format][flags]") {
    std::istringstream in{std::string(tcpdump_flag_lines.substr(1))}; // skip the first newline
    std::string want;
    for (unsigned i = 0; i < 256; ++i) {
        REQUIRE(std::getline(in, want));
        INFO("flags byte 0x" << std::hex << i);
        const auto seg = make_segment(static_cast<std::uint16_t>(i), "", "", 1000, 7);
        CHECK(tcp_text(seg) == want);
        const std::string letters = want.substr(7, want.find(']') - 7); // "Flags [" ... "]"
        CHECK(to_string(TcpFlags::from_bits(static_cast<std::uint16_t>(i))) == letters);
        CHECK(to_string(TcpFlags::from_bits(static_cast<std::uint16_t>(i | 0x100U))) == letters); // AE not shown
    }
    CHECK(!std::getline(in, want));
}

TEST_CASE("format: AE and reserved bits are not shown; payload brings seq", "[format][flags]") {
    struct Case {
        std::uint16_t flags;
        std::uint8_t reserved;
        const char* payload;
        const char* tcpdump;
    };
    // What tcpdump printed for these bytes (win 1000, urg 7).
    const Case cases[] = {
        {0x100, 0, "", "Flags [none], win 1000, length 0"},
        {0x1ff, 0, "", "Flags [FSRP.UEW], seq 100, ack 200, win 1000, urg 7, length 0"},
        {0x000, 7, "", "Flags [none], win 1000, length 0"},
        {0x112, 7, "", "Flags [S.], seq 100, ack 200, win 1000, length 0"},
        {0x010, 0, "00", "Flags [.], seq 100:101, ack 200, win 1000, length 1"},
        {0x000, 0, "0102", "Flags [none], seq 100:102, win 1000, length 2"},
        {0x008, 0, "41", "Flags [P], seq 100:101, win 1000, length 1"},
        {0x020, 0, "41", "Flags [U], seq 100:101, win 1000, urg 7, length 1"},
    };
    for (const Case& c : cases) {
        INFO(c.tcpdump);
        CHECK(tcp_text(make_segment(c.flags, "", c.payload, 1000, 7, c.reserved)) == c.tcpdump);
    }
}

// ============================================================ (c) options

TEST_CASE("format: every option rendering, malformed ones included", "[format][options]") {
    struct Case {
        const char* name;
        std::uint16_t flags;
        const char* options;
        const char* payload;
        const char* tcpdump;
    };
    // What tcpdump printed for these option areas (seq 100, ack 200,
    // win 65535, urg 0; the flags as given).
    const Case cases[] = {
        {"linux SYN", 0x002, "020405b40402080a385815c7000000000103030a", "",
         "Flags [S], seq 100, win 65535, options [mss 1460,sackOK,TS val 945296839 ecr 0,nop,wscale 10], length 0"},
        {"linux SYN-ACK", 0x012, "020405b40402080ae24a5b10385815c70103030a", "",
         "Flags [S.], seq 100, ack 200, win 65535, options [mss 1460,sackOK,TS val 3796523792 ecr 945296839,nop,wscale 10], length 0"},
        {"linux ACK", 0x010, "0101080a385815c7e24a5b10", "",
         "Flags [.], ack 200, win 65535, options [nop,nop,TS val 945296839 ecr 3796523792], length 0"},
        {"timestamps off SYN", 0x002, "020405b40101040201030307", "",
         "Flags [S], seq 100, win 65535, options [mss 1460,nop,nop,sackOK,nop,wscale 7], length 0"},
        {"no sack, no wscale SYN", 0x002, "020405b40101080a0000000100000000", "",
         "Flags [S], seq 100, win 65535, options [mss 1460,nop,nop,TS val 1 ecr 0], length 0"},
        {"eol only", 0x002, "00000000", "",
         "Flags [S], seq 100, win 65535, options [eol], length 0"},
        {"nop then eol", 0x002, "01000102", "",
         "Flags [S], seq 100, win 65535, options [nop,eol], length 0"},
        {"eol then garbage", 0x002, "0100ff07", "",
         "Flags [S], seq 100, win 65535, options [nop,eol], length 0"},
        {"40 nops", 0x002, "01010101010101010101010101010101010101010101010101010101010101010101010101010101", "",
         "Flags [S], seq 100, win 65535, options [nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop], length 0"},
        {"mss 0", 0x002, "02040000", "",
         "Flags [S], seq 100, win 65535, options [mss 0], length 0"},
        {"mss length 6", 0x002, "0206000102030101", "",
         "Flags [S], seq 100, win 65535, options [mss 1[len 6],mss 257[len 3]], length 0"},
        {"mss length 3, last", 0x002, "02030102", "",
         "Flags [S], seq 100, win 65535, options [mss 258[len 3]], length 0"},
        {"mss length 3, then nops", 0x002, "0203010101010101", "",
         "Flags [S], seq 100, win 65535, options [mss 257[len 3],nop,nop,nop,nop], length 0"},
        {"mss length 1, first", 0x002, "02010000", "",
         "Flags [S], seq 100, win 65535, options [[bad opt]"},
        {"wscale 15", 0x002, "0103030f", "",
         "Flags [S], seq 100, win 65535, options [nop,wscale 15], length 0"},
        {"wscale length 4", 0x002, "03040e00", "",
         "Flags [S], seq 100, win 65535, options [wscale 14[len 4],eol], length 0"},
        {"wscale length 2", 0x002, "03020101", "",
         "Flags [S], seq 100, win 65535, options [wscale 1[len 2],nop], length 0"},
        {"wscale length 1", 0x002, "03010000", "",
         "Flags [S], seq 100, win 65535, options [[bad opt]"},
        {"sackOK length 3", 0x002, "04030101", "",
         "Flags [S], seq 100, win 65535, options [sackOK[len 3],nop,nop], length 0"},
        {"sack 0 blocks", 0x010, "05020101", "",
         "Flags [.], ack 200, win 65535, options [sack 0 ,nop,nop], length 0"},
        {"sack 1 block", 0x010, "0101050a0000000a00000014", "",
         "Flags [.], ack 200, win 65535, options [nop,nop,sack 1 {10:20}], length 0"},
        {"sack 2 blocks", 0x010, "0101051200000001000000020000000300000004", "",
         "Flags [.], ack 200, win 65535, options [nop,nop,sack 2 {1:2}{3:4}], length 0"},
        {"sack 3 blocks", 0x010, "0101051a000000010000000200000003000000040000000500000006", "",
         "Flags [.], ack 200, win 65535, options [nop,nop,sack 3 {1:2}{3:4}{5:6}], length 0"},
        {"sack 4 blocks", 0x010, "052200000001000000020000000300000004000000050000000600000007ffffffff0101", "",
         "Flags [.], ack 200, win 65535, options [sack 4 {1:2}{3:4}{5:6}{7:4294967295},nop,nop], length 0"},
        {"sack length 11", 0x010, "0101050b000000010000000200000000", "",
         "Flags [.], ack 200, win 65535, options [nop,nop,sack invalid sack,eol], length 0"},
        {"TS length 9", 0x002, "080900000001000000020000", "",
         "Flags [S], seq 100, win 65535, options [TS val 1 ecr 2[len 9],eol], length 0"},
        {"TS length 11", 0x002, "080b00000001000000020000", "",
         "Flags [S], seq 100, win 65535, options [TS val 1 ecr 2[len 11],eol], length 0"},
        {"TS runs past the area", 0x002, "080a0000", "",
         "Flags [S], seq 100, win 65535, options [[bad opt]"},
        {"length past the area", 0x002, "0101080a00000000", "",
         "Flags [S], seq 100, win 65535, options [nop,nop,[bad opt]]"},
        {"length 0", 0x002, "01010200", "",
         "Flags [S], seq 100, win 65535, options [nop,nop,[bad opt]]"},
        {"kind in last byte, no payload", 0x002, "01010102", "",
         "Flags [S], seq 100, win 65535, options [nop,nop,nop, [|tcp]"},
        {"kind in last byte, payload", 0x018, "01010102", "0203",
         "Flags [P.], seq 100:102, ack 200, win 65535, options [nop,nop,nop,[bad opt]]"},
        {"tfo cookie request", 0x002, "22020101", "",
         "Flags [S], seq 100, win 65535, options [tfo  cookiereq,nop,nop], length 0"},
        {"tfo cookie 8", 0x002, "220a01020304050607080101", "",
         "Flags [S], seq 100, win 65535, options [tfo  cookie 0102030405060708,nop,nop], length 0"},
        {"tfo cookie 16", 0x002, "2212000102030405060708090a0b0c0d0e0f0101", "",
         "Flags [S], seq 100, win 65535, options [tfo  cookie 000102030405060708090a0b0c0d0e0f,nop,nop], length 0"},
        {"tfo cookie 18", 0x002, "2214000102030405060708090a0b0c0d0e0f1011", "",
         "Flags [S], seq 100, win 65535, options [tfo  (invalid)], length 0"},
        {"tfo cookie 2", 0x002, "22040102", "",
         "Flags [S], seq 100, win 65535, options [tfo  (invalid)], length 0"},
        {"tfo cookie odd", 0x002, "2205010203010101", "",
         "Flags [S], seq 100, win 65535, options [tfo  (invalid),nop,nop,nop], length 0"},
        {"exp tfo request", 0x002, "fe04f989", "",
         "Flags [S], seq 100, win 65535, options [exp-tfo cookiereq], length 0"},
        {"exp tfo cookie", 0x002, "fe08f98901020304", "",
         "Flags [S], seq 100, win 65535, options [exp-tfo cookie 01020304], length 0"},
        {"exp tfo cookie odd", 0x002, "fe06f98901020101", "",
         "Flags [S], seq 100, win 65535, options [exp-tfo (invalid),nop,nop], length 0"},
        {"exp other magic", 0x002, "fe06abcd01020101", "",
         "Flags [S], seq 100, win 65535, options [exp-abcd,nop,nop], length 0"},
        {"exp length 3", 0x002, "fe030001", "",
         "Flags [S], seq 100, win 65535, options [exp[bad opt]"},
        {"unknown 79", 0x002, "4f040102", "",
         "Flags [S], seq 100, win 65535, options [unknown-79 0x0102], length 0"},
        {"unknown 79 empty", 0x002, "4f020101", "",
         "Flags [S], seq 100, win 65535, options [unknown-79,nop,nop], length 0"},
        {"unknown 253", 0x002, "fd040102", "",
         "Flags [S], seq 100, win 65535, options [unknown-253 0x0102], length 0"},
        {"unknown 255", 0x002, "ff0a01020304050607080000", "",
         "Flags [S], seq 100, win 65535, options [unknown-255 0x0102030405060708,eol], length 0"},
        {"md5", 0x002, "131200112233445566778899aabbccddeeff0101", "",
         "Flags [S], seq 100, win 65535, options [md5 shared secret not supplied with -M, can't check - 00112233445566778899aabbccddeeff,nop,nop], length 0"},
        {"md5 length 19", 0x002, "131300112233445566778899aabbccddeeff0101", "",
         "Flags [S], seq 100, win 65535, options [md5 shared secret not supplied with -M, can't check - 00112233445566778899aabbccddeeff[len 19],nop,nop], length 0"},
        {"md5 length 4", 0x002, "1304aabb", "",
         "Flags [S], seq 100, win 65535, options [md5[bad opt]"},
        {"tcp-ao with mac", 0x002, "1d08010203040506", "",
         "Flags [S], seq 100, win 65535, options [tcp-ao keyid 1 rnextkeyid 2 mac 0x03040506], length 0"},
        {"tcp-ao without mac", 0x002, "1d040102", "",
         "Flags [S], seq 100, win 65535, options [tcp-ao keyid 1 rnextkeyid 2], length 0"},
        {"tcp-ao length 3", 0x002, "1d030101", "",
         "Flags [S], seq 100, win 65535, options [tcp-ao (invalid),nop], length 0"},
        {"echo", 0x002, "0606000000050101", "",
         "Flags [S], seq 100, win 65535, options [echo 5,nop,nop], length 0"},
        {"echo length 3", 0x002, "0603000101010101", "",
         "Flags [S], seq 100, win 65535, options [echo 65793[len 3],nop,nop], length 0"},
        {"echoreply", 0x002, "0706000000010101", "",
         "Flags [S], seq 100, win 65535, options [echoreply 1,nop,nop], length 0"},
        {"cc", 0x002, "0b06ffffffff0101", "",
         "Flags [S], seq 100, win 65535, options [cc 4294967295,nop,nop], length 0"},
        {"ccnew", 0x002, "0c06000000010101", "",
         "Flags [S], seq 100, win 65535, options [ccnew 1,nop,nop], length 0"},
        {"cc.echo (no name)", 0x002, "0d06000000050101", "",
         "Flags [S], seq 100, win 65535, options [ 5,nop,nop], length 0"},
        {"uto seconds", 0x002, "1c040102", "",
         "Flags [S], seq 100, win 65535, options [uto 0x102 129], length 0"},
        {"uto minutes", 0x002, "1c040101", "",
         "Flags [S], seq 100, win 65535, options [uto 0x101 7680], length 0"},
        {"scps", 0x002, "14040102", "",
         "Flags [S], seq 100, win 65535, options [scps cap 01 id 2], length 0"},
        {"mptcp capable syn", 0x002, "1e040001", "",
         "Flags [S], seq 100, win 65535, options [mptcp 4 capable v0], length 0"},
        {"mptcp capable syn key", 0x002, "1e0c00010102030405060708", "",
         "Flags [S], seq 100, win 65535, options [mptcp 12 capable v0 {0x102030405060708}], length 0"},
        {"mptcp capable ack csum", 0x010, "1e1400818899aabbccddeeff0011223344556677", "",
         "Flags [.], ack 200, win 65535, options [mptcp 20 capable v0 csum {0x8899aabbccddeeff,0x11223344556677}], length 0"},
        {"mptcp capable v1 ack 22", 0x010, "1e1601010102030405060708111213141516171800000000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 22 capable v1 {0x102030405060708,0x1112131415161718},eol], length 0"},
        {"mptcp capable wrong flags", 0x010, "1e0c00010102030405060708", "",
         "Flags [.], ack 200, win 65535, options [mptcp 12 capable[bad opt]"},
        {"mptcp capable version 3", 0x002, "1e040301", "",
         "Flags [S], seq 100, win 65535, options [mptcp 4 capable Unknown Version (3)], length 0"},
        {"mptcp join syn", 0x002, "1e0c1101aabbccdd11223344", "",
         "Flags [S], seq 100, win 65535, options [mptcp 12 join backup id 1 token 0xaabbccdd nonce 0x11223344], length 0"},
        {"mptcp join syn-ack", 0x012, "1e101002010203040506070811223344", "",
         "Flags [S.], seq 100, ack 200, win 65535, options [mptcp 16 join id 2 hmac 0x102030405060708 nonce 0x11223344], length 0"},
        {"mptcp join ack", 0x010, "1e181000000102030405060708090a0b0c0d0e0f10111213", "",
         "Flags [.], ack 200, win 65535, options [mptcp 24 join hmac 0x000102030405060708090a0b0c0d0e0f10111213], length 0"},
        {"mptcp join wrong flags", 0x010, "1e0c1101aabbccdd11223344", "",
         "Flags [.], ack 200, win 65535, options [mptcp 12 join[bad opt]"},
        {"mptcp dss ack", 0x010, "1e08200100000005", "",
         "Flags [.], ack 200, win 65535, options [mptcp 8 dss ack 5], length 0"},
        {"mptcp dss mapping", 0x010, "1e12200500000001000000020000000300040101", "",
         "Flags [.], ack 200, win 65535, options [mptcp 18 dss ack 1 seq 2 subseq 3 len 4,nop,nop], length 0"},
        {"mptcp dss 64-bit + csum", 0x010, "1e1c201fffffffffffffffff00000000000000020000000300040000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 28 dss fin ack 18446744073709551615 seq 2 subseq 3 len 4 csum 0x0], length 0"},
        {"mptcp dss too short", 0x010, "1e14201f00000000000000010000000000000002", "",
         "Flags [.], ack 200, win 65535, options [mptcp 20 dss fin ack 1 seq 2[bad opt]"},
        {"mptcp dss leftover", 0x010, "1e14200400000002000000030004000500000000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 20 dss seq 2 subseq 3 len 4 csum 0x5[bad opt]"},
        {"mptcp dss on syn", 0x012, "1e042000", "",
         "Flags [S.], seq 100, ack 200, win 65535, options [mptcp 4 dss[bad opt]"},
        {"mptcp add-addr v4 port", 0x010, "1e0a3001c612000113880101", "",
         "Flags [.], ack 200, win 65535, options [mptcp 10 add-addr v1 id 1 198.18.0.1:5000,nop,nop], length 0"},
        {"mptcp add-addr v4 hmac", 0x010, "1e1030010a0000010102030405060708", "",
         "Flags [.], ack 200, win 65535, options [mptcp 16 add-addr v1 id 1 10.0.0.1 hmac 0x102030405060708], length 0"},
        {"mptcp add-addr v4 port hmac", 0x010, "1e123006c0a800010050ffffffffffffffff0101", "",
         "Flags [.], ack 200, win 65535, options [mptcp 18 add-addr v1 id 6 192.168.0.1:80 hmac 0xffffffffffffffff,nop,nop], length 0"},
        {"mptcp add-addr v0-ip4", 0x010, "1e0834010a000001", "",
         "Flags [.], ack 200, win 65535, options [mptcp 8 add-addr v0-ip4 id 1 10.0.0.1], length 0"},
        {"mptcp add-addr bad version", 0x010, "1e083f010a000001", "",
         "Flags [.], ack 200, win 65535, options [mptcp 8 add-addr [bad version/echo] id 1 10.0.0.1], length 0"},
        {"mptcp add-addr v6", 0x010, "1e14300620010db8000000000000000000000001", "",
         "Flags [.], ack 200, win 65535, options [mptcp 20 add-addr v1 id 6 2001:db8::1], length 0"},
        {"mptcp add-addr v6 hmac", 0x010, "1e1c300620010db80000000000000000000000010000000000000001", "",
         "Flags [.], ack 200, win 65535, options [mptcp 28 add-addr v1 id 6 2001:db8::1 hmac 0x1], length 0"},
        {"mptcp add-addr v6 port hmac", 0x010, "1e1e300520010db8000000000000000000000001138801020304050607080101", "",
         "Flags [.], ack 200, win 65535, options [mptcp 30 add-addr v1 id 5 2001:db8::1:5000 hmac 0x102030405060708,nop,nop], length 0"},
        {"mptcp add-addr length 9", 0x010, "1e0930010a00000100000000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 9 add-addr[bad opt]"},
        {"mptcp rem-addr", 0x010, "1e06400102030101", "",
         "Flags [.], ack 200, win 65535, options [mptcp 6 rem-addr id 1 2 3,nop,nop], length 0"},
        {"mptcp rem-addr length 3", 0x010, "1e034000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 3 rem-addr[bad opt]"},
        {"mptcp prio backup", 0x010, "1e045101", "",
         "Flags [.], ack 200, win 65535, options [mptcp 4 prio backup id 1], length 0"},
        {"mptcp prio length 3", 0x010, "1e035000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 3 prio non-backup,eol], length 0"},
        {"mptcp fail", 0x010, "1e0c60000000000000000009", "",
         "Flags [.], ack 200, win 65535, options [mptcp 12 fail seq 9], length 0"},
        {"mptcp fail length 4", 0x010, "1e046000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 4 fail[bad opt]"},
        {"mptcp fast-close", 0x010, "1e0c7000000000000000abcd", "",
         "Flags [.], ack 200, win 65535, options [mptcp 12 fast-close key 0xabcd], length 0"},
        {"mptcp unknown subtype", 0x010, "1e04f000", "",
         "Flags [.], ack 200, win 65535, options [mptcp 4 unknown], length 0"},
        {"mptcp length 3 unknown", 0x010, "1e039001", "",
         "Flags [.], ack 200, win 65535, options [mptcp 3 unknown,nop], length 0"},
        {"mptcp length 2", 0x010, "1e020101", "",
         "Flags [.], ack 200, win 65535, options [mptcp[bad opt]"},
        {"mptcp then kind in last byte", 0x010, "1e04510101010102", "",
         "Flags [.], ack 200, win 65535, options [mptcp 4 prio backup id 1,nop,nop,nop, [|mptcp]"},
    };
    for (const Case& c : cases) {
        INFO(c.name << ": options " << c.options);
        const auto seg = make_segment(c.flags, c.options, c.payload, 65535, 0);
        CHECK(tcp_text(seg) == c.tcpdump);
        CHECK(packet_to_string(client4, server4, seg) ==
              std::string("IP 198.18.0.1.40000 > 198.18.0.2.5000: ") + c.tcpdump);
    }
}

TEST_CASE("format: malformed TCP headers, as tcpdump reports them", "[format][header]") {
    struct Case {
        bool v6;
        const char* segment;
        const char* tcpdump;
    };
    // What tcpdump printed for IP packets carrying exactly these bytes.
    const Case cases[] = {
        {false, "",
         "IP 198.18.0.1 > 198.18.0.2: [|tcp]"},
        {false, "9c4013",
         "IP 198.18.0.1 > 198.18.0.2: [|tcp]"},
        {false, "9c401388",
         "IP 198.18.0.1.40000 > 198.18.0.2.5000:  [|tcp]"},
        {false, "9c401388000000640000",
         "IP 198.18.0.1.40000 > 198.18.0.2.5000:  [|tcp]"},
        {false, "9c40138800000064000000c86012ffff000000",
         "IP 198.18.0.1.40000 > 198.18.0.2.5000:  [|tcp]"},
        {false, "9c40138800000064000000c80012ffff00000000020405b4",
         "IP 198.18.0.1.40000 > 198.18.0.2.5000:  tcp 24 [bad hdr length 0 - too short, < 20]"},
        {false, "9c40138800000064000000c84012ffff00000000020405b4",
         "IP 198.18.0.1.40000 > 198.18.0.2.5000:  tcp 8 [bad hdr length 16 - too short, < 20]"},
        {false, "9c40138800000064000000c87012ffff00000000020405b4",
         "IP 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S.] [bad hdr length 28 - too long, > 24]"},
        {false, "9c40138800000064000000c8f012ffff00000000020405b4",
         "IP 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S.] [bad hdr length 60 - too long, > 24]"},
        {true, "",
         "IP6 2001:db8::1 > 2001:db8::2: [|tcp]"},
        {true, "9c4013",
         "IP6 2001:db8::1 > 2001:db8::2: [|tcp]"},
        {true, "9c401388",
         "IP6 2001:db8::1.40000 > 2001:db8::2.5000:  [|tcp]"},
    };
    for (const Case& c : cases) {
        INFO(c.tcpdump);
        const auto seg = from_hex(c.segment);
        const std::string got = c.v6 ? packet_to_string(client6, server6, seg) : packet_to_string(client4, server4, seg);
        CHECK(got == c.tcpdump);
        CHECK(!TcpView::parse(seg).ok());
    }
}

// ============================================================ (d) IPv6

TEST_CASE("format: IPv6 addresses as tcpdump writes them (RFC 5952)", "[format][address]") {
    struct Case {
        const char* bytes;
        const char* tcpdump;
    };
    // What tcpdump printed as the source address of IPv6 packets.
    const Case cases[] = {
        {"20010db8000000000000000000000001", "2001:db8::1"},
        {"20010db8000000000001000000000001", "2001:db8::1:0:0:1"},
        {"20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"},
        {"20010db8000000000000000100000000", "2001:db8::1:0:0"},
        {"20010db800000000000100000000000f", "2001:db8::1:0:0:f"},
        {"20010db8000100000000000100000000", "2001:db8:1::1:0:0"},
        {"00000000000000000000000000000000", "::"},
        {"00000000000000000000000000000001", "::1"},
        {"00010000000000000000000000000000", "1::"},
        {"fe800000000000000000000000000000", "fe80::"},
        {"0000000000000000000000000000abcd", "::abcd"},
        {"ffffffffffffffffffffffffffffffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        {"00000000000000000000ffff01020304", "::ffff:1.2.3.4"},
        {"00000000000000000000000001020304", "::1.2.3.4"},
        {"000000000000000000000000ffff0000", "::255.255.0.0"},
        {"00000000000000000000ffff00000000", "::ffff:0.0.0.0"},
        {"0000000000000000ffff000001020304", "::ffff:0:102:304"},
        {"20010db800a00b0c0d0e0f0010001000", "2001:db8:a0:b0c:d0e:f00:1000:1000"},
        {"00000000000000000000000000000102", "::102"},
        {"0001000100000001000000000000000a", "1:1:0:1::a"},
        {"20010db80000000000000000c0a80001", "2001:db8::c0a8:1"},
        {"fe80000000000000020c29fffe3a4b5c", "fe80::20c:29ff:fe3a:4b5c"},
        {"00010002000300040005000600070008", "1:2:3:4:5:6:7:8"},
        {"00000001000000000000000000000000", "0:1::"},
    };
    for (const Case& c : cases) {
        const auto b = from_hex(c.bytes);
        const IpAddress a = IpAddress::from_bytes(IpFamily::V6, b);
        CHECK(to_string(a) == c.tcpdump);
    }
    CHECK(to_string(IpAddress::v4(0, 0, 0, 0)) == "0.0.0.0");
    CHECK(to_string(IpAddress::v4(255, 255, 255, 255)) == "255.255.255.255");
    CHECK(to_string(Endpoint{client6, 443}) == "2001:db8::1.443");
    CHECK(to_string(Endpoint{client4, 0}) == "198.18.0.1.0");
    std::ostringstream os;
    os << client6 << ' ' << Endpoint{server4, 5000};
    CHECK(os.str() == "2001:db8::1 198.18.0.2.5000");
}

// ============================================================ the writer

namespace {

// The first SYN of a_ipv4_default.pcap.
constexpr std::array<std::uint8_t, 40> capture_syn = {
    0x9c, 0x40, 0x13, 0x88, 0x7c, 0x33, 0xa9, 0x83, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xfa, 0xf0, 0xe2, 0x45, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x38, 0x57, 0xd0, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a};
constexpr std::string_view capture_syn_line =
    "IP 198.18.0.1.40000 > 198.18.0.2.5000: Flags [S], seq 2083760515, win 64240, "
    "options [mss 1460,sackOK,TS val 945279175 ecr 0,nop,wscale 10], length 0";

constexpr bool formats_capture_syn() {
    const result<TcpView> v = TcpView::parse(capture_syn);
    if (!v) return false;
    std::array<char, 200> buf{};
    TextSink s(buf);
    format_packet(s, client4, server4, *v);
    return !s.overflow() && s.view() == capture_syn_line;
}

constexpr bool formats_syn_header() {
    TcpHeader h;
    h.source_port = 40000;
    h.destination_port = 5000;
    h.seq = SeqNum(2083760515);
    h.flags = TcpFlag::Syn;
    h.window = 64240;
    h.options.mss = 1460;
    h.options.sack_permitted = true;
    h.options.timestamps = Timestamps{945279175, 0};
    h.options.window_scale = 10;
    std::array<char, 200> buf{};
    TextSink s(buf);
    if (format_tcp(s, h) != Error::None) return false;
    return s.view() == capture_syn_line.substr(capture_syn_line.find(": ") + 2);
}

constexpr bool formats_ipv6() {
    std::array<char, 64> buf{};
    TextSink s(buf);
    format_address(s, IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}));
    s.put(' ');
    format_address(s, IpAddress::v6_groups({0, 0, 0, 0, 0, 0xffff, 0xc612, 1}));
    return s.view() == "2001:db8::1:0:0:1 ::ffff:198.18.0.1";
}

// Cut off: the sink keeps what fits and counts the rest.
constexpr bool truncates() {
    std::array<char, 8> buf{};
    TextSink s(std::span<char>(buf).first(5));
    s.put("Flags [S.]");
    return s.overflow() && s.size() == 10 && s.view() == "Flags" && buf[5] == '\0';
}

} // namespace

TEST_CASE("format: the writer is constexpr", "[format][constexpr]") {
    STATIC_REQUIRE(formats_capture_syn());
    STATIC_REQUIRE(formats_syn_header());
    STATIC_REQUIRE(formats_ipv6());
    STATIC_REQUIRE(truncates());
}

TEST_CASE("format: TextSink never writes past its buffer and counts the whole text", "[format][sink]") {
    const result<TcpView> v = TcpView::parse(capture_syn);
    REQUIRE(v.ok());
    const std::string full = packet_to_string(client4, server4, *v);
    REQUIRE(full == capture_syn_line);
    for (std::size_t cap = 0; cap <= full.size() + 2; ++cap) {
        std::vector<char> buf(cap + 8, '#'); // 8 guard bytes
        TextSink s(std::span<char>(buf.data(), cap));
        format_packet(s, client4, server4, *v);
        CHECK(s.size() == full.size());
        CHECK(s.capacity() == cap);
        CHECK(s.overflow() == (cap < full.size()));
        CHECK(s.view() == std::string_view(full).substr(0, cap));
        for (std::size_t i = cap; i < buf.size(); ++i) CHECK(buf[i] == '#');
    }
    TextSink s(std::span<char>{});
    s.put_dec(18446744073709551615ULL);
    s.put_hex(0);
    s.put_hex2(0x0a);
    CHECK(s.size() == 20 + 1 + 2);
    std::array<char, 64> buf{};
    TextSink t(buf);
    t.put_dec(0);
    t.put(' ');
    t.put_dec(18446744073709551615ULL);
    t.put(' ');
    t.put_hex(0xdeadbeef0ULL);
    t.put(' ');
    t.put_hex2(0x0a);
    CHECK(t.view() == "0 18446744073709551615 deadbeef0 0a");
    t.clear();
    CHECK(t.size() == 0);
    CHECK(t.view().empty());
}

TEST_CASE("format: std::string wrappers", "[format][string]") {
    // Longer than the wrappers' stack buffer: the second, exact-size pass.
    const std::string long_text = format_detail::render([](TextSink& s) {
        for (int i = 0; i < 1000; ++i) s.put(static_cast<char>('a' + i % 26));
    });
    REQUIRE(long_text.size() == 1000);
    CHECK(long_text.substr(0, 3) == "abc");
    CHECK(long_text.back() == static_cast<char>('a' + 999 % 26));

    CHECK(to_string(TcpFlags{}) == "none");
    CHECK(to_string(TcpFlag::Syn | TcpFlag::Ack) == "S.");
    CHECK(to_string(TcpFlags(TcpFlag::Ae)) == "none");

    // An unencodable header: 38 bytes of an unknown option plus an MSS.
    TcpHeader h;
    const std::array<std::uint8_t, 36> filler{};
    REQUIRE(h.options.add_raw(99, filler) == Error::None);
    h.options.mss = 1460;
    CHECK(to_string(h) == "[tcp options exceed 40 bytes]");
    std::array<char, 64> buf{};
    TextSink s(buf);
    CHECK(format_tcp(s, h) == Error::OptionsTooLong);
    CHECK(s.size() == 0);

    // A header value and its payload length.
    TcpHeader d;
    d.seq = SeqNum(4294967295U);
    d.ack = SeqNum(7);
    d.flags = TcpFlag::Psh | TcpFlag::Ack;
    d.window = 501;
    CHECK(to_string(d, 2) == "Flags [P.], seq 4294967295:1, ack 7, win 501, length 2");
}

TEST_CASE("format: arbitrary segments never overrun, and sizes agree", "[format][property]") {
    std::uint32_t x = 0x2545F491U;
    auto next = [&x] {
        x ^= x << 13U;
        x ^= x >> 17U;
        x ^= x << 5U;
        return x;
    };
    for (int round = 0; round < 4000; ++round) {
        const std::size_t len = next() % 72;
        std::vector<std::uint8_t> seg(len);
        for (auto& b : seg) b = static_cast<std::uint8_t>(next());
        if (len >= 20 && (next() & 1U)) { // mostly well-framed headers
            const std::size_t doff = 5 + next() % (std::min<std::size_t>(len, 60) / 4 - 4);
            seg[12] = static_cast<std::uint8_t>((doff << 4U) | (seg[12] & 0x0FU));
        }
        const bool v6 = (next() & 1U) != 0;
        const IpAddress& src = v6 ? client6 : client4;
        const IpAddress& dst = v6 ? server6 : server4;
        const std::string full = packet_to_string(src, dst, seg);
        std::array<char, 48> small{};
        TextSink s(small);
        format_packet(s, src, dst, seg);
        CHECK(s.size() == full.size());
        CHECK(s.view() == std::string_view(full).substr(0, small.size()));
        const result<TcpView> v = TcpView::parse(seg);
        if (v) {
            CHECK(packet_to_string(src, dst, *v) == full);
        }
    }
}
