// synack/handshake/listener.hpp — the passive side at scale, sans-IO: a
// bounded half-open table, SYN cookies, an accept queue and Fast Open.
//
// RFC 9293 §3.10.7.2 (LISTEN) and §3.10.7.4 (SYN-RECEIVED), RFC 4987 (SYN
// flooding mitigations: bounded table, SYN cookies), RFC 7413 (TCP Fast Open,
// server side), RFC 7323 / RFC 2018 / RFC 3168 §6.1.1 for the options.
// Linux is the behavioural reference and is cited at each decision:
// tcp_conn_request() (net/ipv4/tcp_input.c), tcp_check_req()
// (tcp_minisocks.c), reqsk_timer_handler() (inet_connection_sock.c),
// cookie_v4_check() (syncookies.c), tcp_try_fastopen() (tcp_fastopen.c).
//
// Memory is fixed at construction (one allocation per array, never again):
//   capacity * 64            half-open entries (static_asserted <= 64 bytes)
// + buckets * 4              hash heads, buckets = 2^ceil(log2(capacity))
// + accept_queue * sizeof(AcceptSlot)
// + fastopen_pending * (mss + 4)   Fast Open data held until accept()
// + sizeof(Listener)         (transmit ring of tx_capacity records inside)
// memory_bytes() reports the total.
//
// Lookup is O(1) expected: chained hashing of the remote endpoint under a
// SipHash key derived from the caller's secret, so an attacker cannot aim
// collisions. Expiry is O(1) amortised: every SYN-ACK timer follows the same
// schedule (rto_initial << retries), so the entries waiting on their k-th
// timeout form a FIFO in deadline order (an intrusive list per k); a timer
// pops from the front, a retransmission appends to the next list.
//
// Use: feed every segment addressed to the listening endpoint that belongs
// to no accepted Connection into on_segment(); call on_timer() at
// next_deadline(); drain poll_transmit() after each call; accept() hands out
// completed flows (the Negotiated record, and a Connection to keep driving).
#pragma once

#include <cstddef>
#include <cstdint>

#include "synack/core/array.hpp"
#include "synack/core/optional.hpp"
#include "synack/core/result.hpp"
#include "synack/core/seq.hpp"
#include "synack/core/siphash.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/config.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/handshake/fastopen.hpp"
#include "synack/handshake/isn.hpp"
#include "synack/handshake/negotiate.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/handshake/syncookie.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/tcp.hpp"

namespace synack {

namespace detail {

// An owning fixed-size array, allocated once (std::unique_ptr<T[]> without
// <memory>, which would double the umbrella header's compile time).
template <class T>
class FixedArray {
  public:
    FixedArray() noexcept = default;
    explicit FixedArray(std::size_t n) : p_(n != 0 ? new T[n]() : nullptr) {}
    ~FixedArray() { delete[] p_; }
    FixedArray(FixedArray&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
    FixedArray& operator=(FixedArray&& o) noexcept {
        if (this != &o) {
            delete[] p_;
            p_ = o.p_;
            o.p_ = nullptr;
        }
        return *this;
    }
    FixedArray(const FixedArray&) = delete;
    FixedArray& operator=(const FixedArray&) = delete;
    T& operator[](std::size_t i) const noexcept { return p_[i]; }
    [[nodiscard]] T* get() const noexcept { return p_; }

  private:
    T* p_ = nullptr;
};

} // namespace detail

// A completed (or, for Fast Open, 0-RTT) connection leaving the accept queue.
struct Accepted {
    Negotiated negotiated{};
    // Established, or SynReceived for a Fast Open child (a valid cookie, with
    // or without data: Linux tcp_try_fastopen()): its data, if any, is
    // already here but the peer's ACK of our SYN-ACK is still due (RFC 7413
    // §4.2.2).
    State state = State::Established;
    Time synack_sent{};           // SynReceived: when the last SYN-ACK went
    std::uint8_t synack_retries = 0;
    bool from_cookie = false;     // completed by a SYN cookie
    // Fast Open data carried by the SYN (negotiated.tfo_data bytes, starting
    // at negotiated.irs + 1). A view into the listener: valid until the next
    // on_segment() call.
    Bytes data{};

    // A Connection that continues this flow (see Connection::adopt()).
    [[nodiscard]] constexpr Connection connection(const Context& ctx) const noexcept {
        return Connection::adopt(ctx, negotiated, state, synack_sent, synack_retries);
    }
};

struct ListenerStats {
    std::uint64_t segments_in = 0;
    std::uint64_t bad_checksum = 0;
    std::uint64_t malformed = 0;
    std::uint64_t not_ours = 0;          // wrong address or port
    std::uint64_t syns = 0;
    std::uint64_t synacks = 0;           // first SYN-ACKs from the table
    std::uint64_t synack_retransmits = 0;
    std::uint64_t expired = 0;           // half-open entries given up
    std::uint64_t cookies_sent = 0;
    std::uint64_t cookies_accepted = 0;
    std::uint64_t cookies_rejected = 0;
    std::uint64_t accepted = 0;          // pushed onto the accept queue
    std::uint64_t table_full_drops = 0;  // SYN dropped: table full, cookies off
    std::uint64_t accept_queue_drops = 0;  // SYN dropped: accept queue full
    std::uint64_t accept_queue_acks_ignored = 0; // completing ACK ignored: accept queue full
    std::uint64_t resets_sent = 0;
    std::uint64_t acks_sent = 0;         // out-of-window / PAWS answers
    std::uint64_t acks_suppressed = 0;   // ... held back by the per-entry rate limit
    std::uint64_t entries_reset = 0;     // half-open entries dropped by RST or SYN
    std::uint64_t dropped = 0;           // other segments ignored
    std::uint64_t tx_overflow = 0;       // replies lost to a full transmit ring
    std::uint64_t fastopen_cookie_requests = 0;
    std::uint64_t fastopen_accepted = 0;
    std::uint64_t fastopen_invalid = 0;
    std::uint64_t fastopen_pending_full = 0;
};

class Listener {
  public:
    static constexpr std::size_t tx_capacity = 64;
    static constexpr std::size_t max_levels = 16; // synack_retries above 15: a Config error (validate_listener_config)

    // The largest segment poll_transmit() writes (no payload): a buffer of
    // this size never gets BufferTooSmall.
    static constexpr std::size_t max_segment_size() noexcept { return tcp_max_header; }

