// synack/driver/device.hpp — what the driver needs of a network device:
// read a batch of IP datagrams, write a batch, and a descriptor to sleep on.
//
// The TUN device (tun.hpp) is one implementation; another backend (an
// AF_PACKET or AF_XDP socket, a DPDK port in a user's stack, a test's
// in-memory queue) is one new class deriving from Device. Also here: the
// outcome of an OS call (OsStatus), which every device reports.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>

#include "synack/core/bytes.hpp"
#include "synack/core/span.hpp"
#include "synack/core/time.hpp"

namespace synack {

// CLOCK_MONOTONIC as the machines' Time (their epoch is the caller's).
inline Time monotonic_now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Time::from_ns(static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
}

// CLOCK_REALTIME, for pcap timestamps.
inline Time realtime_now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return Time::from_ns(static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
}

// The outcome of an OS call: ok, or the step that failed and its errno.
struct OsStatus {
    const char* step = nullptr; // nullptr: success
    int error = 0;              // errno
    [[nodiscard]] bool ok() const noexcept { return step == nullptr; }
    explicit operator bool() const noexcept { return ok(); }
    [[nodiscard]] std::string message() const {
        if (ok()) return "ok";
        return std::string(step) + ": " + std::strerror(error);
    }
    static OsStatus fail(const char* step) noexcept { return {step, errno}; }
};

// One datagram's room in a batch: the device writes into `storage` and sets
// `length` (a datagram longer than the storage is truncated by the device,
// and then fails to parse: a sane MTU avoids it).
struct PacketBuffer {
    MutableBytes storage{};
    std::size_t length = 0;
};

class Device {
  public:
    Device() = default;
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    virtual ~Device() = default;

    // Reads up to batch.size() datagrams without blocking; `got` is how
    // many (0: none was waiting).
    virtual OsStatus read_batch(Span<PacketBuffer> batch, std::size_t& got) noexcept = 0;
    // Writes every datagram. One the device has no room for (its queue is
    // full) is lost, as on a wire, and counted in `dropped`; other errors
    // stop the batch.
    virtual OsStatus write_batch(Span<const Bytes> datagrams, std::size_t& dropped) noexcept = 0;
    // A descriptor that polls readable when datagrams wait (epoll), or -1
    // for a device that is polled by calling read_batch().
    [[nodiscard]] virtual int wait_fd() const noexcept = 0;

  protected:
    Device(Device&&) = default;
    Device& operator=(Device&&) = default;
};

} // namespace synack
