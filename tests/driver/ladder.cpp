// Tests for synack/driver/ladder.hpp: the states LadderBuilder infers from
// segments match what two real Connection machines go through, and the
// rendering puts arrows, labels, options and states where they belong.
#include "synack/driver/ladder.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "synack_test.hpp"

using namespace synack;

namespace {

const Endpoint client_ep{IpAddress::v4(198, 18, 0, 1), 40000};
const Endpoint server_ep{IpAddress::v4(198, 18, 0, 2), 5000};

Context make_context(std::uint64_t seed) {
    Context c;
    c.secrets.isn_key = {seed, seed * 3 + 1};
    c.secrets.ts_key = {seed * 7, seed * 11 + 5};
    return c;
}

Time at_ms(std::int64_t ms) { return Time::from_ns(ms * 1'000'000); }

// Moves every pending segment of `from` to `to`, recording each in the
// ladder and checking the inferred states against both machines.
int move(Connection& from, Connection& to, bool from_left, LadderBuilder& b, Time now) {
    std::array<std::uint8_t, 128> buf{};
    int n = 0;
    while (auto tx = from.poll_transmit(buf, now)) {
        const Bytes seg(buf.data(), tx->length);
        to.on_segment(tx->flow.local.address, tx->flow.remote.address, seg, now);
        REQUIRE(b.add(now, tx->flow.local, seg));
        const LadderStep& s = b.ladder().steps.back();
        CHECK(s.from_left == from_left);
        // The state a step shows for a side is the machine's state now.
        const Connection& left = from_left ? from : to;
        const Connection& right = from_left ? to : from;
        if (!s.left_state.empty()) CHECK(s.left_state == to_string(left.state()));
        if (!s.right_state.empty()) CHECK(s.right_state == to_string(right.state()));
        ++n;
    }
    return n;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t nl = text.find('\n', at);
        out.push_back(text.substr(at, nl - at));
        at = nl == std::string::npos ? text.size() : nl + 1;
    }
    return out;
}

} // namespace

TEST_CASE("ladder: inferred states follow two machines through handshake and close", "[ladder]") {
    const Context cc = make_context(1);
    const Context sc = make_context(2);
    Connection client(cc);
    Connection server(sc);
    REQUIRE(server.listen(server_ep, at_ms(0)) == Error::None);
    REQUIRE(client.connect({client_ep, server_ep}, at_ms(0)) == Error::None);
    LadderBuilder b(client_ep, server_ep, at_ms(0));

    CHECK(move(client, server, true, b, at_ms(0)) == 1);  // SYN
    CHECK(b.ladder().steps.back().left_state == "SYN-SENT");
    CHECK(move(server, client, false, b, at_ms(50)) == 1); // SYN-ACK
    CHECK(b.ladder().steps.back().right_state == "SYN-RECEIVED");
    CHECK(b.ladder().steps.back().left_state == "ESTABLISHED");
    CHECK(move(client, server, true, b, at_ms(100)) == 1); // ACK
    CHECK(b.ladder().steps.back().right_state == "ESTABLISHED");

    // Active close by the client, then the server's.
    REQUIRE(client.close(at_ms(200)) == Error::None);
    CHECK(move(client, server, true, b, at_ms(200)) == 1); // FIN
    CHECK(b.ladder().steps.back().left_state == "FIN-WAIT-1");
    CHECK(b.ladder().steps.back().right_state == "CLOSE-WAIT");
    CHECK(move(server, client, false, b, at_ms(250)) == 1); // ACK of the FIN
    CHECK(b.ladder().steps.back().left_state == "FIN-WAIT-2");
    REQUIRE(server.close(at_ms(300)) == Error::None);
    CHECK(move(server, client, false, b, at_ms(300)) == 1); // FIN
    CHECK(b.ladder().steps.back().right_state == "LAST-ACK");
    CHECK(b.ladder().steps.back().left_state == "TIME-WAIT");
    CHECK(move(client, server, true, b, at_ms(350)) == 1); // last ACK
    CHECK(b.ladder().steps.back().right_state == "CLOSED");
    CHECK(server.state() == State::Closed);
    CHECK(b.ladder().steps.size() == 7);
}

