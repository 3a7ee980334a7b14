// synack/driver/tun.hpp — a Linux TUN device (a driver/device.hpp Device),
// created and configured from code (no shelling out), and the clock and
// entropy the machines are fed.
//
// Linux only: /dev/net/tun with IFF_TUN | IFF_NO_PI (bare IPv4/IPv6 packets,
// Documentation/networking/tuntap.rst), optionally IFF_MULTI_QUEUE: each
// TunDevice opened with the same name is one more queue of the same
// interface, and the kernel spreads flows over the queues by their hash, so
// one thread per queue sees every packet of its flows (open_queues()).
// Addresses, MTU and link state set
// with the SIOCSIF* ioctls (IPv6 addresses through struct in6_ifreq).
// Every OS error is returned with the step that failed and errno, never
// swallowed. This header and driver/ are the only code in synack that does
// I/O or reads a clock; the rest only sees Time values and keys.
#pragma once

#if !defined(__linux__)
#error "synack/driver/tun.hpp is Linux only"
#endif

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>

#include "synack/core/bytes.hpp"
#include "synack/core/siphash.hpp"
#include "synack/core/time.hpp"
#include "synack/driver/device.hpp"
#include "synack/wire/address.hpp"

namespace synack {


// A 128-bit key from the OS random source (getrandom(2)).
inline OsStatus random_key(SipKey& key) noexcept {
    std::uint8_t b[16];
    std::size_t got = 0;
    while (got < sizeof b) {
        const ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return OsStatus::fail("getrandom");
        }
        got += static_cast<std::size_t>(n);
    }
    key = SipKey::from_bytes(Bytes(b, sizeof b));
    return {};
}

class TunDevice final : public Device {
  public:
    TunDevice() = default;
    TunDevice(TunDevice&& o) noexcept : fd_(o.fd_), name_(std::move(o.name_)) { o.fd_ = -1; }
    TunDevice& operator=(TunDevice&& o) noexcept {
        if (this != &o) {
            close_fd();
            fd_ = o.fd_;
            name_ = std::move(o.name_);
            o.fd_ = -1;
        }
        return *this;
    }
    ~TunDevice() override { close_fd(); }

