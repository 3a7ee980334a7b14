// Consumer smoke test: the installed (or add_subdirectory'd, pkg-config'd,
// or amalgamated) headers compile in a foreign project and behave.
#ifdef SYNACK_CONSUMER_SINGLE_HEADER
#include "synack_single.hpp" // single_include/: the one file a user vendors
#else
#include <synack/synack.hpp>
#endif

#include <array>
#include <cstdint>

int main() {
    // Sequence space wraps (RFC 9293 §3.4): 0xFFFFFFF0 is before 0x10.
    constexpr synack::SeqNum before(0xFFFFFFF0U);
    constexpr synack::SeqNum after(0x10U);
    static_assert(before < after);
    if (!(before < after && after - before == 0x20)) return 1;

    // The codec end to end: encode a SYN with options, parse it back.
    synack::TcpHeader h;
    h.source_port = 40000;
    h.destination_port = 5000;
    h.seq = synack::SeqNum(1);
    h.flags = synack::TcpFlags(synack::TcpFlag::Syn);
    h.window = 64240;
    h.options.mss = std::uint16_t{1460};
    std::array<std::uint8_t, 60> buf{};
    const synack::result<std::size_t> n = h.encode(buf);
    if (!n) return 2;
    const synack::result<synack::TcpView> v = synack::TcpView::parse(synack::Bytes(buf.data(), *n));
    if (!v || v->source_port() != 40000 || !v->flags().syn()) return 3;
    return 0;
}
