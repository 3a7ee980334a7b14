// tests/core/std_compat.cpp — the opt-in std conversions: std::optional and
// std::nullopt into Optional (assignment, construction, comparison, calls),
// Optional back to std::optional, Span <-> std::span, Array <-> std::array,
// at run time and in constant expressions; and code written against the
// std types using synack's API unchanged.
#include "synack_test.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "synack/core/std_compat.hpp"
#include "synack/handshake/config.hpp"
#include "synack/wire/tcp_options.hpp"

using namespace synack;

namespace {

// A function of the library's kind: takes Optional and Span.
constexpr int count_if_set(Optional<std::uint8_t> v, Span<const std::uint8_t> s) {
    return (v ? 1 : 0) + static_cast<int>(s.size());
}

constexpr bool in_constant_expression() {
    Optional<int> a = std::nullopt;
    if (a.has_value()) return false;
    a = std::optional<int>(5);
    if (!a || *a != 5) return false;
    const std::optional<int> back = a;
    if (!back || *back != 5) return false;
    const std::optional<int> none = Optional<int>();
    if (none) return false;
    std::array<std::uint8_t, 3> raw{1, 2, 3};
    const Span<std::uint8_t> s = from_std(std::span<std::uint8_t>(raw));
    const std::span<std::uint8_t> t = to_std(s);
    return t.size() == 3 && t[2] == 3 && count_if_set(std::optional<std::uint8_t>{}, std::span<const std::uint8_t>(raw)) == 3;
}

} // namespace

TEST_CASE("std_compat: std::optional and std::nullopt into Optional and back", "[std_compat]") {
    Config c;
    REQUIRE(c.window_scale.has_value());
    c.window_scale = std::nullopt;
    CHECK_FALSE(c.window_scale.has_value());
    CHECK(c.window_scale == std::nullopt);
    c.window_scale = std::optional<std::uint8_t>{9};
    REQUIRE(c.window_scale.has_value());
    CHECK(*c.window_scale == 9);
    const std::optional<std::uint8_t> ws = c.window_scale;
    REQUIRE(ws.has_value());
    CHECK(*ws == 9);
    c.window_scale = std::optional<std::uint8_t>{};
    CHECK_FALSE(c.window_scale.has_value());
    const std::optional<std::uint8_t> none = c.window_scale;
    CHECK_FALSE(none.has_value());
    // A converting std::optional (int -> std::uint16_t), and Optional<bool>
    // holding false (must not become "present because the optional is").
    OptionValues o;
    o.mss = std::optional<std::uint16_t>{1460};
    CHECK(o.mss == std::uint16_t{1460});
    Optional<bool> b = std::optional<bool>{false};
    REQUIRE(b.has_value());
    CHECK_FALSE(*b);
    b = std::optional<bool>{};
    CHECK_FALSE(b.has_value());
    // Spelled out.
    CHECK(to_std(Optional<int>(3)) == std::optional<int>(3));
    CHECK(from_std(std::optional<int>()) == Optional<int>());
    CHECK(count_if_set(std::nullopt, {}) == 0);
}

TEST_CASE("std_compat: Span and std::span, Array and std::array", "[std_compat]") {
    std::vector<std::uint8_t> v = {1, 2, 3, 4};
    const std::span<std::uint8_t> sv(v);
    const Span<std::uint8_t> s = sv;      // implicit, as before
    const std::span<std::uint8_t> t = s;  // implicit, as before
    CHECK(s.data() == v.data());
    CHECK(t.data() == v.data());
    CHECK(to_std(s).size() == 4);
    CHECK(from_std(sv.subspan(1)).size() == 3);
    const Array<int, 3> a{7, 8, 9};
    const std::array<int, 3> sa = to_std(a);
    CHECK(sa == std::array<int, 3>{7, 8, 9});
    CHECK(from_std(sa) == a);
}

TEST_CASE("std_compat: conversions in constant expressions", "[std_compat]") { STATIC_REQUIRE(in_constant_expression()); }
