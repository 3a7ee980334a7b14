// synack/handshake/endpoint.hpp — the sans-IO routing layer: IP datagrams in,
// IP datagrams out, for any number of flows, in memory fixed at construction.
//
// After quinn-proto's Endpoint. A TcpEndpoint (synack::Endpoint already names
// an address and port) owns its Listeners and a pool of Connections, and:
// - parses each datagram once (wire/packet.hpp) and drops martians
//   (wire/martian.hpp: what Linux neither accepts nor answers), datagrams for
//   addresses that are not ours, and broken TCP framing, each counted;
// - routes by 4-tuple through an open-addressing table at most half full,
//   indexed by keyed SipHash-1-3 (flow_table_hash()) under a key derived
//   from the Context's secret (an attacker cannot aim collisions): O(1)
//   expected per datagram, whatever the number of flows;
// - hands segments for a listening endpoint to its Listener, and moves what
//   the Listener accepts into the pool at once (so the peer's next segment
//   finds its Connection);
// - answers a segment nobody owns with RFC 9293 §3.10.7.1's reset
//   (handshake/reset.hpp), as Linux does for a closed port. Linux does not
//   rate-limit that reply (tcp_v4_send_reset() has no limiter; only ICMP
//   errors have icmp_ratelimit; tests/driver/kernel/closed-port-resets.pkt
//   passes against the kernel: 64 back-to-back SYNs, 64 RSTs): neither
//   does this, but at most `reset_queue` replies wait unsent; beyond that
//   they are dropped, counted;
// - reaps a flow once its Connection reached CLOSED with no timer left (after
//   TIME-WAIT) and its owner has polled its events;
// - enforces the operator's limits: the pool size (a flow accepted when the
//   pool is full is reset, as Linux with tcp_abort_on_overflow=1, because
//   the Listener has already let go of it), flows per source address, and an
//   idle limit for flows no timer would ever end (ESTABLISHED, CLOSE-WAIT,
//   FIN-WAIT-2 with no segment from the peer and no call from the owner):
//   those are aborted (RST) — this is what bounds flows whose owner forgot
//   them or never took them;
// - keeps every deadline in an indexed binary heap: next_deadline() is O(1),
//   on_timer() touches only the flows that are due.
//
// Memory: one allocation per table at construction (listen() allocates its
// Listener's tables once), never per datagram; memory_bytes() is the total.
//
// Use: on_datagram() for every datagram read; on_timer() at next_deadline();
// then poll_event() until empty (the owner acts on events: close() on
// PeerClosed...), then poll_transmit() until empty and send each datagram.
// A driver answering a batch may give on_datagram() a reply buffer: the
// answer a Listener or a closed port owes that datagram (a SYN-ACK, cookie
// or not; a reset) is then written there at once (Delivery::reply), as the
// reply to a packet is written in place in a user-space stack, with no
// queue between; everything else still waits for poll_transmit().
// Poll at least every Listener::tx_capacity / 2 datagrams: a Listener's
// replies wait in its fixed ring, and a full ring loses them (counted in
// its stats as tx_overflow), as a full device queue would.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/result.hpp"
#include "synack/core/siphash.hpp"
#include "synack/core/span.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/handshake/listener.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/martian.hpp"
#include "synack/wire/packet.hpp"
#include "synack/wire/tcp.hpp"

// The flow table's probe (lookup()): SSE2 where the target has it, unless
// SYNACK_NO_SIMD asks for the portable loop.
#if defined(__SSE2__) && !defined(SYNACK_NO_SIMD)
#define SYNACK_SSE2_PROBE 1
#include <emmintrin.h>
#endif

namespace synack {

// What the operator sets; the sizes fix the endpoint's memory.
struct EndpointLimits {
    std::uint32_t max_flows = 1024;     // Connections at once (the pool)
    std::uint32_t max_listeners = 4;
    std::uint32_t max_per_source = 0;   // flows per remote address; 0 = only max_flows
    Duration idle_timeout{};            // 0 = none (Linux has none for ESTABLISHED)
    std::uint32_t reset_queue = 256;    // closed-port RSTs waiting to be polled
};

// A flow in the pool. The generation makes a handle to a reaped flow stale.
struct FlowHandle {
    std::uint32_t index = 0xFFFFFFFFU;
    std::uint32_t generation = 0;
    [[nodiscard]] constexpr bool valid() const noexcept { return index != 0xFFFFFFFFU; }
    friend constexpr bool operator==(const FlowHandle&, const FlowHandle&) = default;
};

struct EndpointStats {
    std::uint64_t datagrams_in = 0;
    std::uint64_t malformed_ip = 0;         // IP framing or header checksum (Linux ip_rcv drops)
    std::uint64_t not_tcp = 0;              // another protocol (ICMPv6 neighbour discovery...)
    std::uint64_t fragments = 0;            // not reassembled
    Array<std::uint64_t, static_cast<std::size_t>(Martian::Count_)> martians{}; // by Martian
    std::uint64_t not_local = 0;            // a unicast destination that is not ours
    std::uint64_t malformed_tcp = 0;        // TCP framing
    std::uint64_t to_flows = 0;             // segments given to a Connection
    std::uint64_t to_listeners = 0;         // segments given to a Listener
    std::uint64_t closed_port_bad_checksum = 0; // no owner and a bad checksum: no reply
    std::uint64_t closed_port_resets = 0;   // RSTs for segments nobody owns
    std::uint64_t closed_port_rsts_ignored = 0; // a RST nobody owns (never answered)
    std::uint64_t reset_queue_full = 0;     // closed-port RSTs dropped: queue full
    std::uint64_t accepted = 0;             // flows taken from Listeners
    std::uint64_t connected = 0;            // active opens
    std::uint64_t pool_full = 0;            // accepted flows reset / connects refused: pool full
    std::uint64_t per_source_refused = 0;   // the same, over max_per_source
    std::uint64_t idle_aborted = 0;         // flows aborted by the idle limit
    std::uint64_t reaped = 0;               // flows freed
    std::uint64_t time_wait_reopened = 0;   // TIME-WAIT flows a new SYN reopened (Connection::reopen_from_time_wait())
    std::uint64_t datagrams_out = 0;

