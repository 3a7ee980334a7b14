// synack/driver/sharded.hpp — one Driver per queue of a multi-queue TUN
// device (IFF_MULTI_QUEUE), one thread per queue, each pinned to a core.
//
// The kernel picks a TUN queue by the flow's hash (tun_automq_select_queue()
// in drivers/net/tun.c), so every packet of a flow reaches the same queue
// and its shard owns the flow alone: nothing on the packet path is shared or
// locked. The shards share one Context, read-only: the same secrets, so
// their Listeners compute the same SYN cookies, Fast Open cookies, ISNs and
// timestamp offsets, and a cookie any shard sent is accepted by any other
// (a flow whose hash moves between queues still completes).
#pragma once

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "synack/driver/driver.hpp"
#include "synack/driver/tun.hpp"

namespace synack {

class ShardedDriver {
  public:
    // One Driver (with its own endpoint, `limits` each) per queue. `queues`
    // and `ctx` must outlive this; `queues` must not be resized meanwhile.
    ShardedDriver(std::vector<TunDevice>& queues, const Context& ctx, const EndpointLimits& limits) {
        for (TunDevice& q : queues) shards_.push_back(std::make_unique<Driver>(q, ctx, limits));
    }
    // The same over any devices (one per shard).
    ShardedDriver(const std::vector<Device*>& devices, const Context& ctx, const EndpointLimits& limits) {
        for (Device* q : devices) shards_.push_back(std::make_unique<Driver>(*q, ctx, limits));
    }

    [[nodiscard]] std::size_t size() const noexcept { return shards_.size(); }
    [[nodiscard]] Driver& shard(std::size_t i) noexcept { return *shards_[i]; }
    [[nodiscard]] const Driver& shard(std::size_t i) const noexcept { return *shards_[i]; }

    // Runs every shard, shard i on a thread pinned to core i % cores (the
    // calling thread runs shard 0), until `done(shard)` is true for a shard
    // (each checks its own, at least every 50 ms: `done` must be
    // thread-safe) or `limit` has passed. Returns the first OS error.
    // `pin` false leaves the threads to the scheduler. That is better when
    // the cores also run other busy threads: with two shards and a load
    // generator on two cores, pinning puts a shard on the client's core,
    // while the scheduler puts both shards on the other core
    // (scripts/bench-live.sh, README).
    template <class Done>
    OsStatus run(Done&& done, Duration limit, bool pin = true) {
        const long cores = sysconf(_SC_NPROCESSORS_ONLN);
        std::vector<OsStatus> status(shards_.size());
        std::vector<std::thread> threads;
        const auto body = [&](std::size_t i) {
            if (pin && cores > 0) {
                cpu_set_t set;
                CPU_ZERO(&set);
                CPU_SET(static_cast<int>(i % static_cast<std::size_t>(cores)), &set);
                pthread_setaffinity_np(pthread_self(), sizeof set, &set);
            }
            Driver& d = *shards_[i];
            if (shards_.size() > 1 && (d.wake_every.ns == 0 || d.wake_every > Duration::milliseconds(50))) {
                d.wake_every = Duration::milliseconds(50);
            }
            status[i] = d.run(done, limit);
        };
        for (std::size_t i = 1; i < shards_.size(); ++i) threads.emplace_back(body, i);
        if (!shards_.empty()) body(0);
        for (std::thread& t : threads) t.join();
        for (const OsStatus& s : status) {
            if (!s) return s;
        }
        return {};
    }

  private:
    std::vector<std::unique_ptr<Driver>> shards_;
};

} // namespace synack
