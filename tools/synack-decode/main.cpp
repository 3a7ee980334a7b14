// tools/synack-decode/main.cpp — synack-decode: prints every TCP segment of
// a pcap or pcapng capture (or of hex dumps, one packet per line) as tcpdump -nn -S
// does, or as one JSON object per segment with every decoded field, and says
// clearly what is malformed and where.
//
// Built on driver/pcap_format.hpp (records, link layers), wire/packet.hpp
// (IPv4/IPv6 down to TCP), wire/tcp.hpp and tcp_options.hpp (the segment),
// wire/checksum.hpp (verdicts) and wire/format.hpp (the text).
//
// Exit status: 0 when every packet decoded and every checksum verified; 1
// when a packet (or the file itself) is malformed or a checksum fails; 2 for
// usage and I/O errors. Packets that are simply not TCP (ARP, UDP, an IP
// fragment, which is not reassembled) are skipped with a note on stderr and
// do not change the status.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synack/core/result.hpp"
#include "synack/driver/pcap_format.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/format.hpp"
#include "synack/wire/ipv4.hpp"
#include "synack/wire/ipv6.hpp"
#include "synack/wire/packet.hpp"
#include "synack/wire/tcp.hpp"
#include "synack/wire/tcp_options.hpp"
#include "ladders.hpp"
#include "summary.hpp"

namespace {

using namespace synack;

constexpr int exit_ok = 0;
constexpr int exit_malformed = 1;
constexpr int exit_usage = 2;

constexpr std::string_view usage_text =
    "usage: synack-decode [--json] [--time] [--summary] [--ladder] FILE | -\n"
    "       synack-decode --hex [--tcp] [--json] [FILE | -]\n"
    "\n"
    "Prints each TCP segment as `tcpdump -nn -S -t` does, or with --json one\n"
    "JSON object per packet with every decoded field.\n"
    "\n"
    "  FILE, -   a pcap or pcapng capture (by its magic), - for stdin (read\n"
    "            as it arrives: tcpdump -w - | synack-decode -); link types\n"
    "            Ethernet (802.1Q/802.1ad tags too), raw IP, Linux cooked v1/v2;\n"
    "            pcapng: every section and interface, both byte orders\n"
    "  --json    one JSON object per packet instead of tcpdump text\n"
    "  --summary after the packets, each handshake: what each side offered\n"
    "            in its SYN / SYN-ACK and what the connection negotiated\n"
    "  --ladder  after the packets, each connection as a ladder diagram\n"
    "            (arrows with flags, seq/ack, options; each side's state)\n"
    "  --emit-corpus DIR\n"
    "            also write each packet's IP bytes (trimmed to the IP length)\n"
    "            to DIR/<input name>-<packet number>, one file per packet: a\n"
    "            seed corpus for fuzzers (and synack's testing/mutator.hpp)\n"
    "  --time    prefix each text line with the capture time (UTC,\n"
    "            HH:MM:SS.ffffff; tcpdump prints local time)\n"
    "  --hex     read hex dumps, one packet per line (stdin unless FILE):\n"
    "            whitespace, ':' and ',' separate bytes freely, a 0x prefix is\n"
    "            allowed, '#' starts a comment. A line whose first nibble is 4\n"
    "            or 6 is an IP packet, anything else a bare TCP segment\n"
    "  --tcp     with --hex: every line is a bare TCP segment (no checksum\n"
    "            verdict: there are no addresses for the pseudo-header)\n"
    "\n"
    "Exit status: 0 all packets decoded and all checksums verified; 1 a\n"
    "malformed file or packet, or a bad checksum; 2 usage or I/O error.\n"
    "Non-TCP packets and IP fragments are skipped with a note on stderr.\n";

// The enumerator name, for JSON consumers that want something stable to
// match on (the to_string text is for people).
std::string error_id(Error e) {
    switch (e) {
    case Error::None: return "None";
    case Error::BufferTooSmall: return "BufferTooSmall";
    case Error::TcpTruncated: return "TcpTruncated";
    case Error::TcpDataOffsetTooSmall: return "TcpDataOffsetTooSmall";
    case Error::TcpDataOffsetPastEnd: return "TcpDataOffsetPastEnd";
    case Error::OptionMissingLength: return "OptionMissingLength";
    case Error::OptionLengthTooSmall: return "OptionLengthTooSmall";
    case Error::OptionLengthPastEnd: return "OptionLengthPastEnd";
    case Error::OptionBadMssLength: return "OptionBadMssLength";
    case Error::OptionBadWindowScaleLength: return "OptionBadWindowScaleLength";
    case Error::OptionBadSackPermittedLength: return "OptionBadSackPermittedLength";
    case Error::OptionBadSackLength: return "OptionBadSackLength";
    case Error::OptionBadTimestampsLength: return "OptionBadTimestampsLength";
    case Error::OptionBadFastOpenLength: return "OptionBadFastOpenLength";
    case Error::OptionsTooLong: return "OptionsTooLong";
    case Error::OptionValueInvalid: return "OptionValueInvalid";
    case Error::BadChecksum: return "BadChecksum";
    case Error::Ipv4Truncated: return "Ipv4Truncated";
    case Error::Ipv4BadVersion: return "Ipv4BadVersion";
    case Error::Ipv4BadHeaderLength: return "Ipv4BadHeaderLength";
    case Error::Ipv4BadTotalLength: return "Ipv4BadTotalLength";
    case Error::Ipv4Fragment: return "Ipv4Fragment";
    case Error::Ipv4BadChecksum: return "Ipv4BadChecksum";
    case Error::Ipv6Truncated: return "Ipv6Truncated";
    case Error::Ipv6BadVersion: return "Ipv6BadVersion";
    case Error::Ipv6BadPayloadLength: return "Ipv6BadPayloadLength";
    case Error::Ipv6ExtensionTruncated: return "Ipv6ExtensionTruncated";
    case Error::Ipv6TooManyExtensions: return "Ipv6TooManyExtensions";
    case Error::Ipv6Fragment: return "Ipv6Fragment";
    case Error::NotTcp: return "NotTcp";
    case Error::PcapBadMagic: return "PcapBadMagic";
    case Error::PcapTruncated: return "PcapTruncated";
    case Error::PcapUnsupportedLinkType: return "PcapUnsupportedLinkType";
    case Error::PcapBadRecordLength: return "PcapBadRecordLength";
    case Error::PcapngBadBlock: return "PcapngBadBlock";
    case Error::PcapngUnknownInterface: return "PcapngUnknownInterface";
    case Error::AddressFamilyMismatch: return "AddressFamilyMismatch";
    default: break; // errors added later: by number, still stable
    }
    return "Error" + std::to_string(static_cast<unsigned>(e));
}

// ------------------------------------------------------------------ JSON

void json_escape(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\u00";
                out += hex[c >> 4U];
                out += hex[c & 0xFU];
            } else {
                out += ch; // UTF-8 passes through; our own text is ASCII
            }
        }
    }
    out += '"';
}

