// Consumer smoke test: the installed (or add_subdirectory'd) headers compile
// in a foreign project with only synack::synack linked, and behave.
#include <synack/core/seq.hpp>

#if __has_include(<synack/synack.hpp>)
#include <synack/synack.hpp>  // the umbrella, once it exists
#endif

int main() {
    // Sequence space wraps (RFC 9293 §3.4): 0xFFFFFFF0 is before 0x10.
    constexpr synack::SeqNum before(0xFFFFFFF0U);
    constexpr synack::SeqNum after(0x10U);
    static_assert(before < after);
    return (before < after && after - before == 0x20) ? 0 : 1;
}
