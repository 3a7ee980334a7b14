// synack/core/optional.hpp — Optional<T>: a value that may be absent.
//
// The subset of std::optional the library needs, for its small, default-
// constructible value types: the value is always constructed (T{} when
// absent), which keeps it usable in constant expressions without unions
// and keeps == deterministic. Written here because <optional> and its
// instantiations cost a large part of the umbrella header's compile-time
// budget (DESIGN.md). `nullopt` is synack::nullopt.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

namespace synack {

struct Nullopt {
    constexpr explicit Nullopt(int) noexcept {}
};
inline constexpr Nullopt nullopt{0};

// Hooks for other vocabularies' optionals (core/std_compat.hpp specializes
// them for std::optional and std::nullopt_t): an Optional converts from and
// to a type marked here, without this header including <optional>.
namespace compat {
template <class O>
struct is_foreign_optional : std::false_type {};
template <class N>
struct is_foreign_nullopt : std::false_type {};
} // namespace compat

template <class T>
class Optional {
    static_assert(std::is_default_constructible_v<T>);

  public:
    using value_type = T;

    constexpr Optional() noexcept = default;
    constexpr Optional(Nullopt) noexcept {} // NOLINT: implicit, as std::optional
    template <class U = T>
        requires(!std::is_same_v<std::remove_cvref_t<U>, Optional> && !std::is_same_v<std::remove_cvref_t<U>, Nullopt> &&
                 !compat::is_foreign_optional<std::remove_cvref_t<U>>::value &&
                 !compat::is_foreign_nullopt<std::remove_cvref_t<U>>::value && std::is_constructible_v<T, U &&>)
    constexpr Optional(U&& v) noexcept // NOLINT: implicit, as std::optional
        : value_(static_cast<T>(static_cast<U&&>(v))), has_(true) {}
    // From a foreign nullopt (std::nullopt with core/std_compat.hpp).
    template <class N>
        requires compat::is_foreign_nullopt<std::remove_cvref_t<N>>::value
    constexpr Optional(N) noexcept {} // NOLINT: implicit, as std::optional
    // From a foreign optional of anything T is constructible from.
    template <class O>
        requires compat::is_foreign_optional<std::remove_cvref_t<O>>::value &&
                 std::is_constructible_v<T, decltype(*static_cast<O&&>(std::declval<O&&>()))>
    constexpr Optional(O&& o) noexcept // NOLINT: implicit, as std::optional's converting constructor
        : value_(o.has_value() ? static_cast<T>(*static_cast<O&&>(o)) : T{}), has_(o.has_value()) {}
    // To a foreign optional (empty, or holding the value).
    template <class O>
        requires compat::is_foreign_optional<O>::value && std::is_constructible_v<O, const T&>
    constexpr operator O() const noexcept(std::is_nothrow_constructible_v<O, const T&>) { // NOLINT: implicit
        return has_ ? O(value_) : O();
    }

    constexpr Optional& operator=(Nullopt) noexcept {
        reset();
        return *this;
    }

    [[nodiscard]] constexpr bool has_value() const noexcept { return has_; }
    constexpr explicit operator bool() const noexcept { return has_; }

    // Precondition: has_value().
    [[nodiscard]] constexpr T& value() & noexcept { return value_; }
    [[nodiscard]] constexpr const T& value() const& noexcept { return value_; }
    constexpr T& operator*() & noexcept { return value_; }
    constexpr const T& operator*() const& noexcept { return value_; }
    constexpr T* operator->() noexcept { return &value_; }
    constexpr const T* operator->() const noexcept { return &value_; }

    template <class U>
    [[nodiscard]] constexpr T value_or(U&& fallback) const noexcept {
        return has_ ? value_ : static_cast<T>(static_cast<U&&>(fallback));
    }

    template <class... A>
    constexpr T& emplace(A&&... args) noexcept {
        if (std::is_constant_evaluated()) {
            value_ = make(static_cast<A&&>(args)...);
        } else {
            // At run time the value is built where it lives (the prvalue
            // initializes value_ itself). Assigning a temporary made g++
            // build it on the stack and copy it in with wide loads of its
            // fresh narrow stores, which stall on store forwarding (a
            // Transmit or Datagram on every poll_transmit).
            value_.~T();
            ::new (static_cast<void*>(&value_)) T(make(static_cast<A&&>(args)...));
        }
        has_ = true;
        return value_;
    }
    constexpr void reset() noexcept {
        value_ = T{};
        has_ = false;
    }

    friend constexpr bool operator==(const Optional& a, const Optional& b) noexcept {
        return a.has_ == b.has_ && (!a.has_ || a.value_ == b.value_);
    }
    friend constexpr bool operator==(const Optional& a, Nullopt) noexcept { return !a.has_; }
    friend constexpr bool operator==(const Optional& a, const T& v) noexcept { return a.has_ && a.value_ == v; }

  private:
    template <class... A>
    static constexpr T make(A&&... args) noexcept {
        if constexpr (std::is_constructible_v<T, A&&...>) {
            return T(static_cast<A&&>(args)...);
        } else { // an aggregate (clang 14 has no parenthesized aggregate init)
            return T{static_cast<A&&>(args)...};
        }
    }

    T value_{};
    bool has_ = false;
};

} // namespace synack
