// examples/synack-server/main.cpp — a synack Listener behind a TUN device.
//
// Creates the TUN interface (--queues N: a multi-queue device, one thread
// and one endpoint shard per queue, sharing the secrets), gives the kernel's
// side of the link its address(es), listens on --listen, accepts handshakes
// (SYN cookies with --cookies always), closes each connection gracefully
// once the peer has closed (or after --hold-ms), and prints for each
// connection its negotiated parameters (--quiet: only the totals; SIGTERM
// stops it and prints them too). Finished
// flows are freed by the endpoint; --idle-ms bounds flows nobody closes.
// The ladder diagrams of the first connections are printed from a bounded
// trace (--trace N segments, 64 by default, 0 for none); --txqueuelen sets
// the device's queue towards us (4096; Linux's TUN default 500 drops SYNs
// of legitimate clients as soon as a flood outpaces us for a moment);
// --pin off leaves the shards' threads to the scheduler (on: shard i on
// core i); --busy-poll-us polls the device that long before each sleep,
// yielding the core between reads, and pauses polling for
// --busy-poll-backoff-ms when the yields kept a shard off its core more than
// --busy-poll-scarce-percent of a 10 ms window (CPU time is scarce:
// Driver::busy_poll; DRIVER lines at the end count it); -v prints the
// traced segments as tcpdump does; --pcap writes everything to a pcap file.
//
// --packet IFNAME serves on an existing Ethernet interface through AF_PACKET
// (driver/packet.hpp) instead of a TUN device: the interface keeps no
// address of ours, synack answers ARP or NDP for --listen's address, and --queues
// N shares the interface by flow hash (PACKET_FANOUT_HASH); --kernel-addr
// then only gives the link's prefix (tests/driver/flows100k.sh with DEVICE
// packet, tests/driver/packet6.sh).
//
// Run it only inside a network namespace of your own (see
// tests/driver/interop.sh): it configures interfaces.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "../tun-common/common.hpp"
#include "synack/driver/packet.hpp"

using namespace synack;
using namespace tun_example;

namespace {
const char* usage =
    "usage: synack-server [--tun NAME | --packet IFNAME] [--kernel-addr A/LEN]... [--listen ADDR:PORT] [--queues N]\n"
    "                     [--count N] [--timeout S] [--hold-ms MS] [--cookies off|auto|always]\n"
    "                     [--backlog N] [--fastopen] [--mss N] [--mtu N] [--txqueuelen N] [--max-flows N]\n"
    "                     [--max-per-source N] [--idle-ms MS] [--linger-ms MS] [--status-ms MS] [--pcap FILE] [--trace N]\n"
    "                     [--pin on|off] [--busy-poll-us US] [--busy-poll-scarce-percent P]\n"
    "                     [--busy-poll-backoff-ms MS] [--no-ladder] [--no-trace] [--quiet] [-v]\n"
    "defaults: --tun synack0 --kernel-addr 198.18.0.1/24 --listen 198.18.0.2:8080 --queues 1 --count 1\n"
    "          --timeout 30 --max-flows 65536 --idle-ms 60000 --trace 64 --txqueuelen 4096 --pin on\n"
    "          --busy-poll-us 0 --busy-poll-scarce-percent 80 --busy-poll-backoff-ms 25\n";

// Everything the shards report, shared (atomics: shards run on their own threads).
struct Totals {
    std::atomic<long> established{0};
    std::atomic<long> closed{0};
};

// What one shard keeps: the flows to close after --hold-ms (oldest first).
struct ShardState {
    std::deque<std::pair<FlowHandle, Time>> hold;
};

std::mutex print_mutex; // whole lines from several shards

// SIGTERM / SIGINT: stop, and print the totals as after --count.
volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_stop(int) { stop_requested = 1; }

} // namespace

