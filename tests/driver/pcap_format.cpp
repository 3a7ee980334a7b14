// tests/driver/pcap_format.cpp — the classic pcap format: the reference
// captures read record by record, every error with its exact offset, both
// byte orders and timestamp resolutions, link-layer unwrapping (Ethernet,
// VLAN, cooked v1/v2, raw IP) and writer -> reader round trips.
#include "synack_test.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "synack/driver/pcap_format.hpp"

using namespace synack;

namespace {

using ByteVec = std::vector<std::uint8_t>;

ByteVec read_file(const std::string& name) {
    std::ifstream in(std::string(SYNACK_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    REQUIRE(in.good());
    return ByteVec(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void put_le32(ByteVec& v, std::uint32_t x) {
    for (unsigned i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8U * i)));
}
void put_be32(ByteVec& v, std::uint32_t x) {
    for (unsigned i = 4; i-- > 0;) v.push_back(static_cast<std::uint8_t>(x >> (8U * i)));
}
void put_le16(ByteVec& v, std::uint16_t x) {
    v.push_back(static_cast<std::uint8_t>(x));
    v.push_back(static_cast<std::uint8_t>(x >> 8U));
}
void put_be16(ByteVec& v, std::uint16_t x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8U));
    v.push_back(static_cast<std::uint8_t>(x));
}
void append(ByteVec& v, std::initializer_list<std::uint8_t> bytes) { v.insert(v.end(), bytes); }
void append(ByteVec& v, Bytes bytes) { v.insert(v.end(), bytes.begin(), bytes.end()); }

// A little-endian global header written byte by byte (not with the encoder).
ByteVec le_file(std::uint32_t link, std::uint32_t snaplen = 262144, std::uint32_t magic = pcap_magic_micro) {
    ByteVec v;
    put_le32(v, magic);
    put_le16(v, 2);
    put_le16(v, 4);
    put_le32(v, 0);
    put_le32(v, 0);
    put_le32(v, snaplen);
    put_le32(v, link);
    return v;
}

void le_record(ByteVec& v, std::uint32_t sec, std::uint32_t frac, Bytes data) {
    put_le32(v, sec);
    put_le32(v, frac);
    put_le32(v, static_cast<std::uint32_t>(data.size()));
    put_le32(v, static_cast<std::uint32_t>(data.size()));
    append(v, data);
}

// A minimal IPv4/TCP SYN (no options), 40 bytes, 198.18.0.1:40000 -> .2:5000.
constexpr std::array<std::uint8_t, 40> ipv4_syn = {
    0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc6, 0x12,
    0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x13, 0x88, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00};

// The first 8 bytes of an IPv6 header are enough for the link layer.
constexpr std::array<std::uint8_t, 8> ipv6_start = {0x60, 0x0f, 0xbb, 0xd0, 0x00, 0x28, 0x06, 0x40};

const ByteVec mac_pair = {0x92, 0x87, 0x38, 0x62, 0xeb, 0xca, 0xe6, 0x4c, 0xc4, 0x77, 0x81, 0x4b};

ByteVec ethernet(std::initializer_list<std::uint16_t> types, Bytes payload) {
    ByteVec f = mac_pair;
    bool first = true;
    for (std::uint16_t t : types) {
        if (!first) put_be16(f, 0x0064); // TCI: priority 0, VLAN 100
        put_be16(f, t);
        first = false;
    }
    append(f, payload);
    return f;
}

struct Capture {
    const char* name;
    std::uint32_t records;
    std::uint32_t first_sec, first_usec, last_sec, last_usec;
    std::uint16_t ethertype;
    std::vector<std::uint32_t> frame_lengths; // tcpdump -e "length N"
};

} // namespace

TEST_CASE("pcap: the reference captures read record by record", "[pcap]") {
    const std::vector<Capture> captures = {
        {"a_ipv4_default.pcap", 10, 1795545935, 272815, 1795545935, 273388, 0x0800,
         {74, 74, 66, 90, 66, 66, 82, 66, 66, 66}},
        {"b_ipv4_timestamps_off.pcap", 10, 1795545936, 709567, 1795545936, 710071, 0x0800,
         {66, 66, 54, 78, 54, 54, 70, 54, 54, 54}},
        {"c_ipv4_nosack_nowscale.pcap", 10, 1795545938, 168652, 1795545938, 169182, 0x0800,
         {70, 70, 66, 90, 66, 66, 82, 66, 66, 66}},
        {"d_ipv6_default.pcap", 10, 1795545939, 508877, 1795545939, 509476, 0x86DD,
         {94, 94, 86, 110, 86, 86, 102, 86, 86, 86}},
        {"e_ipv4_closed_port.pcap", 2, 1795545940, 788261, 1795545940, 788311, 0x0800, {74, 54}},
        // 14 segments (tcpdump -r counts them): 20000 bytes go out as three
        // jumbo segments, each acknowledged.
        {"f_ipv4_mtu9000.pcap", 14, 1795545942, 242205, 1795545942, 242925, 0x0800,
         {74, 74, 66, 9014, 66, 9014, 66, 2170, 66, 66, 82, 66, 66, 66}},
    };
    for (const Capture& c : captures) {
        INFO(c.name);
        const ByteVec file = read_file(c.name);
        result<PcapReader> r = PcapReader::open(file);
        REQUIRE(r.ok());
        const PcapGlobalHeader& h = r->header();
        CHECK_FALSE(h.big_endian);
        CHECK_FALSE(h.nanosecond);
        CHECK(h.version_major == 2);
        CHECK(h.version_minor == 4);
        CHECK(h.snaplen == 262144);
        CHECK(r->link_type() == static_cast<std::uint16_t>(PcapLinkType::Ethernet));
        CHECK(h.fcs_length() == 0);

        std::vector<PcapRecord> records;
        Time previous{};
        std::size_t expected_offset = pcap_global_header_size;
        while (!r->done()) {
            result<PcapRecord> rec = r->next();
            REQUIRE(rec.ok());
            CHECK(rec->number == records.size() + 1);
            CHECK(rec->offset == expected_offset);
            CHECK(rec->data_offset() == expected_offset + 16);
            CHECK(rec->header.incl_len == rec->header.orig_len);
            CHECK_FALSE(rec->snapped());
            CHECK(rec->data.size() == rec->header.incl_len);
            CHECK(rec->timestamp >= previous);
            previous = rec->timestamp;
            expected_offset += 16 + rec->data.size();

            const result<PcapIpPayload> ip = r->ip_payload(*rec);
            REQUIRE(ip.ok());
            CHECK(ip->offset == 14);
            CHECK(ip->ethertype == c.ethertype);
            CHECK(ip->packet.size() == rec->data.size() - 14);
            CHECK((ip->packet[0] >> 4U) == (c.ethertype == 0x0800 ? 4U : 6U));
            records.push_back(*rec);
        }
        CHECK(expected_offset == file.size());
        CHECK(r->count() == c.records);
        CHECK(r->problem().empty());
        REQUIRE(records.size() == c.records);
        for (std::size_t i = 0; i < records.size(); ++i) CHECK(records[i].data.size() == c.frame_lengths[i]);

        CHECK(records.front().header.ts_sec == c.first_sec);
        CHECK(records.front().header.ts_frac == c.first_usec);
        CHECK(records.back().header.ts_sec == c.last_sec);
        CHECK(records.back().header.ts_frac == c.last_usec);
        CHECK(records.front().timestamp.ns ==
              std::int64_t{c.first_sec} * 1000000000 + std::int64_t{c.first_usec} * 1000);

        // A clean end: next() says NotFound at the end of the file.
        const result<PcapRecord> after = r->next();
        CHECK(after.error() == Error::NotFound);
        CHECK(after.offset() == file.size());

        // The range form yields the same records, and no error.
        const result<PcapReader> again = PcapReader::open(file);
        REQUIRE(again.ok());
        std::size_t n = 0;
        for (const result<PcapRecord>& rec : *again) {
            REQUIRE(rec.ok());
            CHECK(rec->offset == records[n].offset);
            CHECK(rec->data.data() == records[n].data.data());
            ++n;
        }
        CHECK(n == c.records);
    }
}