// A streaming writer: commas and nesting are its business.
class Json {
  public:
    Json& begin_object() { return open('{'); }
    Json& end_object() { return close('}'); }
    Json& begin_array() { return open('['); }
    Json& end_array() { return close(']'); }
    Json& key(std::string_view k) {
        separate();
        json_escape(out_, k);
        out_ += ':';
        after_key_ = true;
        return *this;
    }
    Json& string(std::string_view v) {
        separate();
        json_escape(out_, v);
        return *this;
    }
    Json& number(std::uint64_t v) {
        separate();
        out_ += std::to_string(v);
        return *this;
    }
    Json& boolean(bool v) {
        separate();
        out_ += v ? "true" : "false";
        return *this;
    }
    Json& null() {
        separate();
        out_ += "null";
        return *this;
    }
    Json& field(std::string_view k, std::string_view v) { return key(k).string(v); }
    Json& field(std::string_view k, const char* v) { return key(k).string(v); }
    Json& field(std::string_view k, const std::string& v) { return key(k).string(v); }
    Json& field(std::string_view k, std::uint64_t v) { return key(k).number(v); }
    Json& field(std::string_view k, std::uint32_t v) { return key(k).number(v); }
    Json& field(std::string_view k, std::uint16_t v) { return key(k).number(v); }
    Json& field(std::string_view k, std::uint8_t v) { return key(k).number(v); }
    Json& field(std::string_view k, bool v) { return key(k).boolean(v); }

    [[nodiscard]] const std::string& str() const { return out_; }

  private:
    Json& open(char c) {
        separate();
        out_ += c;
        first_.push_back(true);
        return *this;
    }
    Json& close(char c) {
        out_ += c;
        first_.pop_back();
        return *this;
    }
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (!first_.empty()) {
            if (!first_.back()) out_ += ',';
            first_.back() = false;
        }
    }

    std::string out_;
    std::vector<bool> first_;
    bool after_key_ = false;
};

std::string hex_bytes(Bytes b) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(2 * b.size());
    for (const std::uint8_t x : b) {
        s += hex[x >> 4U];
        s += hex[x & 0xFU];
    }
    return s;
}

std::string hex16(std::uint16_t v, int digits = 4) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%0*x", digits, static_cast<unsigned>(v));
    return buf;
}

// ------------------------------------------------------------------ decoding

struct Settings {
    bool json = false;
    bool time = false;
    bool hex = false;
    bool bare_tcp = false;
    bool summary = false;
    bool ladder = false;
    std::string path; // "" or "-": stdin
    std::string emit_corpus; // --emit-corpus DIR: write each IP packet there
};

// Where a packet came from, for messages and JSON.
struct Source {
    std::uint64_t number = 0;            // 1-based packet number
    std::optional<std::uint64_t> line;   // hex input: the line
    std::optional<std::uint64_t> base;   // pcap: file offset of the bytes being decoded
    const PcapRecord* record = nullptr;  // pcap: the record
    bool nanosecond = false;
    bool pcapng = false;                 // the record came from a pcapng file
};

