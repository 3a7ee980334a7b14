// synack/core/seq.hpp — 32-bit TCP sequence numbers with modular arithmetic.
//
// RFC 9293 §3.4: sequence space is modulo 2^32; a < b iff (int32)(a - b) < 0
// (the comparison Linux's before()/after() use).
#pragma once

#include <cstdint>

namespace synack {

class SeqNum {
  public:
    constexpr SeqNum() noexcept = default;
    constexpr explicit SeqNum(std::uint32_t raw) noexcept : v_(raw) {}

    [[nodiscard]] constexpr std::uint32_t raw() const noexcept { return v_; }

    friend constexpr SeqNum operator+(SeqNum a, std::uint32_t n) noexcept { return SeqNum(a.v_ + n); }
    friend constexpr SeqNum operator-(SeqNum a, std::uint32_t n) noexcept { return SeqNum(a.v_ - n); }
    // Signed distance b -> a (a - b), meaningful when |a - b| < 2^31.
    friend constexpr std::int32_t operator-(SeqNum a, SeqNum b) noexcept {
        return static_cast<std::int32_t>(a.v_ - b.v_);
    }
    constexpr SeqNum& operator+=(std::uint32_t n) noexcept { v_ += n; return *this; }
    constexpr SeqNum& operator-=(std::uint32_t n) noexcept { v_ -= n; return *this; }

    friend constexpr bool operator==(SeqNum, SeqNum) = default;
    friend constexpr bool operator<(SeqNum a, SeqNum b) noexcept { return (a - b) < 0; }
    friend constexpr bool operator>(SeqNum a, SeqNum b) noexcept { return (a - b) > 0; }
    friend constexpr bool operator<=(SeqNum a, SeqNum b) noexcept { return (a - b) <= 0; }
    friend constexpr bool operator>=(SeqNum a, SeqNum b) noexcept { return (a - b) >= 0; }

    // lo <= x < hi in sequence space (RFC 9293 window checks).
    [[nodiscard]] constexpr bool in_window(SeqNum lo, std::uint32_t len) const noexcept {
        return (v_ - lo.v_) < len;
    }

  private:
    std::uint32_t v_ = 0;
};

} // namespace synack
