// synack/driver/driver.hpp — the reference driver: a Device (device.hpp; the
// TUN device is one) + a TcpEndpoint (handshake/endpoint.hpp) + the
// monotonic clock, with an epoll sleep until the next deadline, an optional
// pcap of everything read and written, and an optional bounded trace.
//
// Linux only. Datagrams are read in batches and handed to the endpoint as
// they are (it parses each once, routes it in O(1), answers strangers, drops
// martians); after each batch the owner's callbacks see the endpoint's
// events, then every datagram the endpoint has to send is written in
// batches. Nothing here scans the flows: the endpoint's deadline heap says
// when to wake, and finished flows are freed by the endpoint.
//
// One Driver is one shard: one thread, one device queue. sharded.hpp runs
// one per queue of a multi-queue TUN device.
#pragma once

#include <sched.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "synack/driver/device.hpp"
#include "synack/driver/pcap_format.hpp"
#include "synack/driver/tun.hpp"
#include "synack/handshake/endpoint.hpp"

namespace synack {

// One TCP segment that crossed the device, for traces and ladders.
struct TraceRecord {
    Time at{};        // monotonic
    bool outbound{};  // written by us
    IpAddress src{};
    IpAddress dst{};
    std::vector<std::uint8_t> tcp;
};

struct DriverStats {
    std::uint64_t reads = 0;              // datagrams read
    std::uint64_t writes = 0;             // datagrams written
    std::uint64_t write_drops = 0;        // lost to a full device queue
    std::uint64_t wakeups = 0;            // epoll_wait() calls
    std::uint64_t busy_polls = 0;         // busy polls that found datagrams (no epoll_wait)
    std::uint64_t busy_poll_backoffs = 0; // busy polling paused: CPU time was scarce
};

class Driver {
  public:
    static constexpr std::size_t batch_size = 32; // < Listener::tx_capacity / 2 (endpoint.hpp)
    static constexpr std::size_t read_buffer = 65536;
    static constexpr std::size_t write_buffer = 16384;

    // Allocates the endpoint's tables and the I/O buffers now. `dev` and
    // `ctx` must outlive the driver.
    Driver(Device& dev, const Context& ctx, const EndpointLimits& limits = EndpointLimits{})
        : dev_(&dev), endpoint_(ctx, limits), rx_(batch_size * read_buffer), tx_(batch_size * write_buffer) {
        for (std::size_t i = 0; i < batch_size; ++i) {
            rx_batch_[i].storage = MutableBytes(rx_.data() + i * read_buffer, read_buffer);
        }
    }
    ~Driver() {
        if (pcap_ != nullptr) std::fclose(pcap_);
    }
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    // Writes every packet read and written to `path` (classic pcap, raw IP).
    OsStatus open_pcap(const std::string& path) {
        pcap_ = std::fopen(path.c_str(), "wb");
        if (pcap_ == nullptr) return OsStatus::fail("fopen pcap");
        std::array<std::uint8_t, pcap_global_header_size> h{};
        static_cast<void>(write_pcap_global_header(h));
        if (std::fwrite(h.data(), 1, h.size(), pcap_) != h.size()) return OsStatus::fail("write pcap");
        return {};
    }

    [[nodiscard]] TcpEndpoint& endpoint() noexcept { return endpoint_; }
    [[nodiscard]] const TcpEndpoint& endpoint() const noexcept { return endpoint_; }

    Error listen(const Endpoint& local) { return endpoint_.listen(local); }

    // Active open now.
    result<FlowHandle> connect(const FourTuple& t) { return endpoint_.connect(t, monotonic_now()); }

    // Active open with TCP Fast Open (config.fastopen Client or Both): the
    // cookie (empty: ask for one) and the data to send in the SYN. Both are
    // copied and kept here for the flow's handshake.
    result<FlowHandle> connect_fast_open(const FourTuple& t, Bytes cookie, Bytes data) {
        kept_.emplace_back(cookie.begin(), cookie.end());
        const Bytes c(kept_.back().data(), kept_.back().size());
        kept_.emplace_back(data.begin(), data.end());
        const Bytes d(kept_.back().data(), kept_.back().size());
        return endpoint_.connect_fast_open(t, c, d, monotonic_now());
    }