    [[nodiscard]] constexpr std::uint64_t martian_total() const noexcept {
        std::uint64_t n = 0;
        for (const std::uint64_t m : martians) n += m;
        return n;
    }
};

// What on_datagram() did, for the owner.
struct Delivery {
    FlowHandle flow{};       // the flow the datagram went to (invalid: none, or a Listener's half-open)
    Bytes payload{};         // payload the flow now owns (a view into the datagram)
    bool syn_data = false;   // payload is a Fast Open SYN's data (a view into the Listener)
    Bytes fastopen_cookie{}; // a cookie our SYN's SYN-ACK carried (RFC 7413 §4.1.3; a view)
    FlowHandle accepted{};   // a flow the datagram completed (from a Listener), if any
    std::size_t reply = 0;   // the datagram written into on_datagram()'s reply buffer: its length (0: none)
};

struct EndpointEvent {
    FlowHandle flow{};
    Event event{};
    bool accepted = false; // the flow came from a Listener
};

// One IP datagram written by poll_transmit(), or why none was: the
// machines' contract (connection.hpp, Transmit) one layer up. With error
// BufferTooSmall nothing was written, `needed` is the datagram's size, and
// it stays queued for the next call with a buffer that large.
struct Datagram {
    std::size_t length = 0;
    FourTuple flow{}; // from flow.local to flow.remote
    Error error = Error::None;
    std::size_t needed = 0;
    [[nodiscard]] constexpr bool ok() const noexcept { return error == Error::None; }
};

class TcpEndpoint {
  public:
    static constexpr std::size_t max_addresses = 8;
    static constexpr std::uint8_t ttl = 64; // Linux's net.ipv4.ip_default_ttl
    // The reply buffer on_datagram() writes into: any IP header and any
    // segment a Listener or a closed port sends.
    static constexpr std::size_t reply_capacity = ipv6_header_length + Listener::max_segment_size();

    // Allocates every table now; none later but in listen(). `ctx` must
    // outlive the endpoint.
    TcpEndpoint(const Context& ctx, const EndpointLimits& limits) : ctx_(&ctx), lim_(limits) {
        cap_ = limits.max_flows;
        std::uint32_t b = 1;
        while (b < cap_ && b < (1U << 31U)) b <<= 1U;
        bucket_mask_ = b - 1;
        slots_ = detail::FixedArray<Slot>(cap_);
        // The flow table: at least twice the pool, so at most half full.
        std::uint32_t tb = probe_window; // (whole windows)
        while (tb < 2U * std::uint64_t{cap_} && tb < (1U << 31U)) tb <<= 1U;
        table_mask_ = tb - 1;
        table_ = detail::FixedArray<TableEntry>(tb);
        for (std::uint32_t i = 0; i < cap_; ++i) {
            slots_[i].conn = Connection(ctx);
            slots_[i].chain = i + 1 < cap_ ? i + 1 : none;
        }
        free_ = cap_ > 0 ? 0 : none;
        heap_ = detail::FixedArray<std::uint32_t>(cap_);
        if (limits.max_per_source != 0) {
            sources_ = detail::FixedArray<SourceEntry>(cap_);
            source_heads_ = detail::FixedArray<std::uint32_t>(b);
            for (std::uint32_t i = 0; i < b; ++i) source_heads_[i] = none;
            for (std::uint32_t i = 0; i < cap_; ++i) sources_[i].chain = i + 1 < cap_ ? i + 1 : none;
            source_free_ = cap_ > 0 ? 0 : none;
        }
        listeners_ = detail::FixedArray<Listener*>(limits.max_listeners);
        resets_ = detail::FixedArray<ResetRecord>(limits.reset_queue);
        flow_key_ = derive(ctx.secrets.cookie_key, 0x464C4F57U);   // "FLOW"
        source_key_ = derive(ctx.secrets.cookie_key, 0x53524345U); // "SRCE"
    }
    TcpEndpoint(const Context&&, const EndpointLimits&) = delete; // would dangle
    ~TcpEndpoint() {
        for (std::uint32_t i = 0; i < listener_count_; ++i) delete listeners_[i];
    }
    TcpEndpoint(const TcpEndpoint&) = delete;
    TcpEndpoint& operator=(const TcpEndpoint&) = delete;

    // ---- setup ----

    // An address of ours (IPv4: with its prefix, whose broadcast is then
    // ours too). listen() and connect() add their local address (/32, /128)
    // when it is not there. TableFull past max_addresses.
    Error add_address(const IpAddress& a, std::uint8_t prefix_len) noexcept {
        for (std::size_t i = 0; i < address_count_; ++i) {
            if (addresses_[i].address == a) {
                addresses_[i].prefix_len = prefix_len;
                return Error::None;
            }
        }
        if (address_count_ == max_addresses) return Error::TableFull;
        addresses_[address_count_++] = LocalAddress{a, prefix_len};
        return Error::None;
    }

    // A Listener on `local` (its tables are allocated now, once). TableFull
    // past max_listeners, InvalidState if one already listens there.
    Error listen(const Endpoint& local) {
        if (find_listener(local) != nullptr) return Error::InvalidState;
        if (listener_count_ == lim_.max_listeners) return Error::TableFull;
        if (const Error e = ensure_address(local.address); e != Error::None) return e;
        listeners_[listener_count_++] = new Listener(*ctx_, local);
        return Error::None;
    }