TEST_CASE("pcap: global header errors", "[pcap]") {
    SECTION("bad magic") {
        ByteVec f = le_file(1);
        f[0] = 0x00;
        const result<PcapReader> r = PcapReader::open(f);
        CHECK(r.error() == Error::PcapBadMagic);
        CHECK(r.offset() == 0);
    }
    SECTION("pcapng is not classic pcap") {
        ByteVec f = {0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0x00, 0x00, 0x00, 0x4d, 0x3c, 0x2b, 0x1a};
        f.resize(28, 0);
        const result<PcapReader> r = PcapReader::open(f);
        CHECK(r.error() == Error::PcapBadMagic);
        CHECK(r.offset() == 0);
    }
    SECTION("modified (Kuznetzov) pcap magic is not accepted") {
        ByteVec f = le_file(1, 262144, 0xa1b2cd34);
        CHECK(PcapReader::open(f).error() == Error::PcapBadMagic);
    }
    SECTION("empty file") {
        const ByteVec f;
        const result<PcapReader> r = PcapReader::open(f);
        CHECK(r.error() == Error::PcapTruncated);
        CHECK(r.offset() == 0);
    }
    SECTION("truncated global header, offset = bytes present") {
        const ByteVec full = le_file(1);
        for (std::size_t n = 1; n < pcap_global_header_size; ++n) {
            INFO(n);
            const result<PcapReader> r = PcapReader::open(Bytes(full.data(), n));
            CHECK(r.error() == Error::PcapTruncated); // with or without the whole magic
            CHECK(r.offset() == n);
        }
    }
    SECTION("a header and no records is an empty capture") {
        const ByteVec f = le_file(1);
        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        CHECK(r->done());
        CHECK(r->next().error() == Error::NotFound);
        CHECK(r->begin() == r->end());
    }
}

TEST_CASE("pcap: record errors stop the reader with the exact offset", "[pcap]") {
    const std::array<std::uint8_t, 60> frame{};

    SECTION("truncated record header: offset = end of file") {
        ByteVec f = le_file(1);
        le_record(f, 1, 2, frame); // record 1 at 24, 76 bytes
        append(f, {1, 2, 3, 4, 5, 6, 7, 8}); // 8 of 16 header bytes
        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        REQUIRE(r->next().ok());
        CHECK_FALSE(r->done());
        CHECK(r->position() == 100);
        const result<PcapRecord> bad = r->next();
        CHECK(bad.error() == Error::PcapTruncated);
        CHECK(bad.offset() == 108);
        CHECK(r->problem() == "record header truncated");
        CHECK(r->done());
        CHECK(r->position() == 100); // where the bad record starts
        CHECK(r->count() == 1);
        // Once failed, always failed.
        CHECK(r->next().error() == Error::PcapTruncated);
    }
    SECTION("incl_len past the end of the file: offset = the incl_len field") {
        ByteVec f = le_file(1);
        le_record(f, 1, 2, frame);
        const std::size_t second = f.size();
        le_record(f, 1, 3, frame);
        f.pop_back(); // the last data byte is missing
        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        REQUIRE(r->next().ok());
        const result<PcapRecord> bad = r->next();
        CHECK(bad.error() == Error::PcapTruncated);
        CHECK(bad.offset() == second + 8);
        CHECK(r->problem() == "record data runs past end of file");
        CHECK(r->done());
    }
    SECTION("incl_len over snaplen") {
        ByteVec f = le_file(1, 59);
        le_record(f, 1, 2, frame);
        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        const result<PcapRecord> bad = r->next();
        CHECK(bad.error() == Error::PcapBadRecordLength);
        CHECK(bad.offset() == 24 + 8);
        CHECK(r->problem() == "incl_len over snaplen");
    }
    SECTION("incl_len equal to snaplen is fine; snaplen 0 means unknown") {
        ByteVec f = le_file(1, 60);
        le_record(f, 1, 2, frame);
        CHECK(PcapReader::open(f)->next().ok());
        ByteVec g = le_file(1, 0);
        le_record(g, 1, 2, frame);
        CHECK(PcapReader::open(g)->next().ok());
    }
    SECTION("incl_len over 256 KiB, even with a larger snaplen") {
        ByteVec f = le_file(1, 0xFFFFFFFF);
        put_le32(f, 1);
        put_le32(f, 2);
        put_le32(f, 262145);
        put_le32(f, 262145);
        f.resize(f.size() + 262145, 0);
        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        const result<PcapRecord> bad = r->next();
        CHECK(bad.error() == Error::PcapBadRecordLength);
        CHECK(bad.offset() == 32);
        CHECK(r->problem() == "incl_len over 256 KiB");
    }
    SECTION("the range yields the records, then the error, then stops") {
        ByteVec f = le_file(1);
        le_record(f, 1, 2, frame);
        le_record(f, 1, 3, frame);
        append(f, {0xAA});
        const result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        std::vector<Failure> seen;
        for (const result<PcapRecord>& rec : *r) seen.push_back(rec.failure());
        REQUIRE(seen.size() == 3);
        CHECK(seen[0].error == Error::None);
        CHECK(seen[1].error == Error::None);
        CHECK(seen[2] == Failure{Error::PcapTruncated, static_cast<std::uint32_t>(f.size())});
    }
    SECTION("a snapped record (incl_len < orig_len) is read as such") {
        ByteVec f = le_file(1, 54);
        put_le32(f, 1);
        put_le32(f, 2);
        put_le32(f, 54);
        put_le32(f, 1514);
        f.resize(f.size() + 54, 0);
        result<PcapReader> r = PcapReader::open(f);
        const result<PcapRecord> rec = r->next();
        REQUIRE(rec.ok());
        CHECK(rec->snapped());
        CHECK(rec->data.size() == 54);
    }
}

