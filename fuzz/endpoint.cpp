// fuzz/endpoint.cpp — a TcpEndpoint (server: one or two Listeners, small
// pool, per-source and idle limits) under datagrams from a client
// TcpEndpoint through a lossy link, crafted datagrams from a table of
// sources and destinations that includes every martian kind, raw bytes,
// mutated echoes of its own output, owner calls (close, abort) on the flows
// it reported, and timer jumps; with a header bit, the server answers in
// place (a reply buffer to on_datagram()), its answers checked as the rest.
//
// Invariants, checked after every op:
// - no heap allocation inside any endpoint call; memory_bytes() constant;
//   flows() <= capacity; accepted == flows() + reaped (server side);
// - every datagram it writes parses (IPv4/IPv6 + TCP), its TCP checksum
//   verifies, its source is one of the endpoint's addresses, and its
//   destination is no martian (no reply to broadcast, multicast, loopback,
//   unspecified, v4-mapped or our own addresses);
// - every event names a live flow whose local side is ours;
// - after on_timer(now) and polling, next_deadline() > now.
//
// Input: 2 header bytes (limits, modes), then ops: one byte (op in the low
// nibble, argument in the high nibble) and operands; bytes past the end read
// as 0. See step().
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_check.hpp"
#include "synack/handshake/endpoint.hpp"

#include "no_alloc.hpp"
#include "segment_queue.hpp"

namespace {

using namespace synack;
using fuzz::NoAlloc;

constexpr std::size_t max_ops = 400;
constexpr std::size_t link_capacity = 16;
constexpr std::size_t pkt_capacity = 256;
constexpr std::size_t handle_capacity = 8;

using Pkt = fuzz::Packet<pkt_capacity>;
using Link = fuzz::PacketQueue<link_capacity, pkt_capacity>;

IpAddress v6(std::uint16_t a, std::uint16_t b, std::uint16_t g6, std::uint16_t g7) {
    return IpAddress::v6_groups({a, b, 0, 0, 0, 0, g6, g7});
}

class Harness {
  public:
    explicit Harness(fuzz::Reader& in) : in_(in) {
        const std::uint8_t b0 = in.u8();
        const std::uint8_t b1 = in.u8();
        v6_ = (b1 & 1U) != 0;
        in_place_ = (b1 & 32U) != 0;
        Config sc;
        sc.backlog = 4;
        sc.syncookies = static_cast<SynCookies>((b1 >> 1U) % 3U);
        sc.fastopen = (b1 & 8U) ? FastOpenMode::Server : FastOpenMode::Off;
        sc.msl = Duration::milliseconds(100);
        Config cc;
        cc.syn_retries = 2;
        cc.msl = Duration::milliseconds(50);
        Secrets s;
        s.isn_key = {1, 2};
        s.ts_key = {3, 4};
        s.cookie_key = {5, 6};
        server_ctx_ = Context{sc, s};
        s.isn_key = {7, 8};
        s.cookie_key = {9, 10};
        client_ctx_ = Context{cc, s};
        EndpointLimits l;
        l.max_flows = 1U + (b0 & 7U);
        l.max_per_source = (b0 >> 3U) & 3U;
        l.idle_timeout = (b0 & 32U) ? Duration::seconds(5) : Duration{};
        l.reset_queue = 1U + ((b0 >> 6U) & 3U) * 4U;
        l.max_listeners = 2;
        server_ = std::make_unique<TcpEndpoint>(server_ctx_, l);
        EndpointLimits cl;
        cl.max_flows = 8;
        client_ = std::make_unique<TcpEndpoint>(client_ctx_, cl);
        FUZZ_CHECK(server_->add_address(addr(0), v6_ ? 64 : 24) == Error::None);
        FUZZ_CHECK(server_->listen({addr(0), 8080}) == Error::None);
        if (b1 & 16U) FUZZ_CHECK(server_->listen({addr(0), 8081}) == Error::None);
        memory_ = server_->memory_bytes();
    }

    void run() {
        for (std::size_t op = 0; op < max_ops && !in_.empty(); ++op) {
            step();
            check();
        }
    }

  private:
    // Server is .2 / ::2; index 1.. are peers and martians.
    [[nodiscard]] IpAddress addr(std::uint8_t k) const {
        if (!v6_) {
            static constexpr std::uint32_t table[] = {
                0xC6120002U, 0xC6120001U, 0xC6120003U, 0xC6130105U, 0x00000000U, 0xFFFFFFFFU, 0xC61200FFU,
                0xE0000001U, 0x7F000001U, 0xF0000001U, 0x00010203U, 0xC6120000U, 0xC6120002U, 0xC6120063U,
                0xEFFFFFFAU, 0xC6120004U};
            return IpAddress::v4(table[k & 15U]);
        }
        switch (k & 15U) {
        case 0: return v6(0x2001, 0xdb8, 0, 2);
        case 1: return v6(0x2001, 0xdb8, 0, 1);
        case 2: return v6(0x2001, 0xdb8, 0, 3);
        case 3: return v6(0x2001, 0xdb9, 0, 5);
        case 4: return v6(0, 0, 0, 0);
        case 5: return v6(0xff02, 0, 0, 1);
        case 6: return v6(0, 0, 0, 1);
        case 7: return IpAddress::v6_groups({0, 0, 0, 0, 0, 0xffff, 0xc612, 1});
        case 8: return v6(0xfe80, 0, 0, 1);
        default: return v6(0x2001, 0xdb8, 0, static_cast<std::uint16_t>(k));
        }
    }

