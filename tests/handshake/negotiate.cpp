// Tests for synack/handshake/negotiate.hpp: the handshake's rules, written
// once (MSS, window scale, SACK, timestamps, ECN, PAWS with the idle rule,
// the RTT sample with Karn's rule, the reply limiter, Fast Open, the
// Negotiated record). Most are also proven at compile time.
#include "synack/handshake/negotiate.hpp"

#include <cstdint>

#include "synack_test.hpp"

using namespace synack;
using namespace synack::negotiate;

// ---- MSS (RFC 9293 §3.7.1, RFC 8200, Linux tcp_min_snd_mss) ----
static_assert(default_mss(true) == 536 && default_mss(false) == 1220);
static_assert(peer_mss(nullopt, true) == 536 && peer_mss(std::uint16_t{0}, false) == 1220);
static_assert(peer_mss(std::uint16_t{1400}, true) == 1400);
static_assert(send_mss(1400, 1460) == 1400 && send_mss(9000, 1460) == 1460);
static_assert(send_mss(8, 1460) == 48); // CVE-2019-11479 floor

// ---- the initial window (Linux tcp_select_initial_window()) ----
static_assert(initial_window(65535, 1460, false) == 64240); // 44 * 1460: Linux's SYN
static_assert(initial_window(65535, 1460, true) == 65160);  // 45 * 1448: Linux's SYN-ACK with timestamps
static_assert(initial_window(65535, 1400, false) == 64400);
static_assert(initial_window(1000, 1460, true) == 1000);    // less than an MSS: as is
static_assert(syn_window(initial_window(1U << 20U, 1460, false)) == 65535);

// ---- window scale (RFC 7323 §2.3) ----
static_assert(clamp_window_scale(14) == 14 && clamp_window_scale(15) == 14 && clamp_window_scale(255) == 14);

// ---- PAWS (RFC 7323 §5, Linux tcp_paws_check()) ----
static_assert(paws_ok(1000, 1000, {}));
static_assert(paws_ok(1000, 999, {}));   // TCP_PAWS_WINDOW: one tick older passes
static_assert(!paws_ok(1000, 998, {}));
static_assert(paws_ok(0xFFFFFFF0U, 5, {})); // across the 2^32 wrap: newer
static_assert(!paws_ok(5, 0xFFFFFFF0U, {}));
// §5.5's idle rule with Linux's TCP_PAWS_WRAP (2147 s), not the RFC's 24 days
static_assert(!paws_ok(1000, 1000 + 0x80000001U, Duration::seconds(2147) - Duration::nanoseconds(1)));
static_assert(paws_ok(1000, 1000 + 0x80000001U, Duration::seconds(2147)));
static_assert(!paws_ok(1000, 998, Duration::seconds(2146)));
static_assert(paws_ok(1000, 999 - 0x10000U, Duration::seconds(2147)));
static_assert(paws_ok(0, 0x90000000U, {})); // TS.Recent 0 ignored, as Linux

TEST_CASE("negotiate: agreement takes only what both sides sent", "[negotiate]") {
    Config c;
    OptionValues peer;
    peer.mss = 1400;
    peer.window_scale = 15;
    peer.sack_permitted = true;
    peer.timestamps = Timestamps{77, 0};
    Agreement a = agree(c, peer, TcpFlag::Syn, true, false);
    CHECK(a.mss == 1400);
    CHECK(a.wscale);
    CHECK(a.snd_wscale == 14);
    CHECK(a.rcv_wscale == 7);
    CHECK(a.sack);
    CHECK(a.timestamps);
    CHECK(a.ts_recent == 77);
    CHECK_FALSE(a.ecn);

    c.window_scale = nullopt;
    c.sack = false;
    c.timestamps = false;
    a = agree(c, peer, TcpFlag::Syn, true, false);
    CHECK_FALSE(a.wscale);
    CHECK(a.snd_wscale == 0);
    CHECK_FALSE(a.sack);
    CHECK_FALSE(a.timestamps);
    CHECK(a.ts_recent == 0);

    // No options at all: the family's default MSS.
    a = agree(Config{}, OptionValues{}, TcpFlag::Syn, false, false);
    CHECK(a.mss == 1220);
    CHECK_FALSE(a.wscale);
}

TEST_CASE("negotiate: ECN setup SYN and SYN-ACK (RFC 3168 §6.1.1)", "[negotiate]") {
    Config c;
    c.ecn = true;
    const TcpFlags syn_ecn = TcpFlag::Syn | TcpFlag::Ece | TcpFlag::Cwr;
    const TcpFlags synack_ecn = TcpFlag::Syn | TcpFlag::Ack | TcpFlag::Ece;
    CHECK(agree(c, {}, syn_ecn, true, false).ecn);
    CHECK_FALSE(agree(c, {}, TcpFlag::Syn | TcpFlag::Ece, true, false).ecn); // ECE alone is no setup SYN
    CHECK(agree(c, {}, synack_ecn, true, true).ecn);
    CHECK_FALSE(agree(c, {}, synack_ecn | TcpFlag::Cwr, true, true).ecn); // ECE+CWR is no setup SYN-ACK
    CHECK_FALSE(agree(Config{}, {}, syn_ecn, true, false).ecn);           // we did not ask
    CHECK(syn_flags(c) == syn_ecn);
    CHECK(syn_flags(Config{}) == TcpFlags(TcpFlag::Syn));
    Agreement a;
    a.ecn = true;
    CHECK(synack_flags(a) == synack_ecn);
}

