// synack/handshake/rto.hpp — the retransmission timeout estimator.
//
// RFC 6298 §2: SRTT/RTTVAR with alpha = 1/8, beta = 1/4, K = 4, G = clock
// granularity; RTO clamped to [rto_min, rto_max] (Linux: 200 ms, 120 s
// rather than the RFC's 1 s minimum). §5.7: if the SYN was retransmitted and
// no sample is available, the RTO after the handshake is 3 s.
#pragma once

#include <cstdint>

#include "synack/core/time.hpp"

namespace synack {

// 25 bytes of state: the bounds come from the caller's Config on each call,
// so that a Connection stays small.
class RtoEstimator {
  public:
    constexpr RtoEstimator() noexcept = default;
    constexpr explicit RtoEstimator(Duration initial) noexcept : rto_(initial) {}

    // RFC 6298 §2.2 (first sample) and §2.3 (later samples). A sample is
    // kept as measured (SRTT is the path's, even beyond rto_max: Linux's
    // tcp_rtt_estimator() clamps only the RTO) up to a 36-year ceiling: a
    // clock that jumped across its range, or a caller's Negotiated record,
    // can hand in anything, and 7 * SRTT must stay inside int64.
    constexpr void sample(Duration r, Duration min, Duration max) noexcept {
        if (r.ns < 0) return;
        if (r > sample_ceiling) r = sample_ceiling;
        if (!has_sample_) {
            srtt_ = r;
            rttvar_ = Duration{r.ns / 2};
            has_sample_ = true;
        } else {
            const std::int64_t err = srtt_.ns > r.ns ? srtt_.ns - r.ns : r.ns - srtt_.ns;
            rttvar_ = Duration{(3 * rttvar_.ns + err) / 4};
            srtt_ = Duration{(7 * srtt_.ns + r.ns) / 8};
        }
        const std::int64_t k_rttvar = 4 * rttvar_.ns;
        rto_ = clamp(Duration{srtt_.ns + (k_rttvar > granularity.ns ? k_rttvar : granularity.ns)}, min, max);
    }

    // RFC 6298 §5.5: back off (double, capped).
    constexpr void back_off(Duration max) noexcept {
        rto_ = rto_.ns > INT64_MAX / 2 ? max : clamp(Duration{rto_.ns * 2}, Duration{}, max); // no overflow
    }
    // Restart from a fixed value: RFC 6298 §5.7's 3 s after a handshake
    // whose SYN was retransmitted and gave no sample.
    constexpr void set(Duration d) noexcept { rto_ = d; }

    [[nodiscard]] constexpr Duration rto() const noexcept { return rto_; }
    [[nodiscard]] constexpr Duration srtt() const noexcept { return srtt_; }
    [[nodiscard]] constexpr Duration rttvar() const noexcept { return rttvar_; }
    [[nodiscard]] constexpr bool has_sample() const noexcept { return has_sample_; }

    static constexpr Duration granularity = Duration::milliseconds(1);
    static constexpr Duration sample_ceiling = Duration{INT64_MAX / 8};

  private:
    static constexpr Duration clamp(Duration d, Duration min, Duration max) noexcept {
        if (d < min) return min;
        if (d > max) return max;
        return d;
    }

    Duration rto_ = Duration::seconds(1);
    Duration srtt_{};
    Duration rttvar_{};
    bool has_sample_ = false;
};

// Linux tcp_model_timeout() (tcp_timer.c): how long `boundary`
// retransmissions take when the RTO starts at `rto_base` and doubles up to
// `rto_max`. retransmits_timed_out() gives up at the first timeout that
// finds this much time gone since the first transmission; for a SYN,
// rto_base is the initial RTO (tcp_timeout_init()) and boundary
// tcp_syn_retries, so the linear timeouts (tcp_syn_linear_timeouts) do not
// extend it: 6 -> 127 s, 2 -> 7 s, 1 -> 3 s
// (tests/scenarios/syn-retransmit-*-timeout.pkt, kernel-verified).
[[nodiscard]] constexpr Duration model_timeout(std::uint32_t boundary, Duration rto_base, Duration rto_max) noexcept {
    if (rto_base.ns <= 0) return Duration{};
    // linear_backoff_thresh = ilog2(rto_max / rto_base)
    std::uint32_t thresh = 0;
    for (std::int64_t r = rto_max.ns / rto_base.ns; r > 1; r /= 2) ++thresh;
    if (boundary <= thresh) return Duration{((std::int64_t{2} << boundary) - 1) * rto_base.ns};
    const std::int64_t head = ((std::int64_t{2} << thresh) - 1) * rto_base.ns; // <= 2 * rto_max
    const std::int64_t extra = std::int64_t{boundary - thresh};
    // rto_max <= a year (validated), boundary <= 255: within int64 ns,
    // but saturate rather than trust the caller.
    if (rto_max.ns > 0 && extra > (INT64_MAX - head) / rto_max.ns) return Duration{INT64_MAX};
    return Duration{head + extra * rto_max.ns};
}

} // namespace synack
