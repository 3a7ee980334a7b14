// Tests for synack/testing/script.hpp: the packetdrill lexer and parser.
// Real packetdrill lines parse into the values they spell; every malformed
// line is an error value with its line and column; no input crashes (every
// prefix of a valid script either parses or fails with a position inside it).
#include "synack/testing/script.hpp"

#include <string>

#include "synack_test.hpp"

using namespace synack::testing;

namespace {

Script parsed(const std::string& src, const Defines& d = {}) {
    Script s;
    ScriptError e;
    const bool ok = parse_script(src, d, s, e);
    INFO(e.to_string());
    REQUIRE(ok);
    return s;
}

ScriptError error_of(const std::string& src) {
    Script s;
    ScriptError e;
    REQUIRE_FALSE(parse_script(src, {}, s, e));
    return e;
}

} // namespace

TEST_CASE("event times: absolute, relative, any, ranges", "[script]") {
    const Script s = parsed("0 `true`\n+0.1 `true`\n* `true`\n0.2~0.3 `true`\n+.05~+0.25 `true`\n1.000001 `true`\n");
    REQUIRE(s.events.size() == 6);
    CHECK(s.events[0].time.kind == TimeKind::Absolute);
    CHECK(s.events[0].time.start_us == 0);
    CHECK(s.events[1].time.kind == TimeKind::Relative);
    CHECK(s.events[1].time.start_us == 100000);
    CHECK(s.events[2].time.kind == TimeKind::Any);
    CHECK(s.events[3].time.kind == TimeKind::AbsoluteRange);
    CHECK(s.events[3].time.start_us == 200000);
    CHECK(s.events[3].time.end_us == 300000);
    CHECK(s.events[4].time.kind == TimeKind::RelativeRange);
    CHECK(s.events[4].time.start_us == 50000);
    CHECK(s.events[4].time.end_us == 250000);
    CHECK(s.events[5].time.start_us == 1000001);
}