    // ---- user calls ----

    // Active open. TableFull when the pool (or the per-source limit) is full,
    // InvalidState when the flow exists.
    result<FlowHandle> connect(const FourTuple& t, Time now) noexcept {
        const result<std::uint32_t> i = open_slot(t);
        if (!i) return i.failure();
        static_cast<void>(slots_[*i].conn.connect(t, now));
        ++stats_.connected;
        touch(*i, now, true);
        return handle(*i);
    }

    // Active open with TCP Fast Open (Connection::connect_fast_open(): the
    // views must stay valid until Established or failure).
    result<FlowHandle> connect_fast_open(const FourTuple& t, Bytes cookie, Bytes data, Time now) noexcept {
        const result<std::uint32_t> i = open_slot(t);
        if (!i) return i.failure();
        if (const Error e = slots_[*i].conn.connect_fast_open(t, cookie, data, now); e != Error::None) {
            free_slot(*i);
            return e;
        }
        ++stats_.connected;
        touch(*i, now, true);
        return handle(*i);
    }

    Error close(FlowHandle h, Time now) noexcept {
        Slot* s = live(h);
        if (s == nullptr) return Error::NotFound;
        const Error e = s->conn.close(now);
        touch(h.index, now, true);
        return e;
    }

    Error abort(FlowHandle h, Time now) noexcept {
        Slot* s = live(h);
        if (s == nullptr) return Error::NotFound;
        const Error e = s->conn.abort(now);
        touch(h.index, now, true);
        return e;
    }

    // The flow's Connection (read it; act through close()/abort() so the
    // endpoint sees the change), or nullptr for a stale handle.
    [[nodiscard]] const Connection* connection(FlowHandle h) const noexcept {
        const Slot* s = live(h);
        return s != nullptr ? &s->conn : nullptr;
    }

    // The flow of a 4-tuple (seen from our side), if it is in the pool.
    [[nodiscard]] Optional<FlowHandle> find(const FourTuple& t) const noexcept {
        const std::uint32_t i = lookup(flow_hash(t), t);
        if (i == none) return nullopt;
        return handle(i);
    }

    // ---- datagram arrival ----

    // `reply`: where to write the answer this datagram calls for, if any
    // (IP header and segment; Delivery::reply is its length). One smaller
    // than reply_capacity bytes, or none, queues it for poll_transmit().
    Delivery on_datagram(Bytes datagram, Time now, MutableBytes reply = {}) noexcept {
        ++stats_.datagrams_in;
        IpPacket p;
        if (const Failure f = parse_ip_packet(datagram, p); f.error != Error::None) {
            if (f.error == Error::NotTcp) {
                ++stats_.not_tcp;
            } else if (f.error == Error::Ipv4Fragment || f.error == Error::Ipv6Fragment) {
                ++stats_.fragments;
            } else {
                ++stats_.malformed_ip;
            }
            return {};
        }
        return on_packet(p, now, reply);
    }

    // The same for a datagram the caller has already parsed.
    Delivery on_packet(const IpPacket& p, Time now, MutableBytes reply = {}) noexcept {
        const Martian m = classify_martian(p.source, p.destination,
                                           Span<const LocalAddress>(addresses_.data(), address_count_));
        if (m != Martian::None) {
            ++stats_.martians[static_cast<std::size_t>(m)];
            return {};
        }
        if (!is_ours(p.destination)) {
            ++stats_.not_local;
            return {};
        }
        const result<TcpView> v = TcpView::parse(p.tcp);
        if (!v) {
            ++stats_.malformed_tcp;
            return {};
        }
        const FourTuple t{{p.destination, v->destination_port()}, {p.source, v->source_port()}};
        const std::uint64_t hash = flow_hash(t);
        std::uint32_t i = lookup(hash, t);
        if (i != none) {
            const State st = slots_[i].conn.state();
            if (st == State::Closed) {
                // An ended flow owns no segment, though its owner may not
                // have taken its last events yet: Linux has freed the socket,
                // so the segment finds a Listener or the closed-port answer.
                unlist(i);
                i = none;
            } else if (st == State::TimeWait && v->flags().syn() && reopen_time_wait(i, p, *v, now)) {
                i = none; // the SYN goes to the Listener
            }
        }
        if (i != none) {
            ++stats_.to_flows;
            const Received r = slots_[i].conn.on_segment(p.source, p.destination, *v, now);
            touch(i, now, r.error == Error::None);
            Delivery d;
            d.flow = handle(i);
            d.payload = r.payload;
            d.fastopen_cookie = r.fastopen_cookie;
            return d;
        }
        if (Listener* l = find_listener(t.local)) {
            ++stats_.to_listeners;
            const std::size_t hl = header_size(t.local.address);
            const Received r =
                l->on_routed(p.source, *v, now, reply.size() >= reply_capacity ? reply.subspan(hl) : MutableBytes{});
            l->reopen_iss_ = nullopt; // (set by reopen_time_wait() for this SYN, if it reopened a flow)
            Delivery d;
            if (r.reply != 0) d.reply = write_ip_header(reply, t, r.reply, 0);
            while (const Optional<Accepted> a = l->accept()) adopt(*a, now, d);
            // The Listener surfaces payload on the completing ACK without
            // taking it, and leaves a FIN there alone: the new Connection
            // takes both (as Linux's child socket, tcp_child_process()).
            if (d.accepted.valid() && (!r.payload.empty() || v->flags().fin())) {
                if (const std::uint32_t c = lookup(hash, t); c != none) {
                    const Received rc = slots_[c].conn.on_segment(p.source, p.destination, *v, now);
                    touch(c, now, true);
                    d.flow = handle(c);
                    d.payload = rc.payload;
                    d.syn_data = false;
                }
            }
            return d;
        }
        Delivery d;
        closed_port(p, *v, t, reply, d);
        return d;
    }

