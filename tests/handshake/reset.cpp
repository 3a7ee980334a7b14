// Tests for synack/handshake/reset.hpp: the RST for a segment that reaches no
// connection (RFC 9293 §3.10.7.1), byte-exact against Linux's reply in
// capture e (e_ipv4_closed_port), and one case per rule: with ACK, without
// ACK (SEG.LEN counting payload, SYN and FIN), never for a RST.
#include "synack/handshake/reset.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack_test.hpp"

using namespace synack;

namespace {

constexpr IpAddress client_ip = IpAddress::v4(198, 18, 0, 1);
constexpr IpAddress server_ip = IpAddress::v4(198, 18, 0, 2);

// Capture e, frame 1: 198.18.0.1.40000 > 198.18.0.2.5001: Flags [S],
// cksum 0x1df3, seq 3813072246, win 64240,
// options [mss 1460,sackOK,TS val 275522046 ecr 0,nop,wscale 10].
constexpr std::array<std::uint8_t, 40> capture_syn{
    0x9c, 0x40, 0x13, 0x89,             // 40000 -> 5001
    0xe3, 0x46, 0xdd, 0x76,             // seq 3813072246
    0x00, 0x00, 0x00, 0x00,             // ack 0
    0xa0, 0x02, 0xfa, 0xf0,             // doff 10, SYN, win 64240
    0x1d, 0xf3, 0x00, 0x00,             // cksum, urg
    0x02, 0x04, 0x05, 0xb4,             // mss 1460
    0x04, 0x02, 0x08, 0x0a,             // sackOK, TS
    0x10, 0x6c, 0x21, 0xfe,             // TSval 275522046
    0x00, 0x00, 0x00, 0x00,             // TSecr 0
    0x01, 0x03, 0x03, 0x0a,             // nop, wscale 10
};

// Frame 2: 198.18.0.2.5001 > 198.18.0.1.40000: Flags [R.], cksum 0xb320,
// seq 0, ack 3813072247, win 0, length 0 (IP length 40: no options).
constexpr std::array<std::uint8_t, 20> capture_rst{
    0x13, 0x89, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x00, 0xe3, 0x46,
    0xdd, 0x77, 0x50, 0x14, 0x00, 0x00, 0xb3, 0x20, 0x00, 0x00,
};

constexpr Optional<TcpHeader> reset_for_bytes(Bytes segment) noexcept {
    return reset_for(*TcpView::parse(segment));
}

// A segment from the client's port 40000 to the server's 5001.
std::vector<std::uint8_t> segment(TcpFlags flags, std::uint32_t seq, std::uint32_t ack = 0,
                                  std::size_t payload = 0) {
    TcpHeader h;
    h.source_port = 40000;
    h.destination_port = 5001;
    h.seq = SeqNum(seq);
    h.ack = SeqNum(ack);
    h.flags = flags;
    h.window = 502;
    std::vector<std::uint8_t> out(60);
    const auto n = h.encode(out);
    REQUIRE(n.ok());
    out.resize(*n);
    for (std::size_t i = 0; i < payload; ++i) out.push_back(static_cast<std::uint8_t>('a' + i));
    return out;
}

Optional<TcpHeader> reply_to(const std::vector<std::uint8_t>& seg) {
    const auto v = TcpView::parse(seg);
    REQUIRE(v.ok());
    return reset_for(*v);
}

// What every RST shares: ports swapped, window 0, no options, nothing else set.
void check_common(const TcpHeader& r) {
    CHECK(r.source_port == 5001);
    CHECK(r.destination_port == 40000);
    CHECK(r.window == 0);
    CHECK(r.urgent_pointer == 0);
    CHECK(r.reserved == 0);
    CHECK(r.options == TcpOptions{});
    const auto size = r.encoded_size();
    REQUIRE(size.ok());
    CHECK(*size == 20);
}

} // namespace

static_assert(reset_for_bytes(capture_syn)->seq == SeqNum(0));
static_assert(reset_for_bytes(capture_syn)->ack == SeqNum(3813072247U));
static_assert(reset_for_bytes(capture_syn)->flags == (TcpFlag::Rst | TcpFlag::Ack));

TEST_CASE("reset: a SYN to a closed port gets Linux's RST-ACK, byte for byte (capture e)", "[reset]") {
    // The hand-written SYN is the captured one: its checksum verifies.
    REQUIRE(verify_tcp_checksum(client_ip, server_ip, capture_syn));

    const auto r = reset_for_bytes(capture_syn);
    REQUIRE(r.has_value());
    CHECK(r->seq == SeqNum(0));
    CHECK(r->ack == SeqNum(3813072247U)); // SEG.SEQ + 1 for the SYN
    CHECK(r->flags == (TcpFlag::Rst | TcpFlag::Ack));
    check_common(*r);

    std::array<std::uint8_t, 60> out{};
    const auto n = r->encode(out);
    REQUIRE(n.ok());
    REQUIRE(*n == 20);
    fill_tcp_checksum(server_ip, client_ip, MutableBytes(out.data(), *n));
    CHECK(std::vector<std::uint8_t>(out.begin(), out.begin() + 20) ==
          std::vector<std::uint8_t>(capture_rst.begin(), capture_rst.end()));
}

