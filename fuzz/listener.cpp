// fuzz/listener.cpp — the Listener under segments from many flows: four
// Connection clients (plain or Fast Open: cookie request, valid or stale
// cookie with data) driven through lossy queues, crafted segments from 128
// other (address, port) flows with arbitrary flags, numbers, options, Fast
// Open cookies (requested, valid, forged) and payload, echoes of the
// listener's own SYN-ACKs (cookie ACKs, right and wrong), raw bytes, and
// timer jumps from milliseconds to minutes.
//
// Invariants, checked after every op:
// - the half-open table never exceeds its capacity, the accept queue its
//   bound, pending Fast Open children theirs; memory_bytes() never changes;
// - no heap allocation inside any Listener call (operator new is counted);
// - every segment poll_transmit() writes decodes, verifies with the flow's
//   addresses, comes from the listening endpoint, has well-formed options,
//   and is a SYN-ACK (options only what a SYN offered), a RST (window 0,
//   no options), or an ACK; at most tx_capacity per op;
// - deadlines: after on_timer(now), next_deadline() > now;
// - accepted connections are consistent: the flow's local side is ours, the
//   ISS is the seq of a SYN-ACK this listener sent to that remote (so no
//   forged cookie was taken), SND.NXT = ISS + 1, RCV.NXT = IRS + 1 + Fast
//   Open bytes, the data view has that many bytes, MSS in 1..ours, shifts <=
//   14, SYN-RECEIVED only for a Fast Open child with data; the adopted
//   Connection starts in that state. (A cookie ACK may acknowledge the sent
//   cookie +-3: the MSS index is added to the MAC, as in Linux.)
//
// With a header bit, each segment is answered in place (on_segment() with a
// reply buffer), and what is written there is checked as the ring's is.
//
// Input: 3 header bytes (sizes, modes, options), then ops: one byte (op in
// the low nibble, argument in the high nibble) and operands; bytes past the
// end read as 0. See step().
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>

#include "fuzz_check.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/handshake/fastopen.hpp"
#include "synack/handshake/listener.hpp"

// ------------------------------------------------------- allocation counter

#include "no_alloc.hpp"
#include "segment_queue.hpp"

namespace {
using fuzz::NoAlloc;
} // namespace

namespace {

using namespace synack;

constexpr std::size_t max_ops = 500;
constexpr std::size_t clients = 4;
constexpr std::size_t queue_capacity = 8;
constexpr std::size_t seg_capacity = 128;
constexpr std::size_t synack_log = 1024;

using Seg = fuzz::Packet<seg_capacity>;
using Queue = fuzz::PacketQueue<queue_capacity, seg_capacity>;

struct SentSynAck {
    Endpoint to{};
    std::uint32_t seq = 0, ack = 0;
    Optional<Timestamps> ts;
};

class Harness {
  public:
    explicit Harness(fuzz::Reader& in) : in_(in) {
        const std::uint8_t b0 = in.u8();
        const std::uint8_t b1 = in.u8();
        const std::uint8_t b2 = in.u8();
        Config sc;
        sc.backlog = 1U + (b0 & 15U);
        sc.accept_queue = (b0 >> 4U) & 7U;
        in_place_ = (b0 & 128U) != 0;
        sc.syncookies = static_cast<SynCookies>(b1 % 3U);
        sc.fastopen = static_cast<FastOpenMode>((b1 >> 2U) & 3U);
        sc.fastopen_pending = (b1 >> 4U) & 3U;
        v6_ = ((b1 >> 6U) & 1U) != 0;
        sc.ecn = (b1 >> 7U) != 0;
        sc.timestamps = (b2 & 8U) == 0;
        if (b2 & 16U) sc.window_scale = nullopt;
        sc.sack = (b2 & 64U) == 0;
        sc.mss = (b2 & 128U) ? 536 : 1460;
        Config cc;
        cc.timestamps = (b2 & 1U) == 0;
        cc.sack = (b2 & 2U) == 0;
        if (b2 & 4U) cc.window_scale = nullopt;
        cc.ecn = (b2 & 32U) != 0;
        cc.syn_retries = 3;
        cc.fastopen = FastOpenMode::Client;
        Secrets s;
        s.isn_key = {1, 2};
        s.ts_key = {3, 4};
        s.cookie_key = {5, 6};
        server_ctx_ = Context{sc, s};
        s.isn_key = {7, 8};
        client_ctx_ = Context{cc, s};
        local_ = {address(0), 8080};
        listener_ = std::make_unique<Listener>(server_ctx_, local_);
        memory_ = listener_->memory_bytes();
        for (std::size_t k = 0; k < clients; ++k) {
            conns_[k] = std::make_unique<Connection>(client_ctx_);
            adopted_[k] = std::make_unique<Connection>(server_ctx_);
        }
    }

