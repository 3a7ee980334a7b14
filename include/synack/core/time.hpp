// synack/core/time.hpp — Time and Duration: strong 64-bit nanosecond counts.
//
// The machines never read a clock: the caller passes `now` (nanoseconds since
// an epoch of its choosing) into every call. std::chrono adapters live in
// chrono.hpp so that this header stays cheap to include.
#pragma once

#include <cstdint>

namespace synack {

struct Duration {
    std::int64_t ns = 0;

    static constexpr Duration nanoseconds(std::int64_t n) noexcept { return {n}; }
    static constexpr Duration microseconds(std::int64_t n) noexcept { return {n * 1000}; }
    static constexpr Duration milliseconds(std::int64_t n) noexcept { return {n * 1000000}; }
    static constexpr Duration seconds(std::int64_t n) noexcept { return {n * 1000000000}; }

    friend constexpr Duration operator+(Duration a, Duration b) noexcept { return {a.ns + b.ns}; }
    friend constexpr Duration operator-(Duration a, Duration b) noexcept { return {a.ns - b.ns}; }
    friend constexpr Duration operator*(Duration a, std::int64_t k) noexcept { return {a.ns * k}; }
    // Spelled out rather than a defaulted <=>, which needs <compare>.
    friend constexpr bool operator==(Duration a, Duration b) noexcept { return a.ns == b.ns; }
    friend constexpr bool operator<(Duration a, Duration b) noexcept { return a.ns < b.ns; }
    friend constexpr bool operator<=(Duration a, Duration b) noexcept { return a.ns <= b.ns; }
    friend constexpr bool operator>(Duration a, Duration b) noexcept { return a.ns > b.ns; }
    friend constexpr bool operator>=(Duration a, Duration b) noexcept { return a.ns >= b.ns; }
};

struct Time {
    std::int64_t ns = 0;

    static constexpr Time from_ns(std::int64_t n) noexcept { return {n}; }
    static constexpr Time never() noexcept { return {INT64_MAX}; }

    friend constexpr Time operator+(Time t, Duration d) noexcept { return {t.ns + d.ns}; }
    friend constexpr Time operator-(Time t, Duration d) noexcept { return {t.ns - d.ns}; }
    friend constexpr Duration operator-(Time a, Time b) noexcept { return {a.ns - b.ns}; }
    friend constexpr bool operator==(Time a, Time b) noexcept { return a.ns == b.ns; }
    friend constexpr bool operator<(Time a, Time b) noexcept { return a.ns < b.ns; }
    friend constexpr bool operator<=(Time a, Time b) noexcept { return a.ns <= b.ns; }
    friend constexpr bool operator>(Time a, Time b) noexcept { return a.ns > b.ns; }
    friend constexpr bool operator>=(Time a, Time b) noexcept { return a.ns >= b.ns; }
};

// Overflow-free arithmetic for values a caller or a peer controls (a `now`
// near INT64_MAX, a clock that steps back across the epoch): the result
// saturates at the int64 range instead of wrapping (which is undefined).
[[nodiscard]] constexpr Time saturating_add(Time t, Duration d) noexcept {
    if (d.ns > 0 && t.ns > INT64_MAX - d.ns) return Time{INT64_MAX};
    if (d.ns < 0 && t.ns < INT64_MIN - d.ns) return Time{INT64_MIN};
    return Time{t.ns + d.ns};
}
[[nodiscard]] constexpr Duration saturating_sub(Time a, Time b) noexcept {
    if (b.ns < 0 && a.ns > INT64_MAX + b.ns) return Duration{INT64_MAX};
    if (b.ns > 0 && a.ns < INT64_MIN + b.ns) return Duration{INT64_MIN};
    return Duration{a.ns - b.ns};
}

} // namespace synack