    // Allocates every table now (sizes from ctx.config); none later. `ctx`
    // must outlive the Listener and every Connection it hands out. A Config
    // this Listener cannot honour (validate_listener_config()) allocates
    // nothing: config_error() says why and every segment is refused with it.
    Listener(const Context& ctx, const Endpoint& local)
        : ctx_(&ctx), local_(local), fo_keys_{fastopen_key_from(ctx.secrets.cookie_key), nullopt},
          ts_offsets_(ctx.secrets.ts_key, local.address), cookie_mac_(ctx.secrets.cookie_key, local, 0) {
        const Config& c = ctx.config;
        table_key_ = derive_key(ctx.secrets.cookie_key, 0x48415348U); // "HASH"
        config_error_ = validate_listener_config(c);
        if (config_error_ != Error::None) return;
        capacity_ = c.backlog;
        std::uint32_t b = 1;
        while (b < capacity_ && b < (1U << 31U)) b <<= 1U;
        bucket_mask_ = b - 1;
        entries_ = detail::FixedArray<HalfOpen>(capacity_);
        heads_ = detail::FixedArray<std::uint32_t>(b);
        for (std::uint32_t i = 0; i < b; ++i) heads_[i] = none;
        for (std::uint32_t i = 0; i < capacity_; ++i) entries_[i].chain = i + 1 < capacity_ ? i + 1 : none;
        free_head_ = capacity_ > 0 ? 0 : none;
        accept_cap_ = c.accept_queue;
        accept_ = detail::FixedArray<AcceptSlot>(accept_cap_);
        tfo_limit_ = c.fastopen_server() && c.mss > 0 ? c.fastopen_pending : 0; // data slots of mss bytes
        tfo_slot_size_ = c.mss;
        tfo_data_ = detail::FixedArray<std::uint8_t>(std::size_t{tfo_limit_} * tfo_slot_size_);
        tfo_len_ = detail::FixedArray<std::uint16_t>(tfo_limit_);
        tfo_free_ = detail::FixedArray<std::uint16_t>(tfo_limit_);
        // fastopen_pending <= 65536 (validated): every index fits 16 bits.
        for (std::uint32_t i = 0; i < tfo_limit_; ++i) tfo_free_[i] = static_cast<std::uint16_t>(i);
        tfo_free_count_ = tfo_limit_;
        top_level_ = c.synack_retries; // <= 15 (validated)
    }

    // None, or why the Config cannot be honoured (then nothing is served).
    [[nodiscard]] Error config_error() const noexcept { return config_error_; }
    Listener(const Context&&, const Endpoint&) = delete; // would dangle

    // Fast Open keys (RFC 7413 §4.1.2); by default one derived from
    // secrets.cookie_key, so Listeners sharing a Context share cookies.
    void set_fastopen_keys(const FastOpenKeys& k) noexcept { fo_keys_ = k; }
    [[nodiscard]] const FastOpenKeys& fastopen_keys() const noexcept { return fo_keys_; }

    // ---- segment arrival ----

    Received on_segment(const IpAddress& src, const IpAddress& dst, Bytes segment, Time now) noexcept {
        const result<TcpView> pv = TcpView::parse(segment);
        if (!pv) {
            ++stats_.segments_in;
            if (config_error_ != Error::None) return {config_error_};
            ++stats_.malformed;
            return {pv.error()};
        }
        return on_segment(src, dst, *pv, now);
    }

    // The same for a segment its caller has parsed already (a TcpEndpoint
    // parses each datagram once and hands the view down); the checksum is
    // verified here.
    Received on_segment(const IpAddress& src, const IpAddress& dst, const TcpView& seg, Time now) noexcept {
        ++stats_.segments_in;
        if (config_error_ != Error::None) return {config_error_};
        if (!addressed_here(src, dst, seg)) {
            ++stats_.not_ours;
            return {Error::NotFound};
        }
        return on_ours(src, seg, now);
    }

    // The same, answering in place: the segment this one calls for (a
    // SYN-ACK, cookie or not; a reset; an ACK) is written into `reply`
    // at once, checksum filled, and Received::reply is its length; the
    // transmit ring is not involved. With `reply` smaller than
    // max_segment_size(), or for any further segment, the ring as above.
    // What a driver uses to answer a batch without queueing (TcpEndpoint).
    Received on_segment(const IpAddress& src, const IpAddress& dst, const TcpView& seg, Time now,
                        MutableBytes reply) noexcept {
        if (!addressed_here(src, dst, seg)) return on_segment(src, dst, seg, now); // (counted and refused there)
        return on_routed(src, seg, now, reply);
    }

    // A SYN that reopened a flow from TIME-WAIT
    // (Connection::reopen_from_time_wait() gave `iss`): taken as any SYN,
    // except that the request's ISS is `iss` and no cookie is sent for it
    // while the table has room (Linux tcp_v4_rcv(), TCP_TW_SYN, hands the
    // SYN to the listener with tcp_tw_isn, and tcp_conn_request() then
    // neither draws an ISN nor wants a cookie; with the table full a cookie
    // answers, as for any SYN: the table is fixed here, Linux's grows).
    Received on_reopening_syn(const IpAddress& src, const IpAddress& dst, const TcpView& seg, SeqNum iss, Time now,
                              MutableBytes reply = {}) noexcept {
        reopen_iss_ = iss;
        const Received r = on_segment(src, dst, seg, now, reply);
        reopen_iss_ = nullopt;
        return r;
    }

    // ---- timers (Linux reqsk_timer_handler()) ----

    void on_timer(Time now) noexcept {
        for (std::uint8_t level = 0; level <= top_level_; ++level) {
            Fifo& q = levels_[level];
            while (q.head != none) {
                const std::uint32_t i = q.head;
                HalfOpen& e = entries_[i];
                if (deadline_of(e) > now) break;
                if (level >= top_level_) { // synack_retries exhausted
                    ++stats_.expired;
                    remove(i, bucket_of(endpoint_of(e)));
                    continue;
                }
                if (tx_count_ == tx_capacity) return; // next_deadline() stays due: call again after polling
                retransmit(i, now);
            }
        }
    }

    [[nodiscard]] Time next_deadline() const noexcept {
        Time t = Time::never();
        for (std::uint8_t level = 0; level <= top_level_; ++level) {
            if (levels_[level].head == none) continue;
            const Time d = deadline_of(entries_[levels_[level].head]);
            if (d < t) t = d;
        }
        return t;
    }

    // ---- outputs ----

