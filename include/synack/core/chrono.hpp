// synack/core/chrono.hpp — adapters between synack::Time/Duration and std::chrono.
// Kept out of the umbrella header: <chrono> alone costs ~0.5 s of compile time.
#pragma once

#include <chrono>

#include "synack/core/time.hpp"

namespace synack {

template <class Rep, class Period>
constexpr Duration to_duration(std::chrono::duration<Rep, Period> d) noexcept {
    return Duration{std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()};
}

constexpr std::chrono::nanoseconds to_chrono(Duration d) noexcept { return std::chrono::nanoseconds(d.ns); }

template <class Clock, class Dur>
constexpr Time to_time(std::chrono::time_point<Clock, Dur> tp) noexcept {
    return Time{std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count()};
}

} // namespace synack
