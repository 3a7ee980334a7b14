// synack_test.hpp — the one include every test file uses: Catch2 v3 when the
// build found it (SYNACK_CATCH2_V3), otherwise Catch2 v2's single header.
// Keep to what both versions spell the same: TEST_CASE, SECTION, CHECK,
// REQUIRE, *_FALSE, STATIC_REQUIRE, INFO, CAPTURE, FAIL, SUCCEED,
// TEMPLATE_TEST_CASE, GENERATE. (Matchers and Approx moved namespaces in v3.)
#pragma once

#if defined(SYNACK_CATCH2_V3)
#include <catch2/catch_message.hpp>
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#else
#include <catch2/catch.hpp>
#endif