TEST_CASE("pcap: link types and their errors", "[pcap]") {
    const Bytes syn(ipv4_syn);

    SECTION("unsupported link type: the file reads, the frame does not unwrap") {
        ByteVec f = le_file(105); // IEEE 802.11
        le_record(f, 1, 2, syn);
        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        CHECK(r->link_type() == 105);
        CHECK_FALSE(pcap_link_type_supported(105));
        const result<PcapRecord> rec = r->next();
        REQUIRE(rec.ok());
        const result<PcapIpPayload> ip = r->ip_payload(*rec);
        CHECK(ip.error() == Error::PcapUnsupportedLinkType);
        CHECK(ip.offset() == 0);
        CHECK(pcap_ip_payload(0, syn).error() == Error::PcapUnsupportedLinkType); // BSD loopback
    }
    SECTION("Ethernet, IPv4 and IPv6") {
        const ByteVec v4 = ethernet({0x0800}, syn);
        const result<PcapIpPayload> a = pcap_ip_payload(1, v4);
        REQUIRE(a.ok());
        CHECK(a->offset == 14);
        CHECK(a->ethertype == ethertype_ipv4);
        CHECK(a->packet.data() == v4.data() + 14);
        CHECK(a->packet.size() == 40);
        const ByteVec v6 = ethernet({0x86DD}, ipv6_start);
        const result<PcapIpPayload> b = pcap_ip_payload(1, v6);
        REQUIRE(b.ok());
        CHECK(b->ethertype == ethertype_ipv6);
        CHECK(b->packet.size() == 8);
    }
    SECTION("Ethernet padding stays after the IP packet") {
        ByteVec padded = ethernet({0x0800}, syn);
        padded.resize(60, 0);
        const result<PcapIpPayload> a = pcap_ip_payload(1, padded);
        REQUIRE(a.ok());
        CHECK(a->packet.size() == 46);
    }
    SECTION("non-IP ethertype: NotTcp at the type field") {
        const ByteVec arp = ethernet({0x0806}, syn);
        const result<PcapIpPayload> a = pcap_ip_payload(1, arp);
        CHECK(a.error() == Error::NotTcp);
        CHECK(a.offset() == 12);
        const ByteVec llc = ethernet({0x0040}, syn); // 802.3 length field
        CHECK(pcap_ip_payload(1, llc).failure() == Failure{Error::NotTcp, 12});
    }
    SECTION("Ethernet frame shorter than 14 bytes") {
        const ByteVec f = ethernet({0x0800}, {});
        CHECK(pcap_ip_payload(1, Bytes(f.data(), 13)).failure() == Failure{Error::PcapTruncated, 13});
        CHECK(pcap_ip_payload(1, Bytes()).failure() == Failure{Error::PcapTruncated, 0});
        // 14 bytes and no IP packet: unwraps to an empty packet (the IP
        // parser reports it).
        const result<PcapIpPayload> e = pcap_ip_payload(1, f);
        REQUIRE(e.ok());
        CHECK(e->packet.empty());
    }
    SECTION("802.1Q and 802.1ad tags") {
        const ByteVec one = ethernet({0x8100, 0x0800}, syn);
        const result<PcapIpPayload> a = pcap_ip_payload(1, one);
        REQUIRE(a.ok());
        CHECK(a->offset == 18);
        CHECK(a->ethertype == ethertype_ipv4);
        CHECK(a->packet.size() == 40);
        CHECK(a->packet[0] == 0x45);

        const ByteVec two = ethernet({0x88A8, 0x8100, 0x86DD}, ipv6_start);
        const result<PcapIpPayload> b = pcap_ip_payload(1, two);
        REQUIRE(b.ok());
        CHECK(b->offset == 22);
        CHECK(b->ethertype == ethertype_ipv6);
        CHECK(b->packet[0] == 0x60);

        const ByteVec old_qinq = ethernet({0x9100, 0x8100, 0x0800}, syn);
        CHECK(pcap_ip_payload(1, old_qinq)->offset == 22);

        // A VLAN-tagged ARP frame: the type after the tag is the one reported.
        const ByteVec arp = ethernet({0x8100, 0x0806}, syn);
        CHECK(pcap_ip_payload(1, arp).failure() == Failure{Error::NotTcp, 16});
        // A third tag is not followed.
        const ByteVec three = ethernet({0x88A8, 0x8100, 0x8100, 0x0800}, syn);
        CHECK(pcap_ip_payload(1, three).failure() == Failure{Error::NotTcp, 20});
        // A tag cut short.
        CHECK(pcap_ip_payload(1, Bytes(one.data(), 17)).failure() == Failure{Error::PcapTruncated, 17});
    }
    SECTION("Linux cooked capture v1 (113): 16-byte header, protocol at 14") {
        ByteVec f;
        put_be16(f, 0);      // packet type: to us
        put_be16(f, 1);      // ARPHRD_ETHER
        put_be16(f, 6);      // address length
        append(f, {0x92, 0x87, 0x38, 0x62, 0xeb, 0xca, 0x00, 0x00});
        put_be16(f, 0x0800); // protocol
        append(f, syn);
        const result<PcapIpPayload> a = pcap_ip_payload(113, f);
        REQUIRE(a.ok());
        CHECK(a->offset == 16);
        CHECK(a->ethertype == ethertype_ipv4);
        CHECK(a->packet.size() == 40);

        f[14] = 0x86;
        f[15] = 0xDD;
        CHECK(pcap_ip_payload(113, f)->ethertype == ethertype_ipv6);
        f[14] = 0x08;
        f[15] = 0x06;
        CHECK(pcap_ip_payload(113, f).failure() == Failure{Error::NotTcp, 14});
        CHECK(pcap_ip_payload(113, Bytes(f.data(), 15)).failure() == Failure{Error::PcapTruncated, 15});

        // A VLAN tag after the cooked header.
        ByteVec t(f.begin(), f.begin() + 14);
        put_be16(t, 0x8100);
        put_be16(t, 0x0064);
        put_be16(t, 0x0800);
        append(t, syn);
        const result<PcapIpPayload> v = pcap_ip_payload(113, t);
        REQUIRE(v.ok());
        CHECK(v->offset == 20);
    }
    SECTION("Linux cooked capture v2 (276): 20-byte header, protocol at 0") {
        ByteVec f;
        put_be16(f, 0x86DD); // protocol
        put_be16(f, 0);      // reserved
        put_be32(f, 3);      // interface index
        put_be16(f, 1);      // ARPHRD_ETHER
        f.push_back(4);      // packet type: outgoing
        f.push_back(6);      // address length
        append(f, {0x92, 0x87, 0x38, 0x62, 0xeb, 0xca, 0x00, 0x00});
        REQUIRE(f.size() == 20);
        append(f, ipv6_start);
        const result<PcapIpPayload> a = pcap_ip_payload(276, f);
        REQUIRE(a.ok());
        CHECK(a->offset == 20);
        CHECK(a->ethertype == ethertype_ipv6);
        CHECK(a->packet.size() == 8);
        f[0] = 0x88;
        f[1] = 0xCC; // LLDP
        CHECK(pcap_ip_payload(276, f).failure() == Failure{Error::NotTcp, 0});
        CHECK(pcap_ip_payload(276, Bytes(f.data(), 19)).failure() == Failure{Error::PcapTruncated, 19});
    }
    SECTION("raw IP: 101 by version nibble, 228 IPv4, 229 IPv6") {
        const result<PcapIpPayload> a = pcap_ip_payload(101, syn);
        REQUIRE(a.ok());
        CHECK(a->offset == 0);
        CHECK(a->ethertype == ethertype_ipv4);
        CHECK(a->packet.size() == 40);
        CHECK(pcap_ip_payload(101, ipv6_start)->ethertype == ethertype_ipv6);
        const std::array<std::uint8_t, 4> junk = {0x20, 0, 0, 0};
        const result<PcapIpPayload> j = pcap_ip_payload(101, junk); // the IP parser will reject it
        REQUIRE(j.ok());
        CHECK(j->ethertype == 0);
        CHECK(pcap_ip_payload(228, syn)->ethertype == ethertype_ipv4);
        CHECK(pcap_ip_payload(229, ipv6_start)->ethertype == ethertype_ipv6);
        CHECK(pcap_ip_payload(101, Bytes()).failure() == Failure{Error::PcapTruncated, 0});
        CHECK(pcap_ip_payload(228, Bytes()).failure() == Failure{Error::PcapTruncated, 0});
        CHECK(pcap_ip_payload(229, Bytes()).failure() == Failure{Error::PcapTruncated, 0});
    }
    SECTION("names") {
        CHECK(pcap_link_type_name(1) == "EN10MB");
        CHECK(pcap_link_type_name(276) == "LINUX_SLL2");
        CHECK(pcap_link_type_name(2) == "unsupported");
        for (const std::uint16_t t : std::initializer_list<std::uint16_t>{1, 101, 113, 228, 229, 276}) CHECK(pcap_link_type_supported(t));
    }
}