    // ---- timers ----

    void on_timer(Time now) noexcept {
        for (std::uint32_t i = 0; i < listener_count_; ++i) {
            if (listeners_[i]->next_deadline() <= now) listeners_[i]->on_timer(now);
        }
        // Each due flow once per call (a flow whose deadline stays due is
        // taken again at the next call, never looped on here).
        for (std::uint32_t budget = heap_size_; budget != 0 && heap_size_ != 0; --budget) {
            const std::uint32_t i = heap_[0];
            Slot& s = slots_[i];
            if (s.key > now) break;
            if (idle_due(s, now)) {
                ++stats_.idle_aborted;
                static_cast<void>(s.conn.abort(now));
                if (!(s.flags & Claimed)) { // nobody ever saw it: no events either
                    s.flags = static_cast<std::uint8_t>(s.flags & ~PendingEstablished);
                    while (s.conn.poll_event()) {
                    }
                }
            } else {
                s.conn.on_timer(now);
            }
            touch(i, now, false);
            if (s.key <= now && heap_[0] == i) set_key(i, now + Duration::nanoseconds(1)); // never spin
        }
    }

    [[nodiscard]] Time next_deadline() const noexcept {
        Time t = heap_size_ != 0 ? slots_[heap_[0]].key : Time::never();
        for (std::uint32_t i = 0; i < listener_count_; ++i) {
            const Time d = listeners_[i]->next_deadline();
            if (d < t) t = d;
        }
        return t;
    }

    // ---- outputs ----

    // The next event of any flow. Accepted flows report Established first.
    Optional<EndpointEvent> poll_event() noexcept {
        while (event_head_ != none) {
            const std::uint32_t i = event_head_;
            Slot& s = slots_[i];
            if (s.flags & PendingEstablished) {
                s.flags = static_cast<std::uint8_t>((s.flags & ~PendingEstablished) | Claimed);
                return EndpointEvent{handle(i), Event{EventKind::Established, s.conn.negotiated()}, true};
            }
            if (const Optional<Event> e = s.conn.poll_event()) {
                if (e->kind == EventKind::Established) s.flags |= Claimed;
                return EndpointEvent{handle(i), *e, (s.flags & Accepted_) != 0};
            }
            event_head_ = s.event_next;
            if (event_head_ == none) event_tail_ = none;
            s.flags = static_cast<std::uint8_t>(s.flags & ~InEvents);
            maybe_reap(i);
        }
        return nullopt;
    }

    // The next IP datagram into `buf` (header + segment; 40 + 60 + the
    // largest payload a flow sends suffice; with Fast Open data, 100 + mss).
    // A buffer too small is an error naming the size (see Datagram); the
    // datagram stays queued.
    Optional<Datagram> poll_transmit(MutableBytes buf, Time now) noexcept {
        Optional<Datagram> out; // the one object every path returns (see finish())
        while (reset_count_ != 0) {
            const ResetRecord r = resets_[reset_head_];
            const std::size_t hl = header_size(r.flow.local.address);
            if (buf.size() < hl + tcp_min_header) {
                out = too_small(r.flow, hl + tcp_min_header);
                return out;
            }
            reset_head_ = (reset_head_ + 1) % lim_.reset_queue;
            --reset_count_;
            const std::size_t n = write_reset(r, buf);
            if (n == 0) continue;
            Datagram& d = out.emplace();
            d.length = n;
            d.flow = r.flow;
            return out;
        }
        for (std::uint32_t li = 0; li < listener_count_; ++li) {
            Listener& l = *listeners_[li];
            const std::size_t hl = header_size(l.local().address);
            if (buf.size() < hl) {
                out = too_small(FourTuple{l.local(), {}}, hl + Listener::max_segment_size());
                return out;
            }
            while (const Optional<Transmit> tx = l.poll_transmit(buf.subspan(hl), now)) {
                if (!tx->ok()) {
                    out = too_small(tx->flow, hl + tx->needed);
                    return out;
                }
                if (finish(buf, tx->flow, tx->length, tx->ecn, out)) return out;
            }
        }
        while (dirty_head_ != none) {
            const std::uint32_t i = dirty_head_;
            Slot& s = slots_[i];
            const std::size_t hl = header_size(s.conn.flow().local.address);
            if (buf.size() < hl) {
                out = too_small(s.conn.flow(), hl + s.conn.max_segment_size());
                return out;
            }
            if (const Optional<Transmit> tx = s.conn.poll_transmit(buf.subspan(hl), now)) {
                if (!tx->ok()) {
                    out = too_small(tx->flow, hl + tx->needed);
                    return out;
                }
                if (finish(buf, tx->flow, tx->length, tx->ecn, out)) return out;
                continue;
            }
            dirty_head_ = s.dirty_next;
            if (dirty_head_ == none) dirty_tail_ = none;
            s.flags = static_cast<std::uint8_t>(s.flags & ~Dirty);
            set_key(i, key_of(s)); // sending may have armed a timer
            maybe_reap(i);
        }
        return out;
    }

    // ---- introspection ----

