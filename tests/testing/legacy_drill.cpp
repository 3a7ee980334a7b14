// Tests for tools/synack-drill/drill.hpp, the runner of the older scenario language (SCENARIOS.md; moved from tests/handshake/drill.cpp):
// script parser (times, config keys, segment lines, errors with line
// numbers), relative numbering, and the runner's verdicts — it must pass a
// correct script and fail, with tcpdump lines, every kind of wrong one.
#include "../../tools/synack-drill/drill.hpp"

#include <string>
#include <vector>

#include "synack_test.hpp"

using namespace synack;
using namespace synack::drill;

namespace {

Script parsed(const std::string& src) {
    const ParseResult r = parse_script(src, "test");
    INFO("parse error at line " << r.error.line << ": " << r.error.message);
    REQUIRE(r.script.has_value());
    return *r.script;
}

ParseError parse_error(const std::string& src) {
    const ParseResult r = parse_script(src, "test");
    REQUIRE_FALSE(r.script.has_value());
    return r.error;
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::string joined(const Verdict& v) {
    std::string s = v.message + "\n";
    for (const auto& d : v.details) s += d + "\n";
    return s;
}

// A handshake the default Connection completes, as a script prefix.
const std::string handshake = R"(
0     connect
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7>
+0.1  < S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 700 ecr 0,nop,wscale 7>
+0    > . 1:1(0) ack 1 win 502 <nop,nop,TS val 100 ecr 700>
+0    expect event Established
)";

} // namespace