    void run() {
        for (std::size_t op = 0; op < max_ops && !in_.empty(); ++op) {
            step();
            check_listener();
        }
    }

  private:
    [[nodiscard]] IpAddress address(std::uint32_t host) const {
        if (!v6_) return IpAddress::v4(0xC6120000U | host); // 198.18.x.x
        synack::Array<std::uint16_t, 8> g{0x2001, 0xdb8, 0, 0, 0, 0, static_cast<std::uint16_t>(host >> 16U),
                                               static_cast<std::uint16_t>(host)};
        return IpAddress::v6_groups(g);
    }
    [[nodiscard]] Endpoint client_ep(std::size_t k) const { return {address(2), static_cast<std::uint16_t>(40000 + k)}; }

    // ---- the listener's outputs ----

    void drain_listener() {
        std::array<std::uint8_t, 128> buf{};
        std::size_t n = 0;
        for (;;) {
            Optional<Transmit> t;
            if (small_ != 0) { // a caller with a small buffer first
                {
                    NoAlloc guard;
                    t = listener_->poll_transmit(MutableBytes(buf.data(), small_), now_);
                }
                if (t && !t->ok()) {
                    // Nothing lost: the size is named and the segment stays queued.
                    FUZZ_CHECK(t->error == Error::BufferTooSmall && t->length == 0 && t->needed > small_);
                    FUZZ_CHECK(t->needed <= Listener::max_segment_size());
                    const std::size_t needed = t->needed;
                    {
                        NoAlloc guard;
                        t = listener_->poll_transmit(buf, now_);
                    }
                    FUZZ_CHECK(t.has_value() && t->ok() && t->length == needed);
                }
            } else {
                NoAlloc guard;
                t = listener_->poll_transmit(buf, now_);
            }
            if (!t) break;
            FUZZ_CHECK(t->ok() && t->length == t->needed && t->length <= Listener::max_segment_size());
            ++n;
            FUZZ_CHECK(n <= Listener::tx_capacity);
            take_output(*t, Bytes(buf.data(), t->length));
        }
    }

    // A segment the listener sent (from its ring or in place): checked, then
    // routed to a client if it is one, else remembered for echoes.
    void take_output(const Transmit& t, Bytes seg) {
        check_output(t, seg);
        for (std::size_t k = 0; k < clients; ++k) {
            if (t.flow.remote == client_ep(k)) to_client_[k].push(seg);
        }
        last_out_.set(seg);
        last_out_to_ = t.flow.remote;
        has_last_out_ = true;
    }