    // Runs until `done(*this)` is true or `limit` has passed (a timeout is
    // not an error: check done() afterwards). An OS error stops the loop.
    template <class Done>
    OsStatus run(Done&& done, Duration limit) {
        const int ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) return OsStatus::fail("epoll_create1");
        if (dev_->wait_fd() >= 0) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = dev_->wait_fd();
            if (epoll_ctl(ep, EPOLL_CTL_ADD, dev_->wait_fd(), &ev) < 0) {
                const OsStatus st = OsStatus::fail("epoll_ctl");
                ::close(ep);
                return st;
            }
        }
        const Time end = monotonic_now() + limit;
        OsStatus st = flush();
        while (st && !done(*this)) {
            const Time now = monotonic_now();
            if (now >= end) break;
            Time next = endpoint_.next_deadline();
            if (end < next) next = end;
            if (wake_every.ns > 0 && now + wake_every < next) next = now + wake_every;
            if (busy_poll.ns > 0 && dev_->wait_fd() >= 0 && now >= spin_resume_) {
                const std::uint64_t before = stats_.reads;
                st = spin(now + busy_poll < next ? now + busy_poll : next);
                if (!st) break;
                if (stats_.reads != before) continue; // no sleep, no wake-up
            }
            const std::int64_t wait_ns = next.ns > now.ns ? next.ns - now.ns : 0;
            const int wait_ms = dev_->wait_fd() < 0 ? 0 : static_cast<int>((wait_ns + 999999) / 1000000);
            epoll_event got{};
            const int n = epoll_wait(ep, &got, 1, wait_ms);
            if (n < 0 && errno != EINTR) {
                st = OsStatus::fail("epoll_wait");
                break;
            }
            ++stats_.wakeups;
            st = read_all();
            if (!st) break;
            st = after_reads();
        }
        ::close(ep);
        return st;
    }

    // The owner's hooks. on_event: every endpoint event (the owner acts
    // through endpoint(): close(), abort()); on_delivery: a datagram gave a
    // flow payload, a Fast Open SYN's data or cookie, or completed an
    // accepted flow.
    std::function<void(Driver&, const EndpointEvent&)> on_event;
    std::function<void(Driver&, const Delivery&)> on_delivery;

    // Keep up to this many segments in trace() (for ladders); 0, the
    // default, keeps none. Bounded: the trace never outgrows it.
    std::size_t trace_limit = 0;
    // Wake at least this often even with nothing due (0: only when needed),
    // so that done() is checked.
    Duration wake_every{};
    // Before sleeping in epoll_wait(), keep reading the device for up to
    // this long (0, the default: sleep at once), yielding the core between
    // reads; paused for busy_poll_backoff when, over a busy_poll_window,
    // the yields kept this thread off its core more than busy_poll_scarce
    // percent of the time (spin()).
    Duration busy_poll{};
    Duration busy_poll_window = Duration::milliseconds(10);
    std::int64_t busy_poll_scarce = 80; // percent
    Duration busy_poll_backoff = Duration::milliseconds(25);

    [[nodiscard]] const std::vector<TraceRecord>& trace() const noexcept { return trace_; }
    [[nodiscard]] const DriverStats& stats() const noexcept { return stats_; }

  private:
    // Busy polling: reads the device until a datagram comes or `until`.
    // Between reads the thread yields its core (sched_yield), so that a
    // thread that shares it (a client, another shard) goes first: polling
    // then costs the others little, and saves us a sleep and a wake-up
    // (with two shards and a client on two cores, most of a shard's extra
    // system time; scripts/bench-live.sh). How long the yields keep us
    // away tells whether CPU time is scarce: when other busy threads hold
    // the core most of the time, a yield hands them a whole time slice
    // while our datagrams wait (sleeping, we would be woken and run
    // sooner). So once per busy_poll_window: if the yields took more than
    // busy_poll_scarce percent of it, polling stops for busy_poll_backoff.
    OsStatus spin(Time until) {
        const std::uint64_t before = stats_.reads;
        for (;;) {
            if (OsStatus st = read_all(); !st) return st;
            if (stats_.reads != before) {
                ++stats_.busy_polls;
                return after_reads();
            }
            const Time t0 = monotonic_now();
            if (t0 >= until) return {};
            sched_yield();
            const Time t1 = monotonic_now();
            if (window_yields_ == 0) window_start_ = t0;
            ++window_yields_;
            window_yield_ns_ += (t1 - t0).ns;
            if (t1 - window_start_ >= busy_poll_window) {
                // Others had the core for more than busy_poll_scarce % of
                // the window: CPU time is scarce.
                const bool scarce = window_yield_ns_ * 100 > (t1 - window_start_).ns * busy_poll_scarce;
                window_yields_ = 0;
                window_yield_ns_ = 0;
                if (scarce) {
                    ++stats_.busy_poll_backoffs;
                    spin_resume_ = t1 + busy_poll_backoff;
                    return {};
                }
            }
        }
    }

    // After a wake-up's reads: the timers now due, then what they and the
    // reads left to send.
    OsStatus after_reads() {
        const Time t = monotonic_now();
        if (endpoint_.next_deadline() <= t) endpoint_.on_timer(t);
        return flush();
    }

    OsStatus read_all() {
        // Bounded, so that deadlines get their turn under a flood.
        for (int round = 0; round < 64; ++round) {
            std::size_t got = 0;
            if (OsStatus st = dev_->read_batch(Span<PacketBuffer>(rx_batch_.data(), rx_batch_.size()), got); !st) {
                return st;
            }
            if (got == 0) return {};
            stats_.reads += got;
            const Time now = monotonic_now();
            // The answers the endpoint writes in place (SYN-ACKs, resets)
            // go out with the batch; the rest comes from flush().
            std::size_t replies = 0;
            for (std::size_t i = 0; i < got; ++i) {
                const Bytes pkt(rx_batch_[i].storage.data(), rx_batch_[i].length);
                record_pcap(pkt);
                if (trace_.size() < trace_limit) record_trace(now, false, pkt);
                const MutableBytes slot(tx_.data() + replies * write_buffer, write_buffer);
                const Delivery d = endpoint_.on_datagram(pkt, now, slot);
                if (d.reply != 0) out_[replies++] = Bytes(slot.data(), d.reply);
                if (on_delivery && (!d.payload.empty() || !d.fastopen_cookie.empty() || d.accepted.valid())) {
                    on_delivery(*this, d);
                }
            }
            if (OsStatus st = write(replies); !st) return st;
            if (OsStatus st = flush(); !st) return st;
            if (got < rx_batch_.size()) return {};
        }
        return {};
    }

    // Events first (what the owner does about them, close() on PeerClosed,
    // leaves in the same segment as the ACK already due), then datagrams.
    OsStatus flush() {
        for (int round = 0; round < 4; ++round) {
            bool any = false;
            while (const Optional<EndpointEvent> e = endpoint_.poll_event()) {
                any = true;
                if (on_event) on_event(*this, *e);
            }
            const Time now = monotonic_now();
            std::size_t n = 0;
            while (const Optional<Datagram> d =
                       endpoint_.poll_transmit(MutableBytes(tx_.data() + n * write_buffer, write_buffer), now)) {
                // write_buffer (16 KiB) holds any datagram the machines write
                // (headers + Fast Open data of at most one MSS); stop rather
                // than spin should that ever change.
                if (!d->ok()) break;
                any = true;
                out_[n] = Bytes(tx_.data() + n * write_buffer, d->length);
                if (++n == batch_size) {
                    if (OsStatus st = write(n); !st) return st;
                    n = 0;
                }
            }
            if (OsStatus st = write(n); !st) return st;
            if (!any) break;
        }
        return {};
    }

    OsStatus write(std::size_t n) {
        if (n == 0) return {};
        const Time now = monotonic_now();
        for (std::size_t i = 0; i < n; ++i) {
            record_pcap(out_[i]);
            if (trace_.size() < trace_limit) record_trace(now, true, out_[i]);
        }
        stats_.writes += n;
        return dev_->write_batch(Span<const Bytes>(out_.data(), n), stats_.write_drops);
    }

    void record_trace(Time at, bool outbound, Bytes pkt) {
        const result<IpPacket> p = parse_ip_packet(pkt);
        if (!p) return;
        trace_.push_back({at, outbound, p->source, p->destination, std::vector<std::uint8_t>(p->tcp.begin(), p->tcp.end())});
    }

    void record_pcap(Bytes pkt) {
        if (pcap_ == nullptr) return;
        std::array<std::uint8_t, pcap_record_header_size> h{};
        static_cast<void>(write_pcap_record_header(h, realtime_now(), static_cast<std::uint32_t>(pkt.size()),
                                                   static_cast<std::uint32_t>(pkt.size())));
        std::fwrite(h.data(), 1, h.size(), pcap_);
        std::fwrite(pkt.data(), 1, pkt.size(), pcap_);
        std::fflush(pcap_);
    }

    Device* dev_;
    TcpEndpoint endpoint_;
    std::vector<std::uint8_t> rx_;
    std::vector<std::uint8_t> tx_;
    std::array<PacketBuffer, batch_size> rx_batch_{};
    std::array<Bytes, batch_size> out_{};
    std::vector<std::vector<std::uint8_t>> kept_; // Fast Open cookies and data of active opens
    std::vector<TraceRecord> trace_;
    std::FILE* pcap_ = nullptr;
    DriverStats stats_{};
    Time spin_resume_{};  // no busy polling before this
    Time window_start_{}; // busy_poll_window: its yields and their time
    std::int64_t window_yields_ = 0;
    std::int64_t window_yield_ns_ = 0; // time spent in those yields
};

} // namespace synack
