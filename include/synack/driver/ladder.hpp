// synack/driver/ladder.hpp — a connection's segments as a ladder diagram.
//
// Drawn as the seed document draws its handshake: the two endpoints as two
// columns, one arrow per segment labelled with its flags, seq/ack and
// window (as `tcpdump -nn -S` prints them) and its options beneath, time
// running down the page, and each side's TCP state (RFC 9293 §3.3.2) beside
// its column whenever it changes.
//
// Pure: segments in, text out (no I/O, no clock). States either come from
// the caller (a machine's state()) or are inferred from the segments by
// LadderBuilder, which follows the RFC 9293 transitions a capture shows:
// SYN / SYN-ACK / ACK for the handshake, FIN and the ACK covering it for the
// close, RST for an abort. Not in the umbrella header (it uses <string>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "synack/core/optional.hpp"
#include "synack/core/seq.hpp"
#include "synack/core/time.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/wire/format.hpp"
#include "synack/wire/tcp.hpp"

namespace synack {

// One arrow of the diagram.
struct LadderStep {
    Time at{};
    bool from_left = true;     // left endpoint -> right endpoint
    std::string label;         // "Flags [S], seq 1, win 64240"
    std::string detail;        // "options [mss 1460,...], length 0" (may be empty)
    std::string left_state;    // the left side's state after this step ("" = unchanged)
    std::string right_state;   // the same for the right side
};

struct Ladder {
    std::string left_name;  // e.g. "198.18.0.1.40000 (client)"
    std::string right_name;
    Time origin{};          // printed as time 0
    std::vector<LadderStep> steps;
};

namespace ladder_detail {

// tcpdump's TCP text split at its options: the arrow's label and the line
// beneath it.
inline void split_tcp_text(const TcpView& v, std::string& label, std::string& detail) {
    const std::string text = to_string(v);
    const std::size_t o = text.find(", options [");
    const std::size_t l = text.rfind(", length ");
    if (o != std::string::npos) {
        label = text.substr(0, o);
        detail = text.substr(o + 2);
    } else if (l != std::string::npos) {
        label = text.substr(0, l);
        detail = text.substr(l + 2);
    } else {
        label = text;
        detail.clear();
    }
}

// Appends `n` copies of a (possibly multi-byte UTF-8) glyph.
inline void repeat(std::string& out, std::string_view glyph, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out += glyph;
}

inline std::string pad_left(const std::string& s, std::size_t w) {
    return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

} // namespace ladder_detail

// The diagram as text (UTF-8 box drawing), one line per row, '\n'-ended.
inline std::string render_ladder(const Ladder& l) {
    using namespace ladder_detail;
    constexpr std::size_t time_w = 10;  // "  0.000000"
    constexpr std::size_t state_w = 13; // "SYN-RECEIVED "
    std::size_t inner = 40;             // between the two bars
    for (const LadderStep& s : l.steps) {
        if (s.label.size() + 6 > inner) inner = s.label.size() + 6;
    }
    const std::string bar = "\u2502";
    const std::string margin(time_w + 1 + state_w + 1, ' ');
    std::string out;
    // The names centred over the two bars.
    const std::size_t left_bar = margin.size();
    const std::size_t right_bar = left_bar + 1 + inner;
    std::string names(right_bar + l.right_name.size() + 1, ' ');
    const std::size_t ln = l.left_name.size() / 2 < left_bar ? left_bar - l.left_name.size() / 2 : 0;
    names.replace(ln, l.left_name.size(), l.left_name);
    std::size_t rn = right_bar - l.right_name.size() / 2;
    if (rn < ln + l.left_name.size() + 1) rn = ln + l.left_name.size() + 1;
    names.resize(rn);
    names += l.right_name;
    out += names + '\n';
    out += margin + bar + std::string(inner, ' ') + bar + '\n';
    for (const LadderStep& s : l.steps) {
        char t[32];
        std::snprintf(t, sizeof t, "%*.6f", static_cast<int>(time_w), static_cast<double>((s.at - l.origin).ns) / 1e9);
        std::string line = t;
        line += ' ' + pad_left(s.left_state, state_w) + ' ';
        const std::size_t fill = inner - s.label.size() - 4;
        if (s.from_left) {
            line += "\u251c\u2500 " + s.label + ' ';
            repeat(line, "\u2500", fill);
            line += "\u25b6\u2502";
        } else {
            line += "\u2502\u25c0";
            repeat(line, "\u2500", fill);
            line += ' ' + s.label + " \u2500\u2524";
        }
        if (!s.right_state.empty()) line += ' ' + s.right_state;
        out += line + '\n';
        // The detail beneath the arrow, wrapped at the column width.
        for (std::size_t at = 0; at < s.detail.size();) {
            while (at < s.detail.size() && s.detail[at] == ' ') ++at;
            if (at == s.detail.size()) break;
            std::size_t n = s.detail.size() - at;
            if (n > inner - 4) {
                n = inner - 4;
                const std::size_t comma = s.detail.rfind(',', at + n - 1);
                if (comma != std::string::npos && comma > at) n = comma + 1 - at;
            }
            out += margin + bar + "   " + s.detail.substr(at, n) + std::string(inner - 3 - n, ' ') + bar + '\n';
            at += n;
        }
        out += margin + bar + std::string(inner, ' ') + bar + '\n';
    }
    return out;
}

// Builds a Ladder from segments, inferring each side's state from what it
// sends and receives (RFC 9293 §3.3.2, Figure 5), so that a capture can be
// drawn with its states.
class LadderBuilder {
  public:
    LadderBuilder(Endpoint left, Endpoint right, Time origin) : left_(left), right_(right) {
        ladder_.left_name = to_string(left);
        ladder_.right_name = to_string(right);
        ladder_.origin = origin;
    }

