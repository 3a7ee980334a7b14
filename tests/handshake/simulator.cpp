// Property tests for synack/handshake/connection.hpp in the deterministic
// network simulator (simulator.hpp): 100,000 seeded runs of two machines over
// a link with delay, jitter, loss, duplication, reordering and corruption.
//
// Per run (simulator.hpp checks these after every step and at the end):
// - both ends agree: both ESTABLISHED with matching ISS/IRS and mirrored
//   negotiated parameters, or the active end reports TimedOut/Refused (at
//   exactly its Linux schedule) and the passive end gives up by its own;
// - every emitted segment decodes, verifies, and has Linux's option layout;
// - no deadline in the past; transmissions within the retry bounds;
// - a clean link with one-way delay d: client ESTABLISHED at exactly 2d,
//   server at exactly 3d (1 RTT / 1.5 RTT);
// - a corrupted segment is dropped by its checksum (or framing) and counted.
//
// A failing seed prints its scenario and a full trace. Replay one seed:
//   SYNACK_SIM_SEED=<seed> build/dev/tests/test_handshake_simulator "[replay]"
// Explore other seeds: SYNACK_SIM_FIRST_SEED=<n> (default 0), and
// SYNACK_SIM_SEEDS=<count> to override the count.
//
// Decision (noted here, as DESIGN.md asks): the user timeout is only
// configured on active opens. listen() arms it too (reset_tcb), so a passive
// Connection with a user timeout ends in TimedOut while still in LISTEN;
// the "listen ... user timeout" test below pins that behaviour down.
#include "simulator.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "synack_test.hpp"

using namespace synack;
using namespace synack::sim;

// At least 100,000 in every build: a Debug+ASan run takes a few seconds
// (see the measurements in the report); SYNACK_SIM_SEEDS can lower it for
// exceptionally slow instrumented builds.
#ifndef SYNACK_SIM_SEEDS
#define SYNACK_SIM_SEEDS 100000
#endif
inline constexpr std::uint64_t property_seeds = SYNACK_SIM_SEEDS;

namespace {

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return fallback;
    return std::strtoull(v, nullptr, 0);
}

// The full report for a seed: scenario, trace, and how to replay it.
std::string replay_report(std::uint64_t seed) {
    const Scenario s = make_scenario(seed);
    std::string trace;
    Simulator sim(s, &trace);
    const std::string failure = sim.run();
    return describe(s) + trace + "result: " + (failure.empty() ? std::string("ok") : failure) +
           "\nreplay: SYNACK_SIM_SEED=" + std::to_string(seed) + " test_handshake_simulator \"[replay]\"\n";
}

Scenario clean_scenario(std::uint64_t seed, Duration d_ab, Duration d_ba) {
    Scenario s = make_scenario(seed);
    s.opening = Opening::ClientServer;
    s.closing = Closing::ActiveFirst;
    s.link[0] = Link{};
    s.link[1] = Link{};
    s.link[0].delay = d_ab;
    s.link[1].delay = d_ba;
    s.spurious_timers = false;
    return s;
}

} // namespace

TEST_CASE("simulator: the generators are splitmix64 and xoshiro256**", "[simulator]") {
    // Vigna's splitmix64.c from state 0: the first outputs.
    std::uint64_t x = 0;
    CHECK(splitmix64(x) == 0xe220a8397b1dcdafULL);
    CHECK(splitmix64(x) == 0x6e789e6aa1b965f4ULL);
    CHECK(splitmix64(x) == 0x06c45d188009454fULL);
    // xoshiro256** seeded by splitmix64(0): pinned so that a seed means the
    // same run on every platform.
    Rng r(0);
    const std::uint64_t first = r.next();
    Rng again(0);
    CHECK(again.next() == first);
    CHECK(first == 0x99ec5f36cb75f2b4ULL);
    for (int i = 0; i < 1000; ++i) {
        CHECK(r.below(7) < 7);
        const std::int64_t v = r.between(-3, 3);
        CHECK((v >= -3 && v <= 3));
    }
}

TEST_CASE("simulator: a seed replays identically", "[simulator]") {
    for (std::uint64_t seed : {1ULL, 42ULL, 977ULL}) {
        std::string t1;
        std::string t2;
        Simulator a(make_scenario(seed), &t1);
        Simulator b(make_scenario(seed), &t2);
        CHECK(a.run() == b.run());
        CHECK(t1 == t2);
        CHECK(!t1.empty());
        // Tracing does not change the run.
        Simulator c(make_scenario(seed));
        c.run();
        CHECK(c.totals().segments_sent == a.totals().segments_sent);
        CHECK(c.totals().steps == a.totals().steps);
    }
}

TEST_CASE("simulator: clean link, client ESTABLISHED at 2d and server at 3d", "[simulator]") {
    for (const auto& [ab, ba] : {std::pair{Duration::milliseconds(50), Duration::milliseconds(50)},
                                  std::pair{Duration::microseconds(1), Duration::microseconds(1)},
                                  std::pair{Duration::milliseconds(10), Duration::milliseconds(300)},
                                  std::pair{Duration::milliseconds(700), Duration::milliseconds(700)}}) {
        Scenario s = clean_scenario(7, ab, ba);
        Simulator sim(s);
        const std::string failure = sim.run();
        INFO(describe(s) << failure);
        CHECK(failure.empty());
        CHECK(sim.totals().exact_timing == 1);
        CHECK(sim.totals().both_established == 1);
        CHECK(sim.totals().closed_clean == 1);
    }
}