TEST_CASE("reset: without ACK, ACK = SEG.SEQ + SEG.LEN counting SYN and FIN", "[reset]") {
    SECTION("a SYN carrying 3 bytes of data: ack seq + 4") {
        const auto r = reply_to(segment(TcpFlag::Syn, 1000, 0, 3));
        REQUIRE(r.has_value());
        CHECK(r->seq == SeqNum(0));
        CHECK(r->ack == SeqNum(1004));
        CHECK(r->flags == (TcpFlag::Rst | TcpFlag::Ack));
        check_common(*r);
    }
    SECTION("a bare FIN: ack seq + 1") {
        const auto r = reply_to(segment(TcpFlag::Fin, 5000));
        REQUIRE(r.has_value());
        CHECK(r->ack == SeqNum(5001));
        CHECK(r->flags == (TcpFlag::Rst | TcpFlag::Ack));
        check_common(*r);
    }
    SECTION("FIN with 5 bytes: ack seq + 6") {
        const auto r = reply_to(segment(TcpFlag::Fin | TcpFlag::Psh, 5000, 0, 5));
        REQUIRE(r.has_value());
        CHECK(r->ack == SeqNum(5006));
    }
    SECTION("SYN and FIN together: ack seq + 2") {
        const auto r = reply_to(segment(TcpFlag::Syn | TcpFlag::Fin, 7, 0, 0));
        REQUIRE(r.has_value());
        CHECK(r->ack == SeqNum(9));
    }
    SECTION("data without SYN or FIN: ack seq + payload length") {
        const auto r = reply_to(segment(TcpFlag::Psh, 100, 0, 10));
        REQUIRE(r.has_value());
        CHECK(r->ack == SeqNum(110));
        CHECK(r->flags == (TcpFlag::Rst | TcpFlag::Ack));
    }
    SECTION("no flags, no data: SEG.LEN 0, ack seq") {
        const auto r = reply_to(segment(TcpFlags{}, 424242, 0, 0));
        REQUIRE(r.has_value());
        CHECK(r->ack == SeqNum(424242));
        CHECK(r->seq == SeqNum(0));
        CHECK(r->flags == (TcpFlag::Rst | TcpFlag::Ack));
    }
    SECTION("the acknowledgment wraps modulo 2^32") {
        const auto r = reply_to(segment(TcpFlag::Syn, 0xFFFFFFFEU, 0, 2));
        REQUIRE(r.has_value());
        CHECK(r->ack == SeqNum(1));
    }
    SECTION("the ack field of the incoming segment is ignored when ACK is off") {
        const auto r = reply_to(segment(TcpFlag::Syn, 1000, 0xdeadbeefU, 0));
        REQUIRE(r.has_value());
        CHECK(r->seq == SeqNum(0));
        CHECK(r->ack == SeqNum(1001));
    }
}

TEST_CASE("reset: with ACK, SEQ = SEG.ACK and only RST is set", "[reset]") {
    SECTION("a stray ACK") {
        const auto r = reply_to(segment(TcpFlag::Ack, 1000, 0x12345678U));
        REQUIRE(r.has_value());
        CHECK(r->seq == SeqNum(0x12345678U));
        CHECK(r->ack == SeqNum(0));
        CHECK(r->flags == TcpFlags(TcpFlag::Rst));
        check_common(*r);
    }
    SECTION("a SYN-ACK to a closed port") {
        const auto r = reply_to(segment(TcpFlag::Syn | TcpFlag::Ack, 1000, 777));
        REQUIRE(r.has_value());
        CHECK(r->seq == SeqNum(777));
        CHECK(r->flags == TcpFlags(TcpFlag::Rst));
        CHECK_FALSE(r->flags.ack());
    }
    SECTION("data with FIN and ACK: SEG.LEN plays no part") {
        const auto r = reply_to(segment(TcpFlag::Fin | TcpFlag::Ack | TcpFlag::Psh, 1000, 2000, 7));
        REQUIRE(r.has_value());
        CHECK(r->seq == SeqNum(2000));
        CHECK(r->ack == SeqNum(0));
        CHECK(r->flags == TcpFlags(TcpFlag::Rst));
        check_common(*r);
    }
}

TEST_CASE("reset: a RST is never answered", "[reset]") {
    CHECK_FALSE(reply_to(segment(TcpFlag::Rst, 1000)).has_value());
    CHECK_FALSE(reply_to(segment(TcpFlag::Rst | TcpFlag::Ack, 1000, 2000)).has_value());
    CHECK_FALSE(reply_to(segment(TcpFlag::Rst | TcpFlag::Syn, 1000)).has_value());
    CHECK_FALSE(reply_to(segment(TcpFlag::Rst | TcpFlag::Fin, 1000, 0, 4)).has_value());
}

TEST_CASE("reset: other flags, options and the window of the trigger are not copied", "[reset]") {
    const auto seg = segment(TcpFlag::Syn | TcpFlag::Ece | TcpFlag::Cwr | TcpFlag::Urg | TcpFlag::Psh, 99);
    const auto r = reply_to(seg);
    REQUIRE(r.has_value());
    CHECK(r->flags == (TcpFlag::Rst | TcpFlag::Ack));
    CHECK(r->ack == SeqNum(100));
    check_common(*r);

    // The options of capture e's SYN (mss, sackOK, TS, wscale) are dropped.
    const auto c = reset_for_bytes(capture_syn);
    REQUIRE(c.has_value());
    CHECK_FALSE(c->options.mss.has_value());
    CHECK_FALSE(c->options.timestamps.has_value());
    CHECK_FALSE(c->options.window_scale.has_value());
    CHECK_FALSE(c->options.sack_permitted);
}
