// Tests for synack/driver/driver.hpp and sharded.hpp without root: the
// Device is an in-memory one whose far side is a client TcpEndpoint (the
// "network and the peers"), so the driver's real loop (batches, events
// before datagrams, deadlines, reaping) runs against real handshakes.
#include "synack/driver/driver.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "synack/driver/sharded.hpp"
#include "synack_test.hpp"

using namespace synack;

namespace {

const IpAddress server_ip = IpAddress::v4(198, 18, 0, 2);
const Endpoint server_ep{server_ip, 8080};

// A device whose peers live in `clients`: what the driver writes goes to
// them, what they send is what the driver reads. Each client closes as
// soon as it is established; `total` connections are opened, `inflight`
// at a time.
class PeerDevice final : public Device {
  public:
    PeerDevice(const Context& ctx, std::uint8_t net, int total, int inflight)
        : clients_(ctx, limits()), net_(net), total_(total), inflight_(inflight) {}

    OsStatus read_batch(Span<PacketBuffer> batch, std::size_t& got) noexcept override {
        const Time now = monotonic_now();
        while (opened_ < total_ && clients_.flows() < static_cast<std::uint32_t>(inflight_)) {
            const IpAddress src = IpAddress::v4(198, 18, net_, static_cast<std::uint8_t>(1 + opened_ / 50000));
            if (!clients_.connect({{src, static_cast<std::uint16_t>(1024 + opened_ % 50000)}, server_ep}, now).ok()) break;
            ++opened_;
        }
        while (const auto e = clients_.poll_event()) {
            if (e->event.kind == EventKind::Established) {
                ++established_;
                clients_.close(e->flow, now);
            }
        }
        got = 0;
        for (PacketBuffer& b : batch) {
            const auto d = clients_.poll_transmit(b.storage, now);
            if (!d) break;
            b.length = d->length;
            ++got;
        }
        // Timers last: a TIME-WAIT that expires now has sent its ACK above.
        if (clients_.next_deadline() <= now) clients_.on_timer(now);
        return {};
    }
    OsStatus write_batch(Span<const Bytes> datagrams, std::size_t&) noexcept override {
        for (const Bytes& d : datagrams) clients_.on_datagram(d, monotonic_now());
        return {};
    }
    [[nodiscard]] int wait_fd() const noexcept override { return wait_fd_; }
    // A descriptor for epoll that never becomes readable (the datagrams
    // come without it): only busy polling and the deadlines find them.
    void set_wait_fd(int fd) noexcept { wait_fd_ = fd; }

    [[nodiscard]] int established() const noexcept { return established_; }
    [[nodiscard]] const TcpEndpoint& clients() const noexcept { return clients_; }

  private:
    static EndpointLimits limits() {
        EndpointLimits l;
        l.max_flows = 512;
        return l;
    }
    TcpEndpoint clients_;
    std::uint8_t net_;
    int total_;
    int inflight_;
    int opened_ = 0;
    int established_ = 0;
    int wait_fd_ = -1;
};

Context make_ctx(std::uint64_t seed, SynCookies cookies) {
    Context c;
    c.secrets.isn_key = {seed, seed + 1};
    c.secrets.ts_key = {seed + 2, seed + 3};
    c.secrets.cookie_key = {seed + 4, seed + 5};
    c.config.syncookies = cookies;
    // Clients keep TIME-WAIT 40 ms: long enough that a slow run (sanitizers,
    // a loaded machine) still sends the last ACK before the flow goes.
    c.config.msl = Duration::milliseconds(20);
    return c;
}

} // namespace

TEST_CASE("driver: 5,000 connections through a device, every flow freed") {
    const Context server_ctx = make_ctx(1, SynCookies::Auto);
    const Context client_ctx = make_ctx(100, SynCookies::Auto);
    PeerDevice dev(client_ctx, 1, 5000, 64);
    EndpointLimits l;
    l.max_flows = 256; // far fewer than the connections: flows must be freed to go on
    Driver d(dev, server_ctx, l);
    REQUIRE(d.listen(server_ep) == Error::None);
    d.trace_limit = 16;
    int established = 0;
    int closed = 0;
    d.on_event = [&](Driver& drv, const EndpointEvent& e) {
        if (e.event.kind == EventKind::Established) ++established;
        if (e.event.kind == EventKind::PeerClosed) drv.endpoint().close(e.flow, monotonic_now());
        if (e.event.kind == EventKind::Closed) ++closed;
    };
    const OsStatus st = d.run([&](Driver&) { return closed == 5000; }, Duration::seconds(60));
    REQUIRE(st.ok());
    CHECK(established == 5000);
    CHECK(closed == 5000);
    CHECK(dev.established() == 5000);
    CHECK(d.endpoint().flows() == 0);
    CHECK(d.endpoint().stats().reaped == 5000);
    CHECK(d.endpoint().stats().pool_full == 0);
    CHECK(d.trace().size() == 16); // bounded
    CHECK(d.stats().reads >= 5000 * 3);
}

