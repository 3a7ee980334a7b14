// tests/handshake/fixtures.hpp — what the machine tests share: contexts with
// distinct keys per seed (kept alive for the test program's life, since
// machines hold a pointer to theirs), a clock in seconds, and segments
// drained from a machine and delivered to another.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "synack/handshake/connection.hpp"

namespace fixtures {

using namespace synack;

inline Secrets secrets(std::uint64_t seed) {
    Secrets s;
    s.isn_key = {seed, seed * 3 + 1};
    s.ts_key = {seed * 7, seed * 11 + 5};
    s.cookie_key = {seed * 13 + 2, seed * 17 + 9};
    return s;
}

// Contexts must outlive their machines: the tests keep them here.
inline const Context& ctx(std::uint64_t seed, Config cfg = Config{}) {
    static std::vector<std::unique_ptr<Context>> keep;
    keep.push_back(std::make_unique<Context>(Context{cfg, secrets(seed)}));
    return *keep.back();
}

inline Time at(double seconds) { return Time{static_cast<std::int64_t>(seconds * 1e9)}; }

// One segment a machine wrote, with its Transmit.
struct Segment {
    Transmit tx;
    std::vector<std::uint8_t> bytes;
    [[nodiscard]] TcpView view() const { return *TcpView::parse(bytes); }
    [[nodiscard]] TcpHeader header() const { return *TcpHeader::decode(bytes); }
};

// Everything a Connection or Listener has to send now.
template <class M>
std::vector<Segment> drain(M& m, Time now) {
    std::vector<Segment> out;
    std::array<std::uint8_t, 1600> buf{};
    while (auto t = m.poll_transmit(buf, now)) {
        out.push_back({*t, std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<long>(t->length))});
    }
    return out;
}

// A segment to the machine it was addressed to.
template <class M>
Received deliver(M& to, const Segment& s, Time now) {
    return to.on_segment(s.tx.flow.local.address, s.tx.flow.remote.address, s.bytes, now);
}

} // namespace fixtures
