// synack/driver/driver.hpp — the reference driver: the sans-IO machines on a
// TUN device, with a monotonic clock, an epoll sleep until the next
// deadline, and an optional pcap of everything read and written.
//
// Linux only. One Listener (optional) and any number of Connections share a
// Context. Every packet read is parsed with the codec (parse_ip_packet) and
// given to the Connection whose 4-tuple it matches, else to the Listener if
// it is addressed to the Listener's endpoint, else answered with the RST
// RFC 9293 §3.10.7.1 prescribes for a flow nobody owns (reset_for(), as
// Linux does for a closed port). Every segment the machines poll goes back
// through the device inside a minimal IP header (encode_ip_packet).
#pragma once

#include <sys/epoll.h>

#include <array>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synack/driver/pcap_format.hpp"
#include "synack/driver/tun.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/handshake/listener.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/wire/packet.hpp"

namespace synack {

// One TCP segment that crossed the device, for traces and ladders.
struct TraceRecord {
    Time at{};        // monotonic
    bool outbound{};  // written by us
    IpAddress src{};
    IpAddress dst{};
    std::vector<std::uint8_t> tcp;
};

class Driver {
  public:
    // A Connection driven here, with what it reported.
    struct Flow {
        explicit Flow(Connection c) : conn(c) {}
        Connection conn;
        std::vector<Event> events;
        bool accepted = false;              // from the Listener
        bool finished = false;              // CLOSED and drained: skipped from then on
        std::vector<std::uint8_t> syn_data; // Fast Open data its SYN carried
        std::vector<std::uint8_t> fastopen_cookie; // the last cookie a SYN-ACK gave us (RFC 7413 §4.1.3)
        std::vector<std::uint8_t> send_cookie;     // what connect_fast_open() sends (kept alive here)
        std::vector<std::uint8_t> send_data;
    };

    Driver(TunDevice& tun, const Context& ctx) : tun_(&tun), ctx_(&ctx) {}

    // Writes every packet read and written to `path` (classic pcap, raw IP).
    OsStatus open_pcap(const std::string& path) {
        pcap_ = std::fopen(path.c_str(), "wb");
        if (pcap_ == nullptr) return OsStatus::fail("fopen pcap");
        std::array<std::uint8_t, pcap_global_header_size> h{};
        static_cast<void>(write_pcap_global_header(h));
        if (std::fwrite(h.data(), 1, h.size(), pcap_) != h.size()) return OsStatus::fail("write pcap");
        return {};
    }
    ~Driver() {
        if (pcap_ != nullptr) std::fclose(pcap_);
    }
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    void listen(const Endpoint& local) { listener_ = std::make_unique<Listener>(*ctx_, local); }

    // Active open; returns the flow's index.
    std::size_t connect(const FourTuple& t) {
        flows_.push_back(std::make_unique<Flow>(Connection(*ctx_)));
        static_cast<void>(flows_.back()->conn.connect(t, monotonic_now()));
        return flows_.size() - 1;
    }

    // Active open with TCP Fast Open (config.fastopen Client or Both): the
    // cookie (empty: ask for one) and the data to send in the SYN.
    std::size_t connect_fast_open(const FourTuple& t, Bytes cookie, Bytes data) {
        flows_.push_back(std::make_unique<Flow>(Connection(*ctx_)));
        Flow& f = *flows_.back();
        f.send_cookie.assign(cookie.begin(), cookie.end());
        f.send_data.assign(data.begin(), data.end());
        static_cast<void>(f.conn.connect_fast_open(t, Bytes(f.send_cookie.data(), f.send_cookie.size()),
                                                   Bytes(f.send_data.data(), f.send_data.size()), monotonic_now()));
        return flows_.size() - 1;
    }

    // Runs until `done(*this)` is true or `limit` has passed (a timeout is
    // not an error: check done() afterwards). An OS error stops the loop.
    template <class Done>
    OsStatus run(Done&& done, Duration limit) {
        const int ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) return OsStatus::fail("epoll_create1");
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = tun_->fd();
        if (epoll_ctl(ep, EPOLL_CTL_ADD, tun_->fd(), &ev) < 0) {
            const OsStatus st = OsStatus::fail("epoll_ctl");
            ::close(ep);
            return st;
        }
        const Time end = monotonic_now() + limit;
        OsStatus st = flush();
        while (st && !done(*this)) {
            const Time now = monotonic_now();
            if (now >= end) break;
            Time next = end;
            for (const auto& f : flows_) next = f->conn.next_deadline() < next ? f->conn.next_deadline() : next;
            if (listener_ && listener_->next_deadline() < next) next = listener_->next_deadline();
            const std::int64_t wait_ns = next.ns > now.ns ? next.ns - now.ns : 0;
            const int wait_ms = static_cast<int>((wait_ns + 999999) / 1000000);
            epoll_event got{};
            const int n = epoll_wait(ep, &got, 1, wait_ms);
            if (n < 0 && errno != EINTR) {
                st = OsStatus::fail("epoll_wait");
                break;
            }
            st = read_all();
            if (!st) break;
            timers();
            st = flush();
        }
        ::close(ep);
        return st;
    }