    void check_output(const Transmit& t, Bytes seg) {
        FUZZ_CHECK(t.flow.local == local_);
        FUZZ_CHECK(t.flow.remote.address.family == local_.address.family);
        const result<TcpView> pv = TcpView::parse(seg);
        FUZZ_CHECK(pv.ok());
        const TcpView v = *pv;
        FUZZ_CHECK(v.source_port() == local_.port);
        FUZZ_CHECK(v.destination_port() == t.flow.remote.port);
        FUZZ_CHECK(verify_tcp_checksum(t.flow.local.address, t.flow.remote.address, seg));
        FUZZ_CHECK(v.payload().empty());
        const TcpOptions o = TcpOptions::decode(v.option_bytes());
        FUZZ_CHECK(!o.malformed());
        const Config& c = server_ctx_.config;
        const TcpFlags f = v.flags();
        if (f == (TcpFlag::Syn | TcpFlag::Ack) || f == (TcpFlag::Syn | TcpFlag::Ack | TcpFlag::Ece)) {
            FUZZ_CHECK(o.mss == c.mss);
            FUZZ_CHECK(!o.window_scale || c.window_scale);
            FUZZ_CHECK(!o.sack_permitted || c.sack);
            FUZZ_CHECK(!o.timestamps || c.timestamps);
            FUZZ_CHECK(!f.ece() || c.ecn);
            FUZZ_CHECK(!o.fast_open || (c.fastopen_server() && o.fast_open->cookie_length == fastopen_cookie_size));
            // negotiate::initial_window(): mss - 12 quanta when timestamps are agreed
            FUZZ_CHECK(v.window() == negotiate::syn_window(negotiate::initial_window(c.rcv_wnd, c.mss, o.timestamps.has_value())));
            log_[log_count_ % synack_log] = {t.flow.remote, v.seq().raw(), v.ack().raw(), o.timestamps};
            ++log_count_;
        } else if (f.rst()) {
            FUZZ_CHECK(f == TcpFlags(TcpFlag::Rst) || f == (TcpFlag::Rst | TcpFlag::Ack));
            FUZZ_CHECK(v.window() == 0);
            FUZZ_CHECK(v.option_bytes().empty());
        } else {
            FUZZ_CHECK(f == TcpFlags(TcpFlag::Ack));
            FUZZ_CHECK(!o.timestamps || c.timestamps);
        }
    }

    // ---- invariants ----

    void check_listener() {
        const Listener& l = *listener_;
        FUZZ_CHECK(l.half_open() <= l.capacity());
        FUZZ_CHECK(l.capacity() == server_ctx_.config.backlog);
        FUZZ_CHECK(l.accept_queue_length() <= server_ctx_.config.accept_queue);
        FUZZ_CHECK(l.fastopen_pending() <= server_ctx_.config.fastopen_pending);
        FUZZ_CHECK(l.memory_bytes() == memory_);
        if (server_ctx_.config.syncookies == SynCookies::Always) FUZZ_CHECK(l.half_open() == l.fastopen_pending());
    }

    // `slack`: Linux's cookie adds the 2-bit MSS index to the MAC, so an ACK
    // acknowledging a sent cookie +-3 can decode to another valid index and
    // is accepted (check_tcp_syn_cookie() does the same); only someone who
    // saw the SYN-ACK can do that.
    [[nodiscard]] bool sent_synack(const Endpoint& to, std::uint32_t iss, std::uint32_t slack) const {
        const std::size_t n = log_count_ < synack_log ? log_count_ : synack_log;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t d = iss - log_[i].seq;
            if (log_[i].to == to && (d <= slack || 0U - d <= slack)) return true;
        }
        return false;
    }

    void accept_one() {
        Optional<Accepted> a;
        {
            NoAlloc guard;
            a = listener_->accept();
        }
        if (!a) return;
        const Negotiated& n = a->negotiated;
        const Config& c = server_ctx_.config;
        FUZZ_CHECK(n.flow.local == local_);
        FUZZ_CHECK(log_count_ > synack_log || sent_synack(n.flow.remote, n.iss.raw(), a->from_cookie ? 3U : 0U));
        FUZZ_CHECK(n.snd_nxt == n.iss + 1);
        FUZZ_CHECK(n.rcv_nxt == n.irs + 1 + n.tfo_data);
        FUZZ_CHECK(a->data.size() == n.tfo_data);
        FUZZ_CHECK(n.mss >= 1 && n.mss <= c.mss);
        FUZZ_CHECK(n.snd_wscale <= 14 && n.rcv_wscale <= 14);
        FUZZ_CHECK(!n.wscale || c.window_scale);
        FUZZ_CHECK(!n.sack || c.sack);
        FUZZ_CHECK(!n.timestamps || c.timestamps);
        FUZZ_CHECK(!n.ecn || c.ecn);
        // SynReceived only for a Fast Open child, with or without data (a
        // valid cookie alone makes one: Linux tcp_try_fastopen()).
        FUZZ_CHECK(a->state == State::Established ||
                   (a->state == State::SynReceived && c.fastopen_server() && !a->from_cookie));
        FUZZ_CHECK(n.tfo_data == 0 || (c.fastopen_server() && !a->from_cookie));
        const Connection conn = a->connection(server_ctx_);
        FUZZ_CHECK(conn.state() == a->state);
        FUZZ_CHECK(conn.flow() == n.flow);
        for (std::size_t k = 0; k < clients; ++k) {
            if (n.flow.remote == client_ep(k)) *adopted_[k] = conn;
        }
    }