    // A segment sent by `from` (one of the two endpoints). Returns false,
    // adding nothing, for bytes that are not a well-framed TCP header or a
    // sender that is neither endpoint.
    bool add(Time at, const Endpoint& from, Bytes tcp) {
        const result<TcpView> v = TcpView::parse(tcp);
        if (!v) return false;
        const bool from_left = from == left_;
        if (!from_left && !(from == right_)) return false;
        LadderStep s;
        s.at = at;
        s.from_left = from_left;
        ladder_detail::split_tcp_text(*v, s.label, s.detail);
        Side& snd = from_left ? l_ : r_;
        Side& rcv = from_left ? r_ : l_;
        const State snd_before = snd.state;
        const State rcv_before = rcv.state;
        on_send(snd, *v);
        on_receive(rcv, *v);
        if (snd.state != snd_before) (from_left ? s.left_state : s.right_state) = to_string(snd.state);
        if (rcv.state != rcv_before) (from_left ? s.right_state : s.left_state) = to_string(rcv.state);
        ladder_.steps.push_back(std::move(s));
        return true;
    }

    // Overrides the inferred state of one side at the last step (for callers
    // that know it, e.g. from Connection::state()).
    void set_state(bool left, State st) {
        if (ladder_.steps.empty()) return;
        Side& side = left ? l_ : r_;
        if (side.state == st) return;
        side.state = st;
        (left ? ladder_.steps.back().left_state : ladder_.steps.back().right_state) = to_string(st);
    }

    [[nodiscard]] const Ladder& ladder() const noexcept { return ladder_; }
    [[nodiscard]] std::string render() const { return render_ladder(ladder_); }

  private:
    struct Side {
        State state = State::Closed;
        Optional<SeqNum> fin_end; // sequence number just past our FIN
    };

    static void on_send(Side& s, const TcpView& v) {
        const TcpFlags f = v.flags();
        if (f.rst()) {
            s.state = State::Closed;
            return;
        }
        if (f.syn() && !f.ack() && (s.state == State::Closed || s.state == State::Listen)) s.state = State::SynSent;
        if (f.syn() && f.ack()) s.state = State::SynReceived;
        if (f.fin()) {
            s.fin_end = v.seq() + static_cast<std::uint32_t>(v.payload().size()) + 1U;
            if (s.state == State::Established || s.state == State::SynReceived) s.state = State::FinWait1;
            if (s.state == State::CloseWait) s.state = State::LastAck;
        }
    }

    static void on_receive(Side& s, const TcpView& v) {
        const TcpFlags f = v.flags();
        if (f.rst()) {
            if (s.state != State::Closed) s.state = State::Closed;
            return;
        }
        // A SYN decides nothing yet: the SYN-ACK the side sends (on_send)
        // shows SYN-RECEIVED, a RST shows a closed port.
        if (f.syn() && !f.ack()) return;
        if (f.syn() && f.ack() && s.state == State::SynSent) {
            s.state = State::Established;
            return;
        }
        if (!f.ack()) return;
        const bool fin_acked = s.fin_end && v.ack() >= *s.fin_end;
        switch (s.state) {
        case State::SynReceived: s.state = State::Established; break;
        case State::FinWait1:
            if (fin_acked) s.state = f.fin() ? State::TimeWait : State::FinWait2;
            else if (f.fin()) s.state = State::Closing;
            return;
        case State::FinWait2:
            if (f.fin()) s.state = State::TimeWait;
            return;
        case State::Closing:
            if (fin_acked) s.state = State::TimeWait;
            return;
        case State::LastAck:
            if (fin_acked) s.state = State::Closed;
            return;
        default: break;
        }
        if (f.fin() && s.state == State::Established) s.state = State::CloseWait;
    }

    Endpoint left_;
    Endpoint right_;
    Side l_;
    Side r_;
    Ladder ladder_;
};

} // namespace synack
