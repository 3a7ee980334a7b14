// examples/synack-client/main.cpp — a synack Connection behind a TUN device
// connecting to a peer on the kernel's side (a kernel listener).
//
// Creates the TUN interface, gives the kernel's side its address(es),
// connects from --local to --connect, and once established closes
// gracefully (TIME-WAIT shortened with --msl-ms). Prints the outcome
// (ESTABLISHED with the negotiated parameters, REFUSED, TIMEDOUT), the
// ladder diagram, and with -v every segment as tcpdump does; --pcap writes
// everything to a pcap file. Exit status 0 when the outcome is --expect's.
//
// --packet IFNAME connects through AF_PACKET on an existing Ethernet
// interface instead (driver/packet.hpp): --kernel-addr then only gives the
// link's prefix, and the device resolves the peer (or --gateway) by ARP or
// Neighbor Discovery; a line "PACKET ..." reports what it sent and learned
// (tests/driver/packet_client.sh).
//
// Run it only inside a network namespace of your own (see
// tests/driver/interop.sh): it configures interfaces.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../tun-common/common.hpp"
#include "synack/driver/packet.hpp"

using namespace synack;
using namespace tun_example;

namespace {
const char* usage =
    "usage: synack-client --connect ADDR:PORT [--local ADDR[:PORT]] [--tun NAME | --packet IFNAME [--gateway ADDR]]\n"
    "                     [--kernel-addr A/LEN]...\n"
    "                     [--expect established|refused|timedout] [--syn-retries N] [--rto-ms MS]\n"
    "                     [--msl-ms MS] [--timeout S] [--mss N] [--fastopen] [--pcap FILE] [--no-ladder] [-v]\n"
    "defaults: --tun synack1 --kernel-addr 198.18.0.1/24 --local 198.18.0.2:40000 --expect established\n";
}

