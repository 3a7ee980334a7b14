// Tests for synack/core/optional.hpp: presence, access, comparison with
// values and nullopt, reset and emplace, in constant expressions as well.
#include "synack/core/optional.hpp"

#include <cstdint>

#include "synack_test.hpp"

using synack::nullopt;
using synack::Optional;

namespace {

struct Pair {
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    friend constexpr bool operator==(const Pair&, const Pair&) = default;
};

constexpr bool basics() {
    Optional<std::uint16_t> m;
    if (m.has_value() || m || !(m == nullopt)) return false;
    m = 1460;
    if (!m || *m != 1460 || !(m == 1460) || m == 1461 || m.value_or(5) != 1460) return false;
    m = nullopt;
    if (m || m.value_or(5) != 5) return false;
    Optional<Pair> p = Pair{1, 2};
    if (p->b != 2) return false;
    p.emplace(3U, 4U);
    if (p.value() != Pair{3, 4}) return false;
    p.reset();
    return !p && p == Optional<Pair>{} && p != Optional<Pair>(Pair{});
}
static_assert(basics());
static_assert(Optional<int>(3) == Optional<int>(3));
static_assert(Optional<int>(3) != Optional<int>(4));
static_assert(Optional<int>() != Optional<int>(0)); // absent differs from a present zero
static_assert(3 == Optional<int>(3));                // reversed operands (C++20)

} // namespace

TEST_CASE("optional: values, absence and comparisons", "[optional]") {
    Optional<std::uint8_t> ws;
    CHECK_FALSE(ws.has_value());
    ws = std::uint8_t{7};
    REQUIRE(ws);
    CHECK(*ws == 7);
    CHECK(ws == std::uint8_t{7});
    Optional<std::uint8_t> other = ws;
    CHECK(other == ws);
    other.reset();
    CHECK(other != ws);
    CHECK(other == nullopt);
    // An absent value compares equal whatever was stored before.
    Optional<std::uint8_t> never;
    CHECK(other == never);
}