    // One segment into `buf`, checksum filled, with its flow (local ->
    // remote): the contract of Transmit (connection.hpp). A buffer too small
    // is an error naming the size needed; the segment stays queued.
    Optional<Transmit> poll_transmit(MutableBytes buf, Time now) noexcept {
        static_cast<void>(now);
        // One object returned from every path and filled field by field in
        // the caller's storage: a Transmit assembled in a local and copied
        // out would read back its narrow stores and stall on store forwarding.
        Optional<Transmit> out;
        while (tx_count_ != 0) {
            const TxRecord& r = tx_[tx_head_];
            const OptionValues o = options_of(r);
            const result<std::size_t> optlen = o.canonical_size();
            if (!optlen) { // cannot happen with the options built here
                tx_head_ = (tx_head_ + 1) % tx_capacity;
                --tx_count_;
                continue;
            }
            Transmit& t = out.emplace();
            t.flow.local = local_;
            t.flow.remote.address.bytes = r.addr;
            t.flow.remote.address.family = local_.address.family;
            t.flow.remote.port = r.port;
            t.needed = tcp_min_header + *optlen;
            if (buf.size() < t.needed) {
                t.error = Error::BufferTooSmall;
                return out;
            }
            t.length = write_record(r, o, buf);
            tx_head_ = (tx_head_ + 1) % tx_capacity;
            --tx_count_;
            return out;
        }
        return out;
    }

    // The oldest completed connection, or nullopt. Fast Open children whose
    // half-open state was reset or expired meanwhile are skipped.
    Optional<Accepted> accept() noexcept {
        while (accept_count_ != 0) {
            const AcceptSlot s = accept_[accept_head_];
            accept_head_ = (accept_head_ + 1) % accept_cap_;
            --accept_count_;
            if (!s.child) return s.accepted;
            HalfOpen& e = entries_[s.index];
            if (!(e.flags & InUse) || !(e.flags2 & TfoChild) || e.iss != s.iss || e.irs != s.irs) continue;
            Accepted a;
            const std::uint32_t len = tfo_len_[e.tfo_slot];
            a.data = Bytes(tfo_data_.get() + std::size_t{e.tfo_slot} * tfo_slot_size_, len);
            const bool acked = (e.flags2 & Acked) != 0;
            const Optional<Duration> rtt = acked && (e.flags2 & HasRtt) ? Optional<Duration>(Duration{e.sent_at}) : nullopt;
            a.negotiated = negotiated_of(e, len, rtt);
            if (acked) {
                a.state = State::Established;
            } else {
                a.state = State::SynReceived;
                a.synack_sent = Time{e.sent_at};
                a.synack_retries = e.retries;
            }
            remove(s.index, bucket_of(endpoint_of(e))); // releases the data slot; `data` stays readable
            return a;
        }
        return nullopt;
    }

    // Connections accept() handed to a layer that still holds them for its
    // application (a socket layer keeping them as Linux's accept queue
    // does, where a queued child already takes its segments, a RST
    // included): they still count toward the accept queue's bound, since
    // Linux sk_acceptq_is_full() counts every child not yet accept()ed by
    // the application. The layer says how many it holds; 0 (the default)
    // when accept() hands them straight to the application.
    void set_held(std::uint32_t n) noexcept { held_ = n; }
    [[nodiscard]] std::uint32_t held() const noexcept { return held_; }

    // ---- introspection ----