TEST_CASE("a TCP packet line with every field", "[script]") {
    const Script s = parsed("+0 < [ect0] S. 0:10(10) ack 1 win 65535 urg 3 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7,"
                            "FO 0102030405060708,FOEXP,sack 1:2 3:4,eol>\n");
    REQUIRE(s.events.size() == 1);
    const Event& e = s.events[0];
    REQUIRE(e.kind == Event::Kind::Packet);
    const PacketSpec& p = e.packet;
    CHECK(p.inbound);
    CHECK(p.ecn == PacketSpec::EcnCheck::Ect0);
    CHECK(p.flags == "S.");
    CHECK(p.seq_start == 0);
    CHECK(p.seq_end == 10);
    CHECK(p.payload == 10);
    CHECK(p.has_ack);
    CHECK(p.ack == 1);
    CHECK(p.win == 65535);
    CHECK(p.urg == 3);
    REQUIRE(p.options.size() == 9);
    using K = TcpOptionSpec::Kind;
    CHECK(p.options[0].kind == K::Mss);
    CHECK(p.options[0].a == 1460);
    CHECK(p.options[1].kind == K::SackPermitted);
    CHECK(p.options[2].kind == K::Timestamp);
    CHECK(p.options[2].a == 100);
    CHECK(p.options[2].b == 0);
    CHECK(p.options[4].kind == K::WindowScale);
    CHECK(p.options[5].kind == K::FastOpen);
    CHECK(p.options[5].bytes == std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(p.options[6].kind == K::FastOpenExp);
    CHECK(p.options[6].bytes.empty());
    CHECK(p.options[7].kind == K::Sack);
    CHECK(p.options[7].sack.size() == 2);
    CHECK(p.options[8].kind == K::Eol);
}

TEST_CASE("outbound packets: <...>, no options, no window", "[script]") {
    const Script s = parsed("0 > S 0:0(0) <...>\n+0 > . 1:1(0) ack 1\n+0 > F. 1:1(0) ack 1 win 257 <nop,nop,TS val 1 ecr 2>\n");
    REQUIRE(s.events.size() == 3);
    CHECK_FALSE(s.events[0].packet.inbound);
    CHECK(s.events[0].packet.options_any);
    CHECK_FALSE(s.events[1].packet.options_any);
    CHECK(s.events[1].packet.options.empty());
    CHECK_FALSE(s.events[1].packet.has_win);
    CHECK(s.events[2].packet.has_win);
}

TEST_CASE("system calls: arguments, results, errno, notes, blocking end", "[script]") {
    const Script s = parsed(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
        "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
        "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
        "+0...0.200 accept(3, ..., ...) = 4\n"
        "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
        "+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0\n"
        "+0 poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 0) = 1\n"
        "+0 write(3, ..., 1000) = 1000\n"
        "+0 getsockopt(3, SOL_TCP, TCP_INFO, {tcpi_state=TCP_ESTABLISHED}, [104]) = 0\n");
    REQUIRE(s.events.size() == 9);
    const SyscallSpec& c = s.events[2].syscall;
    CHECK(c.name == "connect");
    CHECK(c.args.size() == 3);
    CHECK(c.args[1].kind == Expr::Kind::Ellipsis);
    CHECK(c.result.kind == Expr::Kind::Integer);
    CHECK(c.result.integer == -1);
    CHECK(c.errno_name == "EINPROGRESS");
    CHECK(c.note == "Operation now in progress");
    const SyscallSpec& f = s.events[1].syscall;
    CHECK(f.args[2].kind == Expr::Kind::Or);
    const SyscallSpec& a = s.events[3].syscall;
    CHECK(a.has_end);
    CHECK(a.end_us == 200000);
    const Expr& linger = s.events[4].syscall.args[3];
    REQUIRE(linger.kind == Expr::Kind::Struct);
    REQUIRE(linger.items.size() == 2);
    CHECK(linger.items[0].kind == Expr::Kind::Assign);
    CHECK(linger.items[0].text == "onoff");
    const Expr& sa = s.events[5].syscall.args[1];
    REQUIRE(sa.items.size() == 3);
    CHECK(sa.items[1].items[0].kind == Expr::Kind::Call);
    CHECK(sa.items[1].items[0].text == "htons");
    const Expr& pfd = s.events[6].syscall.args[0];
    CHECK(pfd.kind == Expr::Kind::Array);
    CHECK(pfd.items[0].kind == Expr::Kind::Struct);
}

TEST_CASE("commands, code blocks, comments, options and definitions", "[script]") {
    Defines d;
    d["TFO_COOKIE"] = "0a0b0c0d";
    d["PORT"] = "8080";
    const Script s = parsed("--tolerance_usecs=10000\n--local_ip=192.168.0.2\n"
                            "/* block\n comment */ `../common/defaults.sh\n sysctl -q net.ipv4.tcp_sack=0`\n"
                            "// line comment\n"
                            "0 < S 0:0(0) win 1 <FO TFO_COOKIE,nop,nop> // trailing\n"
                            "+0 %{ assert tcpi_state == 1 }%\n"
                            "+0 bind(3, {sin_port=htons(PORT)}, 16) = 0\n",
                            d);
    REQUIRE(s.options.size() == 2);
    CHECK(s.options[0].name == "tolerance_usecs");
    CHECK(s.options[0].value == "10000");
    CHECK(s.options[1].value == "192.168.0.2");
    REQUIRE(s.events.size() == 4);
    CHECK(s.events[0].kind == Event::Kind::Command);
    CHECK_FALSE(s.events[0].timed);
    CHECK(s.events[0].text.find("tcp_sack=0") != std::string::npos);
    CHECK(s.events[1].packet.options[0].bytes == std::vector<std::uint8_t>{0x0a, 0x0b, 0x0c, 0x0d});
    CHECK(s.events[2].kind == Event::Kind::Code);
    CHECK(s.events[2].text == "assert tcpi_state == 1");
    CHECK(s.events[3].syscall.args[1].items[0].items[0].items[0].integer == 8080);
}

TEST_CASE("errors carry line and column", "[script]") {
    struct Case {
        const char* src;
        int line, column;
        const char* words;
    };
    const Case cases[] = {
        {"0 `true`\n+0 < Q 0:0(0) win 1\n", 2, 6, "unknown TCP flag"},
        {"0 < S 0:5(0) win 1\n", 1, 9, "inconsistent TCP sequence"},
        {"0 < S 0:0(0) win 70000\n", 1, 18, "out of range"},
        {"0 < S 0:0(0) win 1 <mss>\n", 1, 24, "expected an MSS"},
        {"0 < S 0:0(0) win 1 <bogus 1>\n", 1, 21, "unknown or unsupported TCP option"},
        {"0 < S 0:0(0) win 1 <FO 123>\n", 1, 24, "odd number of hex digits"},
        {"0 socket(..., SOCK_STREAM\n", 2, 1, "expected"},
        {"0 socket() 3\n", 1, 12, "expected '='"},
        {"\n\n  \"abc\n", 3, 3, "unterminated string"},
        {"0 `abc\n", 1, 3, "unterminated backquoted"},
        {"/* x\n", 1, 1, "unterminated /*"},
        {"0 %{ x\n", 1, 3, "unterminated %{"},
        {"+0~0.1 `x`\n", 1, 4, "relative range"},
        {"0.2~0.1 `x`\n", 1, 4, "ends before it starts"},
        {"0.0000001 `x`\n", 1, 1, "finer than a microsecond"},
        {"hello\n", 1, 1, "event time"},
        {"0 foo\n", 1, 3, "a packet"},
        {"0 \x01\n", 1, 3, "unexpected byte 0x01"},
        {"0 f(99999999999999999999) = 0\n", 1, 5, "integer out of range"},
    };
    for (const Case& c : cases) {
        INFO(c.src);
        const ScriptError e = error_of(c.src);
        INFO(e.to_string());
        CHECK(e.pos.line == c.line);
        CHECK(e.pos.column == c.column);
        CHECK(e.message.find(c.words) != std::string::npos);
    }
}

TEST_CASE("nesting is bounded", "[script]") {
    std::string deep = "0 f(";
    for (int i = 0; i < 200; ++i) deep += "[";
    const ScriptError e = error_of(deep + "\n");
    CHECK(e.message.find("nested too deeply") != std::string::npos);
}

TEST_CASE("every prefix of a valid script parses or fails inside it", "[script]") {
    const std::string src =
        "--tolerance_usecs=5000\n`../common/defaults.sh`\n"
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
        "+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
        "+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>\n"
        "+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>\n"
        "+.1 < . 1:1(0) ack 1 win 257\n+0 accept(3, ..., ...) = 4\n"
        "+0 %{ assert tcpi_snd_mss == 1000, tcpi_snd_mss }%\n+0...0.1 close(4) = -1 EBADF (Bad file)\n";
    parsed(src);
    for (std::size_t n = 0; n < src.size(); ++n) {
        Script s;
        ScriptError e;
        if (!parse_script(src.substr(0, n), {}, s, e)) {
            INFO(n << ": " << e.to_string());
            CHECK(e.pos.line >= 1);
            CHECK(e.pos.column >= 1);
        }
    }
}