int main(int argc, char** argv) {
    std::string tun_name = "synack0";
    std::string packet_if; // --packet: AF_PACKET on this interface instead of TUN
    std::vector<Prefix> kernel_side;
    Endpoint local{IpAddress::v4(198, 18, 0, 2), 8080};
    long count = 1;
    double timeout_s = 30;
    long hold_ms = -1; // close only after the peer does
    long linger_ms = 0;
    long status_ms = 0;
    bool verbose = false;
    bool ladders = true;
    bool quiet = false;
    std::size_t trace = 64;
    std::size_t queues = 1;
    std::string pcap;
    int mtu = 1500;
    int txqueuelen = 4096;
    bool pin = true;
    long busy_poll_us = 0;
    long busy_poll_backoff_ms = 25;
    long scarce_percent = 80;
    Context ctx;
    EndpointLimits limits;
    limits.max_flows = 65536;
    limits.idle_timeout = Duration::seconds(60);
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
        } else if (a == "--kernel-addr") {
            const auto p = parse_prefix(next());
            if (!p) return std::fprintf(stderr, "bad --kernel-addr\n"), 2;
            kernel_side.push_back(*p);
        } else if (a == "--listen") {
            const auto e = parse_endpoint(next());
            if (!e) return std::fprintf(stderr, "bad --listen\n"), 2;
            local = *e;
        } else if (a == "--queues") {
            queues = std::strtoul(next().c_str(), nullptr, 10);
            if (queues < 1 || queues > 64) return std::fprintf(stderr, "bad --queues\n"), 2;
        } else if (a == "--count") {
            count = std::atol(next().c_str());
        } else if (a == "--timeout") {
            timeout_s = std::atof(next().c_str());
        } else if (a == "--hold-ms") {
            hold_ms = std::atol(next().c_str());
        } else if (a == "--linger-ms") { // after --count: run until no flow is left (or this long)
            linger_ms = std::atol(next().c_str());
        } else if (a == "--status-ms") { // a STATUS line this often
            status_ms = std::atol(next().c_str());
        } else if (a == "--cookies") {
            const std::string m = next();
            ctx.config.syncookies = m == "always" ? SynCookies::Always : m == "off" ? SynCookies::Off : SynCookies::Auto;
        } else if (a == "--backlog") {
            ctx.config.backlog = static_cast<std::uint32_t>(std::strtoul(next().c_str(), nullptr, 10));
        } else if (a == "--fastopen") { // RFC 7413 server: cookies, data in the SYN
            ctx.config.fastopen = FastOpenMode::Server;
        } else if (a == "--mss") {
            ctx.config.mss = static_cast<std::uint16_t>(std::atoi(next().c_str()));
        } else if (a == "--pin") { // on: shard i on core i; off: wherever the scheduler puts them
            const std::string m = next();
            if (m != "on" && m != "off") return std::fprintf(stderr, "bad --pin\n"), 2;
            pin = m == "on";
        } else if (a == "--busy-poll-us") {
            busy_poll_us = std::atol(next().c_str());
        } else if (a == "--busy-poll-scarce-percent") {
            scarce_percent = std::atol(next().c_str());
        } else if (a == "--busy-poll-backoff-ms") {
            busy_poll_backoff_ms = std::atol(next().c_str());
        } else if (a == "--mtu") {
            mtu = std::atoi(next().c_str());
        } else if (a == "--txqueuelen") {
            txqueuelen = std::atoi(next().c_str());
        } else if (a == "--max-flows") {
            limits.max_flows = static_cast<std::uint32_t>(std::strtoul(next().c_str(), nullptr, 10));
        } else if (a == "--max-per-source") {
            limits.max_per_source = static_cast<std::uint32_t>(std::strtoul(next().c_str(), nullptr, 10));
        } else if (a == "--idle-ms") {
            limits.idle_timeout = Duration::milliseconds(std::atol(next().c_str()));
        } else if (a == "--pcap") {
            pcap = next();
        } else if (a == "--trace") {
            trace = std::strtoul(next().c_str(), nullptr, 10);
        } else if (a == "--no-ladder") {
            ladders = false;
        } else if (a == "--no-trace") { // keep no segments: no ladders either
            ladders = false;
            trace = 0;
        } else if (a == "--quiet") {
            quiet = true;
            ladders = false;
        } else if (a == "-v") {
            verbose = true;
        } else {
            std::fprintf(stderr, "%s", usage);
            return 2;
        }
    }
    if (kernel_side.empty()) kernel_side.push_back({IpAddress::v4(198, 18, 0, 1), 24});
    if (!random_secrets(ctx.secrets)) return 1;
    std::signal(SIGTERM, on_stop);
    std::signal(SIGINT, on_stop);

    std::vector<TunDevice> tun;
    std::vector<PacketDevice> packet;
    std::vector<Device*> devices;
    std::string device_name;
    if (packet_if.empty()) {
        tun.reserve(queues);
        if (!bring_up(tun, tun_name, queues, kernel_side, mtu, txqueuelen)) return 1;
        for (TunDevice& t : tun) devices.push_back(&t);
        device_name = tun.front().name();
    } else {
        packet.reserve(queues);
        if (const OsStatus st = open_fanout(packet_if, queues, packet); !st) {
            return std::fprintf(stderr, "packet %s: %s\n", packet_if.c_str(), st.message().c_str()), 1;
        }
        for (PacketDevice& d : packet) {
            d.add_address(local.address); // ARP or NDP answered for it
            devices.push_back(&d);
        }
        // An IPv6 address is checked unused on the link first (RFC 4862
        // §5.4, as Linux does for an address it is given): about a second.
        if (local.address.is_v6()) {
            if (const OsStatus st = packet.front().detect_duplicates(); !st) {
                return std::fprintf(stderr, "packet %s: %s\n", packet_if.c_str(), st.message().c_str()), 1;
            }
        }
        device_name = packet_if;
    }
    ShardedDriver shards(devices, ctx, limits);
    Totals totals;
    std::vector<ShardState> state(shards.size());
    for (std::size_t i = 0; i < shards.size(); ++i) {
        Driver& d = shards.shard(i);
        // Our address on the link, with the kernel side's prefix: its
        // subnet broadcast is then a martian for the endpoint too.
        for (const Prefix& p : kernel_side) {
            if (p.address.family == local.address.family) static_cast<void>(d.endpoint().add_address(local.address, p.length));
        }
        if (const Error e = d.listen(local); e != Error::None) return std::fprintf(stderr, "listen: %s\n", to_string(e)), 1;
        // Wake now and then even when nothing is due: --status-ms, SIGTERM.
        d.wake_every = Duration::milliseconds(status_ms > 0 && status_ms < 100 ? status_ms : 100);
        d.busy_poll = Duration::microseconds(busy_poll_us);
        d.busy_poll_backoff = Duration::milliseconds(busy_poll_backoff_ms);
        d.busy_poll_scarce = scarce_percent;
        if (i == 0) {
            d.trace_limit = trace;
            if (!pcap.empty()) {
                if (const OsStatus st = d.open_pcap(pcap); !st) return std::fprintf(stderr, "%s\n", st.message().c_str()), 1;
            }
        }
        ShardState& ss = state[i];
        d.on_event = [&ss, &totals, hold_ms, quiet](Driver& drv, const EndpointEvent& e) {
            const Connection* c = drv.endpoint().connection(e.flow);
            switch (e.event.kind) {
            case EventKind::Established:
                ++totals.established;
                if (hold_ms >= 0) ss.hold.emplace_back(e.flow, monotonic_now());
                if (!quiet) {
                    const std::lock_guard<std::mutex> g(print_mutex);
                    print_negotiated("ESTABLISHED", e.event.negotiated);
                }
                break;
            case EventKind::PeerClosed: // passive close: our FIN once the peer's came
                static_cast<void>(drv.endpoint().close(e.flow, monotonic_now()));
                break;
            case EventKind::Closed:
            case EventKind::Reset:
            case EventKind::TimedOut:
            case EventKind::Refused:
                ++totals.closed;
                if (!quiet && c != nullptr) {
                    const std::lock_guard<std::mutex> g(print_mutex);
                    std::printf("%s %s\n", e.event.kind == EventKind::Closed ? "CLOSED" : to_string(e.event.kind),
                                to_string(c->flow().remote).c_str());
                    std::fflush(stdout);
                }
                break;
            }
        };
        d.on_delivery = [quiet](Driver& drv, const Delivery& dv) {
            if (!dv.syn_data || quiet) return;
            const Connection* c = drv.endpoint().connection(dv.flow);
            if (c == nullptr) return;
            // Fast Open: the SYN's data, delivered before the handshake's end.
            const std::lock_guard<std::mutex> g(print_mutex);
            std::printf("ACCEPTED-0RTT %s data=\"%.*s\"\n", to_string(c->flow().remote).c_str(),
                        static_cast<int>(dv.payload.size()), reinterpret_cast<const char*>(dv.payload.data()));
            std::fflush(stdout);
        };
    }
    std::printf("READY %s listening on %s queues=%zu\n", device_name.c_str(), to_string(local).c_str(),
                shards.size());
    std::fflush(stdout);

    const auto flows_now = [&] {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < shards.size(); ++i) n += shards.shard(i).endpoint().flows();
        return n;
    };
    const Time start = monotonic_now();
    std::atomic<long> next_status{status_ms};
    std::atomic<bool> finished{false};
    Time count_reached = Time::never();
    std::mutex done_mutex;
    const OsStatus st = shards.run(
        [&](Driver& drv) {
            const Time now = monotonic_now();
            // --hold-ms: close established connections ourselves after a while.
            for (std::size_t i = 0; i < shards.size(); ++i) {
                if (&shards.shard(i) != &drv) continue;
                auto& hold = state[i].hold;
                while (!hold.empty() && now - hold.front().second >= Duration::milliseconds(hold_ms)) {
                    static_cast<void>(drv.endpoint().close(hold.front().first, now));
                    hold.pop_front();
                }
            }
            if (status_ms > 0 && &drv == &shards.shard(0)) {
                const long elapsed = static_cast<long>((now - start).ns / 1000000);
                if (elapsed >= next_status.load()) {
                    next_status = elapsed + status_ms;
                    const std::lock_guard<std::mutex> g(print_mutex);
                    std::printf("STATUS ms=%ld established=%ld closed=%ld flows=%llu rss_kib=%ld\n", elapsed,
                                totals.established.load(), totals.closed.load(),
                                static_cast<unsigned long long>(flows_now()), resident_kib());
                    std::fflush(stdout);
                }
            }
            if (stop_requested != 0) finished = true;
            if (finished.load()) return true;
            if (totals.closed.load() < count) return false;
            // --count reached; --linger-ms: until every flow has been freed.
            const std::lock_guard<std::mutex> g(done_mutex);
            if (count_reached == Time::never()) count_reached = now;
            if (linger_ms <= 0 || now - count_reached >= Duration::milliseconds(linger_ms) || flows_now() == 0) {
                finished = true;
            }
            return finished.load();
        },
        Duration::milliseconds(static_cast<std::int64_t>(timeout_s * 1000)), pin);
    if (!st) {
        std::fprintf(stderr, "synack-server: %s\n", st.message().c_str());
        return 1;
    }
    const Driver& d0 = shards.shard(0);
    if (ladders || verbose) {
        for (const FourTuple& f : traced_flows(d0)) {
            const std::string l = ladder_of(d0, f.remote, f.local, verbose);
            if (ladders) std::printf("\n%s", l.c_str());
        }
    }
    ListenerStats s{};
    EndpointStats es{};
    std::size_t memory = 0;
    std::uint64_t write_drops = 0;
    for (std::size_t i = 0; i < shards.size(); ++i) {
        const TcpEndpoint& e = shards.shard(i).endpoint();
        const ListenerStats& l = e.listener(0).stats();
        s.syns += l.syns;
        s.synacks += l.synacks;
        s.cookies_sent += l.cookies_sent;
        s.cookies_accepted += l.cookies_accepted;
        s.accepted += l.accepted;
        s.tx_overflow += l.tx_overflow;
        const EndpointStats& x = e.stats();
        es.datagrams_in += x.datagrams_in;
        es.datagrams_out += x.datagrams_out;
        es.not_tcp += x.not_tcp;
        es.malformed_ip += x.malformed_ip;
        es.not_local += x.not_local;
        es.closed_port_resets += x.closed_port_resets;
        es.reaped += x.reaped;
        es.idle_aborted += x.idle_aborted;
        es.pool_full += x.pool_full;
        es.per_source_refused += x.per_source_refused;
        es.reset_queue_full += x.reset_queue_full;
        es.time_wait_reopened += x.time_wait_reopened;
        for (std::size_t m = 0; m < es.martians.size(); ++m) es.martians[m] += x.martians[m];
        memory += e.memory_bytes();
        write_drops += shards.shard(i).stats().write_drops;
    }
    for (std::size_t i = 0; i < shards.size(); ++i) {
        const DriverStats& ds = shards.shard(i).stats();
        std::printf("DRIVER %zu reads=%llu writes=%llu wakeups=%llu busy_polls=%llu busy_poll_backoffs=%llu\n", i,
                    static_cast<unsigned long long>(ds.reads), static_cast<unsigned long long>(ds.writes),
                    static_cast<unsigned long long>(ds.wakeups), static_cast<unsigned long long>(ds.busy_polls),
                    static_cast<unsigned long long>(ds.busy_poll_backoffs));
    }
    for (std::size_t i = 0; i < shards.size() && shards.size() > 1; ++i) {
        const TcpEndpoint& e = shards.shard(i).endpoint();
        std::printf("SHARD %zu accepted=%llu reaped=%llu datagrams=%llu\n", i,
                    static_cast<unsigned long long>(e.stats().accepted), static_cast<unsigned long long>(e.stats().reaped),
                    static_cast<unsigned long long>(e.stats().datagrams_in));
    }
    for (std::size_t i = 0; i < packet.size(); ++i) {
        std::uint64_t kernel_drops = 0;
        static_cast<void>(packet[i].take_kernel_drops(kernel_drops));
        std::printf("PACKET %zu %s kernel_drops=%llu\n", i, packet_stats_fields(packet[i].stats()).c_str(),
                    static_cast<unsigned long long>(kernel_drops));
    }
    std::printf("MEMORY endpoint_bytes=%zu max_flows=%u queues=%zu rss_kib=%ld\n", memory, limits.max_flows,
                shards.size(), resident_kib());
    std::printf("STATS syns=%llu synacks=%llu cookies_sent=%llu cookies_accepted=%llu accepted=%llu closed=%ld\n",
                static_cast<unsigned long long>(s.syns), static_cast<unsigned long long>(s.synacks),
                static_cast<unsigned long long>(s.cookies_sent), static_cast<unsigned long long>(s.cookies_accepted),
                static_cast<unsigned long long>(s.accepted), totals.closed.load());
    std::printf("ENDPOINT datagrams=%llu flows=%llu reaped=%llu idle_aborted=%llu pool_full=%llu per_source_refused=%llu "
                "martians=%llu not_local=%llu not_tcp=%llu malformed_ip=%llu closed_port_resets=%llu "
                "reset_queue_full=%llu listener_tx_overflow=%llu write_drops=%llu datagrams_out=%llu time_wait_reopened=%llu\n",
                static_cast<unsigned long long>(es.datagrams_in), static_cast<unsigned long long>(flows_now()),
                static_cast<unsigned long long>(es.reaped), static_cast<unsigned long long>(es.idle_aborted),
                static_cast<unsigned long long>(es.pool_full), static_cast<unsigned long long>(es.per_source_refused),
                static_cast<unsigned long long>(es.martian_total()), static_cast<unsigned long long>(es.not_local),
                static_cast<unsigned long long>(es.not_tcp), static_cast<unsigned long long>(es.malformed_ip),
                static_cast<unsigned long long>(es.closed_port_resets),
                static_cast<unsigned long long>(es.reset_queue_full), static_cast<unsigned long long>(s.tx_overflow),
                static_cast<unsigned long long>(write_drops), static_cast<unsigned long long>(es.datagrams_out),
                static_cast<unsigned long long>(es.time_wait_reopened));
    return totals.closed.load() >= count || stop_requested != 0 ? 0 : 3;
}