    [[nodiscard]] const std::vector<std::unique_ptr<Flow>>& flows() const noexcept { return flows_; }
    [[nodiscard]] std::vector<std::unique_ptr<Flow>>& flows() noexcept { return flows_; }
    [[nodiscard]] const std::vector<TraceRecord>& trace() const noexcept { return trace_; }
    [[nodiscard]] const Listener* listener() const noexcept { return listener_.get(); }
    [[nodiscard]] std::uint64_t resets_for_strangers() const noexcept { return strangers_; }
    [[nodiscard]] std::uint64_t undecodable() const noexcept { return undecodable_; }

    // Keep every segment in trace() (for ladders). Off under floods: the
    // trace is the driver's only memory that grows with traffic.
    bool keep_trace = true;

    // Called for every event a Connection raises (after it is recorded).
    std::function<void(Flow&, const Event&)> on_event;
    // Called when a flow leaves the Listener's accept queue.
    std::function<void(Flow&, const Accepted&)> on_accept;

  private:
    OsStatus read_all() {
        std::array<std::uint8_t, 65536> buf{};
        // At most half the Listener's transmit ring per batch, so that a
        // flood's replies are polled before the ring overflows; bounded, so
        // deadlines get their turn.
        for (std::size_t i = 0; i < Listener::tx_capacity / 2; ++i) {
            const ssize_t n = tun_->read(buf);
            if (n < 0) return OsStatus::fail("read tun");
            if (n == 0) return {};
            const Bytes pkt(buf.data(), static_cast<std::size_t>(n));
            record_pcap(pkt);
            const result<IpPacket> p = parse_ip_packet(pkt);
            if (!p) { // not TCP (ICMPv6 neighbour discovery, ...), or broken
                ++undecodable_;
                continue;
            }
            deliver(*p);
        }
        return flush();
    }

    void deliver(const IpPacket& p) {
        const Time now = monotonic_now();
        const result<TcpView> v = TcpView::parse(p.tcp);
        if (!v) {
            ++undecodable_;
            return;
        }
        if (keep_trace) {
            trace_.push_back({now, false, p.source, p.destination, std::vector<std::uint8_t>(p.tcp.begin(), p.tcp.end())});
        }
        const Endpoint from{p.source, v->source_port()};
        const Endpoint to{p.destination, v->destination_port()};
        if (Flow* f = find_flow(to, from)) {
            feed(*f, p, now);
            return;
        }
        if (listener_ && listener_->local() == to) {
            const Received r = listener_->on_segment(p.source, p.destination, p.tcp, now);
            // Accepted flows become Connections at once, so the peer's next
            // segment (its FIN, say) finds them.
            bool adopted = false;
            while (auto a = listener_->accept()) {
                adopt(*a);
                adopted = true;
            }
            // The Listener surfaces payload on the completing ACK without
            // taking it: the new Connection does.
            if (adopted && !r.payload.empty()) {
                if (Flow* f = find_flow(to, from)) feed(*f, p, now);
            }
            return;
        }
        // Nobody owns the flow: Linux's closed-port answer.
        if (!verify_tcp_checksum(p.source, p.destination, p.tcp)) return;
        if (const Optional<TcpHeader> r = reset_for(*v)) { // ports already swapped
            std::array<std::uint8_t, 60> seg{};
            const result<std::size_t> n = r->encode(seg);
            if (!n) return;
            fill_tcp_checksum(to.address, from.address, MutableBytes(seg.data(), *n));
            ++strangers_;
            static_cast<void>(send({to, from}, Bytes(seg.data(), *n)));
        }
    }

    // The live Connection of the flow from `remote` to `local`, if any.
    Flow* find_flow(const Endpoint& local, const Endpoint& remote) noexcept {
        for (auto& f : flows_) {
            const FourTuple& t = f->conn.flow();
            if (!f->finished && f->conn.state() != State::Closed && t.local == local && t.remote == remote) return f.get();
        }
        return nullptr;
    }

