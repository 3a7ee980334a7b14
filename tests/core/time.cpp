// Tests for synack/core/time.hpp: Time and Duration arithmetic, unit
// constructors and ordering.
#include "synack/core/time.hpp"

#include <cstdint>

#include "synack_test.hpp"

namespace {
using synack::Duration;
using synack::Time;
} // namespace

static_assert(Duration::nanoseconds(7).ns == 7);
static_assert(Duration::microseconds(3).ns == 3000);
static_assert(Duration::milliseconds(200).ns == 200000000);
static_assert(Duration::seconds(1).ns == 1000000000);
static_assert(Duration::seconds(120).ns == 120000000000LL);  // does not overflow 32 bits
static_assert(Duration::seconds(1) == Duration::milliseconds(1000));
static_assert(Duration::milliseconds(1) + Duration::microseconds(500) == Duration::microseconds(1500));
static_assert(Duration::seconds(1) - Duration::milliseconds(1) == Duration::microseconds(999000));
static_assert(Duration::seconds(1) * 3 == Duration::seconds(3));
static_assert(Duration::milliseconds(1) < Duration::seconds(1));
static_assert(Duration{} == Duration::nanoseconds(0));

static_assert(Time::from_ns(5) + Duration::nanoseconds(10) == Time::from_ns(15));
static_assert(Time::from_ns(15) - Duration::nanoseconds(10) == Time::from_ns(5));
static_assert(Time::from_ns(15) - Time::from_ns(5) == Duration::nanoseconds(10));
static_assert(Time::from_ns(5) - Time::from_ns(15) == Duration::nanoseconds(-10));
static_assert(Time::from_ns(1) < Time::from_ns(2));
static_assert(Time::never() > Time::from_ns(INT64_MAX - 1));
static_assert(Time{}.ns == 0);

TEST_CASE("Duration arithmetic and ordering", "[time]") {
    const Duration rto = Duration::seconds(1);
    Duration backoff = rto;
    for (int i = 0; i < 6; ++i) backoff = backoff * 2;  // 6 SYN retries, doubling
    CHECK(backoff == Duration::seconds(64));
    CHECK(backoff > rto);
    CHECK(backoff - rto == Duration::seconds(63));
    CHECK(Duration::microseconds(1) == Duration::nanoseconds(1000));
    CHECK(Duration::microseconds(1) <= Duration::nanoseconds(1000));
    CHECK(Duration::microseconds(1) >= Duration::nanoseconds(1000));
    CHECK(Duration::nanoseconds(1) < Duration::nanoseconds(2));
    CHECK_FALSE(Duration::nanoseconds(2) < Duration::nanoseconds(2));
    CHECK(Duration::nanoseconds(1) != Duration::nanoseconds(2));
    CHECK(Time::from_ns(5) > Time::from_ns(4));
    CHECK(Time::from_ns(5) >= Time::from_ns(5));
    CHECK_FALSE(Time::from_ns(5) <= Time::from_ns(4));
}

TEST_CASE("Time plus and minus Durations", "[time]") {
    const Time now = Time::from_ns(1'000'000'000);
    const Time deadline = now + Duration::milliseconds(1500);
    CHECK(deadline.ns == 2'500'000'000);
    CHECK(deadline - now == Duration::milliseconds(1500));
    CHECK(deadline - Duration::milliseconds(1500) == now);
    CHECK(now < deadline);
    CHECK(deadline <= deadline);
    CHECK(Time::never() > deadline);
    CHECK(Time::never().ns == INT64_MAX);
}