    [[nodiscard]] Time now() const noexcept { return now_; }

    void step() {
        const std::uint8_t b = in_.u8();
        const std::uint8_t arg = static_cast<std::uint8_t>(b >> 4U);
        switch (b & 15U) {
        case 0: { // client connects from peer (arg & 3) to a listener port or a closed one
            const IpAddress src = addr(static_cast<std::uint8_t>(1 + (arg & 3U)));
            const std::uint16_t dport = (arg & 4U) ? 9 : (arg & 8U) ? 8081 : 8080;
            const std::uint16_t sport = static_cast<std::uint16_t>(40000 + in_.u8());
            NoAlloc g;
            static_cast<void>(client_->connect({{src, sport}, {addr(0), dport}}, now_));
            break;
        }
        case 1: drain(*client_, to_server_, arg); break;
        case 2: drain_server(arg); break;
        case 3: deliver_server(arg); break;
        case 4: deliver_client(arg); break;
        case 5: crafted(arg); break;
        case 6: { // raw bytes
            std::array<std::uint8_t, 96> raw{};
            const std::size_t n = in_.u8() % raw.size();
            for (std::size_t i = 0; i < n; ++i) raw[i] = in_.u8();
            if (n > 0) raw[0] = static_cast<std::uint8_t>((raw[0] & 0x0FU) | (v6_ ? 0x60U : 0x40U));
            to_server(Bytes(raw.data(), n));
            break;
        }
        case 7: { // a mutated echo of the server's last output
            if (last_out_.n == 0) break;
            Pkt p = last_out_;
            const std::size_t at = in_.u8() % p.n;
            p.b[at] = static_cast<std::uint8_t>(p.b[at] ^ in_.u8());
            to_server(p.bytes());
            break;
        }
        case 8: { // time passes
            static constexpr std::int64_t steps_ms[] = {1, 10, 100, 200, 1000, 3000, 5000, 60000};
            now_ = now_ + Duration::milliseconds(steps_ms[arg & 7U]);
            {
                NoAlloc g;
                server_->on_timer(now_);
                client_->on_timer(now_);
            }
            drain_server(15);
            drain(*client_, to_server_, 15);
            FUZZ_CHECK(server_->next_deadline() > now_);
            break;
        }
        case 9: server_events(arg); break;
        case 10: { // owner call on a reported flow
            const FlowHandle h = handles_[arg % handle_capacity];
            NoAlloc g;
            if (arg & 8U) {
                static_cast<void>(server_->abort(h, now_));
            } else {
                static_cast<void>(server_->close(h, now_));
            }
            break;
        }
        case 11: { // client events: close when established, sometimes abort
            NoAlloc g;
            while (const Optional<EndpointEvent> e = client_->poll_event()) {
                if (e->event.kind == EventKind::Established) {
                    static_cast<void>((arg & 1U) ? client_->abort(e->flow, now_) : client_->close(e->flow, now_));
                }
            }
            break;
        }
        default: { // drop from a link
            Link& l = (arg & 1U) ? to_client_ : to_server_;
            if (l.count != 0) l.pop();
            break;
        }
        }
    }

    void drain(TcpEndpoint& e, Link& to, std::uint8_t max) {
        std::array<std::uint8_t, 2048> buf{};
        for (std::uint8_t i = 0; i <= max; ++i) {
            Optional<Datagram> d;
            {
                NoAlloc g;
                d = e.poll_transmit(buf, now_);
            }
            if (!d) break;
            to.push(Bytes(buf.data(), d->length));
        }
    }

    // A datagram to the server; with in_place_, given a reply buffer, and
    // the answer written there checked and sent as poll_transmit()'s are.
    void to_server(Bytes d) {
        std::array<std::uint8_t, TcpEndpoint::reply_capacity> reply{};
        Delivery r;
        {
            NoAlloc g;
            r = server_->on_datagram(d, now_, in_place_ ? MutableBytes(reply.data(), reply.size()) : MutableBytes{});
        }
        FUZZ_CHECK(r.reply <= (in_place_ ? reply.size() : 0U));
        if (r.reply == 0) return;
        const Bytes out(reply.data(), r.reply);
        check_output(out);
        last_out_.set(out);
        to_client_.push(out);
    }

