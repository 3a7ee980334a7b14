// synack/core/span.hpp — Span<T>: a pointer and a length, the library's view
// of contiguous memory (Bytes = Span<const std::uint8_t>).
//
// The subset of std::span the library needs, so that the umbrella header
// stays within its compile-time budget (DESIGN.md: <span> alone costs more
// than a third of it). It converts implicitly from anything with data() and
// size() (std::array, std::vector, std::span, std::string) and from C arrays,
// and std::span<const T> converts from it (it is a contiguous, sized range).
// Bounds are the caller's to respect, as with std::span.
#pragma once

#include <cstddef>
#include <type_traits>

namespace synack {

template <class T>
class Span {
  public:
    using element_type = T;
    using value_type = std::remove_cv_t<T>;
    using size_type = std::size_t;
    using pointer = T*;
    using iterator = T*;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    constexpr Span() noexcept = default;
    constexpr Span(T* data, std::size_t size) noexcept : p_(data), n_(size) {}
    template <class U, std::size_t N>
        requires std::is_convertible_v<U (*)[], T (*)[]>
    constexpr Span(U (&a)[N]) noexcept : p_(a), n_(N) {} // NOLINT: implicit, as std::span
    // Any contiguous container: data() must convert to T* (so a const
    // container gives only a Span<const T>).
    template <class C>
        requires(!std::is_array_v<std::remove_reference_t<C>>) && requires(C& c) {
            requires std::is_convertible_v<std::remove_pointer_t<decltype(c.data())> (*)[], T (*)[]>;
            static_cast<std::size_t>(c.size());
        }
    constexpr Span(C&& c) noexcept // NOLINT: implicit, as std::span
        : p_(c.data()), n_(static_cast<std::size_t>(c.size())) {}

    [[nodiscard]] constexpr T* data() const noexcept { return p_; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return n_; }
    [[nodiscard]] constexpr std::size_t size_bytes() const noexcept { return n_ * sizeof(T); }
    [[nodiscard]] constexpr bool empty() const noexcept { return n_ == 0; }
    constexpr T& operator[](std::size_t i) const noexcept { return p_[i]; }
    [[nodiscard]] constexpr T& front() const noexcept { return p_[0]; }
    [[nodiscard]] constexpr T& back() const noexcept { return p_[n_ - 1]; }
    [[nodiscard]] constexpr T* begin() const noexcept { return p_; }
    [[nodiscard]] constexpr T* end() const noexcept { return p_ + n_; }

    [[nodiscard]] constexpr Span first(std::size_t count) const noexcept { return {p_, count}; }
    [[nodiscard]] constexpr Span last(std::size_t count) const noexcept { return {p_ + (n_ - count), count}; }
    [[nodiscard]] constexpr Span subspan(std::size_t offset, std::size_t count = npos) const noexcept {
        return {p_ + offset, count == npos ? n_ - offset : count};
    }

  private:
    T* p_ = nullptr;
    std::size_t n_ = 0;
};

} // namespace synack