TEST_CASE("pcap: big-endian files and nanosecond timestamps", "[pcap]") {
    SECTION("a big-endian nanosecond file written byte by byte") {
        ByteVec f;
        put_be32(f, pcap_magic_nano);
        put_be16(f, 2);
        put_be16(f, 4);
        put_be32(f, 0);
        put_be32(f, 0);
        put_be32(f, 65535);
        put_be32(f, 101);
        put_be32(f, 1700000000);
        put_be32(f, 123456789);
        put_be32(f, 40);
        put_be32(f, 1500);
        append(f, ipv4_syn);
        REQUIRE(f[0] == 0xa1);
        REQUIRE(f[3] == 0x4d);

        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        CHECK(r->header().big_endian);
        CHECK(r->header().nanosecond);
        CHECK(r->header().snaplen == 65535);
        CHECK(r->link_type() == 101);
        const result<PcapRecord> rec = r->next();
        REQUIRE(rec.ok());
        CHECK(rec->header == PcapRecordHeader{1700000000, 123456789, 40, 1500});
        CHECK(rec->timestamp.ns == 1700000000123456789);
        CHECK(rec->snapped());
        CHECK(r->ip_payload(*rec)->packet.size() == 40);
        CHECK(r->done());
    }
    SECTION("little-endian nanosecond magic") {
        ByteVec f = le_file(1, 262144, pcap_magic_nano);
        REQUIRE(f[0] == 0x4d);
        const std::array<std::uint8_t, 60> frame{};
        le_record(f, 10, 999999999, frame);
        result<PcapReader> r = PcapReader::open(f);
        REQUIRE(r.ok());
        CHECK_FALSE(r->header().big_endian);
        CHECK(r->header().nanosecond);
        CHECK(r->next()->timestamp.ns == 10999999999);
    }
    SECTION("a big-endian microsecond file: the same records as the little-endian original") {
        const ByteVec le = read_file("a_ipv4_default.pcap");
        result<PcapReader> src = PcapReader::open(le);
        REQUIRE(src.ok());
        // Swap every header field by hand; the data is copied as it is.
        ByteVec be;
        for (std::size_t i = 0; i < 24; i += 4) {
            if (i == 4) { // two 16-bit version fields
                append(be, {le[5], le[4], le[7], le[6]});
            } else {
                append(be, {le[i + 3], le[i + 2], le[i + 1], le[i]});
            }
        }
        std::vector<PcapRecord> originals;
        while (!src->done()) {
            const result<PcapRecord> rec = src->next();
            REQUIRE(rec.ok());
            for (std::size_t i = 0; i < 16; i += 4) {
                const std::size_t at = rec->offset + i;
                append(be, {le[at + 3], le[at + 2], le[at + 1], le[at]});
            }
            append(be, rec->data);
            originals.push_back(*rec);
        }
        REQUIRE(be.size() == le.size());
        CHECK(be[0] == 0xa1);

        result<PcapReader> r = PcapReader::open(be);
        REQUIRE(r.ok());
        CHECK(r->header().big_endian);
        CHECK_FALSE(r->header().nanosecond);
        CHECK(r->link_type() == 1);
        CHECK(r->header().snaplen == 262144);
        std::size_t n = 0;
        for (const result<PcapRecord>& rec : *r) {
            REQUIRE(rec.ok());
            REQUIRE(n < originals.size());
            CHECK(rec->header == originals[n].header);
            CHECK(rec->timestamp == originals[n].timestamp);
            CHECK(std::equal(rec->data.begin(), rec->data.end(), originals[n].data.begin(),
                             originals[n].data.end()));
            ++n;
        }
        CHECK(n == 10);
    }
}