TEST_CASE("sharded driver: two shards sharing the Context, one thread each") {
    const Context server_ctx = make_ctx(2, SynCookies::Always);
    const Context client_ctx = make_ctx(200, SynCookies::Auto);
    std::vector<std::unique_ptr<PeerDevice>> devs;
    devs.push_back(std::make_unique<PeerDevice>(client_ctx, 1, 2000, 32));
    devs.push_back(std::make_unique<PeerDevice>(client_ctx, 2, 2000, 32));
    EndpointLimits l;
    l.max_flows = 128;
    ShardedDriver shards({devs[0].get(), devs[1].get()}, server_ctx, l);
    REQUIRE(shards.size() == 2);
    std::atomic<int> closed{0};
    for (std::size_t i = 0; i < shards.size(); ++i) {
        REQUIRE(shards.shard(i).listen(server_ep) == Error::None);
        shards.shard(i).on_event = [&](Driver& drv, const EndpointEvent& e) {
            if (e.event.kind == EventKind::PeerClosed) drv.endpoint().close(e.flow, monotonic_now());
            if (e.event.kind == EventKind::Closed) ++closed;
        };
    }
    // Each shard stops once its own 2,000 flows are freed.
    const OsStatus st = shards.run([](Driver& d) { return d.endpoint().stats().reaped == 2000; }, Duration::seconds(60));
    CHECK(st.ok());
    CHECK(closed.load() == 4000);
    for (std::size_t i = 0; i < shards.size(); ++i) {
        CHECK(shards.shard(i).endpoint().flows() == 0);
        CHECK(shards.shard(i).endpoint().listener(0).stats().cookies_accepted == 2000);
    }
}

TEST_CASE("driver: busy polling reads datagrams that come without the descriptor firing") {
    const Context server_ctx = make_ctx(3, SynCookies::Auto);
    const Context client_ctx = make_ctx(300, SynCookies::Auto);
    PeerDevice dev(client_ctx, 1, 2000, 64);
    const int quiet = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); // never signalled
    REQUIRE(quiet >= 0);
    dev.set_wait_fd(quiet);
    EndpointLimits l;
    l.max_flows = 256;
    Driver d(dev, server_ctx, l);
    REQUIRE(d.listen(server_ep) == Error::None);
    d.busy_poll = Duration::milliseconds(20);
    d.busy_poll_backoff = Duration::milliseconds(1); // a loaded machine pauses polling only briefly
    d.wake_every = Duration::milliseconds(1);        // done() is checked, polling or not
    int closed = 0;
    d.on_event = [&](Driver& drv, const EndpointEvent& e) {
        if (e.event.kind == EventKind::PeerClosed) drv.endpoint().close(e.flow, monotonic_now());
        if (e.event.kind == EventKind::Closed) ++closed;
    };
    const OsStatus st = d.run([&](Driver&) { return closed == 2000; }, Duration::seconds(60));
    ::close(quiet);
    REQUIRE(st.ok());
    CHECK(closed == 2000);
    CHECK(d.endpoint().flows() == 0);
    CHECK(d.stats().busy_polls > 0); // found by polling: epoll's descriptor never fired
    CHECK(d.stats().reads >= 2000 * 3);
}

TEST_CASE("driver: busy polling pauses when its yields say CPU time is scarce, not otherwise") {
    const Context server_ctx = make_ctx(5, SynCookies::Auto);
    const Context client_ctx = make_ctx(500, SynCookies::Auto);
    for (const bool scarce : {true, false}) {
        PeerDevice dev(client_ctx, 1, 0, 1); // nothing ever comes: every poll yields
        const int quiet = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        REQUIRE(quiet >= 0);
        dev.set_wait_fd(quiet);
        Driver d(dev, server_ctx);
        d.busy_poll = Duration::milliseconds(2);
        d.busy_poll_window = Duration{};
        // Every yield takes some time: 0 % finds each window scarce; the
        // yields of a window never take more than all of it (100 %).
        d.busy_poll_scarce = scarce ? 0 : 100;
        d.busy_poll_backoff = Duration::milliseconds(1);
        d.wake_every = Duration::milliseconds(1);
        const OsStatus st = d.run([](Driver&) { return false; }, Duration::milliseconds(30));
        ::close(quiet);
        REQUIRE(st.ok());
        CHECK(d.stats().busy_polls == 0);
        CHECK(d.stats().wakeups > 0); // each spin ended at its bound or paused, then slept
        if (scarce) {
            CHECK(d.stats().busy_poll_backoffs > 0);
        } else {
            CHECK(d.stats().busy_poll_backoffs == 0);
        }
    }
}

TEST_CASE("driver: without busy polling the same device is read only after epoll_wait") {
    const Context server_ctx = make_ctx(4, SynCookies::Auto);
    const Context client_ctx = make_ctx(400, SynCookies::Auto);
    PeerDevice dev(client_ctx, 1, 50, 8);
    const int quiet = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    REQUIRE(quiet >= 0);
    dev.set_wait_fd(quiet);
    Driver d(dev, server_ctx);
    REQUIRE(d.listen(server_ep) == Error::None);
    d.wake_every = Duration::milliseconds(1);
    int closed = 0;
    d.on_event = [&](Driver& drv, const EndpointEvent& e) {
        if (e.event.kind == EventKind::PeerClosed) drv.endpoint().close(e.flow, monotonic_now());
        if (e.event.kind == EventKind::Closed) ++closed;
    };
    const OsStatus st = d.run([&](Driver&) { return closed == 50; }, Duration::seconds(60));
    ::close(quiet);
    REQUIRE(st.ok());
    CHECK(closed == 50);
    CHECK(d.stats().busy_polls == 0);
    CHECK(d.stats().wakeups > 0);
}