    [[nodiscard]] const EndpointStats& stats() const noexcept { return stats_; }
    [[nodiscard]] const EndpointLimits& limits() const noexcept { return lim_; }
    [[nodiscard]] std::uint32_t flows() const noexcept { return used_; }
    [[nodiscard]] std::uint32_t capacity() const noexcept { return cap_; }
    [[nodiscard]] std::uint32_t listener_count() const noexcept { return listener_count_; }
    [[nodiscard]] const Listener& listener(std::uint32_t i) const noexcept { return *listeners_[i]; }
    [[nodiscard]] Span<const LocalAddress> addresses() const noexcept {
        return Span<const LocalAddress>(addresses_.data(), address_count_);
    }
    // Flows from one remote address (0 without a per-source limit).
    [[nodiscard]] std::uint32_t flows_from(const IpAddress& a) const noexcept {
        if (lim_.max_per_source == 0) return 0;
        const std::uint32_t e = find_source(source_bucket(a), a);
        return e == none ? 0 : sources_[e].count;
    }
    // Everything the endpoint holds: fixed at construction (and listen()).
    [[nodiscard]] std::size_t memory_bytes() const noexcept {
        const std::size_t buckets = std::size_t{bucket_mask_} + 1;
        std::size_t n = sizeof(TcpEndpoint) + std::size_t{cap_} * (sizeof(Slot) + sizeof(std::uint32_t)) +
                        (std::size_t{table_mask_} + 1) * sizeof(TableEntry) +
                        std::size_t{lim_.max_listeners} * sizeof(Listener*) +
                        std::size_t{lim_.reset_queue} * sizeof(ResetRecord);
        if (lim_.max_per_source != 0) n += std::size_t{cap_} * sizeof(SourceEntry) + buckets * sizeof(std::uint32_t);
        for (std::uint32_t i = 0; i < listener_count_; ++i) n += listeners_[i]->memory_bytes();
        return n;
    }

  private:
    static constexpr std::uint32_t none = 0xFFFFFFFFU;
    enum SlotFlags : std::uint8_t {
        InUse = 1,
        Dirty = 2,               // in the transmit list
        InEvents = 4,            // in the event list
        Claimed = 8,             // the owner polled its Established
        PendingEstablished = 16, // accepted: Established not yet polled
        Accepted_ = 32,          // came from a Listener
        Unlisted = 64,           // out of the flow table already (unlist())
    };

    struct Slot {
        Connection conn{detail_idle_context()};
        Time key = Time::never();       // heap key: the earliest of its deadlines
        Time last_activity{};
        std::uint64_t hash = 0;         // flow_hash() of its 4-tuple while in the table
        std::uint32_t chain = none;     // the free list
        std::uint32_t heap_pos = none;
        std::uint32_t dirty_next = none;
        std::uint32_t event_next = none;
        std::uint32_t generation = 0;
        std::uint32_t source = none;    // its per-source entry
        std::uint8_t flags = 0;
    };

    struct SourceEntry {
        IpAddress address{};
        std::uint32_t count = 0;
        std::uint32_t chain = none;
    };

    struct ResetRecord {
        FourTuple flow{};
        SeqNum seq{};
        SeqNum ack{};
        TcpFlags flags{};
    };

    // Connections in free slots point here until a flow takes the slot.
    static const Context& detail_idle_context() noexcept {
        static const Context c{};
        return c;
    }

    static constexpr SipKey derive(const SipKey& k, std::uint32_t label) noexcept {
        SipHasher a(k);
        a.add_u32(label).add_u8(0);
        SipHasher b(k);
        b.add_u32(label).add_u8(1);
        return {a.finish(), b.finish()};
    }

    [[nodiscard]] static constexpr std::size_t header_size(const IpAddress& a) noexcept {
        return a.is_v4() ? ipv4_min_header : ipv6_header_length;
    }

    // The IP header in front of the segment already at buf[header_size, ...).
    static constexpr Datagram too_small(const FourTuple& flow, std::size_t needed) noexcept {
        return Datagram{0, flow, Error::BufferTooSmall, needed};
    }
    // The IP header in front of a segment written at buf + header; the
    // datagram goes into `out` in place (no Datagram copied through a local:
    // see Listener::poll_transmit()). False if no header could be written.
    bool finish(MutableBytes buf, const FourTuple& flow, std::size_t tcp_len, std::uint8_t ecn,
                Optional<Datagram>& out) noexcept {
        const std::size_t n = write_ip_header(buf, flow, tcp_len, ecn);
        if (n == 0) return false;
        Datagram& d = out.emplace();
        d.length = n;
        d.flow = flow;
        return true;
    }
    // The IP header alone: the datagram's length, counted out; 0 if none
    // could be written (the segment fitted; only a family mismatch, which
    // flows never have).
    std::size_t write_ip_header(MutableBytes buf, const FourTuple& flow, std::size_t tcp_len, std::uint8_t ecn) noexcept {
        const result<std::size_t> h = encode_ip_header(flow.local.address, flow.remote.address, ecn, ttl, tcp_len, buf);
        if (!h) return 0;
        ++stats_.datagrams_out;
        return *h + tcp_len;
    }
    // A reset, IP header and all, into `buf` (at least header_size +
    // tcp_min_header bytes): its length, counted out; 0 if none.
    std::size_t write_reset(const ResetRecord& r, MutableBytes buf) noexcept {
        const std::size_t hl = header_size(r.flow.local.address);
        TcpFields h;
        h.source_port = r.flow.local.port;
        h.destination_port = r.flow.remote.port;
        h.seq = r.seq;
        h.ack = r.ack;
        h.flags = r.flags;
        const result<std::size_t> n =
            h.encode(buf.subspan(hl), OptionValues{}, r.flow.local.address, r.flow.remote.address, Bytes{});
        if (!n) return 0;
        return write_ip_header(buf, r.flow, *n, 0);
    }

    // ---- addresses and listeners ----