    void timers(Time t) {
        now_ = t;
        {
            NoAlloc guard;
            listener_->on_timer(now_);
        }
        drain_listener();
        // (A full transmit ring would leave it due; with at most 16 entries
        // and 64 transmit records that cannot happen here.)
        FUZZ_CHECK(listener_->next_deadline() > now_ || listener_->next_deadline() == Time::never()); // (saturated)
        for (std::size_t k = 0; k < clients; ++k) {
            if (conns_[k]->next_deadline() <= now_) conns_[k]->on_timer(now_);
            if (adopted_[k]->next_deadline() <= now_) adopted_[k]->on_timer(now_);
            drain_client(k);
        }
    }

    void drain_client(std::size_t k) {
        std::array<std::uint8_t, 128> buf{};
        while (auto t = conns_[k]->poll_transmit(buf, now_)) to_server_[k].push(Bytes(buf.data(), t->length));
        while (conns_[k]->poll_event()) {
        }
        while (auto t = adopted_[k]->poll_transmit(buf, now_)) {
            FUZZ_CHECK(verify_tcp_checksum(t->flow.local.address, t->flow.remote.address, Bytes(buf.data(), t->length)));
            to_client_[k].push(Bytes(buf.data(), t->length));
        }
        while (adopted_[k]->poll_event()) {
        }
    }

    void to_listener(const Endpoint& from, Bytes seg) {
        Received r;
        const result<TcpView> pv = TcpView::parse(seg);
        if (in_place_ && pv) { // the answer written into a buffer of its own, at once
            std::array<std::uint8_t, Listener::max_segment_size()> reply{};
            {
                NoAlloc guard;
                r = listener_->on_segment(from.address, local_.address, *pv, now_, MutableBytes(reply.data(), reply.size()));
            }
            FUZZ_CHECK(r.reply <= reply.size());
            if (r.reply != 0) {
                Transmit t;
                // To the segment's own source port, which a crafted segment
                // need not share with the flow it was crafted for.
                t.flow = {local_, {from.address, pv->source_port()}};
                t.length = r.reply;
                t.needed = r.reply;
                take_output(t, Bytes(reply.data(), r.reply));
            }
        } else {
            NoAlloc guard;
            r = listener_->on_segment(from.address, local_.address, seg, now_);
            FUZZ_CHECK(r.reply == 0);
        }
        if (!r.payload.empty()) {
            FUZZ_CHECK(r.payload.data() >= seg.data() && r.payload.data() + r.payload.size() <= seg.data() + seg.size());
        }
        drain_listener();
    }