TEST_CASE("negotiate: the SYN offers everything configured, the SYN-ACK answers what was agreed", "[negotiate]") {
    Config c;
    OptionValues syn;
    syn_offer(c, 1234, syn);
    CHECK(syn.mss == 1460);
    CHECK(syn.sack_permitted);
    REQUIRE(syn.timestamps.has_value());
    CHECK(syn.timestamps->value == 1234);
    CHECK(syn.timestamps->echo_reply == 0);
    CHECK(syn.window_scale == std::uint8_t{7});
    CHECK(*syn.canonical_size() == 20); // Linux's SYN: mss, sackOK+TS, nop+wscale

    Agreement a;
    a.sack = false;
    a.timestamps = true;
    a.ts_recent = 99;
    a.wscale = false;
    OptionValues sa;
    synack_answer(c, a, 555, sa);
    CHECK(sa.mss == 1460);
    CHECK_FALSE(sa.sack_permitted);
    REQUIRE(sa.timestamps.has_value());
    CHECK(sa.timestamps->value == 555);
    CHECK(sa.timestamps->echo_reply == 99);
    CHECK_FALSE(sa.window_scale.has_value());
    CHECK(syn_window(64240) == 64240);
    CHECK(syn_window(1U << 20U) == 65535);
}

TEST_CASE("negotiate: the handshake RTT sample, Karn's rule and hostile clocks", "[negotiate][rtt]") {
    const Time sent = Time{1000000000};
    const Time now = sent + Duration::milliseconds(40);
    // From the timestamp echo, even when the SYN went twice.
    const Optional<Timestamps> ts = Timestamps{5, 960};
    CHECK(handshake_rtt(true, ts, 1000, false, sent, now) == Optional<Duration>(Duration::milliseconds(40)));
    // No echo (ecr 0): the clock, only if the segment went once.
    const Optional<Timestamps> no_echo = Timestamps{5, 0};
    CHECK(handshake_rtt(true, no_echo, 1000, true, sent, now) == Optional<Duration>(Duration::milliseconds(40)));
    CHECK_FALSE(handshake_rtt(false, nullopt, 0, false, sent, now).has_value()); // Karn
    CHECK(handshake_rtt(false, nullopt, 0, true, sent, now) == Optional<Duration>(Duration::milliseconds(40)));
    // A clock that stepped back: no sample, never a negative one.
    CHECK_FALSE(handshake_rtt(false, nullopt, 0, true, now, sent).has_value());
    // An echo from the future (ours is older than it): no sample.
    const Optional<Timestamps> future = Timestamps{5, 2000};
    CHECK_FALSE(handshake_rtt(true, future, 1000, true, sent, sent).has_value());
    // INT64 edges do not overflow.
    CHECK_FALSE(handshake_rtt(false, nullopt, 0, true, Time{INT64_MAX}, Time{INT64_MIN}).has_value());
    CHECK(handshake_rtt(false, nullopt, 0, true, Time{INT64_MIN}, Time{INT64_MAX}) ==
          Optional<Duration>(Duration{INT64_MAX}));
}

TEST_CASE("negotiate: replies a peer can draw, per flow (Linux tcp_oow_rate_limited)", "[negotiate][oow]") {
    // Pure ACKs and SYNs are limited; data is not.
    CHECK(reply_is_rate_limited(0, false));
    CHECK(reply_is_rate_limited(1, true));
    CHECK_FALSE(reply_is_rate_limited(10, false));
    CHECK_FALSE(reply_is_rate_limited(1, false)); // a FIN counts as one, as in Linux (end_seq != seq)

    std::uint32_t start = 0;
    std::uint16_t count = 0;
    const Duration w = Duration::milliseconds(500);
    CHECK(reply_allowed(1000, start, count, 1, w));
    CHECK_FALSE(reply_allowed(1001, start, count, 1, w));
    CHECK_FALSE(reply_allowed(1499, start, count, 1, w));
    CHECK(reply_allowed(1500, start, count, 1, w));
    // The clock stepped back: the interval restarts (Linux "0 <= elapsed").
    CHECK(reply_allowed(100, start, count, 1, w));
    CHECK_FALSE(reply_allowed(200, start, count, 1, w));
    // Across the 32-bit wrap of the 1 ms clock.
    start = 0xFFFFFF00U;
    count = 1;
    CHECK_FALSE(reply_allowed(0x00000010U, start, count, 1, w)); // 272 ms later
    CHECK(reply_allowed(0x00000200U, start, count, 1, w));       // 768 ms later
    // A limit of 3 per window; a limit of 0 sends nothing.
    std::uint8_t c8 = 0;
    start = 0;
    int sent = 0;
    for (std::uint32_t t = 10; t < 20; ++t) sent += reply_allowed(t, start, c8, 3, w) ? 1 : 0;
    CHECK(sent == 3);
    c8 = 0;
    CHECK_FALSE(reply_allowed(5000, start, c8, 0, w));
}