    // Creates (or attaches to) the TUN interface `name` (at most 15 bytes),
    // non-blocking. `multi_queue`: IFF_MULTI_QUEUE, so that more queues can
    // attach (every queue of an interface must say so).
    OsStatus open(const std::string& name, bool multi_queue = false) {
        close_fd();
        fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd_ < 0) return OsStatus::fail("open /dev/net/tun");
        ifreq ifr{};
        ifr.ifr_flags = static_cast<short>(IFF_TUN | IFF_NO_PI | (multi_queue ? IFF_MULTI_QUEUE : 0));
        std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
        if (ioctl(fd_, TUNSETIFF, &ifr) < 0) {
            const OsStatus st = OsStatus::fail("ioctl TUNSETIFF");
            close_fd();
            return st;
        }
        name_ = ifr.ifr_name;
        return {};
    }

    // Device: reads until `batch` is full or nothing waits.
    OsStatus read_batch(Span<PacketBuffer> batch, std::size_t& got) noexcept override {
        got = 0;
        for (PacketBuffer& b : batch) {
            const ssize_t n = ::read(fd_, b.storage.data(), b.storage.size());
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
                if (errno == EINTR) continue;
                return OsStatus::fail("read tun");
            }
            b.length = static_cast<std::size_t>(n);
            ++got;
        }
        return {};
    }
    // Device: one write(2) per datagram (a TUN queue takes one per call);
    // the kernel's backlog being full (ENOBUFS, EAGAIN) loses the datagram.
    OsStatus write_batch(Span<const Bytes> datagrams, std::size_t& dropped) noexcept override {
        for (const Bytes& d : datagrams) {
            if (::write(fd_, d.data(), d.size()) >= 0) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                ++dropped;
                continue;
            }
            return OsStatus::fail("write tun");
        }
        return {};
    }
    [[nodiscard]] int wait_fd() const noexcept override { return fd_; }

    // The address the kernel's side of the link takes (the kernel routes
    // prefix/len into the device); IPv4 or IPv6.
    OsStatus add_address(const IpAddress& a, std::uint8_t prefix_len) const {
        if (a.is_v4()) {
            Socket s(AF_INET);
            if (s.fd < 0) return OsStatus::fail("socket AF_INET");
            ifreq ifr = request();
            sockaddr_in sin{};
            sin.sin_family = AF_INET;
            std::memcpy(&sin.sin_addr, a.bytes.data(), 4);
            std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
            if (ioctl(s.fd, SIOCSIFADDR, &ifr) < 0) return OsStatus::fail("ioctl SIOCSIFADDR");
            const std::uint32_t mask = prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32U - prefix_len);
            sin.sin_addr.s_addr = htonl(mask);
            std::memcpy(&ifr.ifr_netmask, &sin, sizeof sin);
            if (ioctl(s.fd, SIOCSIFNETMASK, &ifr) < 0) return OsStatus::fail("ioctl SIOCSIFNETMASK");
            return {};
        }
        Socket s(AF_INET6);
        if (s.fd < 0) return OsStatus::fail("socket AF_INET6");
        const int index = if_index(s.fd);
        if (index < 0) return OsStatus::fail("ioctl SIOCGIFINDEX");
        // struct in6_ifreq (linux/ipv6.h): address, prefix length, ifindex.
        struct {
            in6_addr addr;
            std::uint32_t prefixlen;
            int ifindex;
        } req{};
        std::memcpy(&req.addr, a.bytes.data(), 16);
        req.prefixlen = prefix_len;
        req.ifindex = index;
        if (ioctl(s.fd, SIOCSIFADDR, &req) < 0) return OsStatus::fail("ioctl SIOCSIFADDR (IPv6)");
        return {};
    }

    OsStatus set_mtu(int mtu) const {
        Socket s(AF_INET);
        if (s.fd < 0) return OsStatus::fail("socket AF_INET");
        ifreq ifr = request();
        ifr.ifr_mtu = mtu;
        if (ioctl(s.fd, SIOCSIFMTU, &ifr) < 0) return OsStatus::fail("ioctl SIOCSIFMTU");
        return {};
    }

    // The device's queue towards us (txqueuelen; Linux's TUN default is
    // 500 datagrams): what waits while the program is busy, beyond which
    // the kernel drops. A longer queue rides out bursts, at the cost of the
    // latency it holds.
    OsStatus set_txqueuelen(int n) const {
        Socket s(AF_INET);
        if (s.fd < 0) return OsStatus::fail("socket AF_INET");
        ifreq ifr = request();
        ifr.ifr_qlen = n;
        if (ioctl(s.fd, SIOCSIFTXQLEN, &ifr) < 0) return OsStatus::fail("ioctl SIOCSIFTXQLEN");
        return {};
    }

    OsStatus set_up() const {
        Socket s(AF_INET);
        if (s.fd < 0) return OsStatus::fail("socket AF_INET");
        ifreq ifr = request();
        if (ioctl(s.fd, SIOCGIFFLAGS, &ifr) < 0) return OsStatus::fail("ioctl SIOCGIFFLAGS");
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
        if (ioctl(s.fd, SIOCSIFFLAGS, &ifr) < 0) return OsStatus::fail("ioctl SIOCSIFFLAGS");
        return {};
    }

    [[nodiscard]] int fd() const noexcept { return fd_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

  private:
    struct Socket {
        int fd;
        explicit Socket(int family) : fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
        Socket(const Socket&) = delete;
        Socket& operator=(const Socket&) = delete;
        ~Socket() {
            if (fd >= 0) ::close(fd);
        }
    };

    [[nodiscard]] ifreq request() const {
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, name_.c_str(), IFNAMSIZ - 1);
        return ifr;
    }
    [[nodiscard]] int if_index(int sock) const {
        ifreq ifr = request();
        if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0) return -1;
        return ifr.ifr_ifindex;
    }
    void close_fd() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    int fd_ = -1;
    std::string name_;
};

// `n` queues of one multi-queue TUN interface `name` (IFF_MULTI_QUEUE):
// configure the interface through any of them.
template <class Vector>
OsStatus open_queues(const std::string& name, std::size_t n, Vector& out) {
    for (std::size_t i = 0; i < n; ++i) {
        TunDevice q;
        if (OsStatus st = q.open(i == 0 ? name : out.front().name(), true); !st) return st;
        out.push_back(std::move(q));
    }
    return {};
}

} // namespace synack
