// Tests for synack/testing/runner.hpp: packetdrill scripts against the
// machines. A correct script passes (for IPv4 and IPv6); each kind of
// wrong one fails with packetdrill's reason at its line; what needs a data
// path is skipped with the reason, never passed.
#include "synack/testing/runner.hpp"

#include <string>

#include "synack_test.hpp"

using namespace synack;
using namespace synack::testing;

namespace {

RunResult run(const std::string& src, IpFamily f = IpFamily::V4, const Defines& d = {}) {
    Script s;
    ScriptError e;
    const bool ok = parse_script(src, d, s, e);
    INFO(e.to_string());
    REQUIRE(ok);
    RunOptions o;
    o.family = f;
    return run_script(s, o);
}

bool has(const std::string& hay, const char* needle) { return hay.find(needle) != std::string::npos; }

const std::string passive_open =
    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
    "+0 bind(3, ..., ...) = 0\n"
    "+0 listen(3, 1) = 0\n"
    "+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>\n"
    "+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>\n"
    "+.1 < . 1:1(0) ack 1 win 257\n"
    "+0 accept(3, ..., ...) = 4\n"
    "+0 getsockopt(4, SOL_TCP, TCP_MAXSEG, [1000], [4]) = 0\n"
    "+0 %{ assert tcpi_state == TCP_ESTABLISHED and tcpi_snd_wscale == 7 and tcpi_snd_mss == 1000 }%\n";

} // namespace

TEST_CASE("a passive open passes for IPv4 and IPv6", "[runner]") {
    for (const IpFamily f : {IpFamily::V4, IpFamily::V6}) {
        // Our MSS follows the device MTU (1500): 1460 over IPv4, 1440 over IPv6.
        std::string src = passive_open;
        if (f == IpFamily::V6) src.replace(src.find("mss 1460"), 8, "mss 1440");
        const RunResult r = run(src, f);
        INFO(r.pos.line << ": " << r.message);
        CHECK(r.verdict == Verdict::Pass);
    }
}

TEST_CASE("the peer's sequence numbers are relative after its SYN", "[runner]") {
    const RunResult r = run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
                            "+0 < S 1000:1000(0) win 32792 <mss 1000>\n"
                            "+0 > S. 0:0(0) ack 1001 <mss 1460>\n"
                            "+.1 < . 1:1(0) ack 1 win 257\n"
                            "+0 < F. 1:1(0) ack 1 win 257\n"
                            "+0 > . 1:1(0) ack 2\n");
    INFO(r.message);
    CHECK(r.verdict == Verdict::Pass);
}

TEST_CASE("wrong fields, options, missing packets and timing fail with the reason", "[runner]") {
    struct Case {
        std::string line; // replaces the SYN-ACK line
        const char* reason;
    };
    const Case cases[] = {
        {"+0 > S. 0:0(0) ack 1 win 1 <mss 1460,nop,wscale 10>", "tcp_window"},
        {"+0 > S. 0:0(0) ack 2 <mss 1460,nop,wscale 10>", "tcp_ack_seq"},
        {"+0 > S 0:0(0) ack 1 <mss 1460,nop,wscale 10>", "tcp_ack"},
        {"+0 > S. 0:0(0) ack 1 <mss 1400,nop,wscale 10>", "bad outbound TCP options"},
        {"+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10,nop,nop,nop,nop>", "bad outbound TCP options"},
        {"+0 > S. 0:0(0) ack 1", "bad outbound TCP options"},
        {"+0.5 > S. 0:0(0) ack 1 <...>", "timing error"},
        {"+0 > S. 0:1(1) ack 1 <...>", "payload length"},
    };
    for (const Case& c : cases) {
        std::string src = passive_open;
        const std::size_t at = src.find("+0 > S.");
        src.replace(at, src.find('\n', at) - at, c.line);
        const RunResult r = run(src);
        INFO(c.line << " -> " << r.message);
        CHECK(r.verdict == Verdict::Fail);
        CHECK(r.pos.line == 6);
        CHECK(has(r.message, c.reason));
    }
    const RunResult seq = run(passive_open + "+0 < F. 1:1(0) ack 1 win 257\n+0 > . 2:2(0) ack 2\n");
    CHECK(seq.verdict == Verdict::Fail);
    CHECK(seq.pos.line == 12);
    CHECK(has(seq.message, "tcp_seq"));
    const RunResult late = run(passive_open + "+1 > . 1:1(0) ack 1\n");
    CHECK(late.verdict == Verdict::Fail);
    CHECK(has(late.message, "timed out waiting for packet"));
}

TEST_CASE("<...> and `win` only where written", "[runner]") {
    std::string src = passive_open;
    const std::size_t at = src.find("+0 > S.");
    src.replace(at, src.find('\n', at) - at, "+0 > S. 0:0(0) ack 1 <...>");
    CHECK(run(src).verdict == Verdict::Pass);
}