    // A crafted segment from one of 128 flows (or a client's).
    void craft() {
        const std::uint8_t who = in_.u8();
        Endpoint from{address(0x100U + (who & 7U)), static_cast<std::uint16_t>(50000 + ((who >> 3U) & 15U))};
        if (who >= 0xF0) from = client_ep(who & 3U);
        const std::uint8_t fl = in_.u8();
        const std::uint8_t how = in_.u8();
        TcpHeader h;
        h.source_port = from.port;
        h.destination_port = (how & 128U) ? static_cast<std::uint16_t>(in_.u16()) : local_.port;
        h.seq = SeqNum(in_.u32());
        h.ack = SeqNum(in_.u32());
        h.flags = TcpFlags::from_bits(fl);
        h.window = in_.u16();
        // Numbers near something the listener sent (SYN-ACK seq/ack), to reach the checks.
        if ((how & 1U) && log_count_ > 0) {
            const SentSynAck& s = log_[(log_count_ - 1 - (h.seq.raw() % 4U)) % synack_log];
            h.ack = SeqNum(s.seq + 1 + (how & 2U ? (h.ack.raw() & 3U) : 0U));
            h.seq = SeqNum(s.ack + (how & 4U ? (h.seq.raw() & 0xFFU) : 0U));
            from = s.to;
            h.source_port = from.port;
        }
        if (how & 8U) h.options.mss = in_.u16();
        if (how & 16U) h.options.window_scale = static_cast<std::uint8_t>(in_.u8() & 15U);
        if (how & 32U) {
            h.options.sack_permitted = true;
            h.options.timestamps = Timestamps{in_.u32(), (how & 1U) && log_count_ > 0 && log_[(log_count_ - 1) % synack_log].ts
                                                            ? log_[(log_count_ - 1) % synack_log].ts->value
                                                            : in_.u32()};
        }
        if (how & 64U) {
            const std::uint8_t kind = in_.u8();
            if (kind % 3 == 0) {
                h.options.fast_open = FastOpenOption::request(kind & 8U);
            } else if (kind % 3 == 1) {
                const FastOpenCookie ck = fastopen_cookie(listener_->fastopen_keys().primary, from.address, local_.address);
                h.options.fast_open = FastOpenOption::with_cookie(Bytes(ck.data(), ck.size()), kind & 8U);
            } else {
                std::array<std::uint8_t, 8> junk{};
                for (auto& b : junk) b = in_.u8();
                h.options.fast_open = FastOpenOption::with_cookie(Bytes(junk.data(), junk.size()), kind & 8U);
            }
        }
        std::array<std::uint8_t, seg_capacity> b{};
        const result<std::size_t> n = h.encode(b);
        if (!n) return;
        const std::size_t payload = (in_.u8() & 31U);
        const std::size_t total = *n + payload < seg_capacity ? *n + payload : seg_capacity;
        for (std::size_t i = *n; i < total; ++i) b[i] = static_cast<std::uint8_t>(i);
        fill_tcp_checksum(from.address, local_.address, MutableBytes(b.data(), total));
        if (how & 2U && !(how & 1U)) b[17] ^= 1U; // sometimes a bad checksum
        to_listener(from, Bytes(b.data(), total));
    }