TEST_CASE("pcap: FCS length bits of the link-type field", "[pcap]") {
    // Bit 26 (F) set, FCS length 2 (16-bit words) in bits 28-31: 4 bytes.
    const ByteVec f = le_file(0x24000001);
    const result<PcapReader> r = PcapReader::open(f);
    REQUIRE(r.ok());
    CHECK(r->link_type() == 1);
    CHECK(r->header().fcs_length() == 4);
    std::array<std::uint8_t, 24> out{};
    REQUIRE(r->header().encode(out).ok());
    CHECK(std::equal(out.begin(), out.end(), f.begin()));
}

TEST_CASE("pcap: writer -> reader round trip", "[pcap]") {
    SECTION("the writer's header bytes") {
        std::array<std::uint8_t, 24> g{};
        const result<std::size_t> n = write_pcap_global_header(g);
        REQUIRE(n.ok());
        CHECK(*n == 24);
        const std::array<std::uint8_t, 24> expected = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                                       0,    0,    0,    0,    0, 0, 4, 0, 101, 0, 0, 0};
        CHECK(g == expected);

        std::array<std::uint8_t, 16> rh{};
        REQUIRE(write_pcap_record_header(rh, Time::from_ns(1795545935272815999), 40, 60).ok());
        const std::array<std::uint8_t, 16> rexp = {0x4f, 0xdb, 0x05, 0x6b, 0xaf, 0x29, 0x04, 0x00,
                                                   40,   0,    0,    0,    60,   0,    0,    0};
        CHECK(rh == rexp); // 1795545935 s, 272815 µs (the 999 ns are below µs)
    }
    SECTION("buffers too small") {
        std::array<std::uint8_t, 23> g{};
        CHECK(write_pcap_global_header(g).error() == Error::BufferTooSmall);
        std::array<std::uint8_t, 15> rh{};
        CHECK(write_pcap_record_header(rh, Time{}, 0, 0).error() == Error::BufferTooSmall);
    }
    SECTION("negative times are written as 0") {
        std::array<std::uint8_t, 16> rh{};
        REQUIRE(write_pcap_record_header(rh, Time::from_ns(-5), 0, 0).ok());
        CHECK(rh == std::array<std::uint8_t, 16>{});
    }
    SECTION("records written with the encoders read back unchanged") {
        ByteVec file(24);
        REQUIRE(write_pcap_global_header(file, 65535).ok());
        const std::vector<std::int64_t> times = {0, 1, 999, 1000, 1500000000, 1795545935272815000};
        for (std::size_t i = 0; i < times.size(); ++i) {
            std::array<std::uint8_t, 16> rh{};
            const auto incl = static_cast<std::uint32_t>(i % 2 == 0 ? 40 : 8);
            REQUIRE(write_pcap_record_header(rh, Time::from_ns(times[i]), incl, 40).ok());
            append(file, rh);
            append(file, Bytes(ipv4_syn).first(incl));
        }
        result<PcapReader> r = PcapReader::open(file);
        REQUIRE(r.ok());
        CHECK(r->link_type() == static_cast<std::uint16_t>(PcapLinkType::Raw));
        CHECK(r->header().snaplen == 65535);
        std::size_t n = 0;
        for (const result<PcapRecord>& rec : *r) {
            REQUIRE(rec.ok());
            CHECK(rec->timestamp.ns == times[n] / 1000 * 1000); // µs resolution
            CHECK(rec->header.orig_len == 40);
            CHECK(rec->snapped() == (n % 2 == 1));
            const result<PcapIpPayload> ip = r->ip_payload(*rec);
            REQUIRE(ip.ok());
            CHECK(ip->ethertype == ethertype_ipv4);
            CHECK(std::equal(ip->packet.begin(), ip->packet.end(), ipv4_syn.begin()));
            ++n;
        }
        CHECK(n == times.size());
    }
    SECTION("every global header field survives encode -> decode in both byte orders") {
        for (bool big : {false, true}) {
            for (bool nano : {false, true}) {
                PcapGlobalHeader h;
                h.big_endian = big;
                h.nanosecond = nano;
                h.version_minor = 3;
                h.thiszone = -3600;
                h.sigfigs = 7;
                h.snaplen = 9000;
                h.link_type = 276;
                h.link_type_high = 0x1400;
                std::array<std::uint8_t, 24> out{};
                REQUIRE(h.encode(out).ok());
                const result<PcapGlobalHeader> d = PcapGlobalHeader::decode(out);
                REQUIRE(d.ok());
                CHECK(*d == h);
                PcapRecordHeader rh{1, 2, 3, 4};
                std::array<std::uint8_t, 16> ro{};
                REQUIRE(rh.encode(ro, big).ok());
                CHECK(PcapRecordHeader::decode(ro, 0, big) == rh);
            }
        }
    }
}