    void drain_server(std::uint8_t max) {
        std::array<std::uint8_t, 2048> buf{};
        for (std::size_t i = 0; i <= max + 64U; ++i) {
            Optional<Datagram> d;
            {
                NoAlloc g;
                d = server_->poll_transmit(buf, now_);
            }
            if (!d) break;
            const Bytes out(buf.data(), d->length);
            check_output(out);
            last_out_.set(out);
            to_client_.push(out);
        }
    }

    void deliver_server(std::uint8_t n) {
        for (std::uint8_t i = 0; i <= n && to_server_.count != 0; ++i) {
            const Pkt p = *to_server_.front();
            to_server_.pop();
            to_server(p.bytes());
        }
    }

    void deliver_client(std::uint8_t n) {
        for (std::uint8_t i = 0; i <= n && to_client_.count != 0; ++i) {
            const Pkt p = *to_client_.front();
            to_client_.pop();
            NoAlloc g;
            client_->on_datagram(p.bytes(), now_);
        }
    }

    void crafted(std::uint8_t arg) {
        const IpAddress src = addr(static_cast<std::uint8_t>(arg));
        const IpAddress dst = addr(in_.u8());
        TcpFields h;
        h.source_port = static_cast<std::uint16_t>(40000 + (in_.u8() & 7U));
        const std::uint8_t p = in_.u8();
        h.destination_port = (p & 3U) == 0 ? 9 : (p & 3U) == 1 ? 8081 : 8080;
        h.seq = SeqNum(in_.u32());
        h.ack = SeqNum(in_.u32());
        h.flags = TcpFlags::from_bits(static_cast<std::uint16_t>(in_.u16() & 0x1FFU));
        h.window = in_.u16();
        OptionValues o;
        if (p & 4U) o.mss = in_.u16();
        if (p & 8U) o.window_scale = static_cast<std::uint8_t>(in_.u8() & 15U);
        if (p & 16U) o.timestamps = Timestamps::of(in_.u32(), in_.u32());
        o.sack_permitted = (p & 32U) != 0;
        std::array<std::uint8_t, 200> seg{};
        std::array<std::uint8_t, 8> payload{};
        const std::size_t plen = (p & 64U) ? payload.size() : 0;
        const result<std::size_t> n = h.encode(MutableBytes(seg.data(), seg.size()), o, src, dst, Bytes(payload.data(), plen));
        if (!n) return;
        std::array<std::uint8_t, 260> pkt{};
        const result<std::size_t> m = encode_ip_packet(src, dst, 0, 64, Bytes(seg.data(), *n + plen), pkt);
        if (!m) return;
        if ((p & 128U) && *m > 0) pkt[*m - 1] ^= 1U; // a bad checksum
        to_server(Bytes(pkt.data(), *m));
    }

    void server_events(std::uint8_t arg) {
        for (;;) {
            Optional<EndpointEvent> e;
            {
                NoAlloc g;
                e = server_->poll_event();
            }
            if (!e) break;
            const Connection* c = server_->connection(e->flow);
            FUZZ_CHECK(c != nullptr);
            FUZZ_CHECK(c->flow().local.address == addr(0));
            handles_[next_handle_++ % handle_capacity] = e->flow;
            if (e->event.kind == EventKind::PeerClosed && (arg & 1U) == 0) {
                NoAlloc g;
                static_cast<void>(server_->close(e->flow, now_));
            }
        }
    }

    void check_output(Bytes d) {
        const result<IpPacket> p = parse_ip_packet(d);
        FUZZ_CHECK(p.ok());
        FUZZ_CHECK(TcpView::parse(p->tcp).ok());
        FUZZ_CHECK(verify_tcp_checksum(p->source, p->destination, p->tcp));
        bool ours = false;
        for (const LocalAddress& l : server_->addresses()) ours = ours || l.address == p->source;
        FUZZ_CHECK(ours);
        FUZZ_CHECK(classify_martian(p->destination, p->source, server_->addresses()) == Martian::None);
    }

    void check() {
        FUZZ_CHECK(server_->memory_bytes() == memory_);
        FUZZ_CHECK(server_->flows() <= server_->capacity());
        FUZZ_CHECK(server_->stats().accepted == server_->flows() + server_->stats().reaped);
    }

    fuzz::Reader& in_;
    bool v6_ = false;
    bool in_place_ = false; // the server answers into a reply buffer (on_datagram()'s third argument)
    Context server_ctx_{};
    Context client_ctx_{};
    std::unique_ptr<TcpEndpoint> server_;
    std::unique_ptr<TcpEndpoint> client_;
    std::size_t memory_ = 0;
    Link to_server_{};
    Link to_client_{};
    Pkt last_out_{};
    std::array<FlowHandle, handle_capacity> handles_{};
    std::size_t next_handle_ = 0;
    Time now_ = Time::from_ns(1000000000);
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader in(Bytes(data, size));
    Harness h(in);
    h.run();
    return 0;
}