TEST_CASE("ladder: rendering", "[ladder]") {
    const Context cc = make_context(3);
    const Context sc = make_context(4);
    Connection client(cc);
    Connection server(sc);
    REQUIRE(server.listen(server_ep, at_ms(0)) == Error::None);
    REQUIRE(client.connect({client_ep, server_ep}, at_ms(0)) == Error::None);
    LadderBuilder b(client_ep, server_ep, at_ms(0));
    move(client, server, true, b, at_ms(0));
    move(server, client, false, b, at_ms(50));
    move(client, server, true, b, at_ms(100));
    const std::string text = b.render();
    const std::vector<std::string> lines = lines_of(text);
    REQUIRE(lines.size() >= 8);

    // Names over the bars: both bars sit under their names' middles.
    const std::string bar = "\u2502";
    const std::size_t left_bar = lines[1].find(bar);
    const std::size_t right_bar = lines[1].rfind(bar);
    REQUIRE(left_bar != std::string::npos);
    REQUIRE(right_bar > left_bar);
    const std::size_t ln = lines[0].find("198.18.0.1.40000");
    REQUIRE(ln != std::string::npos);
    CHECK(ln < left_bar);
    CHECK(ln + 16 > left_bar);
    CHECK(lines[0].find("198.18.0.2.5000") != std::string::npos);

    // The SYN: time, state, arrow to the right with tcpdump's label.
    const std::string syn = lines[2];
    CHECK(syn.rfind("  0.000000", 0) == 0);
    CHECK(syn.find("SYN-SENT") != std::string::npos);
    CHECK(syn.find("Flags [S], seq " + std::to_string(client.iss().raw()) + ", win 64240") != std::string::npos);
    CHECK(syn.find("\u25b6") != std::string::npos);  // points right
    CHECK(syn.find("\u25c0") == std::string::npos);
    CHECK(lines[3].find("options [mss 1460,sackOK,TS val") != std::string::npos);

    // The SYN-ACK points left and shows the server's new state at the right.
    std::size_t synack = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find("Flags [S.]") != std::string::npos) synack = i;
    }
    REQUIRE(synack != 0);
    CHECK(lines[synack].find("\u25c0") != std::string::npos);
    CHECK(lines[synack].rfind("SYN-RECEIVED") > lines[synack].find("Flags [S.]"));
    CHECK(lines[synack].find("ESTABLISHED") < lines[synack].find("Flags [S.]"));
    CHECK(lines[synack].rfind("  0.050000", 0) == 0);

    // Every arrow and detail row ends at the right bar: same display width.
    const auto width = [](const std::string& s) {
        std::size_t w = 0;
        for (const char c : s) w += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; // count code points
        return w;
    };
    const std::size_t row = width(lines[1]);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::size_t r = lines[i].rfind(bar);
        const std::size_t corner = lines[i].rfind("\u2524");
        const std::size_t end = corner != std::string::npos && (r == std::string::npos || corner > r) ? corner : r;
        REQUIRE(end != std::string::npos);
        CHECK(width(lines[i].substr(0, end)) + 1 == row);
    }
}

TEST_CASE("ladder: a closed port and bytes that are not TCP", "[ladder]") {
    const Context cc = make_context(5);
    Connection client(cc);
    REQUIRE(client.connect({client_ep, server_ep}, at_ms(0)) == Error::None);
    LadderBuilder b(client_ep, server_ep, at_ms(0));
    std::array<std::uint8_t, 128> buf{};
    auto syn = client.poll_transmit(buf, at_ms(0));
    REQUIRE(syn);
    const TcpView sv = *TcpView::parse(Bytes(buf.data(), syn->length));
    REQUIRE(b.add(at_ms(0), client_ep, Bytes(buf.data(), syn->length)));
    // The closed port's answer (RFC 9293 §3.10.7.1), as Linux sends it.
    const Optional<TcpHeader> rst = reset_for(sv);
    REQUIRE(rst);
    std::array<std::uint8_t, 60> rb{};
    const auto n = rst->encode(rb);
    REQUIRE(n);
    REQUIRE(b.add(at_ms(1), server_ep, Bytes(rb.data(), *n)));
    CHECK(b.ladder().steps[0].right_state.empty()); // a SYN alone decides nothing
    CHECK(b.ladder().steps[1].left_state == "CLOSED");
    CHECK(b.render().find("Flags [R.], seq 0, ack " + std::to_string((sv.seq() + 1).raw())) != std::string::npos);

    const std::array<std::uint8_t, 10> junk{};
    CHECK_FALSE(b.add(at_ms(2), server_ep, Bytes(junk.data(), junk.size())));
    const Endpoint stranger{IpAddress::v4(198, 18, 0, 9), 1};
    CHECK_FALSE(b.add(at_ms(2), stranger, Bytes(rb.data(), *n)));
    CHECK(b.ladder().steps.size() == 2);
}