namespace {

// The whole path in a constant expression: write a file, read it back.
constexpr bool constexpr_round_trip() {
    std::array<std::uint8_t, 24 + 16 + 40 + 16 + 4> file{};
    MutableBytes out(file);
    if (!write_pcap_global_header(out)) return false;
    if (!write_pcap_record_header(out.subspan(24), Time::from_ns(2'000'000'123'000), 40, 40)) return false;
    copy_bytes(out, 40, ipv4_syn);
    if (!write_pcap_record_header(out.subspan(80), Time::from_ns(3'000'000'000), 4, 60)) return false;
    result<PcapReader> r = PcapReader::open(file);
    if (!r) return false;
    result<PcapRecord> a = r->next();
    if (!a || a->timestamp.ns != 2'000'000'123'000 || a->data.size() != 40) return false;
    const result<PcapIpPayload> ip = r->ip_payload(*a);
    if (!ip || ip->ethertype != ethertype_ipv4 || ip->packet[9] != 6) return false;
    result<PcapRecord> b = r->next();
    if (!b || !b->snapped() || b->header.ts_sec != 3) return false;
    return r->done() && r->count() == 2;
}

constexpr bool constexpr_errors() {
    std::array<std::uint8_t, 30> file{};
    if (!write_pcap_global_header(file)) return false;
    file[24] = 1; // 6 bytes of a record header
    result<PcapReader> r = PcapReader::open(file);
    if (!r) return false;
    const result<PcapRecord> bad = r->next();
    return bad.failure() == Failure{Error::PcapTruncated, 30} &&
           PcapReader::open(Bytes(file).first(10)).failure() == Failure{Error::PcapTruncated, 10};
}

} // namespace

TEST_CASE("pcap: reading and writing in constant expressions", "[pcap]") {
    STATIC_REQUIRE(constexpr_round_trip());
    STATIC_REQUIRE(constexpr_errors());
}

// ------------------------------------------------------------------ pcapng

namespace {

// Blocks written byte by byte (not with the encoders), little-endian.
void le_block(ByteVec& f, std::uint32_t type, const ByteVec& body) {
    const auto len = static_cast<std::uint32_t>(12 + ((body.size() + 3) & ~std::size_t{3}));
    put_le32(f, type);
    put_le32(f, len);
    append(f, body);
    while ((f.size() % 4) != 0) f.push_back(0);
    put_le32(f, len);
}
ByteVec le_shb() {
    ByteVec b;
    put_le32(b, 0x1A2B3C4D);
    put_le16(b, 1);
    put_le16(b, 0);
    put_le32(b, 0xFFFFFFFF);
    put_le32(b, 0xFFFFFFFF);
    return b;
}
ByteVec le_idb(std::uint16_t link, std::uint32_t snaplen, std::initializer_list<std::uint8_t> options = {}) {
    ByteVec b;
    put_le16(b, link);
    put_le16(b, 0);
    put_le32(b, snaplen);
    append(b, options);
    return b;
}
ByteVec le_epb(std::uint32_t id, std::uint64_t ts, Bytes data, std::uint32_t orig) {
    ByteVec b;
    put_le32(b, id);
    put_le32(b, static_cast<std::uint32_t>(ts >> 32U));
    put_le32(b, static_cast<std::uint32_t>(ts));
    put_le32(b, static_cast<std::uint32_t>(data.size()));
    put_le32(b, orig);
    append(b, data);
    return b;
}

ByteVec basic_pcapng() {
    ByteVec f;
    le_block(f, pcapng_block_shb, le_shb());
    le_block(f, pcapng_block_idb, le_idb(101, 0));
    le_block(f, pcapng_block_epb, le_epb(0, 1700000000123456, ipv4_syn, 40));
    return f;
}

} // namespace

TEST_CASE("pcapng: the captures written by editcap and mergecap", "[pcapng]") {
    SECTION("editcap -F pcapng: the same records as the pcap") {
        const ByteVec ng = read_file("a_ipv4_default.pcapng");
        const ByteVec classic = read_file("a_ipv4_default.pcap");
        result<CaptureReader> r = CaptureReader::open(ng);
        result<CaptureReader> p = CaptureReader::open(classic);
        REQUIRE(r.ok());
        REQUIRE(p.ok());
        CHECK(r->format() == CaptureReader::Format::Pcapng);
        CHECK(p->format() == CaptureReader::Format::Pcap);
        std::size_t n = 0;
        while (!r->done()) {
            const result<PcapRecord> a = r->next();
            const result<PcapRecord> b = p->next();
            REQUIRE(a.ok());
            REQUIRE(b.ok());
            CHECK(a->number == b->number);
            CHECK(a->timestamp == b->timestamp);
            CHECK(a->header == b->header);
            CHECK(a->link_type == 1);
            CHECK(std::equal(a->data.begin(), a->data.end(), b->data.begin(), b->data.end()));
            CHECK(a->data_offset() == a->offset + 28);
            CHECK(ng[a->data_offset()] == a->data[0]);
            ++n;
        }
        CHECK(n == 10);
        CHECK(p->done());
        CHECK_FALSE(r->pcapng().big_endian());
        CHECK(r->pcapng().interface_count() == 1);
        CHECK(r->pcapng().interface(0).tsresol == 6);
    }
    SECTION("mergecap: two interfaces of different link types") {
        const ByteVec ng = read_file("mixed_link_types.pcapng");
        result<PcapngReader> r = PcapngReader::open(ng);
        REQUIRE(r.ok());
        std::size_t per_link[2] = {0, 0};
        for (const result<PcapRecord>& rec : *r) {
            REQUIRE(rec.ok());
            REQUIRE(rec->interface < 2);
            CHECK(rec->link_type == (rec->interface == 0 ? 1 : 101));
            const result<PcapIpPayload> ip = r->ip_payload(*rec);
            REQUIRE(ip.ok());
            CHECK(ip->ethertype == (rec->interface == 0 ? ethertype_ipv4 : ethertype_ipv6));
            ++per_link[rec->interface];
        }
        CHECK(per_link[0] == 10);
        CHECK(per_link[1] == 10);
    }
    SECTION("two sections: interfaces restart at 0") {
        const ByteVec ng = read_file("two_sections.pcapng");
        result<PcapngReader> r = PcapngReader::open(ng);
        REQUIRE(r.ok());
        std::uint32_t n = 0;
        while (!r->done()) {
            REQUIRE(r->next().ok());
            ++n;
            CHECK(r->sections() == (n <= 10 ? 1U : 2U));
            CHECK(r->interface_count() == 1);
        }
        CHECK(n == 12);
    }
}

TEST_CASE("pcapng: crafted files, every error with its offset", "[pcapng]") {
    SECTION("a minimal file") {
        const ByteVec f = basic_pcapng();
        result<PcapngReader> r = PcapngReader::open(f);
        REQUIRE(r.ok());
        const result<PcapRecord> rec = r->next();
        REQUIRE(rec.ok());
        CHECK(rec->offset == 48);
        CHECK(rec->timestamp.ns == 1700000000123456000);
        CHECK(rec->header == PcapRecordHeader{1700000000, 123456, 40, 40});
        CHECK(rec->link_type == 101);
        CHECK(r->done());
        CHECK(r->next().failure() == Failure{Error::NotFound, static_cast<std::uint32_t>(f.size())});
    }
    SECTION("skipped blocks: name resolution, statistics, custom") {
        ByteVec f;
        le_block(f, pcapng_block_shb, le_shb());
        le_block(f, 4, ByteVec(8, 0));
        le_block(f, pcapng_block_idb, le_idb(101, 0));
        le_block(f, 5, ByteVec(12, 0));
        le_block(f, 0x40000BAD, ByteVec(5, 7));
        le_block(f, pcapng_block_epb, le_epb(0, 1, ipv4_syn, 40));
        result<PcapngReader> r = PcapngReader::open(f);
        REQUIRE(r.ok());
        CHECK(r->next().ok());
        CHECK(r->done());
    }
    SECTION("if_tsresol and if_tsoffset") {
        ByteVec f;
        le_block(f, pcapng_block_shb, le_shb());
        // tsresol 9 (ns), tsoffset 100 s, end of options
        le_block(f, pcapng_block_idb, le_idb(101, 0, {9, 0, 1, 0, 9, 0, 0, 0, 14, 0, 8, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
        le_block(f, pcapng_block_idb, le_idb(101, 0, {9, 0, 1, 0, 0x8A, 0, 0, 0})); // 2^-10 s
        le_block(f, pcapng_block_epb, le_epb(0, 5'000'000'007, ipv4_syn, 40));
        le_block(f, pcapng_block_epb, le_epb(1, 3 * 1024 + 512, ipv4_syn, 40));
        result<PcapngReader> r = PcapngReader::open(f);
        REQUIRE(r.ok());
        const result<PcapRecord> a = r->next();
        REQUIRE(a.ok());
        CHECK(a->timestamp.ns == 105'000'000'007);
        CHECK(a->header.ts_frac == 0); // µs, as libpcap hands it to tcpdump
        const result<PcapRecord> b = r->next();
        REQUIRE(b.ok());
        CHECK(b->timestamp.ns == 3'500'000'000);
        CHECK(r->interface(0).tsoffset == 100);
        CHECK(r->interface(1).tsresol == 0x8A);
    }
    SECTION("timestamp conversion") {
        CHECK(pcapng_time(1, 6, 0).ns == 1000);
        CHECK(pcapng_time(1, 0, 0).ns == 1'000'000'000);
        CHECK(pcapng_time(123456789012, 12, 0).ns == 123456789);
        CHECK(pcapng_time(~std::uint64_t{0}, 127, 0).ns == 0);
        CHECK(pcapng_time(std::uint64_t{1} << 40U, 0x80 | 40, -1).ns == 0);
        CHECK(pcapng_time(~std::uint64_t{0}, 0xFF, 0).ns == 0); // 2^-127: treated as nothing
        (void)pcapng_time(~std::uint64_t{0}, 0, std::int64_t{1} << 62U); // wraps, no UB (UBSan)
    }
    SECTION("simple packet blocks: interface 0, snapped to its snaplen") {
        ByteVec f;
        le_block(f, pcapng_block_shb, le_shb());
        le_block(f, pcapng_block_idb, le_idb(101, 20));
        ByteVec spb;
        put_le32(spb, 40);
        append(spb, Bytes(ipv4_syn).first(20));
        le_block(f, pcapng_block_spb, spb);
        result<PcapngReader> r = PcapngReader::open(f);
        REQUIRE(r.ok());
        const result<PcapRecord> rec = r->next();
        REQUIRE(rec.ok());
        CHECK(rec->data.size() == 20);
        CHECK(rec->header.orig_len == 40);
        CHECK(rec->snapped());
        CHECK(rec->timestamp.ns == 0);
    }
    SECTION("errors") {
        const ByteVec good = basic_pcapng();
        CHECK(PcapngReader::open(Bytes(good).first(3)).failure() == Failure{Error::PcapTruncated, 3});
        CHECK(CaptureReader::open(Bytes(good).first(3)).failure() == Failure{Error::PcapTruncated, 3});
        ByteVec text(40, 'x');
        CHECK(CaptureReader::open(text).failure() == Failure{Error::PcapBadMagic, 0});

        auto first_error = [](const ByteVec& f) {
            result<PcapngReader> r = PcapngReader::open(f);
            REQUIRE(r.ok());
            while (!r->done()) {
                const result<PcapRecord> rec = r->next();
                if (!rec) return rec.failure();
            }
            return Failure{};
        };
        // The epb's length field: 48 + 4 = 52.
        ByteVec f = good;
        f[52] = 13; // not a multiple of 4
        CHECK(first_error(f) == Failure{Error::PcapngBadBlock, 52});
        f = good;
        f[52] = 8; // under 12
        CHECK(first_error(f) == Failure{Error::PcapngBadBlock, 52});
        f = good;
        f[f.size() - 4] ^= 4; // trailing length differs
        CHECK(first_error(f) == Failure{Error::PcapngBadBlock, static_cast<std::uint32_t>(f.size() - 4)});
        f = good;
        f[52 + 3] = 0x10; // 256 MiB
        CHECK(first_error(f) == Failure{Error::PcapngBadBlock, 52});
        f = good;
        f[56] = 1; // interface 1 of 1
        CHECK(first_error(f) == Failure{Error::PcapngUnknownInterface, 56});
        f = good;
        f[68] = 41; // caplen past the block
        CHECK(first_error(f) == Failure{Error::PcapngBadBlock, 68});
        f = good;
        f[8] = 0x12; // byte-order magic
        CHECK(first_error(f) == Failure{Error::PcapngBadBlock, 8});
        f = good;
        f[12] = 2; // major version 2
        CHECK(first_error(f) == Failure{Error::PcapngBadBlock, 12});
        // Cut anywhere: truncated at the size (and incomplete), or a clean end.
        for (std::size_t cut = 4; cut < good.size(); ++cut) {
            const ByteVec c(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
            result<PcapngReader> r = PcapngReader::open(c);
            REQUIRE(r.ok());
            while (!r->done()) static_cast<void>(r->next());
            CHECK(r->count() == 0);
            if (cut == 28 || cut == 48) {
                CHECK_FALSE(r->incomplete());
            } else {
                CHECK(r->incomplete());
            }
        }
        // An option running past its IDB.
        ByteVec o;
        le_block(o, pcapng_block_shb, le_shb());
        le_block(o, pcapng_block_idb, le_idb(101, 0, {9, 0, 9, 0, 6, 0, 0, 0}));
        CHECK(first_error(o) == Failure{Error::PcapngBadBlock, 44});
        // A packet before any interface; an SPB without one.
        ByteVec p;
        le_block(p, pcapng_block_shb, le_shb());
        le_block(p, pcapng_block_epb, le_epb(0, 0, ipv4_syn, 40));
        CHECK(first_error(p) == Failure{Error::PcapngUnknownInterface, 36});
        // 65 interfaces.
        ByteVec many;
        le_block(many, pcapng_block_shb, le_shb());
        for (int i = 0; i < 65; ++i) le_block(many, pcapng_block_idb, le_idb(1, 0));
        CHECK(first_error(many) == Failure{Error::PcapngUnknownInterface, 28 + 64 * 20});
    }
}

TEST_CASE("pcapng: writer -> reader in both byte orders", "[pcapng]") {
    for (const bool big : {false, true}) {
        ByteVec f(pcapng_shb_size);
        REQUIRE(write_pcapng_section_header(f, big).ok());
        PcapngInterface a{1, 65535, 9, 0};
        PcapngInterface b{101, 0, 0x94, -5};
        for (const PcapngInterface& ifc : {a, b}) {
            ByteVec blk(pcapng_idb_size(ifc));
            REQUIRE(write_pcapng_interface(blk, ifc, big).ok());
            append(f, blk);
        }
        const ByteVec frame = ethernet({0x0800}, ipv4_syn);
        ByteVec e1(pcapng_epb_size(frame.size()));
        REQUIRE(write_pcapng_enhanced_packet(e1, 0, 1'700'000'000'000'000'001, frame, 60, big).ok());
        append(f, e1);
        ByteVec e2(pcapng_epb_size(ipv4_syn.size()));
        REQUIRE(write_pcapng_enhanced_packet(e2, 1, std::uint64_t{7} << 20U, ipv4_syn, 40, big).ok());
        append(f, e2);
        ByteVec s(pcapng_spb_size(3));
        REQUIRE(write_pcapng_simple_packet(s, Bytes(ipv4_syn).first(3), 3, big).ok()); // padded to 4
        append(f, s);
        CHECK(f[8] == (big ? 0x1A : 0x4D));

        result<CaptureReader> r = CaptureReader::open(f);
        REQUIRE(r.ok());
        const result<PcapRecord> p1 = r->next();
        REQUIRE(p1.ok());
        CHECK(r->pcapng().big_endian() == big);
        CHECK(r->pcapng().interface(0) == a);
        CHECK(r->pcapng().interface(1) == b);
        CHECK(p1->timestamp.ns == 1'700'000'000'000'000'001);
        CHECK(p1->header.orig_len == 60);
        CHECK(r->ip_payload(*p1)->offset == 14);
        const result<PcapRecord> p2 = r->next();
        REQUIRE(p2.ok());
        CHECK(p2->timestamp.ns == 2'000'000'000); // 7 s - 5 s
        const result<PcapRecord> p3 = r->next();
        REQUIRE(p3.ok());
        CHECK(p3->data.size() == 3);
        CHECK(p3->link_type == 1);
        CHECK(r->done());
    }
    std::array<std::uint8_t, 27> small{};
    CHECK(write_pcapng_section_header(small).failure() == Failure{Error::BufferTooSmall, 28});
    CHECK(write_pcapng_enhanced_packet(small, 0, 0, ipv4_syn, 40).failure() == Failure{Error::BufferTooSmall, 72});
}

TEST_CASE("capture readers: a stream read in pieces (resume)", "[pcapng][pcap]") {
    for (const char* name : {"two_interfaces.pcapng", "a_ipv4_default.pcap"}) {
        const ByteVec whole = read_file(name);
        for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
            // The stream so far, minus the records already delivered.
            ByteVec buf(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(std::min(chunk, whole.size())));
            std::size_t fed = buf.size();
            result<CaptureReader> r = CaptureReader::open(buf);
            while (!r && r.error() == Error::PcapTruncated && fed < whole.size()) {
                const std::size_t n = std::min(chunk, whole.size() - fed);
                buf.insert(buf.end(), whole.begin() + static_cast<std::ptrdiff_t>(fed),
                           whole.begin() + static_cast<std::ptrdiff_t>(fed + n));
                fed += n;
                r = CaptureReader::open(buf);
            }
            REQUIRE(r.ok());
            std::uint32_t records = 0;
            std::size_t max_buf = 0;
            while (true) {
                if (!r->done()) {
                    const result<PcapRecord> rec = r->next();
                    if (rec) {
                        ++records;
                        CHECK(rec->data_offset() + rec->data.size() <= whole.size());
                        CHECK(std::equal(rec->data.begin(), rec->data.end(), whole.begin() + rec->data_offset()));
                        continue;
                    }
                    // NotFound: the blocks so far held no packet (a pcapng
                    // header); PcapTruncated: a record not complete yet.
                    INFO(name << " chunk " << chunk << " fed " << fed << ": " << to_string(rec.error()));
                    REQUIRE((rec.error() == Error::NotFound || r->incomplete()));
                }
                if (fed == whole.size()) break;
                const std::size_t drop = r->consumed();
                buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(drop));
                const std::size_t n = std::min(chunk, whole.size() - fed);
                buf.insert(buf.end(), whole.begin() + static_cast<std::ptrdiff_t>(fed),
                           whole.begin() + static_cast<std::ptrdiff_t>(fed + n));
                fed += n;
                max_buf = std::max(max_buf, buf.size());
                r->resume(buf, drop);
            }
            CHECK(records == (std::string(name) == "a_ipv4_default.pcap" ? 10U : 20U));
            CHECK(r->done());
            CHECK_FALSE(r->incomplete());
            CHECK(max_buf < 300); // one record (at most 124 bytes) plus a chunk
        }
    }
}

namespace {

constexpr bool constexpr_pcapng() {
    std::array<std::uint8_t, 28 + 20 + 72> file{};
    MutableBytes out(file);
    if (!write_pcapng_section_header(out, true)) return false;
    if (!write_pcapng_interface(out.subspan(28), PcapngInterface{101, 0, 6, 0}, true)) return false;
    if (!write_pcapng_enhanced_packet(out.subspan(48), 0, 2'000'000, ipv4_syn, 40, true)) return false;
    result<CaptureReader> r = CaptureReader::open(file);
    if (!r) return false;
    const result<PcapRecord> rec = r->next();
    return rec && rec->timestamp.ns == 2'000'000'000 && rec->data.size() == 40 && r->done();
}

} // namespace

TEST_CASE("pcapng: reading and writing in constant expressions", "[pcapng]") { STATIC_REQUIRE(constexpr_pcapng()); }
