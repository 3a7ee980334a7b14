// tools/synack-decode/ladders.hpp — `synack-decode --ladder`: one ladder
// diagram per connection in a capture (driver/ladder.hpp), the side that
// sent the first segment on the left, time from that segment.
#pragma once

#include <ostream>
#include <vector>

#include "synack/driver/ladder.hpp"
#include "synack/wire/packet.hpp"

namespace synack_decode {

class Ladders {
  public:
    void observe(synack::Time at, const synack::IpPacket& p) {
        const auto v = synack::TcpView::parse(p.tcp);
        if (!v) return;
        const synack::Endpoint src{p.source, v->source_port()};
        const synack::Endpoint dst{p.destination, v->destination_port()};
        for (Connection& c : connections_) {
            if ((c.left == src && c.right == dst) || (c.left == dst && c.right == src)) {
                c.builder.add(at, src, p.tcp);
                return;
            }
        }
        connections_.push_back({src, dst, synack::LadderBuilder(src, dst, at)});
        connections_.back().builder.add(at, src, p.tcp);
    }

    void print(std::ostream& os) const {
        for (const Connection& c : connections_) os << '\n' << c.builder.render();
    }

  private:
    struct Connection {
        synack::Endpoint left;
        synack::Endpoint right;
        synack::LadderBuilder builder;
    };
    std::vector<Connection> connections_;
};

} // namespace synack_decode