// --json: one object per line and per packet, keys in this order:
//   packet (1-based), line (hex input), time ("sec.frac" string, as tcpdump
//   -tt), file_offset / caplen / len (pcap record), interface / link_type
//   (pcapng: the packet's interface id in its section and its LINKTYPE_*);
//   ip: family, version, src, dst, then IPv4 header_length, total_length,
//     tos, dscp, ecn, id, flags {reserved, df, mf}, fragment_offset, ttl,
//     protocol, checksum, checksum_computed, checksum_ok[, options hex] or
//     IPv6 traffic_class, dscp, ecn, flow_label, payload_length,
//     next_header, hop_limit, tcp_offset (after extension headers);
//   tcp: src_port, dst_port, seq, ack, data_offset, header_length, reserved,
//     flags (the 12 bits after the data offset, hex, as tshark's tcp.flags),
//     flag_names, flags_text (tcpdump's letters), window (unscaled),
//     checksum, checksum_computed and checksum_ok (null for a bare segment),
//     urgent_pointer, payload_length;
//   options: in wire order, {kind, name, offset (from the TCP header), length}
//     plus mss | wscale | val+ecr | blocks [{left, right}] | cookie (hex) or
//     request | experimental | data (hex: unknown kinds and malformed ones,
//     which also carry error) | padding (bytes after an EOL);
//   ok: no malformation; skipped: why the packet was not decoded (not TCP);
//   malformations: [{error (to_string text), id (Error enumerator), layer
//     (link, ip, tcp, option, hex), kind (options), offset (into the layer:
//     the frame, the IP packet, the TCP header), packet_offset (into the IP
//     packet, or the frame for link problems), detail}].
// Numbers are JSON numbers; checksums, tos and flow labels are hex strings.

// One problem found in a packet.
struct Problem {
    Error error = Error::None;
    std::string layer;                   // "link", "ip", "tcp", "option", "hex"
    std::uint64_t offset = 0;            // into the layer (see the JSON notes above)
    std::uint64_t packet_offset = 0;     // into the decoded bytes (IP packet, or bare TCP)
    std::optional<std::uint8_t> kind;    // option problems
    std::string detail;                  // extra words for people
};

class Decoder {
  public:
    explicit Decoder(const Settings& s) : settings_(s) {}

    [[nodiscard]] int status() const { return status_; }
    void mark_malformed() { status_ = status_ > exit_malformed ? status_ : exit_malformed; }

    // The file-level complaint.
    void file_error(const std::string& message) {
        std::cerr << "synack-decode: " << message << '\n';
        mark_malformed();
    }

    std::string where(const Source& src, std::uint64_t packet_offset) const {
        std::string w;
        if (src.line) {
            w = "line " + std::to_string(*src.line) + " (packet " + std::to_string(src.number) + "), byte " +
                std::to_string(packet_offset);
        } else {
            w = "packet " + std::to_string(src.number);
            if (src.base) w += ", file offset " + std::to_string(*src.base + packet_offset);
        }
        return w;
    }

    void complain(const Source& src, const Problem& p, bool skipped = false) {
        std::cerr << "synack-decode: " << where(src, p.packet_offset) << ": " << (skipped ? "skipped: " : "")
                  << to_string(p.error) << " [" << error_id(p.error) << "]";
        if (p.kind) std::cerr << " (option kind " << static_cast<unsigned>(*p.kind) << ")";
        if (!p.detail.empty()) std::cerr << ": " << p.detail;
        std::cerr << '\n';
    }

    // A frame whose link layer did not yield IP.
    void link_problem(const Source& src, Error e, std::uint32_t frame_offset, std::uint16_t link_type) {
        Problem p;
        p.error = e;
        p.layer = "link";
        p.offset = frame_offset;
        p.packet_offset = frame_offset;
        const bool skip = e == Error::NotTcp;
        if (skip) p.detail = "the frame does not carry IPv4 or IPv6";
        if (e == Error::PcapUnsupportedLinkType) p.detail = "link type " + std::to_string(link_type);
        Source s = src;
        // Offsets are into the frame here.
        if (src.record != nullptr) s.base = src.record->data_offset();
        complain(s, p, skip);
        if (!skip) mark_malformed();
        if (settings_.json) emit_undecoded(s, {p}, skip);
    }

    // A record the reader could not deliver.
    void record_problem(std::uint64_t number, Error e, std::uint32_t offset, std::string_view why) {
        std::cerr << "synack-decode: packet " << number << ", file offset " << offset << ": " << to_string(e) << " ["
                  << error_id(e) << "]: " << why << '\n';
        mark_malformed();
    }