    [[nodiscard]] bool is_ours(const IpAddress& a) const noexcept {
        for (std::size_t i = 0; i < address_count_; ++i) {
            if (addresses_[i].address == a) return true;
        }
        return false;
    }
    Error ensure_address(const IpAddress& a) noexcept {
        if (is_ours(a)) return Error::None;
        return add_address(a, a.is_v4() ? 32 : 128);
    }
    [[nodiscard]] Listener* find_listener(const Endpoint& local) const noexcept {
        for (std::uint32_t i = 0; i < listener_count_; ++i) {
            if (listeners_[i]->local() == local) return listeners_[i];
        }
        return nullptr;
    }

    // ---- the flow table ----

    // Open addressing with linear probing, at most half full: an entry is
    // the slot and 32 more bits of its flow's hash, so a lookup reads one
    // aligned window of 4 entries (rarely more; never across a cache line)
    // and a slot only when those bits match: the cost of a packet does not
    // depend on how many flows there are. Deletion shifts the entries
    // behind back (no tombstones). The table's size is a power of two, at
    // least one window.
    struct TableEntry {
        std::uint32_t tag = 0;     // the hash's high 32 bits
        std::uint32_t slot = none; // none: empty
    };

    [[nodiscard]] std::uint64_t flow_hash(const FourTuple& t) const noexcept { return flow_table_hash(flow_key_, t); }
    // Entries are read a window at a time (SSE2, or a loop the compiler
    // keeps branch-free), not with a branch per entry: the run of occupied
    // entries before the first empty one has a random length, and a branch
    // on each mispredicts more as the table fills (bench_endpoint,
    // Endpoint_SynCookie/100000 against /0: 1.17x with a branch per entry,
    // 1.06x with windows).
    static constexpr std::uint32_t probe_window = 4;
    [[nodiscard]] std::uint32_t lookup(std::uint64_t hash, const FourTuple& t) const noexcept {
        const auto tag = static_cast<std::uint32_t>(hash >> 32U);
        const std::uint32_t p = static_cast<std::uint32_t>(hash) & table_mask_;
        // Aligned windows (never across a cache line), the first without
        // the entries before p.
        std::uint32_t w = p & ~(probe_window - 1U);
        unsigned from = ~0U << (p - w);
        for (;; w = (w + probe_window) & table_mask_, from = ~0U) {
            unsigned empty = 0; // bit k: entry w + k is empty
            unsigned match = 0; // bit k: entry w + k has the tag
#if defined(SYNACK_SSE2_PROBE)
            const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&table_[w])); // tag, slot, tag, slot
            const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&table_[w + 2]));
            const __m128 tags = _mm_shuffle_ps(_mm_castsi128_ps(lo), _mm_castsi128_ps(hi), _MM_SHUFFLE(2, 0, 2, 0));
            const __m128 slots = _mm_shuffle_ps(_mm_castsi128_ps(lo), _mm_castsi128_ps(hi), _MM_SHUFFLE(3, 1, 3, 1));
            empty = static_cast<unsigned>(_mm_movemask_ps(
                _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_castps_si128(slots), _mm_set1_epi32(-1)))));
            match = static_cast<unsigned>(_mm_movemask_ps(
                _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_castps_si128(tags), _mm_set1_epi32(static_cast<int>(tag))))));
#else
            for (unsigned k = 0; k < probe_window; ++k) {
                const TableEntry e = table_[w + k];
                empty |= static_cast<unsigned>(e.slot == none) << k;
                match |= static_cast<unsigned>(e.tag == tag) << k;
            }
