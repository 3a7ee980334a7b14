// synack/core/std_compat.hpp — opt-in conversions between the library's
// vocabulary (Optional, Span, Array) and the standard one (std::optional,
// std::nullopt, std::span, std::array), so that code written against the
// standard types compiles unchanged against synack's API:
//
//     #include <synack/core/std_compat.hpp>
//     synack::Config c;
//     c.window_scale = std::nullopt;                    // std::nullopt accepted
//     c.window_scale = std::optional<std::uint8_t>{7};  // std::optional -> Optional
//     std::optional<std::uint8_t> ws = c.window_scale;  // Optional -> std::optional
//     std::span<const std::uint8_t> s = bytes;          // Span -> std::span (always worked)
//     synack::Bytes b = std::span<const std::uint8_t>(v); // std::span -> Span (always worked)
//
// Not included by the umbrella header: <optional>, <span> and <array> are
// what the library's own types exist to avoid (DESIGN.md, compile time).
// Also to_std() / from_std() for spelling a conversion out.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <type_traits>

#include "synack/core/array.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/span.hpp"

namespace synack {

namespace compat {
template <class U>
struct is_foreign_optional<std::optional<U>> : std::true_type {};
template <>
struct is_foreign_nullopt<std::nullopt_t> : std::true_type {};
} // namespace compat

template <class T>
[[nodiscard]] constexpr std::optional<T> to_std(const Optional<T>& o) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    return o ? std::optional<T>(*o) : std::nullopt;
}
template <class T>
[[nodiscard]] constexpr Optional<T> from_std(const std::optional<T>& o) noexcept {
    return o ? Optional<T>(*o) : Optional<T>();
}

template <class T>
[[nodiscard]] constexpr std::span<T> to_std(Span<T> s) noexcept {
    return {s.data(), s.size()};
}
template <class T, std::size_t N>
[[nodiscard]] constexpr Span<T> from_std(std::span<T, N> s) noexcept {
    return {s.data(), s.size()};
}

template <class T, std::size_t N>
[[nodiscard]] constexpr std::array<T, N> to_std(const Array<T, N>& a) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    std::array<T, N> r{};
    for (std::size_t i = 0; i < N; ++i) r[i] = a[i];
    return r;
}
template <class T, std::size_t N>
[[nodiscard]] constexpr Array<T, N> from_std(const std::array<T, N>& a) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    Array<T, N> r{};
    for (std::size_t i = 0; i < N; ++i) r[i] = a[i];
    return r;
}

} // namespace synack