    // An IP packet (IPv4 or IPv6, by version nibble).
    void ip_packet(const Source& src, Bytes ip) {
        std::vector<Problem> problems;
        result<IpPacket> parsed = parse_ip_packet(ip);
        if (!parsed && parsed.error() == Error::Ipv4BadChecksum) {
            // Report the checksum, decode the rest anyway (tcpdump prints it too).
            problems.push_back({Error::Ipv4BadChecksum, "ip", 10, 10, std::nullopt, ipv4_checksum_detail(ip)});
            parsed = parse_ip_packet(ip, false);
        }
        if (!parsed) {
            const Error e = parsed.error();
            const bool skip = e == Error::NotTcp || e == Error::Ipv4Fragment || e == Error::Ipv6Fragment;
            Problem p{e, "ip", parsed.offset(), parsed.offset(), std::nullopt, {}};
            if (e == Error::Ipv4Fragment || e == Error::Ipv6Fragment) p.detail = "fragments are not reassembled";
            if (src.record != nullptr && src.record->snapped()) {
                p.detail = "only " + std::to_string(src.record->header.incl_len) + " of " +
                           std::to_string(src.record->header.orig_len) + " bytes were captured (snaplen)";
            }
            for (const Problem& q : problems) complain(src, q);
            complain(src, p, skip);
            problems.push_back(p);
            if (!skip || problems.size() > 1) mark_malformed();
            if (settings_.json) emit_undecoded(src, problems, skip, ip);
            return;
        }
        if (settings_.summary) summary_.observe(src.number, *parsed);
        if (settings_.ladder && src.record != nullptr) ladders_.observe(src.record->header.time(src.nanosecond), *parsed);
        segment(src, ip, &*parsed, parsed->tcp, parsed->tcp_offset, std::move(problems));
    }

    void print_summary(std::ostream& os) const { summary_.print(os); }
    void print_ladders(std::ostream& os) const { ladders_.print(os); }

    // A bare TCP segment (hex input): no addresses, no checksum verdict.
    void bare_tcp(const Source& src, Bytes tcp) { segment(src, {}, nullptr, tcp, 0, {}); }

    // A hex line that is not hex.
    void bad_hex(const Source& src, std::size_t column, const std::string& why) {
        std::cerr << "synack-decode: line " << *src.line << " (packet " << src.number << "), column " << column
                  << ": " << why << '\n';
        mark_malformed();
        if (settings_.json) {
            Json j;
            j.begin_object();
            j.field("packet", src.number);
            j.field("line", *src.line);
            j.field("ok", false);
            j.key("malformations").begin_array();
            j.begin_object().field("error", why).field("id", "BadHex").field("layer", "hex");
            j.field("column", static_cast<std::uint64_t>(column)).end_object();
            j.end_array();
            j.end_object();
            std::cout << j.str() << '\n';
        }
    }

  private:
    synack_decode::HandshakeSummary summary_;
    synack_decode::Ladders ladders_;

    static std::string ipv4_checksum_detail(Bytes ip) {
        const result<Ipv4View> v = Ipv4View::parse(ip);
        if (!v) return {};
        return "header checksum " + hex16(v->header_checksum()) + ", should be " +
               hex16(ipv4_header_checksum(v->header()));
    }

    void segment(const Source& src, Bytes ip, const IpPacket* pkt, Bytes tcp, std::uint32_t tcp_offset,
                 std::vector<Problem> problems) {
        const result<TcpView> view = TcpView::parse(tcp);
        std::optional<bool> checksum_ok;
        std::uint16_t computed = 0;
        if (!view) {
            problems.push_back({view.error(), "tcp", view.offset(), tcp_offset + view.offset(), std::nullopt, {}});
        } else {
            for (const OptionEntry& o : view->options()) {
                if (o.ok()) continue;
                problems.push_back({o.error, "option", o.offset, tcp_offset + o.offset, o.kind, {}});
            }
            if (pkt != nullptr) {
                checksum_ok = verify_tcp_checksum(pkt->source, pkt->destination, tcp);
                computed = tcp_checksum(pkt->source, pkt->destination, tcp);
                if (!*checksum_ok) {
                    problems.push_back({Error::BadChecksum, "tcp", 16, tcp_offset + 16U, std::nullopt,
                                        "checksum " + hex16(view->checksum()) + ", should be " + hex16(computed)});
                }
            }
        }
        for (const Problem& p : problems) complain(src, p);
        if (!problems.empty()) mark_malformed();

        if (settings_.json) {
            emit_json(src, ip, pkt, view, checksum_ok, computed, problems);
            return;
        }
        std::string line = time_prefix(src);
        if (pkt != nullptr) {
            line += view ? packet_to_string(pkt->source, pkt->destination, *view)
                         : packet_to_string(pkt->source, pkt->destination, tcp);
        } else if (view) {
            line += "TCP " + std::to_string(view->source_port()) + " > " + std::to_string(view->destination_port()) +
                    ": " + to_string(*view);
        } else {
            return; // a bare segment too short to show: stderr said why
        }
        std::cout << line << '\n';
    }