    [[nodiscard]] const Endpoint& local() const noexcept { return local_; }
    [[nodiscard]] const ListenerStats& stats() const noexcept { return stats_; }
    [[nodiscard]] std::uint32_t half_open() const noexcept { return used_; }
    [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::uint32_t accept_queue_length() const noexcept { return accept_count_; }
    [[nodiscard]] std::uint32_t fastopen_pending() const noexcept { return tfo_limit_ - tfo_free_count_; }
    [[nodiscard]] bool cookies_active(Time now) const noexcept { return cookies_valid(now); }
    // Whether a half-open entry exists for this remote endpoint.
    [[nodiscard]] bool has_half_open(const Endpoint& remote) const noexcept {
        return remote.address.family == local_.address.family && find(bucket_of(remote), remote) != none;
    }
    [[nodiscard]] std::size_t memory_bytes() const noexcept {
        return sizeof(Listener) + std::size_t{capacity_} * sizeof(HalfOpen) +
               (std::size_t{bucket_mask_} + 1) * sizeof(std::uint32_t) + std::size_t{accept_cap_} * sizeof(AcceptSlot) +
               std::size_t{tfo_limit_} * (tfo_slot_size_ + 2U * sizeof(std::uint16_t));
    }
    // Bytes per half-open entry, its share of the hash heads included.
    [[nodiscard]] double bytes_per_entry() const noexcept {
        if (capacity_ == 0) return 0;
        return static_cast<double>(sizeof(HalfOpen)) +
               static_cast<double>((std::size_t{bucket_mask_} + 1) * sizeof(std::uint32_t)) / capacity_;
    }

    // One half-open attempt: 64 bytes (static_assert below).
    struct HalfOpen {
        std::int64_t sent_at = 0;    // ns of the last SYN-ACK; once a Fast Open child is Acked: its RTT
        Array<std::uint8_t, 16> addr{};
        std::uint32_t iss = 0, irs = 0, ts_recent = 0;
        std::uint32_t chain = none;  // next in the hash chain, or in the free list
        std::uint32_t prev = none, next = none; // timer FIFO of level `retries`
        std::uint32_t reply_start_ms = 0; // rate limit of out-of-window ACKs (Linux last_oow_ack_time)
        std::uint16_t port = 0;
        std::uint16_t mss = 0;       // the send MSS agreed (negotiate::send_mss())
        std::uint16_t window = 0;    // the peer's window field, unscaled
        std::uint16_t tfo_slot = 0;  // Fast Open children: data slot
        std::uint8_t flags = 0, flags2 = 0;
        std::uint8_t snd_wscale : 4 = 0; // the peer's shift (valid with Ws), <= 14
        std::uint8_t retries : 4 = 0;    // SYN-ACK retransmissions so far = timer level, <= 15
        std::uint8_t reply_count = 0;    // ... and how many in the current interval
    };

  private:
    static constexpr std::uint32_t none = 0xFFFFFFFFU;
    enum EntryFlags : std::uint8_t {
        InUse = 1, Ws = 2, Sack = 4, Ts = 8, Ecn = 16, FoReply = 32, FoExp = 64,
    };
    enum EntryFlags2 : std::uint8_t {
        TfoChild = 1, // Fast Open: already on the accept queue, data in tfo_slot
        Acked = 2,    // the handshake's ACK arrived (child) / arrived while the accept queue was full
        HasRtt = 4,   // child: sent_at holds the RTT sample
    };
    enum TxOpt : std::uint8_t { OptWs = 1, OptSack = 2, OptTs = 4, OptFo = 8, OptFoExp = 16 };

    struct Fifo {
        std::uint32_t head = none, tail = none;
    };

    struct AcceptSlot {
        Accepted accepted{};
        bool child = false; // Fast Open child: built from entry `index` at accept()
        std::uint32_t index = 0, iss = 0, irs = 0;
    };

    // Everything needed to write one segment later.
    struct TxRecord {
        Array<std::uint8_t, 16> addr{};
        std::uint32_t seq = 0, ack = 0, tsval = 0, tsecr = 0;
        FastOpenCookie cookie{};
        std::uint16_t port = 0, flags = 0, window = 0;
        std::uint8_t wscale = 0, opt = 0;
    };

    [[nodiscard]] const Config& cfg() const noexcept { return ctx_->config; }


    static constexpr SipKey derive_key(const SipKey& k, std::uint32_t label) noexcept {
        SipHasher a(k);
        a.add_u32(label).add_u8(0);
        SipHasher b(k);
        b.add_u32(label).add_u8(1);
        return {a.finish(), b.finish()};
    }

    // ---- the table ----

    [[nodiscard]] std::uint32_t bucket_of(const Endpoint& r) const noexcept {
        return static_cast<std::uint32_t>(flow_table_hash(table_key_, FourTuple{local_, r})) & bucket_mask_;
    }

    [[nodiscard]] Endpoint endpoint_of(const HalfOpen& e) const noexcept {
        return {IpAddress::from_bytes(local_.address.family, Bytes(e.addr.data(), e.addr.size())), e.port};
    }

    [[nodiscard]] std::uint32_t find(std::uint32_t bucket, const Endpoint& r) const noexcept {
        for (std::uint32_t i = heads_[bucket]; i != none; i = entries_[i].chain) {
            const HalfOpen& e = entries_[i];
            if (e.port == r.port && e.addr == r.address.bytes) return i;
        }
        return none;
    }

    std::uint32_t insert(std::uint32_t bucket, const Endpoint& r) noexcept {
        const std::uint32_t i = free_head_;
        HalfOpen& e = entries_[i];
        free_head_ = e.chain;
        e = HalfOpen{};
        e.addr = r.address.bytes;
        e.port = r.port;
        e.flags = InUse;
        e.chain = heads_[bucket];
        heads_[bucket] = i;
        ++used_;
        return i;
    }

    void remove(std::uint32_t i, std::uint32_t bucket) noexcept {
        HalfOpen& e = entries_[i];
        if (!(e.flags2 & Acked) || !(e.flags2 & TfoChild)) unlink_timer(i);
        std::uint32_t* link = &heads_[bucket];
        while (*link != i) link = &entries_[*link].chain;
        *link = e.chain;
        if (e.flags2 & TfoChild) tfo_free_[tfo_free_count_++] = e.tfo_slot;
        e.flags = 0;
        e.flags2 = 0;
        e.chain = free_head_;
        free_head_ = i;
        --used_;
    }

    // ---- timer FIFOs ----

    [[nodiscard]] Time deadline_of(const HalfOpen& e) const noexcept {
        Duration d = cfg().rto_initial;
        for (std::uint8_t k = 0; k < e.retries && d < cfg().rto_max; ++k) d = d * 2;
        if (d > cfg().rto_max) d = cfg().rto_max;
        return saturating_add(Time{e.sent_at}, d);
    }

    void link_timer(std::uint32_t i) noexcept {
        HalfOpen& e = entries_[i];
        Fifo& q = levels_[e.retries];
        e.next = none;
        e.prev = q.tail;
        if (q.tail != none) {
            entries_[q.tail].next = i;
        } else {
            q.head = i;
        }
        q.tail = i;
    }

    void unlink_timer(std::uint32_t i) noexcept {
        HalfOpen& e = entries_[i];
        Fifo& q = levels_[e.retries];
        if (e.prev != none) {
            entries_[e.prev].next = e.next;
        } else {
            q.head = e.next;
        }
        if (e.next != none) {
            entries_[e.next].prev = e.prev;
        } else {
            q.tail = e.prev;
        }
        e.prev = e.next = none;
    }

    // Linux inet_rtx_syn_ack(): the SYN-ACK again, counted as a
    // retransmission; the timer restarts with the next backoff.
    void retransmit(std::uint32_t i, Time now) noexcept {
        HalfOpen& e = entries_[i];
        unlink_timer(i);
        if (e.retries < top_level_) e.retries = static_cast<std::uint8_t>(e.retries + 1U) & 15U;
        e.sent_at = now.ns;
        link_timer(i);
        ++stats_.synack_retransmits;
        queue_synack(e, now);
    }

    // ---- arrival from a TcpEndpoint ----

    friend class TcpEndpoint;

    // on_segment(), with a reply buffer or none, for a segment a
    // TcpEndpoint routed here: it came to local_ (the endpoint found this
    // Listener by exactly that), from `src`.
    Received on_routed(const IpAddress& src, const TcpView& seg, Time now, MutableBytes reply) noexcept {
        ++stats_.segments_in;
        if (config_error_ != Error::None) return {config_error_};
        if (reply.size() < max_segment_size()) return on_ours(src, seg, now);
        reply_state_ = ReplyOpen;
        Received r = on_ours(src, seg, now);
        return replied(r, reply);
    }

    // A segment to our endpoint from an address of its family.
    [[nodiscard]] bool addressed_here(const IpAddress& src, const IpAddress& dst, const TcpView& seg) const noexcept {
        return dst == local_.address && seg.destination_port() == local_.port && src.family == dst.family;
    }

    // on_segment() past its address checks.
    Received on_ours(const IpAddress& src, const TcpView& seg, Time now) noexcept {
        if (!verify_tcp_checksum(src, local_.address, seg.bytes())) {
            ++stats_.bad_checksum;
            return {Error::BadChecksum};
        }
        const Endpoint remote{src, seg.source_port()};
        if (used_ != 0) { // (an empty table, as with cookies=always, needs no lookup)
            const std::uint32_t bucket = bucket_of(remote);
            const std::uint32_t i = find(bucket, remote);
            if (i != none) return on_half_open(i, bucket, remote, seg, now);
        }
        return on_listen(remote, seg, now);
    }

    // The end of an in-place call: the reply written, if one was taken.
    Received& replied(Received& r, MutableBytes reply) noexcept {
        if (reply_state_ == ReplyTaken) r.reply = write_record(reply_, options_of(reply_), reply);
        reply_state_ = ReplyOff;
        return r;
    }

    // ---- sending ----

    // The record of the next segment: the in-place reply's while
    // on_segment() has one open (the first segment only), else the ring's.
    TxRecord* push_tx() noexcept {
        if (reply_state_ == ReplyOpen) {
            reply_state_ = ReplyTaken;
            reply_ = TxRecord{};
            return &reply_;
        }
        if (tx_count_ == tx_capacity) {
            ++stats_.tx_overflow;
            return nullptr;
        }
        TxRecord* r = &tx_[(tx_head_ + tx_count_) % tx_capacity];
        ++tx_count_;
        *r = TxRecord{};
        return r;
    }

    // The segment of `r` with options `o` (options_of(r)) into `buf`, which
    // holds tcp_min_header + o.canonical_size() bytes: its length. The codec
    // writes every segment: Linux's layout (the SYN-ACK's as
    // tcp_synack_options() chose it) and the checksum, summed from the
    // values as they are stored.
    [[nodiscard]] std::size_t write_record(const TxRecord& r, const OptionValues& o, MutableBytes buf) const noexcept {
        TcpFields h;
        h.source_port = local_.port;
        h.destination_port = r.port;
        h.seq = SeqNum(r.seq);
        h.ack = SeqNum(r.ack);
        h.flags = TcpFlags::from_bits(r.flags);
        h.window = r.window;
        const IpAddress remote{r.addr, local_.address.family};
        return h.encode(buf, o, local_.address, remote).value_or(0);
    }

    // The receive window of a request (negotiate::initial_window(): with
    // the SYN's timestamps agreed, a multiple of mss - 12, Linux's 65160).
    [[nodiscard]] std::uint32_t window_space(bool ts) const noexcept {
        return negotiate::initial_window(cfg().rcv_wnd, cfg().mss, ts);
    }
    [[nodiscard]] std::uint16_t synack_window(bool ts) const noexcept { return negotiate::syn_window(window_space(ts)); }

    // Our shift (validated <= 14).
    [[nodiscard]] std::uint8_t our_wscale() const noexcept { return cfg().window_scale.value_or(0); }

    // A SYN-ACK's options from its record: negotiate::synack_answer().
    [[nodiscard]] OptionValues options_of(const TxRecord& r) const noexcept {
        OptionValues o;
        if (r.flags & static_cast<std::uint16_t>(TcpFlag::Syn)) {
            negotiate::Agreement a;
            a.wscale = (r.opt & OptWs) != 0;
            a.rcv_wscale = r.wscale;
            a.sack = (r.opt & OptSack) != 0;
            a.timestamps = (r.opt & OptTs) != 0;
            a.ts_recent = r.tsecr;
            negotiate::synack_answer(cfg(), a, r.tsval, o);
            if (r.opt & OptFo) {
                o.fast_open = FastOpenOption::with_cookie(Bytes(r.cookie.data(), r.cookie.size()), (r.opt & OptFoExp) != 0);
            }
        } else if (r.opt & OptTs) {
            o.timestamps = Timestamps::of(r.tsval, r.tsecr);
        }
        return o;
    }

    [[nodiscard]] SYNACK_ALWAYS_INLINE std::uint32_t ts_offset_for(const IpAddress& remote) const noexcept {
        return ts_offsets_(remote);
    }

    // The agreement a half-open entry keeps (flags, the peer's shift, TS.Recent, MSS).
    [[nodiscard]] negotiate::Agreement agreement_of(const HalfOpen& e) const noexcept {
        negotiate::Agreement a;
        a.wscale = (e.flags & Ws) != 0;
        a.snd_wscale = a.wscale ? e.snd_wscale : 0;
        a.rcv_wscale = a.wscale ? our_wscale() : 0;
        a.sack = (e.flags & Sack) != 0;
        a.timestamps = (e.flags & Ts) != 0;
        a.ts_recent = e.ts_recent;
        a.mss = e.mss;
        a.ecn = (e.flags & Ecn) != 0;
        return a;
    }

    [[nodiscard]] std::uint32_t rcv_nxt_of(const HalfOpen& e) const noexcept {
        return e.irs + 1 + ((e.flags2 & TfoChild) ? tfo_len_[e.tfo_slot] : 0U);
    }

    // tcp_make_synack() + tcp_synack_options(): answer what the peer offered
    // (the options themselves: options_of()).
    void queue_synack(const HalfOpen& e, Time now) noexcept {
        TxRecord* r = push_tx();
        if (r == nullptr) return;
        const negotiate::Agreement a = agreement_of(e);
        r->addr = e.addr;
        r->port = e.port;
        r->seq = e.iss;
        r->ack = rcv_nxt_of(e);
        r->flags = negotiate::synack_flags(a).bits();
        r->window = synack_window(a.timestamps);
        if (a.wscale) {
            r->opt |= OptWs;
            r->wscale = a.rcv_wscale;
        }
        if (a.sack) r->opt |= OptSack;
        if (a.timestamps) {
            r->opt |= OptTs;
            r->tsval = timestamp_clock(now) + ts_offset_for(endpoint_of(e).address);
            r->tsecr = e.ts_recent;
        }
        if (e.flags & FoReply) {
            r->opt |= OptFo;
            if (e.flags & FoExp) r->opt |= OptFoExp;
            r->cookie = fastopen_cookie(fo_keys_.primary, endpoint_of(e).address, local_.address);
        }
    }

    void queue_reset(const Endpoint& to, const TcpView& seg) noexcept {
        const Optional<TcpHeader> h = reset_for(seg);
        if (!h) return;
        TxRecord* r = push_tx();
        if (r == nullptr) return;
        ++stats_.resets_sent;
        r->addr = to.address.bytes;
        r->port = to.port;
        r->seq = h->seq.raw();
        r->ack = h->ack.raw();
        r->flags = h->flags.bits(); // window 0, no options (Linux tcp_v4_send_reset())
    }

    // tcp_v4_reqsk_send_ack(): <SEQ=ISS+1><ACK=RCV.NXT><ACK>, for an
    // out-of-window or PAWS-failed segment; rate-limited per entry as Linux
    // tcp_check_req() does (tcp_oow_rate_limited(), req->last_oow_ack_time;
    // the rule: negotiate::reply_allowed()).
    void queue_ack(HalfOpen& e, const TcpView& seg, Time now) noexcept {
        if (negotiate::reply_is_rate_limited(seg.segment_length(), seg.flags().syn()) &&
            !negotiate::reply_allowed(timestamp_clock(now), e.reply_start_ms, e.reply_count, cfg().challenge_ack_limit,
                                      cfg().challenge_ack_window)) {
            ++stats_.acks_suppressed;
            return;
        }
        TxRecord* r = push_tx();
        if (r == nullptr) return;
        ++stats_.acks_sent;
        r->addr = e.addr;
        r->port = e.port;
        r->seq = e.iss + 1;
        r->ack = rcv_nxt_of(e);
        r->flags = TcpFlags(TcpFlag::Ack).bits();
        const std::uint32_t w = window_space((e.flags & Ts) != 0) >> ((e.flags & Ws) ? our_wscale() : 0U);
        r->window = static_cast<std::uint16_t>(w > 0xFFFFU ? 0xFFFFU : w);
        if (e.flags & Ts) {
            r->opt |= OptTs;
            r->tsval = timestamp_clock(now) + ts_offset_for(endpoint_of(e).address);
            r->tsecr = e.ts_recent;
        }
    }

    // ---- the accept queue ----

    // Linux sk_acceptq_is_full(): the children queued here and those a
    // layer above still holds (set_held()) against one bound; a SYN that
    // finds it full is dropped (tcp_conn_request(): ListenOverflows).
    [[nodiscard]] bool accept_full() const noexcept {
        return std::uint64_t{accept_count_} + held_ >= accept_cap_;
    }

    AcceptSlot& push_accept() noexcept {
        AcceptSlot& s = accept_[(accept_head_ + accept_count_) % accept_cap_];
        ++accept_count_;
        ++stats_.accepted;
        s = AcceptSlot{};
        return s;
    }

    [[nodiscard]] Negotiated negotiated_of(const HalfOpen& e, std::uint32_t data, Optional<Duration> rtt = nullopt) const noexcept {
        const SeqNum iss(e.iss);
        const SeqNum irs(e.irs);
        const std::uint32_t ts_offset = (e.flags & Ts) ? ts_offset_for(endpoint_of(e).address) : 0U;
        return negotiate::negotiated(FourTuple{local_, endpoint_of(e)}, {iss, irs, iss + 1, irs + 1 + data},
                                     agreement_of(e), e.window, ts_offset, data, rtt);
    }

    // The handshake's RTT (negotiate::handshake_rtt()): from the timestamp
    // echo, or from the SYN-ACK's send time if it went once (Karn).
    [[nodiscard]] Optional<Duration> rtt_of(bool ts, std::uint32_t ts_offset, const OptionValues& o,
                                            const HalfOpen* e, Time now) const noexcept {
        return negotiate::handshake_rtt(ts, o.timestamps, timestamp_clock(now) + ts_offset,
                                        e != nullptr && e->retries == 0, Time{e != nullptr ? e->sent_at : 0}, now);
    }

    // ---- cookies ----

    [[nodiscard]] bool cookies_valid(Time now) const noexcept {
        if (cfg().syncookies == SynCookies::Off) return false;
        // Always: every listener sharing the key sends them, so the ACK
        // may come back to one that sent none (SO_REUSEPORT groups). Auto:
        // only within TCP_SYNCOOKIE_VALID of this listener's last cookie
        // (tcp_synq_no_recent_overflow()).
        if (cfg().syncookies == SynCookies::Always) return true;
        return cookie_sent_ && saturating_sub(now, last_cookie_) < syncookie_valid &&
               saturating_sub(now, last_cookie_).ns >= 0;
    }

    // ---- arrival: LISTEN (no entry for this remote) ----

    Received on_listen(const Endpoint& remote, const TcpView& seg, Time now) noexcept {
        const TcpFlags f = seg.flags();
        // Linux tcp_rcv_state_process(), TCP_LISTEN: ACK first (RST for it,
        // never for a RST), then RST ignored, then SYN.
        if (f.ack()) {
            if (!f.syn() && !f.rst() && cookies_valid(now)) {
                const Optional<bool> r = try_cookie(remote, seg, now);
                if (r) return {}; // valid cookie: accepted, or ignored with the accept queue full
            }
            queue_reset(remote, seg);
            return {};
        }
        if (f.rst()) return {}; // §3.10.7.2
        if (!f.syn() || f.fin()) { // SYN+FIN is discarded, as Linux does
            ++stats_.dropped;
            return {};
        }
        ++stats_.syns;
        // tcp_conn_request(): a full accept queue drops the SYN outright.
        if (accept_full()) {
            ++stats_.accept_queue_drops;
            return {};
        }
        const OptionValues o = OptionValues::decode(seg.option_bytes());
        const bool table_full = used_ >= capacity_;
        if ((cfg().syncookies == SynCookies::Always && !reopen_iss_) || table_full) {
            if (cfg().syncookies == SynCookies::Off) {
                ++stats_.table_full_drops;
                return {};
            }
            send_cookie(remote, seg, o, now);
            return {};
        }
        new_entry(remote, seg, o, now);
        return {};
    }

    // tcp_conn_request() with a free entry: agree on the options (negotiate::agree()).
    void new_entry(const Endpoint& remote, const TcpView& seg, const OptionValues& o, Time now) noexcept {
        const std::uint32_t bucket = bucket_of(remote);
        const std::uint32_t i = insert(bucket, remote);
        HalfOpen& e = entries_[i];
        const negotiate::Agreement a = negotiate::agree(cfg(), o, seg.flags(), local_.address.is_v4(), false);
        e.irs = seg.seq().raw();
        e.iss = reopen_iss_ ? reopen_iss_->raw() : initial_sequence_number(ctx_->secrets.isn_key, FourTuple{local_, remote}, now);
        e.mss = a.mss;
        e.window = seg.window();
        if (a.wscale) {
            e.flags |= Ws;
            e.snd_wscale = a.snd_wscale & 15U;
        }
        if (a.sack) e.flags |= Sack;
        if (a.timestamps) {
            e.flags |= Ts;
            e.ts_recent = a.ts_recent;
        }
        if (a.ecn) e.flags |= Ecn;
        e.sent_at = now.ns;
        fast_open(i, o, seg);
        link_timer(i);
        ++stats_.synacks;
        queue_synack(entries_[i], now);
    }

    // tcp_try_fastopen(): what the SYN's Fast Open option earns
    // (negotiate::fastopen_answer()). Returns the data bytes taken (0: none).
    std::uint32_t fast_open(std::uint32_t i, const OptionValues& o, const TcpView& seg) noexcept {
        HalfOpen& e = entries_[i];
        if (!cfg().fastopen_server() || !o.fast_open) return 0;
        const bool exp = o.fast_open->experimental;
        const bool request = o.fast_open->is_request();
        const bool full = tfo_free_count_ == 0;
        const FastOpenCheck c = request || full ? FastOpenCheck::Invalid
                                                : fastopen_check(fo_keys_, endpoint_of(e).address, local_.address,
                                                                 o.fast_open->cookie_bytes());
        const Bytes payload = seg.payload();
        const negotiate::FastOpenAnswer ans = negotiate::fastopen_answer(
            true, true, full, request, c == FastOpenCheck::Primary, c == FastOpenCheck::Backup);
        if (full) ++stats_.fastopen_pending_full;
        else if (request) ++stats_.fastopen_cookie_requests;
        else if (c == FastOpenCheck::Invalid) ++stats_.fastopen_invalid;
        if (ans == negotiate::FastOpenAnswer::Cookie || ans == negotiate::FastOpenAnswer::DataCookie)
            e.flags |= FoReply | (exp ? FoExp : 0);
        if (ans != negotiate::FastOpenAnswer::Data && ans != negotiate::FastOpenAnswer::DataCookie) return 0;
        const std::uint16_t slot = tfo_free_[--tfo_free_count_];
        const std::size_t take = payload.size() < tfo_slot_size_ ? payload.size() : tfo_slot_size_;
        for (std::size_t k = 0; k < take; ++k) tfo_data_[std::size_t{slot} * tfo_slot_size_ + k] = payload[k];
        tfo_len_[slot] = static_cast<std::uint16_t>(take); // <= mss
        e.tfo_slot = slot;
        e.flags2 |= TfoChild;
        ++stats_.fastopen_accepted;
        // 0-RTT: the child joins the accept queue now, data and all.
        AcceptSlot& s = push_accept();
        s.child = true;
        s.index = i;
        s.iss = e.iss;
        s.irs = e.irs;
        return static_cast<std::uint32_t>(take);
    }

    [[nodiscard]] SyncookieMac mac_for(std::uint32_t count) const noexcept {
        return SyncookieMac(ctx_->secrets.cookie_key, local_, count);
    }

    // cookie_init_sequence() + cookie_init_timestamp(): a SYN-ACK that
    // leaves no state behind.
    void send_cookie(const Endpoint& remote, const TcpView& seg, const OptionValues& o, Time now) noexcept {
        TxRecord* r = push_tx();
        if (r == nullptr) return;
        ++stats_.cookies_sent;
        cookie_sent_ = true;
        last_cookie_ = now;
        const std::uint16_t peer_mss = negotiate::peer_mss(o.mss, local_.address.is_v4());
        const std::uint8_t idx = syncookie_mss_index(local_.address.family, peer_mss);
        const std::uint32_t counter = syncookie_counter(now);
        if (cookie_mac_.count() != counter) cookie_mac_ = mac_for(counter);
        // The two keyed hashes side by side, so their rounds overlap.
        const std::uint32_t ts_offset = o.timestamps ? ts_offset_for(remote.address) : 0U;
        r->addr = remote.address.bytes;
        r->port = remote.port;
        r->seq = syncookie_make(cookie_mac_, remote, seg.seq(), idx).raw();
        r->ack = (seg.seq() + 1).raw(); // SYN data is not taken with a cookie (no Fast Open: Linux skips it)
        r->flags = (TcpFlag::Syn | TcpFlag::Ack).bits();
        // tcp_conn_request(): without timestamps a cookie keeps only the
        // MSS (tcp_clear_options()), and ECN needs the timestamp too.
        const negotiate::Agreement a = negotiate::agree(cfg(), o, seg.flags(), local_.address.is_v4(), false);
        r->window = synack_window(a.timestamps);
        if (!a.timestamps) return;
        SyncookieOptions co;
        if (a.wscale) {
            co.window_scale = a.snd_wscale;
            r->opt |= OptWs;
            r->wscale = a.rcv_wscale;
        }
        co.sack = a.sack;
        if (co.sack) r->opt |= OptSack;
        co.ecn = a.ecn;
        r->flags = negotiate::synack_flags(a).bits();
        r->opt |= OptTs;
        r->tsval = syncookie_timestamp(timestamp_clock(now), co) + ts_offset;
        r->tsecr = a.ts_recent;
    }

    // cookie_v4_check(): nullopt if the ACK is no cookie (the caller then
    // resets it); true if accepted; false if valid but the accept queue is
    // full (Linux drops it: the child cannot be created).
    Optional<bool> try_cookie(const Endpoint& remote, const TcpView& seg, Time now) noexcept {
        const FourTuple t{local_, remote};
        const SeqNum peer_isn = seg.seq() - 1;
        const SeqNum cookie = seg.ack() - 1;
        // The period the cookie claims: usually the one cookie_mac_ holds
        // (a listener that sent none, as a queue whose peer shard sent the
        // cookie, keeps the current period's from its first ACK on).
        const std::uint32_t counter = syncookie_counter(now);
        const std::uint32_t count = syncookie_count_of(peer_isn, cookie, counter);
        if (count == counter && cookie_mac_.count() != counter) cookie_mac_ = mac_for(counter);
        const Optional<std::uint8_t> idx = count == cookie_mac_.count()
                                               ? syncookie_check(cookie_mac_, remote, peer_isn, cookie)
                                               : syncookie_check(mac_for(count), remote, peer_isn, cookie);
        if (!idx) {
            ++stats_.cookies_rejected;
            return nullopt;
        }
        const OptionValues o = OptionValues::decode(seg.option_bytes());
        negotiate::Agreement a;
        a.mss = negotiate::send_mss(syncookie_mss(local_.address.family, *idx), cfg().mss);
        std::uint32_t ts_offset = 0;
        Optional<Duration> rtt;
        if (o.timestamps && o.timestamps->echo_reply != 0) {
            // cookie_timestamp_decode(): the options from the echoed TSval.
            if (!cfg().timestamps) {
                ++stats_.cookies_rejected;
                return nullopt;
            }
            ts_offset = ts_offset_for(remote.address);
            const SyncookieOptions co = syncookie_ts_decode(o.timestamps->echo_reply - ts_offset);
            if ((co.sack && !cfg().sack) || (co.window_scale && !cfg().window_scale)) {
                ++stats_.cookies_rejected;
                return nullopt;
            }
            a.timestamps = true;
            a.ts_recent = o.timestamps->value;
            a.sack = co.sack;
            a.wscale = co.window_scale.has_value();
            a.snd_wscale = negotiate::clamp_window_scale(co.window_scale.value_or(0));
            a.rcv_wscale = a.wscale ? our_wscale() : 0;
            a.ecn = co.ecn && cfg().ecn; // cookie_ecn_ok()
            rtt = rtt_of(true, ts_offset, o, nullptr, now);
        }
        if (accept_full()) {
            ++stats_.accept_queue_acks_ignored;
            return false;
        }
        ++stats_.cookies_accepted;
        AcceptSlot& s = push_accept();
        s.accepted.negotiated =
            negotiate::negotiated(t, {cookie, peer_isn, cookie + 1, seg.seq()}, a, seg.window(), ts_offset, 0, rtt);
        s.accepted.from_cookie = true;
        return true;
    }

    // ---- arrival: an entry exists (Linux tcp_check_req()) ----

    Received on_half_open(std::uint32_t i, std::uint32_t bucket, const Endpoint& remote, const TcpView& seg,
                          Time now) noexcept {
        HalfOpen& e = entries_[i];
        const TcpFlags f = seg.flags();
        const std::uint16_t flg = static_cast<std::uint16_t>(
            f.bits() & (TcpFlag::Rst | TcpFlag::Syn | TcpFlag::Ack).bits());
        const OptionValues o = OptionValues::decode(seg.option_bytes());
        // RFC 7323 §5 PAWS against the SYN's TSval (negotiate::paws_ok()); an
        // entry lives at most 16 timer levels of at most a year, but Linux
        // (tcp_check_req()) counts no idle time for a request either.
        const bool paws_reject = (e.flags & Ts) && o.timestamps && !negotiate::paws_ok(e.ts_recent, o.timestamps->value, {});

        // A retransmitted SYN: the SYN-ACK again (counted as a retransmission).
        if (seg.seq().raw() == e.irs && flg == TcpFlags(TcpFlag::Syn).bits() && !paws_reject) {
            if (!(e.flags2 & Acked) || !(e.flags2 & TfoChild)) {
                retransmit(i, now);
            } else {
                queue_synack(e, now);
            }
            return {};
        }
        // An ACK of anything but our SYN: the listener answers it with
        // <SEQ=SEG.ACK><RST>, the entry stays (RFC 9293 §3.10.7.4).
        if (f.ack() && seg.ack().raw() != e.iss + 1) {
            queue_reset(remote, seg);
            return {};
        }
        const SeqNum rcv_nxt = SeqNum(rcv_nxt_of(e));
        const std::uint32_t wnd = window_space((e.flags & Ts) != 0); // Linux req->rsk_rcv_wnd
        // tcp_in_window(): seq == rcv_nxt, or the segment overlaps the window.
        const SeqNum end = seg.seq() + seg.segment_length();
        const bool in_window = seg.seq() == rcv_nxt ||
                               (end > rcv_nxt && seg.seq() < rcv_nxt + wnd) ||
                               (seg.seq() == rcv_nxt + wnd && seg.seq() == end);
        if (paws_reject || !in_window) {
            if (!f.rst()) queue_ack(e, seg, now);
            else ++stats_.dropped;
            return {};
        }
        std::uint16_t g = flg;
        if (seg.seq().raw() == e.irs) g = static_cast<std::uint16_t>(g & ~TcpFlags(TcpFlag::Syn).bits());
        // An in-window RST or SYN ends the attempt; a SYN is reset.
        if (g & (TcpFlag::Rst | TcpFlag::Syn).bits()) {
            if (!f.rst()) queue_reset(remote, seg);
            ++stats_.entries_reset;
            remove(i, bucket);
            return {};
        }
        if (!f.ack()) {
            ++stats_.dropped;
            return {};
        }
        Received out;
        if (!seg.payload().empty()) { // not taken here: the peer resends it to the Connection
            out.payload = seg.payload();
            out.payload_seq = seg.seq();
        }
        complete(i, bucket, seg, o, now);
        return out;
    }

    // The handshake's ACK for entry i (tcp_check_req()'s child creation).
    void complete(std::uint32_t i, std::uint32_t bucket, const TcpView& seg, const OptionValues& o, Time now) noexcept {
        HalfOpen& e = entries_[i];
        const bool ts = (e.flags & Ts) != 0;
        const std::uint32_t ts_offset = ts ? ts_offset_for(endpoint_of(e).address) : 0U;
        if (e.flags2 & TfoChild) {
            // Already on the accept queue: note the ACK for accept().
            if (e.flags2 & Acked) return;
            const Optional<Duration> rtt = rtt_of(ts, ts_offset, o, &e, now);
            unlink_timer(i);
            e.flags2 |= Acked;
            e.window = seg.window();
            if (ts && o.timestamps) e.ts_recent = o.timestamps->value;
            if (rtt) {
                e.flags2 |= HasRtt;
                e.sent_at = rtt->ns;
            }
            return;
        }
        if (accept_full()) {
            // tcp_check_req() listen_overflow: ignore the ACK, keep the
            // entry (acked), its SYN-ACK timer keeps running.
            ++stats_.accept_queue_acks_ignored;
            e.flags2 |= Acked;
            return;
        }
        e.window = seg.window();
        if (ts && o.timestamps) e.ts_recent = o.timestamps->value; // RFC 7323 §4.3
        const Negotiated n = negotiated_of(e, 0, rtt_of(ts, ts_offset, o, &e, now));
        remove(i, bucket);
        AcceptSlot& s = push_accept();
        s.accepted.negotiated = n;
    }

    const Context* ctx_;
    Endpoint local_;
    FastOpenKeys fo_keys_;
    // Our half of two keyed hashes, hashed once (the secrets are read at
    // construction): timestamp offsets, and the cookie MAC of the latest
    // period a cookie was sent or checked in.
    TimestampOffsets ts_offsets_;
    SyncookieMac cookie_mac_;
    SipKey table_key_{};
    detail::FixedArray<HalfOpen> entries_;
    detail::FixedArray<std::uint32_t> heads_;
    detail::FixedArray<AcceptSlot> accept_;
    detail::FixedArray<std::uint8_t> tfo_data_;
    detail::FixedArray<std::uint16_t> tfo_len_;
    detail::FixedArray<std::uint16_t> tfo_free_;
    std::uint32_t capacity_ = 0, bucket_mask_ = 0, used_ = 0, free_head_ = none;
    std::uint32_t accept_cap_ = 0, accept_head_ = 0, accept_count_ = 0;
    std::uint32_t held_ = 0; // children a layer above holds, not yet accept()ed by its application
    std::uint32_t tfo_limit_ = 0, tfo_slot_size_ = 0, tfo_free_count_ = 0;
    std::uint8_t top_level_ = 0;
    Array<Fifo, max_levels> levels_{};
    Array<TxRecord, tx_capacity> tx_{};
    std::size_t tx_head_ = 0, tx_count_ = 0;
    enum : std::uint8_t { ReplyOff, ReplyOpen, ReplyTaken };
    std::uint8_t reply_state_ = ReplyOff; // on_segment() with a reply buffer: see push_tx()
    TxRecord reply_{};
    Optional<SeqNum> reopen_iss_; // on_reopening_syn(): the ISS its SYN's request takes
    bool cookie_sent_ = false;
    Error config_error_ = Error::None;
    Time last_cookie_{};
    ListenerStats stats_{};
};

// DESIGN.md: memory is bounded and stated; Linux spends several hundred
// bytes per request socket.
static_assert(sizeof(Listener::HalfOpen) <= 64, "a half-open entry must fit in 64 bytes");

} // namespace synack
