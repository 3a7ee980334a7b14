// tools/synack-decode/summary.hpp — `synack-decode --summary`: what each
// handshake in a capture negotiated, read from its SYN and SYN-ACK.
//
// The rules are the handshake layer's (handshake/connection.hpp, after RFC
// 9293 §3.7.1, RFC 7323, RFC 2018, RFC 3168 §6.1.1): MSS = min of the two,
// 536 (IPv4) / 1220 (IPv6) for a side that sent none or 0; window scaling
// only when both sent it, shifts over 14 used as 14; SACK and timestamps only
// when both offered them; ECN when the SYN had ECE+CWR and the SYN-ACK ECE.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "synack/wire/format.hpp"
#include "synack/wire/packet.hpp"
#include "synack/wire/tcp.hpp"

namespace synack_decode {

class HandshakeSummary {
  public:
    void observe(std::uint64_t number, const synack::IpPacket& p) {
        const auto v = synack::TcpView::parse(p.tcp);
        if (!v) return;
        const synack::TcpFlags f = v->flags();
        const synack::FourTuple flow{{p.source, v->source_port()}, {p.destination, v->destination_port()}};
        if (f.syn() && !f.ack()) {
            Handshake& h = find_or_add(flow);
            h.syn = Side{number, synack::TcpHeader::from_view(*v), f};
            return;
        }
        if (f.syn() && f.ack()) {
            if (Handshake* h = find(flow.reversed()); h != nullptr && !h->synack) {
                h->synack = Side{number, synack::TcpHeader::from_view(*v), f};
            }
            return;
        }
        if (f.rst()) {
            if (Handshake* h = find(flow.reversed()); h != nullptr && !h->synack) h->refused_at = number;
            return;
        }
        if (f.ack()) {
            if (Handshake* h = find(flow); h != nullptr && h->synack && !h->ack_at) h->ack_at = number;
        }
    }

    void print(std::ostream& os) const {
        for (const Handshake& h : handshakes_) {
            os << "handshake " << synack::to_string(h.flow.local) << " > " << synack::to_string(h.flow.remote) << ": ";
            if (!h.synack) {
                os << "SYN #" << h.syn->number;
                if (h.refused_at) {
                    os << ", refused by RST #" << *h.refused_at << '\n';
                } else {
                    os << ", no SYN-ACK\n";
                }
                continue;
            }
            os << "SYN #" << h.syn->number << ", SYN-ACK #" << h.synack->number;
            if (h.ack_at) os << ", ACK #" << *h.ack_at << " (established)";
            os << '\n';
            os << "  client offers: " << offers(h.syn->header) << '\n';
            os << "  server offers: " << offers(h.synack->header) << '\n';
            os << "  negotiated:    " << negotiated(h) << '\n';
        }
    }

  private:
    struct Side {
        std::uint64_t number = 0;
        synack::TcpHeader header{};
        synack::TcpFlags flags{};
    };
    struct Handshake {
        synack::FourTuple flow{};
        std::optional<Side> syn, synack;
        std::optional<std::uint64_t> ack_at, refused_at;
    };

    Handshake* find(const synack::FourTuple& f) {
        for (Handshake& h : handshakes_) {
            if (h.flow == f) return &h;
        }
        return nullptr;
    }
    Handshake& find_or_add(const synack::FourTuple& f) {
        if (Handshake* h = find(f)) return *h;
        handshakes_.push_back(Handshake{f, {}, {}, {}, {}});
        return handshakes_.back();
    }

    static std::string offers(const synack::TcpHeader& h) {
        const synack::TcpOptions& o = h.options;
        std::string s = "win " + std::to_string(h.window);
        s += o.mss ? ", mss " + std::to_string(*o.mss) : ", no mss";
        s += o.window_scale ? ", wscale " + std::to_string(*o.window_scale) : ", no wscale";
        if (o.sack_permitted) s += ", sackOK";
        if (o.timestamps) s += ", TS";
        if (o.fast_open) s += o.fast_open->is_request() ? ", TFO cookie request" : ", TFO cookie";
        if (h.flags.ece()) s += h.flags.cwr() ? ", ECN setup (ECE+CWR)" : ", ECN (ECE)";
        return s;
    }

    static std::string negotiated(const Handshake& h) {
        const synack::TcpOptions& c = h.syn->header.options;
        const synack::TcpOptions& s = h.synack->header.options;
        const std::uint16_t def = h.flow.local.address.is_v4() ? 536 : 1220;
        const std::uint16_t cm = (c.mss && *c.mss != 0) ? *c.mss : def;
        const std::uint16_t sm = (s.mss && *s.mss != 0) ? *s.mss : def;
        std::string out = "mss " + std::to_string(cm < sm ? cm : sm);
        if (c.window_scale && s.window_scale) {
            const auto clamp = [](std::uint8_t v) { return v > synack::max_window_scale ? synack::max_window_scale : v; };
            out += ", window scale client " + std::to_string(clamp(*c.window_scale)) + " / server " +
                   std::to_string(clamp(*s.window_scale));
        } else {
            out += ", no window scaling";
        }
        out += c.sack_permitted && s.sack_permitted ? ", SACK" : ", no SACK";
        out += c.timestamps && s.timestamps ? ", timestamps" : ", no timestamps";
        const bool ecn = h.syn->flags.ece() && h.syn->flags.cwr() && h.synack->flags.ece() && !h.synack->flags.cwr();
        out += ecn ? ", ECN" : ", no ECN";
        if (c.fast_open && s.fast_open && !s.fast_open->is_request()) out += ", Fast Open cookie issued";
        return out;
    }

    std::vector<Handshake> handshakes_;
};

} // namespace synack_decode
