// tests/handshake/alloc_counter.hpp — counts heap allocations in a test
// binary: replaces every non-aligned form of operator new/delete (the
// nothrow ones too: Catch2 and libFuzzer allocate with them, and each must
// pair with the free() below or ASan reports a mismatch). Include it in
// exactly one translation unit of a test executable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace alloc_counter {
inline bool counting = false;
inline std::uint64_t count = 0;
inline void* allocate(std::size_t n) noexcept {
    if (counting) ++count;
    return std::malloc(n == 0 ? 1 : n);
}
// Counts while alive.
struct Scope {
    Scope() noexcept { counting = true; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() { counting = false; }
};
} // namespace alloc_counter

void* operator new(std::size_t n) {
    if (void* p = alloc_counter::allocate(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = alloc_counter::allocate(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return alloc_counter::allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return alloc_counter::allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