    void step() {
        const std::uint8_t op = in_.u8();
        const std::size_t k = (op >> 4U) & 3U;
        switch (op & 15U) {
        case 0: // client connects: plainly, or with Fast Open (no cookie, the valid one, a stale one)
            if (conns_[k]->state() == State::Closed) {
                const unsigned how = (op >> 6U) & 3U;
                if (how == 0) {
                    static_cast<void>(conns_[k]->connect({client_ep(k), local_}, now_));
                } else {
                    cookie_[k] = fastopen_cookie(listener_->fastopen_keys().primary, client_ep(k).address,
                                                 local_.address);
                    if (how == 3) cookie_[k][0] ^= 1U;
                    const Bytes cookie = how == 1 ? Bytes{} : Bytes(cookie_[k].data(), cookie_[k].size());
                    const Bytes data(tfo_payload_.data(), in_.u8() % tfo_payload_.size());
                    FUZZ_CHECK(conns_[k]->connect_fast_open({client_ep(k), local_}, cookie, data, now_) == Error::None);
                }
                drain_client(k);
            }
            break;
        case 1: // client -> listener (or its adopted Connection)
        case 2: {
            Seg* s = to_server_[k].front();
            if (s == nullptr) break;
            const Seg seg = *s;
            to_server_[k].pop();
            if (adopted_[k]->state() != State::Closed) {
                adopted_[k]->on_segment(client_ep(k).address, local_.address, seg.bytes(), now_);
                drain_client(k);
            } else {
                to_listener(client_ep(k), seg.bytes());
            }
            break;
        }
        case 3: { // listener -> client
            Seg* s = to_client_[k].front();
            if (s == nullptr) break;
            const Seg seg = *s;
            to_client_[k].pop();
            conns_[k]->on_segment(local_.address, client_ep(k).address, seg.bytes(), now_);
            drain_client(k);
            break;
        }
        case 4: to_server_[k].pop(); break; // loss
        case 5: to_client_[k].pop(); break;
        case 6: { // duplicate toward the listener
            Seg* s = to_server_[k].front();
            if (s != nullptr) to_server_[k].push(s->bytes());
            break;
        }
        case 7:
        case 8: craft(); break;
        case 9: { // raw bytes from a random flow
            std::array<std::uint8_t, 64> b{};
            const std::size_t n = in_.u8() % b.size();
            for (std::size_t i = 0; i < n; ++i) b[i] = in_.u8();
            if (n >= 4) {
                b[2] = static_cast<std::uint8_t>(local_.port >> 8U);
                b[3] = static_cast<std::uint8_t>(local_.port);
            }
            to_listener({address(0x200U + (op >> 4U)), 1}, Bytes(b.data(), n));
            break;
        }
        // Time: forward, or (bit 6 of the op) a hostile clock: back by up to
        // ~9 min, or to an INT64 edge; bit 7 with op 12: the next drains
        // first try a buffer of in_.u8() % 61 bytes (0: off).
        case 10:
            timers(saturating_add(now_, Duration::milliseconds((op & 0x40U) ? -std::int64_t{in_.u8()} : std::int64_t{in_.u8()})));
            break;
        case 11:
            if (op & 0x40U) {
                const std::int64_t v = std::int64_t{in_.u16()} * 1000;
                timers(Time{(op & 0x80U) ? INT64_MAX - v : INT64_MIN + v});
            } else {
                timers(saturating_add(now_, Duration::milliseconds(std::int64_t{in_.u16()} * 8))); // up to ~9 min
            }
            break;
        case 12:
            if (op & 0x80U) {
                small_ = in_.u8() % 61U;
                break;
            }
            timers(listener_->next_deadline() == Time::never() ? now_ : listener_->next_deadline());
            break;
        case 13: accept_one(); break;
        case 14: { // the last listener output echoed back as an ACK (a cookie ACK if it was a cookie SYN-ACK)
            if (!has_last_out_) break;
            const result<TcpView> v = TcpView::parse(last_out_.bytes());
            if (!v || !v->flags().syn()) break;
            TcpHeader h;
            h.source_port = last_out_to_.port;
            h.destination_port = local_.port;
            h.seq = v->ack();
            h.ack = v->seq() + 1 + (op >> 6U);
            h.flags = TcpFlag::Ack;
            h.window = 1000;
            const TcpOptions o = TcpOptions::decode(v->option_bytes());
            if (o.timestamps) h.options.timestamps = Timestamps{o.timestamps->echo_reply + 1, o.timestamps->value};
            std::array<std::uint8_t, seg_capacity> b{};
            const result<std::size_t> n = h.encode(b);
            if (!n) break;
            fill_tcp_checksum(last_out_to_.address, local_.address, MutableBytes(b.data(), *n));
            to_listener(last_out_to_, Bytes(b.data(), *n));
            break;
        }
        default: // rotate the Fast Open keys
            listener_->set_fastopen_keys({SipKey{in_.u8(), 1}, listener_->fastopen_keys().primary});
            break;
        }
    }

    fuzz::Reader& in_;
    bool v6_ = false;
    Context server_ctx_{};
    Context client_ctx_{};
    Endpoint local_{};
    std::unique_ptr<Listener> listener_;
    std::size_t memory_ = 0;
    std::array<std::unique_ptr<Connection>, clients> conns_{};
    std::array<std::unique_ptr<Connection>, clients> adopted_{};
    std::array<FastOpenCookie, clients> cookie_{};     // the views the clients hold
    std::array<std::uint8_t, 40> tfo_payload_{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    std::array<Queue, clients> to_server_{};
    std::array<Queue, clients> to_client_{};
    std::array<SentSynAck, synack_log> log_{};
    std::size_t log_count_ = 0;
    Seg last_out_{};
    Endpoint last_out_to_{};
    bool has_last_out_ = false;
    Time now_{};
    std::size_t small_ = 0; // see step(), op 12
    bool in_place_ = false; // segments parsed here and answered into a buffer (header bit b0 & 128)
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader in(synack::Bytes(data, size));
    Harness h(in);
    h.run();
    return 0;
}
