// Tests for synack/core/array.hpp: aggregate initialisation, indexing,
// iteration, fill and equality, at compile time and at run time, and its
// view as a Span.
#include "synack/core/array.hpp"

#include <cstdint>

#include "synack/core/span.hpp"
#include "synack_test.hpp"

using synack::Array;
using synack::Span;

namespace {

constexpr bool basics() {
    Array<std::uint16_t, 4> a{1, 2, 3}; // the rest zero
    if (a.size() != 4 || a[2] != 3 || a[3] != 0 || a.front() != 1 || a.back() != 0) return false;
    int sum = 0;
    for (std::uint16_t v : a) sum += v;
    if (sum != 6) return false;
    Array<std::uint16_t, 4> b = a;
    if (!(a == b)) return false;
    b[3] = 9;
    if (a == b) return false;
    b.fill(7);
    return b[0] == 7 && b[3] == 7 && Array<int, 2>{} == Array<int, 2>{0, 0};
}
static_assert(basics());
static_assert(sizeof(Array<std::uint8_t, 16>) == 16);

} // namespace

TEST_CASE("array: a value with a Span view", "[array]") {
    Array<std::uint8_t, 3> a{};
    Span<std::uint8_t> s = a;
    s[1] = 5;
    CHECK(a[1] == 5);
    const Array<std::uint8_t, 3>& c = a;
    const Span<const std::uint8_t> cs = c;
    CHECK(cs.size() == 3);
    CHECK(cs.data() == a.data());
    Array<std::uint8_t, 3> copy = a;
    CHECK(copy == a);
    copy[0] = 1;
    CHECK_FALSE(copy == a);
}