TEST_CASE("simulator: corrupted segments are dropped by checksum and counted", "[simulator]") {
    Scenario s = clean_scenario(11, Duration::milliseconds(20), Duration::milliseconds(20));
    s.closing = Closing::None;
    s.ctx[0].config.user_timeout = Duration{};
    s.link[0].corrupt_ppm = 1000000; // every SYN arrives with one bit flipped
    Simulator sim(s);
    const std::string failure = sim.run();
    INFO(describe(s) << failure);
    CHECK(failure.empty());
    const ConnectionStats& b = sim.connection(1).stats();
    const std::uint32_t syns = 1U + give_up(s.ctx[0].config, true).retransmissions;
    CHECK(sim.totals().corrupted == syns);
    CHECK(sim.totals().corrupt_dropped == syns);
    CHECK(std::uint32_t{b.bad_checksum} + b.malformed == syns);
    CHECK(sim.totals().timed_out == 1);
    CHECK(sim.connection(1).state() == State::Listen);
}

TEST_CASE("simulator: listen() arms the user timeout", "[simulator]") {
    // Documents current behaviour (see the note at the top of this file).
    Context ctx;
    ctx.config.user_timeout = Duration::seconds(10);
    Connection c(ctx);
    REQUIRE(c.listen({IpAddress::v4(198, 18, 0, 2), 80}, Time{}) == Error::None);
    CHECK(c.next_deadline() == Time{} + Duration::seconds(10));
    c.on_timer(Time{} + Duration::seconds(10));
    CHECK(c.state() == State::Closed);
    const auto e = c.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->kind == EventKind::TimedOut);
}

TEST_CASE("simulator: property over 100,000 seeds", "[simulator][property]") {
    const std::uint64_t first = env_u64("SYNACK_SIM_FIRST_SEED", 0);
    const std::uint64_t count = env_u64("SYNACK_SIM_SEEDS", property_seeds);
    Totals totals;
    std::uint64_t failures = 0;
    std::uint64_t first_failure = 0;
    std::string first_message;
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
        Simulator sim(make_scenario(seed));
        const std::string failure = sim.run();
        totals.add(sim.totals());
        if (!failure.empty()) {
            if (failures < 12) std::printf("  seed %llu: %s\n", static_cast<unsigned long long>(seed), failure.c_str());
            if (failures == 0) {
                first_failure = seed;
                first_message = failure;
            }
            ++failures;
        }
    }
    std::printf("simulator: %llu seeds from %llu: %llu both established (%llu exact 2d/3d), %llu half-open, "
                "%llu timed out, %llu refused; %llu closed, %llu left in FIN-WAIT-2; %llu segments, %llu lost, "
                "%llu duplicated, %llu reordered, %llu corrupted (%llu dropped), %llu host RSTs; %llu steps "
                "(max %llu per run), max %llu in flight; %llu failing seeds\n",
                static_cast<unsigned long long>(totals.runs), static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(totals.both_established),
                static_cast<unsigned long long>(totals.exact_timing), static_cast<unsigned long long>(totals.half_open),
                static_cast<unsigned long long>(totals.timed_out), static_cast<unsigned long long>(totals.refused),
                static_cast<unsigned long long>(totals.closed_clean),
                static_cast<unsigned long long>(totals.fin_wait2_left),
                static_cast<unsigned long long>(totals.segments_sent), static_cast<unsigned long long>(totals.lost),
                static_cast<unsigned long long>(totals.duplicated), static_cast<unsigned long long>(totals.reordered),
                static_cast<unsigned long long>(totals.corrupted),
                static_cast<unsigned long long>(totals.corrupt_dropped),
                static_cast<unsigned long long>(totals.host_resets),
                static_cast<unsigned long long>(totals.steps),
                static_cast<unsigned long long>(totals.max_steps), static_cast<unsigned long long>(totals.max_in_flight),
                static_cast<unsigned long long>(failures));
    if (failures != 0) {
        FAIL(failures << " failing seeds; the first, " << first_failure << ": " << first_message << "\n"
                      << replay_report(first_failure));
    }
    CHECK(totals.runs == count);
    CHECK(totals.corrupted == totals.corrupt_dropped);
    // The mix exercised what it is meant to.
    if (count >= 100000) {
        CHECK(totals.exact_timing > 1000);
        CHECK(totals.half_open > 0);
        CHECK(totals.refused > 100);
        CHECK(totals.timed_out > 100);
        CHECK(totals.closed_clean > 1000);
        CHECK(totals.corrupted > 1000);
    }
}

TEST_CASE("simulator: replay the seed in SYNACK_SIM_SEED", "[.replay][replay]") {
    const char* v = std::getenv("SYNACK_SIM_SEED");
    if (v == nullptr) {
        WARN("set SYNACK_SIM_SEED=<seed> to replay a seed with its trace");
        return;
    }
    const std::uint64_t seed = std::strtoull(v, nullptr, 0);
    const std::string report = replay_report(seed);
    std::fputs(report.c_str(), stdout);
    Simulator sim(make_scenario(seed));
    CHECK(sim.run().empty());
}