    std::string time_prefix(const Source& src) const {
        if (!settings_.time || src.record == nullptr) return {};
        const std::time_t secs = static_cast<std::time_t>(src.record->header.ts_sec);
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char buf[64];
        if (src.nanosecond) {
            std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%09u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                          src.record->header.ts_frac);
        } else {
            std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
                          src.record->header.ts_frac);
        }
        return buf;
    }

    void source_fields(Json& j, const Source& src) const {
        j.field("packet", src.number);
        if (src.line) j.field("line", *src.line);
        if (src.record != nullptr) {
            const PcapRecordHeader& h = src.record->header;
            char t[48];
            std::snprintf(t, sizeof t, src.nanosecond ? "%u.%09u" : "%u.%06u", h.ts_sec, h.ts_frac);
            j.field("time", std::string(t));
            j.field("file_offset", src.record->offset);
            j.field("caplen", h.incl_len);
            j.field("len", h.orig_len);
            if (src.pcapng) {
                j.field("interface", src.record->interface);
                j.field("link_type", src.record->link_type);
            }
        }
    }

    static void problems_array(Json& j, const std::vector<Problem>& problems) {
        j.key("malformations").begin_array();
        for (const Problem& p : problems) {
            j.begin_object();
            j.field("error", to_string(p.error));
            j.field("id", error_id(p.error));
            j.field("layer", p.layer);
            if (p.kind) j.field("kind", *p.kind);
            j.field("offset", p.offset);
            j.field("packet_offset", p.packet_offset);
            if (!p.detail.empty()) j.field("detail", p.detail);
            j.end_object();
        }
        j.end_array();
    }

    void emit_undecoded(const Source& src, const std::vector<Problem>& problems, bool skipped, Bytes ip = {}) {
        Json j;
        j.begin_object();
        source_fields(j, src);
        if (!ip.empty()) ip_object(j, ip, nullptr);
        j.field("ok", skipped && problems.size() == 1);
        if (skipped) j.field("skipped", to_string(problems.back().error));
        problems_array(j, problems);
        j.end_object();
        std::cout << j.str() << '\n';
    }

    // The IP header fields (from the views; IpPacket keeps only what the
    // machines need).
    static void ip_object(Json& j, Bytes ip, const IpPacket* pkt) {
        if (const result<Ipv4View> v4 = Ipv4View::parse(ip); v4 && !ip.empty() && (ip[0] >> 4U) == 4) {
            j.key("ip").begin_object();
            j.field("family", "ipv4");
            j.field("version", v4->version());
            j.field("src", to_string(v4->source()));
            j.field("dst", to_string(v4->destination()));
            j.field("header_length", static_cast<std::uint64_t>(v4->header_length()));
            j.field("total_length", v4->total_length());
            j.field("tos", hex16(v4->tos(), 2));
            j.field("dscp", v4->dscp());
            j.field("ecn", v4->ecn());
            j.field("id", v4->identification());
            j.key("flags").begin_object();
            j.field("reserved", v4->reserved_flag());
            j.field("df", v4->dont_fragment());
            j.field("mf", v4->more_fragments());
            j.end_object();
            j.field("fragment_offset", v4->fragment_offset());
            j.field("ttl", v4->ttl());
            j.field("protocol", v4->protocol());
            j.field("checksum", hex16(v4->header_checksum()));
            j.field("checksum_computed", hex16(ipv4_header_checksum(v4->header())));
            j.field("checksum_ok", v4->checksum_ok());
            if (!v4->options().empty()) j.field("options", hex_bytes(v4->options()));
            j.end_object();
            return;
        }
        if (const result<Ipv6View> v6 = Ipv6View::parse(ip); v6) {
            j.key("ip").begin_object();
            j.field("family", "ipv6");
            j.field("version", v6->version());
            j.field("src", to_string(v6->source()));
            j.field("dst", to_string(v6->destination()));
            j.field("traffic_class", hex16(v6->traffic_class(), 2));
            j.field("dscp", v6->dscp());
            j.field("ecn", v6->ecn());
            char fl[16];
            std::snprintf(fl, sizeof fl, "0x%05x", v6->flow_label());
            j.field("flow_label", std::string(fl));
            j.field("payload_length", v6->payload_length());
            j.field("next_header", v6->next_header());
            j.field("hop_limit", v6->hop_limit());
            if (pkt != nullptr) j.field("tcp_offset", pkt->tcp_offset);
            j.end_object();
        }
    }

    static std::string_view option_name(const OptionEntry& o) {
        switch (o.kind) {
        case 0: return "eol";
        case 1: return "nop";
        case 2: return "mss";
        case 3: return "wscale";
        case 4: return "sackOK";
        case 5: return "sack";
        case 8: return "TS";
        case 19: return "md5";
        case 29: return "tcp-ao";
        case 30: return "mptcp";
        case 34: return "tfo";
        case 254: return o.is_exp_fast_open() ? "tfo" : "exp";
        default: return "unknown";
        }
    }

    static void option_object(Json& j, const OptionEntry& o, std::size_t area_size) {
        j.begin_object();
        j.field("kind", o.kind);
        j.field("name", option_name(o));
        j.field("offset", o.offset);
        j.field("length", o.length);
        if (!o.ok()) {
            j.field("error", error_id(o.error));
            if (!o.data.empty()) j.field("data", hex_bytes(o.data));
            j.end_object();
            return;
        }
        switch (o.kind) {
        case 0: {
            const std::size_t after = area_size - (o.offset - tcp_min_header) - 1U; // rule 2: padding
            if (after != 0) j.field("padding", static_cast<std::uint64_t>(after));
            break;
        }
        case 1:
        case 4: break;
        case 2: j.field("mss", o.mss()); break;
        case 3: j.field("wscale", o.window_scale()); break;
        case 8:
            j.field("val", o.timestamps().value);
            j.field("ecr", o.timestamps().echo_reply);
            break;
        case 5:
            j.key("blocks").begin_array();
            for (std::size_t i = 0; i < o.sack_count(); ++i) {
                j.begin_object().field("left", o.sack_block(i).left).field("right", o.sack_block(i).right);
                j.end_object();
            }
            j.end_array();
            break;
        default:
            if (o.is_fast_open()) {
                const FastOpenOption f = o.fast_open();
                if (f.experimental) j.field("experimental", true);
                if (f.is_request()) {
                    j.field("request", true);
                } else {
                    j.field("cookie", hex_bytes(f.cookie_bytes()));
                }
            } else {
                j.field("data", hex_bytes(o.data));
            }
            break;
        }
        j.end_object();
    }

    static void flag_names(Json& j, TcpFlags f) {
        static constexpr std::pair<TcpFlag, std::string_view> names[] = {
            {TcpFlag::Fin, "FIN"}, {TcpFlag::Syn, "SYN"}, {TcpFlag::Rst, "RST"}, {TcpFlag::Psh, "PSH"},
            {TcpFlag::Ack, "ACK"}, {TcpFlag::Urg, "URG"}, {TcpFlag::Ece, "ECE"}, {TcpFlag::Cwr, "CWR"},
            {TcpFlag::Ae, "AE"}};
        j.key("flag_names").begin_array();
        for (const auto& [flag, name] : names) {
            if (f.has(flag)) j.string(name);
        }
        j.end_array();
    }

    void emit_json(const Source& src, Bytes ip, const IpPacket* pkt, const result<TcpView>& view,
                   std::optional<bool> checksum_ok, std::uint16_t computed, const std::vector<Problem>& problems) {
        Json j;
        j.begin_object();
        source_fields(j, src);
        if (pkt != nullptr) ip_object(j, ip, pkt);
        if (view) {
            const TcpView& v = *view;
            j.key("tcp").begin_object();
            j.field("src_port", v.source_port());
            j.field("dst_port", v.destination_port());
            j.field("seq", v.seq().raw());
            j.field("ack", v.ack().raw());
            j.field("data_offset", v.data_offset());
            j.field("header_length", static_cast<std::uint64_t>(v.header_length()));
            j.field("reserved", v.reserved());
            // The 12 bits after the data offset, as tshark's tcp.flags.
            j.field("flags", hex16(static_cast<std::uint16_t>((v.reserved() << 9U) | v.flags().bits())));
            flag_names(j, v.flags());
            j.field("flags_text", to_string(v.flags()));
            j.field("window", v.window());
            j.field("checksum", hex16(v.checksum()));
            if (checksum_ok) {
                j.field("checksum_computed", hex16(computed));
                j.field("checksum_ok", *checksum_ok);
            } else {
                j.key("checksum_computed").null();
                j.key("checksum_ok").null();
            }
            j.field("urgent_pointer", v.urgent_pointer());
            j.field("payload_length", static_cast<std::uint64_t>(v.payload().size()));
            j.end_object();
            j.key("options").begin_array();
            for (const OptionEntry& o : v.options()) option_object(j, o, v.option_bytes().size());
            j.end_array();
        }
        j.field("ok", problems.empty());
        problems_array(j, problems);
        j.end_object();
        std::cout << j.str() << '\n';
    }

    Settings settings_;
    int status_ = exit_ok;
};

