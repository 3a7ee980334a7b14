// fuzz/no_alloc.hpp — NoAlloc: fails the run if a machine call allocates.
// Replaces operator new/delete for the program (tests/handshake/
// alloc_counter.hpp, every non-aligned form, nothrow included): include it
// in exactly one translation unit, after fuzz_check.hpp.
#pragma once

#include "../tests/handshake/alloc_counter.hpp"
#include "fuzz_check.hpp"

namespace fuzz {
struct NoAlloc {
    NoAlloc() noexcept {
        alloc_counter::count = 0;
        alloc_counter::counting = true;
    }
    NoAlloc(const NoAlloc&) = delete;
    NoAlloc& operator=(const NoAlloc&) = delete;
    ~NoAlloc() {
        alloc_counter::counting = false;
        FUZZ_CHECK(alloc_counter::count == 0);
    }
};
} // namespace fuzz