    // One segment into a flow's Connection; a Fast Open cookie its SYN-ACK
    // carried is kept for the caller.
    static void feed(Flow& f, const IpPacket& p, Time now) {
        const Received r = f.conn.on_segment(p.source, p.destination, p.tcp, now);
        if (!r.fastopen_cookie.empty()) f.fastopen_cookie.assign(r.fastopen_cookie.begin(), r.fastopen_cookie.end());
    }

    void timers() {
        const Time now = monotonic_now();
        if (listener_ && listener_->next_deadline() <= now) listener_->on_timer(now);
        for (auto& f : flows_) {
            if (f->conn.next_deadline() <= now) f->conn.on_timer(now);
        }
    }

    OsStatus flush() {
        std::array<std::uint8_t, 2048> buf{};
        const Time now = monotonic_now();
        if (listener_) {
            while (auto tx = listener_->poll_transmit(buf, now)) { // (60 bytes always suffice)
                if (!tx->ok()) break;
                if (OsStatus st = send(tx->flow, Bytes(buf.data(), tx->length), tx->ecn); !st) return st;
            }
            while (auto a = listener_->accept()) adopt(*a);
        }
        // Events may make the caller act (close()), which queues segments:
        // poll until every flow is quiet (bounded).
        for (int round = 0; round < 4; ++round) {
            bool any = false;
            for (std::size_t i = 0; i < flows_.size(); ++i) {
                Flow& f = *flows_[i];
                if (f.finished) continue;
                // Events first: what the caller does about them (close() on
                // PeerClosed) then leaves in the same segment as the ACK
                // already due (a FIN-ACK rather than an ACK and a FIN).
                while (auto e = f.conn.poll_event()) {
                    any = true;
                    f.events.push_back(*e);
                    if (on_event) on_event(f, *e);
                }
                // Fast Open data may need more than `buf`: max_segment_size()
                // always suffices (a smaller buffer gets BufferTooSmall).
                std::vector<std::uint8_t> big;
                MutableBytes out(buf.data(), buf.size());
                if (f.conn.max_segment_size() > buf.size()) {
                    big.resize(f.conn.max_segment_size());
                    out = MutableBytes(big.data(), big.size());
                }
                while (auto tx = f.conn.poll_transmit(out, now)) {
                    any = true;
                    if (!tx->ok()) break;
                    if (OsStatus st = send(tx->flow, Bytes(out.data(), tx->length), tx->ecn); !st) return st;
                }
                // CLOSED with nothing left to say: no longer polled.
                if (f.conn.state() == State::Closed && f.conn.next_deadline() == Time::never()) f.finished = true;
            }
            if (!any) break;
        }
        return {};
    }

    // A flow leaving the accept queue: a Connection that carries it on. One
    // accepted ESTABLISHED raises no event of its own, so Established is
    // reported here; a Fast Open child (SYN-RECEIVED, its SYN's data already
    // here) raises Established itself when the peer's ACK comes.
    void adopt(const Accepted& a) {
        flows_.push_back(std::make_unique<Flow>(a.connection(*ctx_)));
        Flow& f = *flows_.back();
        f.accepted = true;
        f.syn_data.assign(a.data.begin(), a.data.end());
        if (on_accept) on_accept(f, a);
        if (a.state == State::Established) {
            const Event e{EventKind::Established, a.negotiated};
            f.events.push_back(e);
            if (on_event) on_event(f, e);
        }
    }

    OsStatus send(const FourTuple& flow, Bytes tcp, std::uint8_t ecn = 0) {
        std::array<std::uint8_t, 2048> pkt{};
        const result<std::size_t> n = encode_ip_packet(flow.local.address, flow.remote.address, ecn, 64, tcp, pkt);
        if (!n) return {"encode_ip_packet", EINVAL};
        const Bytes out(pkt.data(), *n);
        if (keep_trace) {
            trace_.push_back({monotonic_now(), true, flow.local.address, flow.remote.address,
                              std::vector<std::uint8_t>(tcp.begin(), tcp.end())});
        }
        record_pcap(out);
        return tun_->write(out);
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

    TunDevice* tun_;
    const Context* ctx_;
    std::unique_ptr<Listener> listener_;
    std::vector<std::unique_ptr<Flow>> flows_;
    std::vector<TraceRecord> trace_;
    std::FILE* pcap_ = nullptr;
    std::uint64_t strangers_ = 0;
    std::uint64_t undecodable_ = 0;
};

} // namespace synack