// ------------------------------------------------------------------ inputs

// The capture input, read in chunks as it arrives: a file, or a pipe
// (`tcpdump -w - | synack-decode -`) decoded packet by packet while the
// producer runs. Bytes of records already decoded are dropped, so memory
// holds one chunk plus at most one record (a pcapng block is at most
// 16 MiB, a pcap record 256 KiB).
class CaptureInput {
  public:
    explicit CaptureInput(const std::string& path) {
        if (path.empty() || path == "-") {
            fd_ = 0;
        } else {
            fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            own_ = fd_ >= 0;
        }
    }
    ~CaptureInput() {
        if (own_) ::close(fd_);
    }
    CaptureInput(const CaptureInput&) = delete;
    CaptureInput& operator=(const CaptureInput&) = delete;

    [[nodiscard]] bool opened() const { return fd_ >= 0; }
    [[nodiscard]] bool failed() const { return error_ != 0; }
    [[nodiscard]] int error() const { return error_; }
    [[nodiscard]] Bytes bytes() const { return Bytes(buf_.data(), buf_.size()); }
    [[nodiscard]] std::size_t size() const { return buf_.size(); }

    // Drops the first `n` bytes, then appends what one read(2) returns.
    // False at end of input or on an error.
    bool more(std::size_t drop = 0) {
        if (eof_) return false;
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(drop));
        const std::size_t old = buf_.size();
        buf_.resize(old + chunk);
        ssize_t n = 0;
        do {
            n = ::read(fd_, buf_.data() + old, chunk);
        } while (n < 0 && errno == EINTR);
        buf_.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0U));
        if (n <= 0) {
            eof_ = true;
            if (n < 0) error_ = errno;
            return false;
        }
        return true;
    }

  private:
    static constexpr std::size_t chunk = 1U << 16U;
    std::vector<std::uint8_t> buf_;
    int fd_ = -1;
    bool own_ = false;
    bool eof_ = false;
    int error_ = 0;
};