TEST_CASE("drill: text helpers", "[drill]") {
    CHECK(text::parse_seconds("0.25") == 250'000'000);
    CHECK(text::parse_seconds("131") == 131'000'000'000);
    CHECK(text::parse_seconds(".5") == 500'000'000);
    CHECK(text::parse_seconds("0.000000001") == 1);
    CHECK_FALSE(text::parse_seconds("0.0000000001").has_value());
    CHECK_FALSE(text::parse_seconds("1s").has_value());
    CHECK(text::seconds(100'000'000) == "0.100");
    CHECK(text::seconds(131'000'000'000) == "131.000");
    CHECK(text::seconds(50'000) == "0.00005");

    CHECK(text::parse_ip("198.18.0.1") == IpAddress::v4(198, 18, 0, 1));
    CHECK_FALSE(text::parse_ip("198.18.0").has_value());
    CHECK_FALSE(text::parse_ip("198.18.0.256").has_value());
    CHECK(text::parse_ip("2001:db8::1") == IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}));
    CHECK(text::parse_ip("::") == IpAddress::v6_groups({0, 0, 0, 0, 0, 0, 0, 0}));
    CHECK(text::parse_ip("::ffff:198.18.0.1") == IpAddress::v6_groups({0, 0, 0, 0, 0, 0xffff, 0xc612, 0x0001}));
    CHECK(text::parse_ip("1:2:3:4:5:6:7:8") == IpAddress::v6_groups({1, 2, 3, 4, 5, 6, 7, 8}));
    CHECK_FALSE(text::parse_ip("1::2::3").has_value());
    CHECK_FALSE(text::parse_ip("1:2:3:4:5:6:7:8:9").has_value());
    CHECK_FALSE(text::parse_ip("12345::1").has_value());

    CHECK(text::parse_hex("0x0a1B") == std::vector<std::uint8_t>{0x0a, 0x1b});
    CHECK_FALSE(text::parse_hex("abc").has_value());
    CHECK(text::strip_comment(R"(+0 < P. 1:3(2) ack 1 win 1 "//#" // c)") == R"(+0 < P. 1:3(2) ack 1 win 1 "//#" )");
    CHECK(text::strip_comment("# all") == "");
}

TEST_CASE("drill: times, modes and default addresses", "[drill][parser]") {
    const Script s = parsed(R"(
// comment
`config syn_retries=2 syn_linear_timeouts=0`
0     connect
+0.5  expect state SYN-SENT   # trailing comment
2     expect state syn_sent
+1.25 expect nothing
)");
    REQUIRE(s.lines.size() == 4);
    CHECK(s.mode == Mode::Active);
    CHECK(s.lines[0].number == 4);
    CHECK(s.lines[1].time_ns == 500'000'000);
    CHECK(s.lines[2].time_ns == 2'000'000'000);
    CHECK(s.lines[2].state == State::SynSent);
    CHECK(s.lines[3].time_ns == 3'250'000'000);
    CHECK(s.settings.config.syn_retries == 2);
    CHECK(s.settings.config.syn_linear_timeouts == 0);
    CHECK(s.local == Endpoint{IpAddress::v4(198, 18, 0, 1), 40000});
    CHECK(s.peer == IpAddress::v4(198, 18, 0, 2));
    CHECK(s.peer_port == 8080);

    const Script l = parsed("0 listen\n");
    CHECK(l.mode == Mode::Passive);
    CHECK(l.local.port == 8080);
    CHECK(l.peer_port == 40000);
    CHECK(parsed("0 expect nothing\n").mode == Mode::ClosedPort);

    const Script v6 = parsed("config remote=2001:db8::2 local_port=1 remote_port=2\n0 connect\n");
    CHECK(v6.local.address == IpAddress::v6_groups({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}));
    CHECK(v6.local.port == 1);
    CHECK(v6.peer_port == 2);
}

TEST_CASE("drill: every config key", "[drill][parser]") {
    const Script s = parsed(R"(`config mss=1400 wscale=off sack=off ts=off ecn=on rcv_wnd=1000 syn_retries=3 syn_linear_timeouts=1 synack_retries=2 rto_initial=0.5 rto_max=60 user_timeout=10 msl=15 challenge_ack_limit=5 tolerance=0.004 cookies=auto backlog=128 accept_queue=4096 tfo=off local=10.0.0.1 remote=10.0.0.2 local_port=1000 remote_port=2000 key=000102030405060708090a0b0c0d0e0f`
0 connect
)");
    const Config& c = s.settings.config;
    CHECK(c.mss == 1400);
    CHECK_FALSE(c.window_scale.has_value());
    CHECK_FALSE(c.sack);
    CHECK_FALSE(c.timestamps);
    CHECK(c.ecn);
    CHECK(c.rcv_wnd == 1000);
    CHECK(c.syn_retries == 3);
    CHECK(c.syn_linear_timeouts == 1);
    CHECK(c.synack_retries == 2);
    CHECK(c.rto_initial == Duration::milliseconds(500));
    CHECK(c.rto_max == Duration::seconds(60));
    CHECK(c.user_timeout == Duration::seconds(10));
    CHECK(c.msl == Duration::seconds(15));
    CHECK(c.challenge_ack_limit == 5);
    CHECK(s.settings.tolerance == Duration::milliseconds(4));
    CHECK(s.settings.listener == ListenerSettings{});
    CHECK(s.settings.listener_line == 0); // all at their defaults
    CHECK(s.local == Endpoint{IpAddress::v4(10, 0, 0, 1), 1000});
    CHECK(s.peer_port == 2000);
    CHECK(s.settings.secrets == default_secrets()); // the default key is 00..0f

    const Script k = parsed("config key=ffffffffffffffffffffffffffffffff cookies=always tfo=both\n0 listen backlog=4\n");
    CHECK_FALSE(k.settings.secrets == default_secrets());
    CHECK(k.settings.listener.cookies == Cookies::Always);
    CHECK(k.settings.listener.tfo == FastOpen::Both);
    CHECK(k.settings.listener.backlog == 4);
    CHECK(k.settings.listener_line == 1);
    CHECK(k.settings.listener_key == "cookies=always");
}

TEST_CASE("drill: segment lines", "[drill][parser]") {
    const Script s = parsed(R"(0 listen
+0 < @40001 SEW 100:100(0) win 1024 <mss 1460,sackOK,TS val 5 ecr 0,nop,wscale 15,eol>
+0 > S. 0:0(0) ack * win * <mss *,nop,nop,TS val * ecr 5,nop,wscale 7,FO *>
+0 < P. 101:104(3) ack 1 win 9 <nop,nop,sack 1:2 3:4,unknown 99 abcd,FO saved> cksum bad "a\"c"
+0 < . 1:3(2) ack 1 win 0 0x0102
+0 < F 1:1(0) win 0 <FO,FO 0011223344556677>
+0 expect event Established mss=1460 sack=on rtt=0.1
)");
    REQUIRE(s.lines.size() == 7);
    const SegmentSpec& a = s.lines[1].segment;
    CHECK_FALSE(a.outbound);
    CHECK(a.peer_port == 40001);
    CHECK(a.flags == (TcpFlag::Syn | TcpFlag::Ece | TcpFlag::Cwr).bits());
    CHECK(a.seq.v == 100);
    CHECK(a.len == 0);
    CHECK_FALSE(a.ack.has_value());
    CHECK(a.win.v == 1024);
    REQUIRE(a.options.size() == 6);
    CHECK(a.options[2].kind == OptKind::Timestamps);
    CHECK(a.options[2].a.v == 5);
    CHECK(a.options[4].a.v == 15);
    CHECK(a.options[5].kind == OptKind::Eol);

    const SegmentSpec& b = s.lines[2].segment;
    CHECK(b.outbound);
    CHECK(b.ack->any);
    CHECK(b.win.any);
    CHECK(b.options[0].a.any);
    CHECK(b.options[3].a.any);
    CHECK_FALSE(b.options[3].b.any);
    CHECK(b.options[6].cookie == CookieSpec::Any);

    const SegmentSpec& c = s.lines[3].segment;
    CHECK(c.payload == std::vector<std::uint8_t>{'a', '"', 'c'});
    CHECK(c.bad_checksum);
    REQUIRE(c.options[2].blocks.size() == 2);
    CHECK(c.options[2].blocks[1] == std::pair<std::uint32_t, std::uint32_t>{3, 4});
    CHECK(c.options[3].raw_kind == 99);
    CHECK(c.options[3].bytes == std::vector<std::uint8_t>{0xab, 0xcd});
    CHECK(c.options[4].cookie == CookieSpec::Saved);

    CHECK(s.lines[4].segment.payload == std::vector<std::uint8_t>{1, 2});
    CHECK(s.lines[5].segment.options[0].cookie == CookieSpec::Request);
    CHECK(s.lines[5].segment.options[1].bytes.size() == 8);
    REQUIRE(s.lines[6].fields.size() == 3);
    CHECK(s.lines[6].fields[2].value == 100'000'000);

    // No payload: zeros.
    CHECK(parsed("0 < . 1:5(4) ack 1 win 1\n").lines[0].segment.payload == std::vector<std::uint8_t>(4, 0));
}

TEST_CASE("drill: parse errors name the line", "[drill][parser]") {
    CHECK(parse_error("0 connect\n`config mss=1`\n").line == 2);
    CHECK(has(parse_error("config bogus=1\n").message, "unknown config key `bogus`"));
    CHECK(has(parse_error("config wscale=15\n").message, "wscale"));
    CHECK(has(parse_error("config ts=maybe\n").message, "on or off"));
    CHECK(has(parse_error("config cookies=sometimes\n").message, "cookies"));
    CHECK(has(parse_error("config key=00\n").message, "32 hex digits"));
    CHECK(has(parse_error("0 connect\n0 listen\n").message, "not both"));
    const ParseError back = parse_error("1 connect\n0.5 close\n");
    CHECK(back.line == 2);
    CHECK(has(back.message, "backwards"));
    CHECK(has(parse_error("0 < S 0:0(0)\n").message, "missing `win"));
    CHECK(has(parse_error("0 < . 0:0(0) win 1\n").message, "ACK flag needs"));
    CHECK(has(parse_error("0 < . 0:0(0) ack * win 1\n").message, "only allowed in `>`"));
    CHECK(has(parse_error("0 < S 0:1(0) win 1\n").message, "end - start"));
    CHECK(has(parse_error("0 < S 0:2(2) win 1 \"abc\"\n").message, "3 bytes"));
    CHECK(has(parse_error("0 < S 0:0(0) win 70000\n").message, "65535"));
    CHECK(has(parse_error("0 < X 0:0(0) win 1\n").message, "unknown flag"));
    CHECK(has(parse_error("0 < S 0:0(0) win 1 <mss 1,bogus 2>\n").message, "unknown option `bogus`"));
    CHECK(has(parse_error("0 < S 0:1(1) win 1 \"a\" cksum bad\n").message, "nothing may follow the payload"));
    CHECK(has(parse_error("0 < S 0:0(0) win 1 <mss 1\n").message, "without `>`"));
    CHECK(has(parse_error("0 > S 0:0(0) win 1 cksum bad\n").message, "only allowed in `<`"));
    CHECK(has(parse_error("0 > S 0:0(0) win 1 <FO saved>\n").message, "`FO saved`"));
    CHECK(has(parse_error("0 expect event Bogus\n").message, "unknown event"));
    CHECK(has(parse_error("0 expect event Established color=red\n").message, "unknown event field"));
    CHECK(has(parse_error("0 expect state OPEN\n").message, "unknown state"));
    CHECK(has(parse_error("0 frobnicate\n").message, "unknown command"));
    CHECK(has(parse_error("later connect\n").message, "expected a time"));
    CHECK(has(parse_error("0 close now\n").message, "unexpected `now`"));
}

TEST_CASE("drill: relative numbering shifts exactly the relative fields", "[drill]") {
    TcpHeader h;
    h.seq = SeqNum(10);
    h.ack = SeqNum(20);
    h.flags = TcpFlag::Ack;
    h.options.timestamps = Timestamps{30, 40};
    h.options.sack_count = 1;
    h.options.sack_blocks[0] = {50, 60};
    std::vector<std::uint8_t> seg(60);
    seg.resize(*h.encode(seg));
    const std::vector<std::uint8_t> orig = seg;
    const FlowNumbers f{true, 1000, 5000};

    shift_numbers(seg, true, f, true); // ours: seq and TS val
    TcpHeader o = *TcpHeader::decode(seg);
    CHECK(o.seq == SeqNum(1010));
    CHECK(o.ack == SeqNum(20));
    CHECK(o.options.timestamps == Timestamps{5030, 40});
    CHECK(o.options.sack_blocks[0] == SackBlock{50, 60});
    shift_numbers(seg, true, f, false);
    CHECK(seg == orig);

    shift_numbers(seg, false, f, true); // the peer's: ack, TS ecr, SACK blocks
    o = *TcpHeader::decode(seg);
    CHECK(o.seq == SeqNum(10));
    CHECK(o.ack == SeqNum(1020));
    CHECK(o.options.timestamps == Timestamps{30, 5040});
    CHECK(o.options.sack_blocks[0] == SackBlock{1050, 1060});
    shift_numbers(seg, false, f, false);
    CHECK(seg == orig);

    shift_numbers(seg, false, FlowNumbers{}, true); // unmapped: as on the wire
    CHECK(seg == orig);
}

TEST_CASE("drill: a correct handshake passes", "[drill][runner]") {
    const Verdict v = run_script(handshake + "+0 expect state ESTABLISHED\n+3 expect nothing\n", "ok");
    INFO(joined(v));
    CHECK(v.pass);
    CHECK(v.segments_matched == 2);
    CHECK(verdict_text("ok", v) == "PASS ok (7 lines, 2 segments matched)\n");
}

TEST_CASE("drill: a wrong field fails with both tcpdump lines", "[drill][runner]") {
    const Verdict v = run_script(R"(
0     connect
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7>
+0.1  < S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 700 ecr 0,nop,wscale 7>
+0    > . 1:1(0) ack 1 win 501 <nop,nop,TS val 100 ecr 700>
)",
                                 "wrong-win");
    CHECK_FALSE(v.pass);
    CHECK(v.line == 5);
    CHECK(v.message == "segment differs in win (expected 501, got 502)");
    const std::string all = joined(v);
    INFO(all);
    CHECK(has(all, "script:   +0    > . 1:1(0) ack 1 win 501"));
    CHECK(has(all, "expected: 0.100 IP 198.18.0.1.40000 > 198.18.0.2.8080: Flags [.], ack 1, win 501, options "
                   "[nop,nop,TS val 100 ecr 700], length 0"));
    CHECK(has(all, "actual:   0.100 IP 198.18.0.1.40000 > 198.18.0.2.8080: Flags [.], ack 1, win 502, options "
                   "[nop,nop,TS val 100 ecr 700], length 0"));
    const std::string text = verdict_text("wrong-win", v);
    CHECK(text.rfind("FAIL wrong-win:5: segment differs in win", 0) == 0);

    // Options are compared in order, byte for byte.
    const Verdict o = run_script("0 connect\n+0 > S 0:0(0) win 64240 <mss 1460,nop,wscale 7,sackOK,TS val 0 ecr 0>\n",
                                 "order");
    CHECK_FALSE(o.pass);
    CHECK(o.message == "segment differs in options");
    // Flags and seq.
    const Verdict f = run_script("0 connect\n+0 > S. 5:5(0) ack 0 win * <mss *,sackOK,TS val * ecr 0,nop,wscale *>\n",
                                 "flags");
    CHECK(has(f.message, "flags (expected [S.], got [S])"));
    CHECK(has(f.message, "seq (expected 5, got 0)"));
}

TEST_CASE("drill: wildcards match any value", "[drill][runner]") {
    const Verdict v = run_script(R"(
0     connect
+0    > S *:*(0) win * <mss *,sackOK,TS val * ecr *,nop,wscale *>
+0.1  < S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 700 ecr 0,nop,wscale 7>
+0    > . 1:1(0) ack * win * <nop,nop,TS val * ecr 700>
+0    expect event Established
)",
                                 "wild");
    INFO(joined(v));
    CHECK(v.pass);
}

TEST_CASE("drill: timing is exact unless a tolerance is set", "[drill][runner]") {
    const std::string late = "0 connect\n+0 > S 0:0(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n"
                             "+1.001 > S 0:0(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n";
    const Verdict v = run_script(late, "late");
    CHECK_FALSE(v.pass);
    CHECK(v.line == 3);
    CHECK(v.message == "segment sent at 1.000, expected at 1.001");
    CHECK(run_script("config tolerance=0.002\n" + late, "tol").pass);

    const Verdict early = run_script("0 connect\n+0 > S 0:0(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n"
                                     "+0.999 > S 0:0(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n",
                                     "early");
    CHECK_FALSE(early.pass);
    CHECK(early.message == "expected segment not sent by 0.999");
    CHECK(has(joined(early), "actual:   (nothing)"));
}

TEST_CASE("drill: unexpected segments and events fail", "[drill][runner]") {
    // The SYN retransmission at 1 s is not in the script.
    const Verdict v = run_script("0 connect\n+0 > S 0:0(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n"
                                 "+2 expect nothing\n",
                                 "extra");
    CHECK_FALSE(v.pass);
    CHECK(v.line == 3);
    CHECK(v.message == "unexpected segment sent at 1.000");
    CHECK(has(joined(v), "actual:   1.000 IP 198.18.0.1.40000 > 198.18.0.2.8080: Flags [S], seq 0, win 64240"));

    // A segment pending when the script ends.
    const Verdict end = run_script("0 connect\n", "end");
    CHECK_FALSE(end.pass);
    CHECK(end.line == 0);
    CHECK(has(joined(end), "the script ended"));

    // An event nobody expected.
    const Verdict ev2 = run_script(handshake + "+1 < R 1:1(0) win 0\n+1 expect nothing\n", "event2");
    CHECK_FALSE(ev2.pass);
    CHECK(ev2.message == "unexpected event Reset at 1.100");
}

TEST_CASE("drill: events, fields and states are checked", "[drill][runner]") {
    const std::string prefix = "0 connect\n+0 > S 0:0(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n"
                               "+0.1 < S. 0:0(0) ack 1 win 65160 <mss 1400,sackOK,TS val 700 ecr 0,nop,wscale 3>\n"
                               "+0 > . 1:1(0) ack 1 win * <nop,nop,TS val * ecr 700>\n";
    CHECK(run_script(prefix + "+0 expect event Established mss=1400 snd_wscale=3 rcv_wscale=7 sack=on ts=on ecn=off "
                              "tfo_data=0 peer_window=65160 rtt=0.1\n",
                     "fields")
              .pass);
    const Verdict mss = run_script(prefix + "+0 expect event Established mss=1460\n", "mss");
    CHECK(mss.message == "event Established: mss is 1400, expected 1460");
    const Verdict kind = run_script(prefix + "+0 expect event Refused\n", "kind");
    CHECK(kind.message == "expected event Refused, got Established at 0.100");
    const Verdict late = run_script(prefix + "+1 expect event Established\n", "late");
    CHECK(late.message == "event Established happened at 0.100, expected at 1.100");
    const Verdict none = run_script(prefix + "+0 expect event Established\n+1 expect event Closed\n", "none");
    CHECK(none.message == "expected event Closed did not happen by 1.100");
    const Verdict st = run_script(prefix + "+0 expect state SYN-SENT\n", "state");
    CHECK(st.message == "state is ESTABLISHED, expected SYN-SENT");
}

TEST_CASE("drill: timers fire at every deadline crossed, in order", "[drill][runner]") {
    // Jumping straight to 7 s must still produce the SYNs at 1 and 3 first.
    const Verdict v = run_script(R"(
`config syn_retries=2 syn_linear_timeouts=0`
0     connect
+0    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val * ecr 0,nop,wscale 7>
+1    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val * ecr 0,nop,wscale 7>
+2    > S 0:0(0) win 64240 <mss 1460,sackOK,TS val * ecr 0,nop,wscale 7>
+4    expect event TimedOut
)",
                                 "scenarios.md");
    INFO(joined(v));
    CHECK(v.pass);
    const Verdict skip = run_script("config syn_retries=2 syn_linear_timeouts=0\n0 connect\n"
                                    "+0 > S 0:0(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n"
                                    "7 expect event TimedOut\n",
                                    "skip");
    CHECK_FALSE(skip.pass);
    CHECK(skip.message == "unexpected segment sent at 1.000");
}

TEST_CASE("drill: inbound segments are built byte-exact, bad checksums on request", "[drill][runner]") {
    // The closed-port responder answers exactly what reset_for() builds.
    const Verdict v = run_script(R"(
0  < S 1000:1003(3) win 65535 <mss 1460,FO,unknown 253 0102> "abc"
+0 > R. 0:0(0) ack 1004 win 0
+1 < S 2000:2000(0) win 65535 cksum bad
+1 expect nothing
)",
                                 "closed");
    INFO(joined(v));
    CHECK(v.pass);
    // A machine that accepted a bad checksum would be caught: here the
    // Connection in LISTEN must not answer it.
    CHECK(run_script("0 listen\n+0 < S 0:0(0) win 1 cksum bad\n+1 expect nothing\n", "bad").pass);
    // `FO saved` with nothing saved.
    const Verdict fo = run_script("0 listen\n+0 < S 0:0(0) win 1 <FO saved>\n", "fo");
    CHECK(has(fo.message, "no cookie was saved"));
    // Option lists that do not fit.
    const Verdict big = run_script("0 < S 0:0(0) win 1 <sack 1:2 3:4 5:6 7:8,TS val 1 ecr 2>\n", "big");
    CHECK(has(big.message, "at most 40 fit"));
}

TEST_CASE("drill: relative numbers on a passive open and several peers", "[drill][runner]") {
    const Verdict v = run_script(R"(
0     listen
+0    < S 7:7(0) win 65535 <mss 1400,nop,wscale 2>
+0    > S. 0:0(0) ack 8 win 64240 <mss 1460,nop,wscale 7>
+0.1  < . 8:8(0) ack 1000 win 100
+0    > R 1000:1000(0) win 0
+0    expect state SYN-RECEIVED
)",
                                 "passive");
    INFO(joined(v));
    CHECK(v.pass);
    // A second peer (`@port`) brings the Listener, which serves both.
    const Verdict two = run_script("0 listen\n+0 < S 7:7(0) win 1\n+0 > S. 0:0(0) ack 8 win * <mss 1460>\n"
                                   "+0 < @40001 S 7:7(0) win 1\n+0 > @40001 S. 0:0(0) ack 8 win * <mss 1460>\n",
                                   "two");
    INFO(joined(two));
    CHECK(two.pass);
}

TEST_CASE("drill: listener keys drive the Listener; a Connection refuses them", "[drill][runner]") {
    const Verdict v = run_script("config cookies=always\n0 connect\n", "cookies");
    CHECK_FALSE(v.pass);
    CHECK(v.line == 1);
    CHECK(v.message == "cookies=always: not supported by this machine yet (the Connection has no SYN cookies, SYN "
                       "backlog, accept queue or Fast Open server; they come with the Listener)");
    // A Connection is a Fast Open client; the server side is the Listener's.
    CHECK(has(run_script("config tfo=server\n0 connect\n", "tfo-server").message, "tfo=server: not supported"));
    CHECK(run_script("config tfo=client\n0 connect\n+0 > S 0:0(0) win * <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7>\n",
                     "tfo-client")
              .pass);
    // In a listen script they select the Listener.
    CHECK(run_script("config cookies=always\n0 listen\n", "cookies-listen").pass);
    CHECK(run_script("0 listen backlog=1\n", "backlog").pass);
    CHECK(run_script("config cookies=auto tfo=off backlog=128 accept_queue=4096\n0 listen\n", "defaults").pass);
    // Cookies always: the SYN-ACK leaves no state, the flow stays in LISTEN.
    const Verdict c = run_script("config cookies=always\n0 listen\n+0 < S 0:0(0) win 1000 <mss 1460>\n"
                                 "+0 > S. 0:0(0) ack 1 win 64240 <mss 1460>\n+0 expect state LISTEN\n"
                                 "+1 < . 1:1(0) ack 1 win 1000\n+0 expect event Accepted mss=1460 peer_port=40000\n",
                                 "always");
    INFO(joined(c));
    CHECK(c.pass);
    // `accept` is a Listener command; an empty queue is a failure.
    const Verdict e = run_script("0 listen\n+0 accept\n", "empty");
    CHECK_FALSE(e.pass);
    CHECK(has(e.message, "accept queue is empty"));
    CHECK_FALSE(run_script("0 connect\n+0 accept\n", "accept-connect").pass);
}

TEST_CASE("drill: the key fixes the secrets; runs are reproducible", "[drill][runner]") {
    // The first SYN's ISN depends on the key: a trace shows the mapping.
    auto iss_note = [](const std::string& cfg) {
        const Verdict v = run_script(cfg + "0 connect\n+0 > S 1:1(0) win * <mss *,sackOK,TS val * ecr 0,nop,wscale 7>\n",
                                     "k");
        REQUIRE_FALSE(v.pass);
        return v.details.back(); // "(numbers relative: our ISS N and TS val M are 0)"
    };
    CHECK(iss_note("") == iss_note(""));
    CHECK(iss_note("") == iss_note("config key=000102030405060708090a0b0c0d0e0f\n"));
    CHECK_FALSE(iss_note("") == iss_note("config key=0f0e0d0c0b0a09080706050403020100\n"));
}