int main(int argc, char** argv) {
    std::string tun_name = "synack1";
    std::string packet_if; // --packet: AF_PACKET on this interface instead of TUN
    std::optional<IpAddress> gateway;
    std::vector<Prefix> kernel_side;
    std::optional<Endpoint> remote;
    Endpoint local{IpAddress::v4(198, 18, 0, 2), 40000};
    std::string expect = "established";
    double timeout_s = 30;
    bool verbose = false;
    bool ladders = true;
    std::string pcap;
    bool fastopen = false;
    Context ctx;
    ctx.config.msl = Duration::milliseconds(500);
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n%s", a.c_str(), usage);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--tun") {
            tun_name = next();
        } else if (a == "--packet") {
            packet_if = next();
        } else if (a == "--gateway") {
            gateway = parse_address(next());
            if (!gateway) return std::fprintf(stderr, "bad --gateway\n"), 2;
        } else if (a == "--kernel-addr") {
            const auto p = parse_prefix(next());
            if (!p) return std::fprintf(stderr, "bad --kernel-addr\n"), 2;
            kernel_side.push_back(*p);
        } else if (a == "--connect") {
            remote = parse_endpoint(next());
            if (!remote) return std::fprintf(stderr, "bad --connect\n"), 2;
        } else if (a == "--local") {
            const std::string v = next();
            if (const auto e = parse_endpoint(v)) {
                local = *e;
            } else if (const auto ad = parse_address(v)) {
                local.address = *ad;
            } else {
                return std::fprintf(stderr, "bad --local\n"), 2;
            }
        } else if (a == "--expect") {
            expect = next();
        } else if (a == "--fastopen") { // RFC 7413 client: a cookie request, then cookie + data
            fastopen = true;
            ctx.config.fastopen = FastOpenMode::Client;
        } else if (a == "--syn-retries") {
            ctx.config.syn_retries = static_cast<std::uint8_t>(std::atoi(next().c_str()));
            ctx.config.syn_linear_timeouts = 0;
        } else if (a == "--rto-ms") {
            ctx.config.rto_initial = Duration::milliseconds(std::atol(next().c_str()));
        } else if (a == "--msl-ms") {
            ctx.config.msl = Duration::milliseconds(std::atol(next().c_str()));
        } else if (a == "--timeout") {
            timeout_s = std::atof(next().c_str());
        } else if (a == "--mss") {
            ctx.config.mss = static_cast<std::uint16_t>(std::atoi(next().c_str()));
        } else if (a == "--pcap") {
            pcap = next();
        } else if (a == "--no-ladder") {
            ladders = false;
        } else if (a == "-v") {
            verbose = true;
        } else {
            std::fprintf(stderr, "%s", usage);
            return 2;
        }
    }
    if (!remote) return std::fprintf(stderr, "%s", usage), 2;
    if (local.address.family != remote->address.family) {
        return std::fprintf(stderr, "--local and --connect must be the same family\n"), 2;
    }
    if (kernel_side.empty()) kernel_side.push_back({IpAddress::v4(198, 18, 0, 1), 24});
    if (!random_secrets(ctx.secrets)) return 1;

    std::vector<TunDevice> tun;
    PacketDevice packet;
    Device* device = nullptr;
    if (packet_if.empty()) {
        if (!bring_up(tun, tun_name, 1, kernel_side, 1500)) return 1;
        device = &tun.front();
    } else {
        if (const OsStatus st = packet.open(packet_if); !st) {
            return std::fprintf(stderr, "packet %s: %s\n", packet_if.c_str(), st.message().c_str()), 1;
        }
        // Our address with the link's prefix: the peer (on it) or the
        // gateway is resolved by ARP or Neighbor Discovery.
        std::uint8_t len = local.address.is_v4() ? 32 : 128;
        for (const Prefix& p : kernel_side) {
            if (p.address.family == local.address.family) len = p.length;
        }
        packet.add_address(local.address, len);
        if (gateway) packet.set_gateway(*gateway);
        if (local.address.is_v6()) { // checked unused on the link first (RFC 4862 §5.4)
            if (const OsStatus st = packet.detect_duplicates(); !st) {
                return std::fprintf(stderr, "packet %s: %s\n", packet_if.c_str(), st.message().c_str()), 1;
            }
        }
        device = &packet;
    }
    EndpointLimits limits;
    limits.max_flows = 4;
    Driver d(*device, ctx, limits);
    for (const Prefix& p : kernel_side) {
        if (p.address.family == local.address.family) static_cast<void>(d.endpoint().add_address(local.address, p.length));
    }
    d.trace_limit = 4096; // a handful of flows: keep every segment for the ladders
    if (!pcap.empty()) {
        if (const OsStatus st = d.open_pcap(pcap); !st) return std::fprintf(stderr, "%s\n", st.message().c_str()), 1;
    }
    std::string outcome = "none";
    bool finished = false;
    bool second_started = false;
    std::vector<std::uint8_t> cookie; // the last Fast Open cookie a SYN-ACK gave us (RFC 7413 §4.1.3)
    d.on_delivery = [&](Driver&, const Delivery& dv) {
        if (!dv.fastopen_cookie.empty()) cookie.assign(dv.fastopen_cookie.begin(), dv.fastopen_cookie.end());
    };
    d.on_event = [&](Driver& drv, const EndpointEvent& ev) {
        const Event& e = ev.event;
        const Endpoint peer = e.negotiated.flow.remote;
        switch (e.kind) {
        case EventKind::Established:
            outcome = "established";
            print_negotiated("ESTABLISHED", e.negotiated);
            static_cast<void>(drv.endpoint().close(ev.flow, monotonic_now())); // graceful active close
            break;
        case EventKind::Refused:
            outcome = "refused";
            std::printf("REFUSED %s\n", to_string(peer).c_str());
            finished = true;
            break;
        case EventKind::TimedOut:
            if (outcome == "none") outcome = "timedout";
            std::printf("TIMEDOUT %s\n", to_string(peer).c_str());
            finished = true;
            break;
        case EventKind::Reset:
            std::printf("RESET %s\n", to_string(peer).c_str());
            finished = true;
            break;
        case EventKind::PeerClosed: break;
        case EventKind::Closed:
            std::printf("CLOSED %s\n", to_string(peer).c_str());
            // --fastopen: the first connection brought a cookie; a second
            // one (next local port) sends it with data in its SYN.
            if (fastopen && !second_started && !cookie.empty()) {
                second_started = true;
                std::printf("FASTOPEN-COOKIE %zu bytes\n", cookie.size());
                Endpoint next = local;
                next.port = static_cast<std::uint16_t>(local.port + 1);
                static const char hello[] = "hello";
                static_cast<void>(drv.connect_fast_open({next, *remote}, Bytes(cookie.data(), cookie.size()),
                                                        Bytes(reinterpret_cast<const std::uint8_t*>(hello), 5)));
                break;
            }
            finished = true;
            break;
        }
        std::fflush(stdout);
    };
    if (fastopen) {
        static_cast<void>(d.connect_fast_open({local, *remote}, Bytes{}, Bytes{})); // cookie request
    } else {
        static_cast<void>(d.connect({local, *remote}));
    }
    const OsStatus st = d.run([&](Driver&) { return finished; },
                              Duration::milliseconds(static_cast<std::int64_t>(timeout_s * 1000)));
    if (!st) {
        std::fprintf(stderr, "synack-client: %s\n", st.message().c_str());
        return 1;
    }
    for (const FourTuple& f : traced_flows(d)) {
        const std::string l = ladder_of(d, f.local, f.remote, verbose);
        if (ladders) std::printf("\n%s", l.c_str());
    }
    if (!packet_if.empty()) {
        std::printf("PACKET %s\n", packet_stats_fields(packet.stats()).c_str());
    }
    std::printf("OUTCOME %s\n", outcome.c_str());
    return outcome == expect ? 0 : 3;
}
