// Tests for synack/core/chrono.hpp: conversions between synack::Time /
// Duration and std::chrono durations and time points.
#include "synack/core/chrono.hpp"

#include <chrono>
#include <cstdint>

#include "synack_test.hpp"

namespace {
using synack::Duration;
using synack::Time;
} // namespace

static_assert(synack::to_duration(std::chrono::milliseconds(250)) == Duration::milliseconds(250));
static_assert(synack::to_duration(std::chrono::nanoseconds(1)) == Duration::nanoseconds(1));
static_assert(synack::to_chrono(Duration::seconds(2)) == std::chrono::seconds(2));

TEST_CASE("std::chrono durations convert both ways", "[chrono]") {
    CHECK(synack::to_duration(std::chrono::seconds(3)) == Duration::seconds(3));
    CHECK(synack::to_duration(std::chrono::microseconds(-5)) == Duration::microseconds(-5));
    CHECK(synack::to_duration(std::chrono::duration<double>(0.5)) == Duration::milliseconds(500));
    CHECK(synack::to_chrono(Duration::milliseconds(7)) == std::chrono::milliseconds(7));
    CHECK(synack::to_duration(synack::to_chrono(Duration::nanoseconds(123))) == Duration::nanoseconds(123));
}

TEST_CASE("std::chrono time points convert to Time", "[chrono]") {
    const std::chrono::steady_clock::time_point tp{std::chrono::nanoseconds(123456789)};
    CHECK(synack::to_time(tp) == Time::from_ns(123456789));
    const std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds> secs{std::chrono::seconds(2)};
    CHECK(synack::to_time(secs) == Time::from_ns(2'000'000'000));
}
