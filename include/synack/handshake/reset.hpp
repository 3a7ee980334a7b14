// synack/handshake/reset.hpp — the RST for a segment nobody owns.
//
// RFC 9293 §3.10.7.1 (CLOSED state) and §3.5.2 (reset generation): a segment
// with ACK gets <SEQ=SEG.ACK><CTL=RST>; one without gets
// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SEG.LEN counting SYN and FIN; a
// RST is never answered. As Linux's tcp_v4_send_reset(): window 0, no
// options (../shared/captures/e_ipv4_closed_port).
#pragma once

#include <cstddef>

#include "synack/core/optional.hpp"
#include "synack/core/result.hpp"
#include "synack/wire/tcp.hpp"

namespace synack {

// The header of the reply, or nullopt when no reply is due (a RST).
[[nodiscard]] constexpr Optional<TcpHeader> reset_for(const TcpView& seg) noexcept {
    if (seg.flags().rst()) return nullopt;
    TcpHeader h;
    h.source_port = seg.destination_port();
    h.destination_port = seg.source_port();
    if (seg.flags().ack()) {
        h.seq = seg.ack();
        h.flags = TcpFlag::Rst;
    } else {
        h.seq = SeqNum(0);
        h.ack = seg.seq() + seg.segment_length();
        h.flags = TcpFlag::Rst | TcpFlag::Ack;
    }
    return h;
}

} // namespace synack