TEST_CASE("negotiate: Fast Open (RFC 7413, Linux tcp_try_fastopen)", "[negotiate][tfo]") {
    CHECK(fastopen_cookie_length_ok(0));
    CHECK(fastopen_cookie_length_ok(4));
    CHECK(fastopen_cookie_length_ok(16));
    CHECK_FALSE(fastopen_cookie_length_ok(2));
    CHECK_FALSE(fastopen_cookie_length_ok(5));
    CHECK_FALSE(fastopen_cookie_length_ok(18));
    CHECK(fastopen_syn_room(0, true) == 536);
    CHECK(fastopen_syn_room(0, false) == 1220);
    CHECK(fastopen_syn_room(1400, true) == 1400);
    using A = FastOpenAnswer;
    //                     enabled option full   request valid  backup
    CHECK(fastopen_answer(false, true, false, false, true, false) == A::None);
    CHECK(fastopen_answer(true, false, false, false, true, false) == A::None);
    CHECK(fastopen_answer(true, true, true, false, true, false) == A::None);   // pending limit
    CHECK(fastopen_answer(true, true, false, true, false, false) == A::Cookie); // request
    CHECK(fastopen_answer(true, true, false, false, false, false) == A::Cookie); // invalid: data dropped
    // A valid cookie makes the child, with or without data (tcp_try_fastopen()).
    CHECK(fastopen_answer(true, true, false, false, true, false) == A::Data);
    CHECK(fastopen_answer(true, true, false, false, false, true) == A::DataCookie);
}

TEST_CASE("negotiate: the Negotiated record", "[negotiate]") {
    const FourTuple flow{{IpAddress::v4(198, 18, 0, 1), 40000}, {IpAddress::v4(198, 18, 0, 2), 80}};
    Agreement a;
    a.wscale = true;
    a.snd_wscale = 9;
    a.rcv_wscale = 7;
    a.sack = true;
    a.timestamps = true;
    a.ts_recent = 4242;
    a.mss = 1400;
    a.ecn = true;
    const Negotiated n = negotiated(flow, {SeqNum(10), SeqNum(20), SeqNum(11), SeqNum(31)}, a, 502, 77, 10,
                                    Duration::milliseconds(3));
    CHECK(n.flow == flow);
    CHECK(n.iss == SeqNum(10));
    CHECK(n.irs == SeqNum(20));
    CHECK(n.snd_nxt == SeqNum(11));
    CHECK(n.rcv_nxt == SeqNum(31));
    CHECK(n.peer_window == 502);
    CHECK(n.wscale);
    CHECK(n.snd_wscale == 9);
    CHECK(n.rcv_wscale == 7);
    CHECK(n.mss == 1400);
    CHECK(n.sack);
    CHECK(n.timestamps);
    CHECK(n.ts_recent == 4242);
    CHECK(n.ts_offset == 77);
    CHECK(n.ecn);
    CHECK(n.tfo_data == 10);
    CHECK(n.has_rtt);
    CHECK(n.rtt == Duration::milliseconds(3));
    a.wscale = false;
    a.timestamps = false;
    const Negotiated m = negotiated(flow, {}, a, 0, 0, 0, nullopt);
    CHECK(m.snd_wscale == 0);
    CHECK(m.rcv_wscale == 0);
    CHECK(m.ts_recent == 0);
    CHECK_FALSE(m.has_rtt);
    CHECK(m.rtt == Duration{});
}

TEST_CASE("negotiate: Config validation names what cannot be honoured", "[negotiate][config]") {
    static_assert(validate_connection_config(Config{}) == Error::None);
    static_assert(validate_listener_config(Config{}) == Error::None);
    Config c;
    c.challenge_ack_window = Duration::microseconds(10); // the limiter's clock ticks in ms
    CHECK(validate_connection_config(c) == Error::ConfigRateLimit);
    c = Config{};
    c.rto_min = Duration::seconds(200);
    CHECK(validate_connection_config(c) == Error::ConfigTimer);
    c = Config{};
    c.rcv_wnd = 0;
    CHECK(validate_connection_config(c) == Error::ConfigReceiveWindow);
    c.rcv_wnd = 0xFFFFU << 14U;
    c.window_scale = 14;
    CHECK(validate_connection_config(c) == Error::None);
    c.rcv_wnd += 1;
    CHECK(validate_connection_config(c) == Error::ConfigReceiveWindow);
    c = Config{};
    c.backlog = (1U << 31U) + 1;
    CHECK(validate_connection_config(c) == Error::None);
    CHECK(validate_listener_config(c) == Error::ConfigTableSize);
}
