// Tests for synack/testing/tcpi.hpp: the %{ assert ... }% evaluator.
#include "synack/testing/tcpi.hpp"

#include <string>

#include "synack_test.hpp"

using namespace synack::testing;

TEST_CASE("tcpi asserts evaluate over the fields", "[tcpi]") {
    TcpInfo t;
    t.state = 1;
    t.options = 1 | 2 | 4 | 32;
    t.snd_wscale = 6;
    t.rcv_wscale = 8;
    t.snd_mss = 1000;
    t.advmss = 1460;
    t.has_rtt = true;
    t.rtt_us = 20000;
    std::string why;
    CHECK(evaluate_tcpi("assert tcpi_state == TCP_ESTABLISHED", t, why) == TcpiResult::True);
    CHECK(evaluate_tcpi("assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0, tcpi_options", t, why) == TcpiResult::True);
    CHECK(evaluate_tcpi("assert tcpi_snd_wscale == 6 and tcpi_rcv_wscale == 8", t, why) == TcpiResult::True);
    CHECK(evaluate_tcpi("assert 15000 <= tcpi_rtt <= 25000, 'rtt=%d' % tcpi_rtt", t, why) == TcpiResult::True);
    CHECK(evaluate_tcpi("assert tcpi_advmss == 1460, tcpi_advmss; assert tcpi_snd_mss == 1000", t, why) == TcpiResult::True);
    CHECK(evaluate_tcpi("assert (tcpi_options &\n        TCPI_OPT_ECN) == 0\n# comment\n", t, why) == TcpiResult::True);
    CHECK(evaluate_tcpi("assert not (tcpi_snd_mss < 536) or 0", t, why) == TcpiResult::True);
    CHECK(evaluate_tcpi("assert -1 + 2 * 3 // 2 == 2", t, why) == TcpiResult::True);

    CHECK(evaluate_tcpi("assert tcpi_snd_mss == 1460", t, why) == TcpiResult::False);
    CHECK(why == "assert tcpi_snd_mss == 1460");
    CHECK(evaluate_tcpi("assert 25000 <= tcpi_rtt <= 36000", t, why) == TcpiResult::False);
    CHECK(evaluate_tcpi("assert tcpi_state == 1\nassert tcpi_state == 2", t, why) == TcpiResult::False);
}

TEST_CASE("tcpi blocks beyond the model are unsupported, not passed", "[tcpi]") {
    TcpInfo t;
    std::string why;
    CHECK(evaluate_tcpi("assert tcpi_delivered == 1", t, why) == TcpiResult::Unsupported);
    CHECK(why.find("tcpi_delivered") != std::string::npos);
    CHECK(evaluate_tcpi("print(tcpi_state)", t, why) == TcpiResult::Unsupported);
    CHECK(evaluate_tcpi("assert tcpi_rtt > 0", t, why) == TcpiResult::Unsupported); // no RTT sample yet
    CHECK(evaluate_tcpi("assert 1 / 0", t, why) == TcpiResult::Unsupported);
    CHECK(evaluate_tcpi("assert (1", t, why) == TcpiResult::Unsupported);
    std::string deep = "assert ";
    for (int i = 0; i < 500; ++i) deep += "(";
    CHECK(evaluate_tcpi(deep, t, why) == TcpiResult::Unsupported);
    std::string nots = "assert ";
    for (int i = 0; i < 500; ++i) nots += "not ";
    CHECK(evaluate_tcpi(nots + "1", t, why) == TcpiResult::Unsupported);
}