// --emit-corpus: DIR/<input stem>-<number, 5 digits>, the IP packet
// without link-layer trailers (Ethernet padding, an FCS) when its own
// length says where it ends.
bool emit_corpus_file(const Settings& settings, std::uint32_t number, Bytes packet) {
    std::string stem = settings.path.empty() || settings.path == "-" ? std::string("stdin") : settings.path;
    if (const std::size_t slash = stem.find_last_of('/'); slash != std::string::npos) stem = stem.substr(slash + 1);
    if (const std::size_t dot = stem.find('.'); dot != std::string::npos && dot != 0) stem = stem.substr(0, dot);
    if (const result<IpPacket> ip = parse_ip_packet(packet); ip) packet = packet.first(ip->tcp_offset + ip->tcp.size());
    char name[16];
    std::snprintf(name, sizeof name, "-%05u", number);
    std::ofstream out(settings.emit_corpus + "/" + stem + name, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    for (const std::uint8_t b : packet) out.put(static_cast<char>(b));
    return static_cast<bool>(out);
}

// pcap or pcapng (by magic), from a file or stdin.
int run_capture(const Settings& settings, Decoder& d) {
    CaptureInput in(settings.path);
    const auto io_error = [&](int e) {
        std::cerr << "synack-decode: cannot read " << (settings.path.empty() ? "-" : settings.path) << ": "
                  << std::strerror(e) << '\n';
        return exit_usage;
    };
    if (!in.opened()) return io_error(errno);
    result<CaptureReader> reader = CaptureReader::open(in.bytes());
    while (!reader && reader.error() == Error::PcapTruncated && in.more()) reader = CaptureReader::open(in.bytes());
    if (in.failed()) return io_error(in.error());
    if (!reader) {
        const Bytes file = in.bytes();
        std::string msg = std::string(to_string(reader.error())) + " [" + error_id(reader.error()) + "] at file offset " +
                          std::to_string(reader.offset());
        if (reader.error() == Error::PcapTruncated) msg += ": the 24-byte file header is incomplete";
        if (reader.error() == Error::PcapBadMagic) {
            msg += file.size() >= 4 ? ": neither a pcap nor a pcapng file" : ": too short for a capture";
        }
        d.file_error(msg);
        return d.status();
    }
    CaptureReader r = *reader;
    if (r.format() == CaptureReader::Format::Pcap && !pcap_link_type_supported(r.pcap().link_type())) {
        d.file_error(std::string(to_string(Error::PcapUnsupportedLinkType)) +
                     " [PcapUnsupportedLinkType] at file offset 20: link type " +
                     std::to_string(r.pcap().link_type()) +
                     " (supported: 1 Ethernet, 101 raw IP, 113/276 Linux cooked v1/v2, 228/229 raw IPv4/IPv6)");
        return d.status();
    }
    std::uint64_t stream_size = in.size(); // bytes read so far, for messages
    const auto refill = [&]() {
        std::cout.flush(); // a live pipe: show what arrived before waiting for more
        const std::size_t drop = r.consumed();
        const std::size_t before = in.size() - drop;
        if (!in.more(drop)) return false;
        stream_size += in.size() - before;
        r.resume(in.bytes(), drop);
        return true;
    };
    while (true) {
        if (r.done() && !r.incomplete()) {
            if (!r.problem().empty() || !refill()) break; // a bad record, or the end of the input
            continue;
        }
        const result<PcapRecord> rec = r.next();
        if (!rec) {
            // NotFound: the bytes so far held blocks but no packet (a pcapng
            // header); incomplete: a record's end is still to come.
            if (rec.error() == Error::NotFound && !r.incomplete()) {
                if (refill()) continue;
                break;
            }
            if (r.incomplete() && refill()) continue;
            d.record_problem(r.count() + 1, rec.error(), rec.offset(),
                             std::string(r.problem()) + " (record starts at file offset " +
                                 std::to_string(r.position()) + ", file is " + std::to_string(stream_size) +
                                 " bytes)");
            break;
        }
        Source src;
        src.number = rec->number;
        src.record = &*rec;
        src.nanosecond = r.nanosecond();
        src.pcapng = r.format() == CaptureReader::Format::Pcapng;
        const result<PcapIpPayload> ip = r.ip_payload(*rec);
        if (!ip) {
            d.link_problem(src, ip.error(), ip.offset(), rec->link_type);
            continue;
        }
        src.base = rec->data_offset() + ip->offset;
        if (!settings.emit_corpus.empty() && !emit_corpus_file(settings, rec->number, ip->packet)) {
            return io_error(errno);
        }
        d.ip_packet(src, ip->packet);
    }
    if (in.failed()) return io_error(in.error());
    return d.status();
}

// Hex digits of one line: tokens split on whitespace, ':' and ','; each may
// start with 0x. Returns false with the column (1-based) and reason.
bool parse_hex_line(std::string_view line, std::vector<std::uint8_t>& out, std::size_t& column, std::string& why) {
    out.clear();
    std::size_t i = 0;
    auto is_sep = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == ':' || c == ',' || c == '\v'; };
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    while (i < line.size()) {
        if (is_sep(line[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        if (line.size() - i >= 2 && line[i] == '0' && (line[i + 1] == 'x' || line[i + 1] == 'X')) i += 2;
        const std::size_t digits_at = i;
        while (i < line.size() && !is_sep(line[i])) {
            if (digit(line[i]) < 0) {
                column = i + 1;
                why = std::string("not a hex digit: '") + line[i] + "'";
                return false;
            }
            ++i;
        }
        const std::size_t n = i - digits_at;
        if (n == 0 || n % 2 != 0) {
            column = start + 1;
            why = n == 0 ? "0x without digits" : "odd number of hex digits in '" +
                                                     std::string(line.substr(start, i - start)) + "'";
            return false;
        }
        for (std::size_t k = digits_at; k < i; k += 2) {
            out.push_back(static_cast<std::uint8_t>(digit(line[k]) * 16 + digit(line[k + 1])));
        }
    }
    return true;
}

int run_hex(const Settings& settings, Decoder& d) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (!settings.path.empty() && settings.path != "-") {
        file.open(settings.path);
        if (!file) {
            std::cerr << "synack-decode: cannot read " << settings.path << ": " << std::strerror(errno) << '\n';
            return exit_usage;
        }
        in = &file;
    }
    std::string line;
    std::uint64_t line_number = 0;
    std::uint64_t packets = 0;
    std::vector<std::uint8_t> bytes;
    while (std::getline(*in, line)) {
        ++line_number;
        std::string_view text = line;
        if (const std::size_t hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
        if (text.find_first_not_of(" \t\r\v:,") == std::string_view::npos) continue;
        Source src;
        src.number = ++packets;
        src.line = line_number;
        std::size_t column = 0;
        std::string why;
        if (!parse_hex_line(text, bytes, column, why)) {
            d.bad_hex(src, column, why);
            continue;
        }
        const unsigned version = bytes[0] >> 4U;
        if (settings.bare_tcp || (version != 4 && version != 6)) {
            d.bare_tcp(src, bytes);
        } else {
            d.ip_packet(src, bytes);
        }
    }
    if (in->bad()) {
        std::cerr << "synack-decode: read error\n";
        return exit_usage;
    }
    return d.status();
}

} // namespace

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);
    Settings settings;
    bool have_path = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--json") {
            settings.json = true;
        } else if (a == "--time") {
            settings.time = true;
        } else if (a == "--hex") {
            settings.hex = true;
        } else if (a == "--tcp") {
            settings.bare_tcp = true;
        } else if (a == "--summary") {
            settings.summary = true;
        } else if (a == "--ladder") {
            settings.ladder = true;
        } else if (a == "--emit-corpus") {
            if (i + 1 >= argc) {
                std::cerr << "synack-decode: --emit-corpus needs a directory\n" << usage_text;
                return exit_usage;
            }
            settings.emit_corpus = argv[++i];
        } else if (a == "-h" || a == "--help") {
            std::cout << usage_text;
            return exit_ok;
        } else if (a.size() > 1 && a[0] == '-') {
            std::cerr << "synack-decode: unknown option " << a << "\n" << usage_text;
            return exit_usage;
        } else if (have_path) {
            std::cerr << "synack-decode: one input only\n" << usage_text;
            return exit_usage;
        } else {
            settings.path = std::string(a);
            have_path = true;
        }
    }
    if (settings.bare_tcp && !settings.hex) {
        std::cerr << "synack-decode: --tcp needs --hex\n" << usage_text;
        return exit_usage;
    }
    if (!settings.hex && !have_path) {
        std::cerr << "synack-decode: no input (a pcap file, or - for stdin)\n" << usage_text;
        return exit_usage;
    }
    if (!settings.emit_corpus.empty() && settings.hex) {
        std::cerr << "synack-decode: --emit-corpus reads captures, not --hex\n" << usage_text;
        return exit_usage;
    }
    Decoder d(settings);
    const int status = settings.hex ? run_hex(settings, d) : run_capture(settings, d);
    if (settings.summary) {
        std::cout << '\n';
        d.print_summary(std::cout);
    }
    if (settings.ladder) d.print_ladders(std::cout);
    std::cout.flush();
    if (!std::cout) {
        std::cerr << "synack-decode: write error\n";
        return exit_usage;
    }
    return status;
}