#endif
            empty &= from;
            match &= from & ((empty & (0U - empty)) - 1U); // only entries before the first empty one (all if none)
            for (; match != 0; match &= match - 1U) {
                const std::uint32_t s = table_[w + static_cast<std::uint32_t>(std::countr_zero(match))].slot;
                if (slots_[s].conn.flow() == t) return s;
            }
            if (empty != 0) return none;
        }
    }
    void table_insert(std::uint64_t hash, std::uint32_t slot) noexcept {
        std::uint32_t p = static_cast<std::uint32_t>(hash) & table_mask_;
        while (table_[p].slot != none) p = (p + 1) & table_mask_;
        table_[p] = TableEntry{static_cast<std::uint32_t>(hash >> 32U), slot};
    }
    void table_erase(std::uint32_t slot) noexcept {
        std::uint32_t hole = static_cast<std::uint32_t>(slots_[slot].hash) & table_mask_;
        while (table_[hole].slot != slot) hole = (hole + 1) & table_mask_;
        for (std::uint32_t q = (hole + 1) & table_mask_; table_[q].slot != none; q = (q + 1) & table_mask_) {
            const std::uint32_t home = static_cast<std::uint32_t>(slots_[table_[q].slot].hash) & table_mask_;
            // The entry at q may fill the hole if its home is not after the
            // hole on the way to q.
            if (((q - home) & table_mask_) >= ((q - hole) & table_mask_)) {
                table_[hole] = table_[q];
                hole = q;
            }
        }
        table_[hole] = TableEntry{};
    }
    [[nodiscard]] FlowHandle handle(std::uint32_t i) const noexcept { return {i, slots_[i].generation}; }
    [[nodiscard]] Slot* live(FlowHandle h) const noexcept {
        if (h.index >= cap_) return nullptr;
        Slot& s = slots_[h.index];
        return (s.flags & InUse) && s.generation == h.generation ? &s : nullptr;
    }

    // A free slot for flow `t`, hashed in, counted against its source.
    result<std::uint32_t> open_slot(const FourTuple& t) noexcept {
        if (const Error e = ensure_address(t.local.address); e != Error::None) return e;
        const std::uint64_t hash = flow_hash(t);
        if (lookup(hash, t) != none) return Error::InvalidState;
        if (free_ == none) {
            ++stats_.pool_full;
            return Error::TableFull;
        }
        std::uint32_t src = none;
        if (lim_.max_per_source != 0) {
            const std::uint32_t sb = source_bucket(t.remote.address);
            src = find_source(sb, t.remote.address);
            if (src != none && sources_[src].count >= lim_.max_per_source) {
                ++stats_.per_source_refused;
                return Error::TableFull;
            }
            if (src == none) { // free_ != none implies a free source entry (one per flow at most)
                src = source_free_;
                source_free_ = sources_[src].chain;
                sources_[src] = SourceEntry{t.remote.address, 0, source_heads_[sb]};
                source_heads_[sb] = src;
            }
            ++sources_[src].count;
        }
        const std::uint32_t i = free_;
        Slot& s = slots_[i];
        free_ = s.chain;
        s.conn = Connection(*ctx_);
        s.key = Time::never();
        s.heap_pos = none;
        s.dirty_next = none;
        s.event_next = none;
        s.source = src;
        s.flags = InUse;
        s.hash = hash;
        table_insert(hash, i);
        ++used_;
        return i;
    }

    // Unhashes and frees a slot (not in the dirty or event list).
    void free_slot(std::uint32_t i) noexcept {
        Slot& s = slots_[i];
        if (!(s.flags & Unlisted)) table_erase(i);
        set_key(i, Time::never());
        if (s.source != none) release_source(s.source);
        s.source = none;
        s.flags = 0;
        ++s.generation;
        s.conn = Connection(detail_idle_context());
        s.chain = free_;
        free_ = i;
        --used_;
    }

    // A SYN for flow i, in TIME-WAIT, that reopens it
    // (Connection::reopen_from_time_wait()), which Linux lets happen only
    // with a listener to take the SYN: the flow is over (its Closed event
    // goes out as at the end of 2 MSL) and leaves the table now, so that
    // this SYN and the new incarnation's segments reach the Listener, which
    // is given the ISS to use for it (as Listener::on_reopening_syn() does;
    // on_packet() clears it after the call). False: the flow answers the SYN.
    [[gnu::noinline]] bool reopen_time_wait(std::uint32_t i, const IpPacket& p, const TcpView& v, Time now) noexcept {
        Slot& s = slots_[i];
        Listener* l = find_listener(s.conn.flow().local);
        if (l == nullptr) return false;
        const Optional<SeqNum> iss = s.conn.reopen_from_time_wait(p.source, p.destination, v, now);
        if (!iss) return false;
        unlist(i);
        ++stats_.time_wait_reopened;
        touch(i, now, false);
        l->reopen_iss_ = iss;
        return true;
    }

    // Out of the flow table before the slot is freed (a flow that ended or
    // was reopened, reaped once its events are taken): free_slot() then
    // leaves the table alone.
    void unlist(std::uint32_t i) noexcept {
        table_erase(i);
        slots_[i].flags |= Unlisted;
    }

    void maybe_reap(std::uint32_t i) noexcept {
        Slot& s = slots_[i];
        if (!(s.flags & InUse) || (s.flags & (Dirty | InEvents | PendingEstablished))) return;
        if (s.conn.state() != State::Closed || s.conn.next_deadline() != Time::never()) return;
        ++stats_.reaped;
        free_slot(i);
    }

    // ---- per-source counts ----

    [[nodiscard]] std::uint32_t source_bucket(const IpAddress& a) const noexcept {
        SipHasher h(source_key_);
        detail::add_address(h, a);
        return static_cast<std::uint32_t>(h.finish()) & bucket_mask_;
    }
    [[nodiscard]] std::uint32_t find_source(std::uint32_t bucket, const IpAddress& a) const noexcept {
        for (std::uint32_t e = source_heads_[bucket]; e != none; e = sources_[e].chain) {
            if (sources_[e].address == a) return e;
        }
        return none;
    }
    void release_source(std::uint32_t e) noexcept {
        if (--sources_[e].count != 0) return;
        std::uint32_t* link = &source_heads_[source_bucket(sources_[e].address)];
        while (*link != e) link = &sources_[*link].chain;
        *link = sources_[e].chain;
        sources_[e].chain = source_free_;
        source_free_ = e;
    }

    // ---- after every call into a Connection ----

    void touch(std::uint32_t i, Time now, bool activity) noexcept {
        Slot& s = slots_[i];
        if (activity) s.last_activity = now;
        if (!(s.flags & Dirty)) {
            s.flags |= Dirty;
            s.dirty_next = none;
            if (dirty_tail_ != none) {
                slots_[dirty_tail_].dirty_next = i;
            } else {
                dirty_head_ = i;
            }
            dirty_tail_ = i;
        }
        if (!(s.flags & InEvents)) {
            s.flags |= InEvents;
            s.event_next = none;
            if (event_tail_ != none) {
                slots_[event_tail_].event_next = i;
            } else {
                event_head_ = i;
            }
            event_tail_ = i;
        }
        set_key(i, key_of(s));
    }

    // States no timer of the Connection would ever end.
    [[nodiscard]] static constexpr bool idle_state(State st) noexcept {
        return st == State::Established || st == State::CloseWait || st == State::FinWait2;
    }
    [[nodiscard]] bool idle_due(const Slot& s, Time now) const noexcept {
        return lim_.idle_timeout.ns > 0 && idle_state(s.conn.state()) && s.last_activity + lim_.idle_timeout <= now;
    }
    [[nodiscard]] Time key_of(const Slot& s) const noexcept {
        Time k = s.conn.next_deadline();
        if (lim_.idle_timeout.ns > 0 && idle_state(s.conn.state())) {
            const Time idle = s.last_activity + lim_.idle_timeout;
            if (idle < k) k = idle;
        }
        return k;
    }

    // ---- the deadline heap (indexed binary min-heap of slots) ----

    void set_key(std::uint32_t i, Time k) noexcept {
        Slot& s = slots_[i];
        if (k == Time::never()) {
            if (s.heap_pos != none) heap_remove(s.heap_pos);
            s.key = k;
            return;
        }
        if (s.heap_pos == none) {
            s.key = k;
            s.heap_pos = heap_size_;
            heap_[heap_size_++] = i;
            sift_up(s.heap_pos);
            return;
        }
        const Time old = s.key;
        s.key = k;
        if (k < old) {
            sift_up(s.heap_pos);
        } else if (old < k) {
            sift_down(s.heap_pos);
        }
    }
    void heap_place(std::uint32_t pos, std::uint32_t i) noexcept {
        heap_[pos] = i;
        slots_[i].heap_pos = pos;
    }
    void sift_up(std::uint32_t pos) noexcept {
        const std::uint32_t i = heap_[pos];
        while (pos > 0) {
            const std::uint32_t parent = (pos - 1) / 2;
            if (!(slots_[i].key < slots_[heap_[parent]].key)) break;
            heap_place(pos, heap_[parent]);
            pos = parent;
        }
        heap_place(pos, i);
    }
    void sift_down(std::uint32_t pos) noexcept {
        const std::uint32_t i = heap_[pos];
        for (;;) {
            std::uint32_t child = 2 * pos + 1;
            if (child >= heap_size_) break;
            if (child + 1 < heap_size_ && slots_[heap_[child + 1]].key < slots_[heap_[child]].key) ++child;
            if (!(slots_[heap_[child]].key < slots_[i].key)) break;
            heap_place(pos, heap_[child]);
            pos = child;
        }
        heap_place(pos, i);
    }
    void heap_remove(std::uint32_t pos) noexcept {
        const std::uint32_t gone = heap_[pos];
        slots_[gone].heap_pos = none;
        --heap_size_;
        if (pos == heap_size_) return;
        heap_place(pos, heap_[heap_size_]);
        sift_up(pos);
        sift_down(slots_[heap_[pos]].heap_pos);
    }

    // ---- accepted flows and strangers ----

    void adopt(const Accepted& a, Time now, Delivery& d) noexcept {
        const result<std::uint32_t> i = open_slot(a.negotiated.flow);
        if (!i) {
            // No room: reset it (the Listener has let go of it already).
            // RFC 9293 §3.10.5 ABORT's <SEQ=SND.NXT><CTL=RST>, with ACK as
            // Linux's tcp_send_active_reset().
            queue_reset(a.negotiated.flow, a.negotiated.snd_nxt, a.negotiated.rcv_nxt, TcpFlag::Rst | TcpFlag::Ack);
            return;
        }
        Slot& s = slots_[*i];
        s.conn = a.connection(*ctx_);
        ++stats_.accepted;
        s.flags |= Accepted_;
        // An ESTABLISHED child raises no event of its own (accept() was the
        // notification); a Fast Open child raises Established itself later.
        if (a.state == State::Established) s.flags |= PendingEstablished;
        touch(*i, now, true);
        d.accepted = handle(*i);
        if (!a.data.empty()) {
            d.flow = handle(*i);
            d.payload = a.data;
            d.syn_data = true;
        }
    }

    void closed_port(const IpPacket& p, const TcpView& v, const FourTuple& t, MutableBytes reply, Delivery& d) noexcept {
        if (v.flags().rst()) {
            ++stats_.closed_port_rsts_ignored;
            return;
        }
        if (!verify_tcp_checksum(p.source, p.destination, p.tcp)) {
            ++stats_.closed_port_bad_checksum;
            return;
        }
        if (const Optional<TcpHeader> r = reset_for(v)) {
            if (reply.size() >= reply_capacity) {
                d.reply = write_reset(ResetRecord{t, r->seq, r->ack, r->flags}, reply);
                if (d.reply != 0) ++stats_.closed_port_resets;
            } else if (queue_reset(t, r->seq, r->ack, r->flags)) {
                ++stats_.closed_port_resets;
            }
        }
    }

    bool queue_reset(const FourTuple& t, SeqNum seq, SeqNum ack, TcpFlags flags) noexcept {
        if (reset_count_ == lim_.reset_queue) {
            ++stats_.reset_queue_full;
            return false;
        }
        resets_[(reset_head_ + reset_count_) % lim_.reset_queue] = ResetRecord{t, seq, ack, flags};
        ++reset_count_;
        return true;
    }

    const Context* ctx_;
    EndpointLimits lim_;
    EndpointStats stats_{};
    SipKey flow_key_{};
    SipKey source_key_{};
    Array<LocalAddress, max_addresses> addresses_{};
    std::size_t address_count_ = 0;
    detail::FixedArray<Slot> slots_;
    detail::FixedArray<TableEntry> table_;
    detail::FixedArray<std::uint32_t> heap_;
    detail::FixedArray<SourceEntry> sources_;
    detail::FixedArray<std::uint32_t> source_heads_;
    detail::FixedArray<Listener*> listeners_;
    detail::FixedArray<ResetRecord> resets_;
    std::uint32_t cap_ = 0;
    std::uint32_t bucket_mask_ = 0; // the per-source table's
    std::uint32_t table_mask_ = 0;
    std::uint32_t used_ = 0;
    std::uint32_t free_ = none;
    std::uint32_t source_free_ = none;
    std::uint32_t heap_size_ = 0;
    std::uint32_t listener_count_ = 0;
    std::uint32_t dirty_head_ = none, dirty_tail_ = none;
    std::uint32_t event_head_ = none, event_tail_ = none;
    std::uint32_t reset_head_ = 0, reset_count_ = 0;
};

} // namespace synack
