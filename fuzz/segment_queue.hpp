// fuzz/segment_queue.hpp — the harnesses' links: a bounded FIFO of
// segments or datagrams in flight one way, copied in (the machine's buffer
// is reused), the oldest dropped when full (a lossy wire). No allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "synack/core/bytes.hpp"

namespace fuzz {

// One packet, truncated to N bytes.
template <std::size_t N>
struct Packet {
    std::array<std::uint8_t, N> b{};
    std::size_t n = 0;
    [[nodiscard]] synack::Bytes bytes() const noexcept { return synack::Bytes(b.data(), n); }
    void set(synack::Bytes s) noexcept {
        n = s.size() < N ? s.size() : N;
        for (std::size_t i = 0; i < n; ++i) b[i] = s[i];
    }
};

template <std::size_t Capacity, std::size_t N>
struct PacketQueue {
    std::array<Packet<N>, Capacity> s{};
    std::size_t head = 0;
    std::size_t count = 0;

    void push(synack::Bytes p) noexcept {
        if (count == Capacity) pop();
        s[(head + count) % Capacity].set(p);
        ++count;
    }
    [[nodiscard]] Packet<N>* front() noexcept { return count == 0 ? nullptr : &s[head]; }
    [[nodiscard]] const Packet<N>* front() const noexcept { return count == 0 ? nullptr : &s[head]; }
    [[nodiscard]] const Packet<N>* back() const noexcept {
        return count == 0 ? nullptr : &s[(head + count - 1) % Capacity];
    }
    void pop() noexcept {
        if (count == 0) return;
        head = (head + 1) % Capacity;
        --count;
    }
    void pop_back() noexcept {
        if (count != 0) --count;
    }
};

} // namespace fuzz