TEST_CASE("non-blocking connect: EINPROGRESS, poll, EISCONN", "[runner]") {
    const RunResult r = run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                            "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
                            "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
                            "+0 > S 0:0(0) <...>\n"
                            "+0 connect(3, ..., ...) = -1 EALREADY (Operation already in progress)\n"
                            "+0 poll([{fd=3, events=POLLOUT, revents=0}], 1, 0) = 0\n"
                            "+.1 < S. 0:0(0) ack 1 win 5792 <mss 1460,nop,wscale 2,nop,nop,sackOK>\n"
                            "+0 > . 1:1(0) ack 1\n"
                            "+0 poll([{fd=3, events=POLLOUT, revents=POLLOUT}], 1, 0) = 1\n"
                            "+0 connect(3, ..., ...) = -1 EISCONN (Transport endpoint is already connected)\n"
                            "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n");
    INFO(r.pos.line << ": " << r.message);
    CHECK(r.verdict == Verdict::Pass);
}

TEST_CASE("refused connect: ECONNREFUSED through SO_ERROR and connect()", "[runner]") {
    const std::string head = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                             "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
                             "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
                             "+0 > S 0:0(0) <...>\n"
                             "+.1 < R. 0:0(0) ack 1 win 0\n";
    CHECK(run(head + "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n").verdict == Verdict::Pass);
    CHECK(run(head + "+0 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)\n").verdict == Verdict::Pass);
    const RunResult wrong = run(head + "+0 connect(3, ..., ...) = -1 ETIMEDOUT (Connection timed out)\n");
    CHECK(wrong.verdict == Verdict::Fail);
    CHECK(has(wrong.message, "expected errno 110 (ETIMEDOUT) but got 111 (ECONNREFUSED)"));
}

TEST_CASE("blocking calls run beside the script and are checked at their end", "[runner]") {
    const std::string src = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                            "+.1...0.200 connect(3, ..., ...) = 0\n"
                            "+0 > S 0:0(0) <...>\n"
                            "+.1 < S. 0:0(0) ack 1 win 5792 <mss 1460>\n"
                            "+0 > . 1:1(0) ack 1\n";
    CHECK(run(src).verdict == Verdict::Pass);
    std::string late = src;
    late.replace(late.find("0.200"), 5, "0.400");
    const RunResult r = run(late);
    CHECK(r.verdict == Verdict::Fail);
    CHECK(has(r.message, "connect() return"));
}

TEST_CASE("a closed port answers with RST", "[runner]") {
    CHECK(run("0 < S 0:0(0) win 1000\n+0 > R. 0:0(0) ack 1\n").verdict == Verdict::Pass);
}

TEST_CASE("what needs a data path is skipped with the reason", "[runner]") {
    const RunResult w = run(passive_open + "+0 write(4, ..., 100) = 100\n");
    CHECK(w.verdict == Verdict::Skip);
    CHECK(w.pos.line == 11);
    CHECK(has(w.message, "data path"));
    const RunResult rd = run(passive_open + "+0 read(4, ..., 100) = 100\n");
    CHECK(rd.verdict == Verdict::Skip);
    const RunResult u = run("0 < udp (10)\n");
    CHECK(u.verdict == Verdict::Skip);
    const RunResult sh = run("0 `rm -rf /`\n");
    CHECK(sh.verdict == Verdict::Skip);
    CHECK(has(sh.message, "shell command not modelled"));
    const RunResult py = run(passive_open + "+0 %{ assert tcpi_delivered == 1 }%\n");
    CHECK(py.verdict == Verdict::Skip);
}

TEST_CASE("a false tcpi assertion fails", "[runner]") {
    const RunResult r = run(passive_open + "+0 %{ assert tcpi_snd_mss == 1460 }%\n");
    CHECK(r.verdict == Verdict::Fail);
    CHECK(has(r.message, "assertion failed"));
}

TEST_CASE("sysctls and defaults.sh map onto the configuration", "[runner]") {
    // defaults.sh: tcp_rmem max 15 MB -> window scale 8; timestamps off by sysctl.
    const RunResult r = run("`../common/defaults.sh\n ../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0`\n" +
                            passive_open.substr(0, passive_open.find("+0 > S.")) +
                            "+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>\n");
    INFO(r.message);
    CHECK(r.verdict == Verdict::Pass);
    const RunResult bad = run("`sysctl -q net.ipv4.tcp_no_such_knob=1`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
    CHECK(bad.verdict == Verdict::Skip);
}

TEST_CASE("Fast Open server cookies are Linux's for a fixed key", "[runner]") {
    Defines d;
    d["TFO_COOKIE"] = "3021b9d889017eeb"; // the kernel's for 192.0.2.1 -> 192.168.0.1 under defaults.sh's key
    const std::string src = "`../common/defaults.sh`\n"
                            "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
                            "+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [1], 4) = 0\n"
                            "+0 < S 0:0(0) win 32792 <mss 1460,sackOK,nop,nop,FO,nop,nop>\n"
                            "+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,FO TFO_COOKIE,nop,nop>\n"
                            "+.1 < . 1:1(0) ack 1 win 257\n+0 close(3) = 0\n"
                            "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
                            "+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [1], 4) = 0\n"
                            "+0 < S 0:10(10) win 32792 <mss 1460,sackOK,nop,nop,FO TFO_COOKIE,nop,nop>\n"
                            "+0 > S. 0:0(0) ack 11 <mss 1460,nop,nop,sackOK>\n"
                            "+0 accept(3, ..., ...) = 4\n"
                            "+0 %{ assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0 }%\n"
                            "+0 read(4, ..., 100) = 10\n";
    const RunResult r = run(src, IpFamily::V4, d);
    INFO(r.pos.line << ": " << r.message);
    CHECK(r.verdict == Verdict::Pass);
}
