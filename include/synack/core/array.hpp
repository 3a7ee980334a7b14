// synack/core/array.hpp — Array<T, N>: a fixed-size array as a value.
//
// The subset of std::array the library's value types need (aggregate
// initialisation, indexing, iteration, fill, ==), written here because
// <array> pulls in most of the standard algorithms' headers and costs a
// large part of the umbrella header's compile-time budget (DESIGN.md).
// Converts to Span (it has data() and size()); N >= 1.
#pragma once

#include <cstddef>

namespace synack {

template <class T, std::size_t N>
struct Array {
    static_assert(N > 0);
    // Public, so that Array is an aggregate: Array<int, 3> a{1, 2, 3}.
    T elems[N];

    using value_type = T;
    using size_type = std::size_t;

    constexpr T& operator[](std::size_t i) noexcept { return elems[i]; }
    constexpr const T& operator[](std::size_t i) const noexcept { return elems[i]; }
    [[nodiscard]] constexpr T* data() noexcept { return elems; }
    [[nodiscard]] constexpr const T* data() const noexcept { return elems; }
    [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
    [[nodiscard]] static constexpr bool empty() noexcept { return false; }
    [[nodiscard]] constexpr T* begin() noexcept { return elems; }
    [[nodiscard]] constexpr T* end() noexcept { return elems + N; }
    [[nodiscard]] constexpr const T* begin() const noexcept { return elems; }
    [[nodiscard]] constexpr const T* end() const noexcept { return elems + N; }
    [[nodiscard]] constexpr T& front() noexcept { return elems[0]; }
    [[nodiscard]] constexpr const T& front() const noexcept { return elems[0]; }
    [[nodiscard]] constexpr T& back() noexcept { return elems[N - 1]; }
    [[nodiscard]] constexpr const T& back() const noexcept { return elems[N - 1]; }
    constexpr void fill(const T& v) noexcept {
        for (T& x : elems) x = v;
    }

    friend constexpr bool operator==(const Array& a, const Array& b) noexcept {
        for (std::size_t i = 0; i < N; ++i) {
            if (!(a.elems[i] == b.elems[i])) return false;
        }
        return true;
    }
};

} // namespace synack
