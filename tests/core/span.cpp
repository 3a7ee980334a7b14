// Tests for synack/core/span.hpp: construction from arrays, containers and
// std::span, the slicing members, constant evaluation, and conversion back
// to std::span.
#include "synack/core/span.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "synack_test.hpp"

using synack::Span;

namespace {

constexpr bool slices() {
    std::array<std::uint8_t, 6> a{1, 2, 3, 4, 5, 6};
    const Span<const std::uint8_t> s = a;
    if (s.size() != 6 || s.front() != 1 || s.back() != 6 || s.empty()) return false;
    if (s.first(2).size() != 2 || s.first(2)[1] != 2) return false;
    if (s.last(2)[0] != 5 || s.subspan(3).size() != 3 || s.subspan(3)[0] != 4) return false;
    if (s.subspan(1, 2).size() != 2 || s.subspan(1, 2)[1] != 3 || !s.subspan(6).empty()) return false;
    Span<std::uint8_t> m = a;
    m[0] = 9;
    int sum = 0;
    for (std::uint8_t b : s) sum += b;
    return a[0] == 9 && sum == 9 + 2 + 3 + 4 + 5 + 6 && s.size_bytes() == 6;
}
static_assert(slices());
static_assert(Span<const int>().empty() && Span<const int>().data() == nullptr);

// A const container gives only a view of const elements.
static_assert(std::is_convertible_v<const std::array<int, 2>&, Span<const int>>);
static_assert(!std::is_convertible_v<const std::array<int, 2>&, Span<int>>);
static_assert(std::is_convertible_v<Span<int>, Span<const int>>);
static_assert(!std::is_convertible_v<Span<const int>, Span<int>>);
static_assert(!std::is_convertible_v<std::array<long, 2>&, Span<int>>);

std::size_t total(Span<const std::uint8_t> s) {
    std::size_t n = 0;
    for (std::uint8_t b : s) n += b;
    return n;
}

} // namespace

TEST_CASE("span: built from arrays, vectors, strings and std::span", "[span]") {
    std::uint8_t raw[3] = {1, 2, 3};
    std::vector<std::uint8_t> v{4, 5};
    const std::array<std::uint8_t, 2> a{6, 7};
    std::span<std::uint8_t> st(v);
    CHECK(total(raw) == 6);
    CHECK(total(v) == 9);
    CHECK(total(a) == 13);
    CHECK(total(st) == 9);
    CHECK(total({raw, 2}) == 3);
    const std::string text = "ab";
    const Span<const char> t = text;
    CHECK(t.size() == 2);
    CHECK(t[1] == 'b');
}

TEST_CASE("span: converts to std::span over the same memory", "[span]") {
    std::array<std::uint8_t, 4> a{1, 2, 3, 4};
    const Span<std::uint8_t> s = a;
    const std::span<std::uint8_t> back = s;
    CHECK(back.data() == a.data());
    CHECK(back.size() == 4);
    const std::span<const std::uint8_t> cback = Span<const std::uint8_t>(s).subspan(1);
    CHECK(cback.size() == 3);
    CHECK(cback[0] == 2);
}
