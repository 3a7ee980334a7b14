// Tests for synack/core/result.hpp: result<T> ok/error/offset, Failure, and
// Error's to_string (every enumerator named, all names distinct).
#include "synack/core/result.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "synack_test.hpp"

namespace {

using synack::Error;
using synack::Failure;
using synack::result;

struct Point {
    int x = 0;
    int y = 0;
    friend constexpr bool operator==(const Point&, const Point&) = default;
};

constexpr result<int> parse_digit(char c) noexcept {
    if (c < '0' || c > '9') return {Error::OptionValueInvalid, 7};
    return c - '0';
}

constexpr std::size_t error_count = static_cast<std::size_t>(Error::Count_);

constexpr bool every_error_named() noexcept {
    for (std::size_t i = 0; i < error_count; ++i) {
        const std::string_view name = synack::to_string(static_cast<Error>(i));
        if (name == "unknown error") return false;
        if (name.empty()) return false;
    }
    return true;
}

} // namespace

static_assert(parse_digit('4').ok());
static_assert(parse_digit('4').value() == 4);
static_assert(*parse_digit('9') == 9);
static_assert(!parse_digit('x').ok());
static_assert(parse_digit('x').error() == Error::OptionValueInvalid);
static_assert(parse_digit('x').offset() == 7);
static_assert(parse_digit('x').failure() == Failure{Error::OptionValueInvalid, 7});
static_assert(parse_digit('x').value_or(-1) == -1);
static_assert(parse_digit('3').value_or(-1) == 3);
static_assert(parse_digit('3').error() == Error::None);
static_assert(every_error_named());
static_assert(std::string_view(synack::to_string(Error::Count_)) == "unknown error");
static_assert(std::string_view(synack::to_string(Error::None)) == "none");
static_assert(result<Point>(Point{1, 2})->y == 2);
static_assert(!result<Point>(Failure{Error::TableFull, 3}).ok());
// Default: a value-initialized value, ok (as std::expected); a failure
// assigned afterwards replaces it.
static_assert(result<Point>().ok() && result<Point>()->x == 0 && result<Point>()->y == 0);
static_assert([] {
    result<Point> r;
    r->x = 7;
    const bool filled = r.ok() && r->x == 7;
    r = Failure{Error::NotTcp, 9};
    return filled && r.error() == Error::NotTcp && r.offset() == 9;
}());

TEST_CASE("result holds a value", "[result]") {
    result<Point> r(Point{3, 4});
    REQUIRE(r.ok());
    REQUIRE(static_cast<bool>(r));
    CHECK(r.error() == Error::None);
    CHECK(r.offset() == 0U);
    CHECK(r.value() == Point{3, 4});
    CHECK(r->x == 3);
    CHECK((*r).y == 4);
    r->x = 10;  // mutable access
    CHECK(r.value().x == 10);
    const Point moved = std::move(r).value();
    CHECK(moved.x == 10);
}

TEST_CASE("result holds an error with its offset", "[result]") {
    const result<int> r(Error::TcpDataOffsetPastEnd, 12);
    REQUIRE_FALSE(r.ok());
    REQUIRE_FALSE(static_cast<bool>(r));
    CHECK(r.error() == Error::TcpDataOffsetPastEnd);
    CHECK(r.offset() == 12U);
    CHECK(r.failure() == Failure{Error::TcpDataOffsetPastEnd, 12});
    CHECK(r.value_or(42) == 42);

    const result<int> no_offset(Error::BufferTooSmall);
    CHECK(no_offset.offset() == 0U);
    const result<int> from_failure(Failure{Error::NotTcp, 9});
    CHECK(from_failure.error() == Error::NotTcp);
    CHECK(from_failure.offset() == 9U);
}

TEST_CASE("Failure compares by error and offset", "[result]") {
    CHECK(Failure{Error::BadChecksum, 1} == Failure{Error::BadChecksum, 1});
    CHECK_FALSE(Failure{Error::BadChecksum, 1} == Failure{Error::BadChecksum, 2});
    CHECK_FALSE(Failure{Error::BadChecksum, 1} == Failure{Error::NotTcp, 1});
    CHECK(Failure{} == Failure{Error::None, 0});
}

TEST_CASE("every Error has its own to_string", "[result]") {
    std::set<std::string> names;
    for (std::size_t i = 0; i < error_count; ++i) {
        const auto e = static_cast<Error>(i);
        const std::string_view name = synack::to_string(e);
        INFO("error #" << i << " = " << name);
        CHECK(name != "unknown error");
        CHECK_FALSE(name.empty());
        CHECK(names.insert(std::string(name)).second);  // distinct
    }
    CHECK(names.size() == error_count);
    CHECK(std::string_view(synack::to_string(Error::Count_)) == "unknown error");
    CHECK(std::string_view(synack::to_string(static_cast<Error>(0xff))) == "unknown error");
}
