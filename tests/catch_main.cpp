// Catch2 v2 main, compiled once into synack_test_main and linked into every
// test executable (with Catch2 v3, Catch2::Catch2WithMain is used instead).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
