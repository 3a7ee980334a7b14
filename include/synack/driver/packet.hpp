// synack/driver/packet.hpp — a Linux AF_PACKET socket on an Ethernet
// interface as a driver/device.hpp Device: the second backend, beside TUN.
//
// The interface is an existing one (a veth end, a NIC) that the kernel's
// own IP stack does not use for our address: give it no address of ours,
// and keep forwarding off, so the kernel drops what it receives for us and
// has no route to answer with (Documentation/networking/packet_mmap.rst
// and packet(7) for the socket). The device:
//   - receives with recvmmsg(2), a batch per system call, each frame read
//     in two pieces: its 14-byte Ethernet header into the device, the IP
//     datagram straight into the caller's PacketBuffer (no copy);
//   - sends with sendmmsg(2), each datagram behind an Ethernet header the
//     device writes (gather, no copy);
//   - answers ARP requests for the IPv4 addresses it is given (RFC 826;
//     wire/ethernet.hpp) and IPv6 Neighbor Solicitations for its IPv6
//     addresses (RFC 4861; wire/ndp.hpp), from within read_batch(), and
//     receives every multicast frame (PACKET_MR_ALLMULTI: a NIC passes
//     solicited-node groups up only when asked);
//   - sends each datagram to the MAC address the last frame from its
//     destination came from (learned from received IP frames, as a bridge
//     learns: a reply goes back the way the packet came, to the host or to
//     the router that forwarded it);
//   - else resolves its next hop, the destination when it is on one of our
//     subnets (add_address() with a prefix) or the gateway of its family
//     (set_gateway()): an ARP request (RFC 826) or a Neighbor Solicitation
//     (RFC 4861 §7.2.2), the datagram held meanwhile, as Linux's neighbour
//     layer does: at most one request a second per next hop and three in
//     all (retrans_time 1 s, mcast_solicit 3), after which the held
//     datagrams are dropped and counted; at most `hold_capacity` held. It
//     learns from ARP as RFC 826's merge says (arp_teaches()) and from
//     advertisements for next hops it asked about or knows (RFC 4861
//     §7.2.5), and from any IP frame;
//   - with neither (no prefix, no gateway: a server), to the last sender
//     seen; with none, the datagram is dropped and counted;
//   - checks that its IPv6 addresses are not in use by another node before
//     it serves (duplicate address detection, RFC 4862 §5.4:
//     detect_duplicates());
//   - with a fanout group (PACKET_FANOUT_HASH), several devices on one
//     interface share its traffic by flow hash, one per thread: the
//     counterpart of a multi-queue TUN (open_fanout()). Each member keeps
//     its own neighbours (no lock between threads), and the kernel hands an
//     ARP or NDP answer to one member only: give the members of a group no
//     subnet and no gateway (they then answer whoever spoke, as a server
//     does), or a member may wait for its next hop's own frames.
// Its own transmissions are not read back (PACKET_IGNORE_OUTGOING, Linux
// 4.20+). A TCP segment that a local sender handed over with its checksum
// left to the hardware (CHECKSUM_PARTIAL: a veth peer, a host with TX
// offload; PACKET_AUXDATA reports TP_STATUS_CSUMNOTREADY) gets its checksum
// written here, as the NIC would have: the endpoint verifies every one.
// Every OS error is returned with the step and errno.
#pragma once

#if !defined(__linux__)
#error "synack/driver/packet.hpp is Linux only"
#endif

#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "synack/core/bytes.hpp"
#include "synack/driver/device.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/ethernet.hpp"
#include "synack/wire/martian.hpp"
#include "synack/wire/ndp.hpp"
#include "synack/wire/packet.hpp"

namespace synack {

// What a PacketDevice did besides passing datagrams.
struct PacketDeviceStats {
    std::uint64_t arp_replies = 0;       // ARP requests for our addresses answered
    std::uint64_t arp_ignored = 0;       // other ARP (replies, other addresses, malformed)
    std::uint64_t ndp_replies = 0;       // Neighbor Solicitations for our addresses answered
    std::uint64_t ndp_ignored = 0;       // other solicitations (other addresses, invalid)
    std::uint64_t other_frames = 0;      // neither IP nor ARP (802.1Q, LLDP...), or shorter than a header
    std::uint64_t truncated = 0;         // longer than the caller's buffer: dropped
    std::uint64_t no_neighbour = 0;      // datagrams dropped: no MAC to send them to
    std::uint64_t checksums_filled = 0;  // TCP checksums left to the hardware, written here
    std::uint64_t arp_requests = 0;      // our ARP requests sent (resolving a next hop)
    std::uint64_t ndp_solicitations = 0; // our Neighbor Solicitations sent
    std::uint64_t resolved = 0;          // next hops resolved (by ARP, an advertisement or any frame from them)
    std::uint64_t held = 0;              // datagrams held while their next hop was resolved
    std::uint64_t unresolved_drops = 0;  // held datagrams dropped: no answer in 3 s, or no room to hold them
    std::uint64_t dad_probes = 0;        // duplicate address probes sent (detect_duplicates())
    std::uint64_t dad_duplicates = 0;    // our IPv6 addresses found in use by another node, and given up
};

class PacketDevice final : public Device {
  public:
    static constexpr std::size_t max_batch = 64;
    static constexpr std::size_t neighbours = 1024; // learned IP -> MAC entries (direct-mapped)
    static constexpr std::size_t hold_capacity = 16; // datagrams held for next hops being resolved
    static constexpr std::size_t hold_bytes = 2048;  // the largest held (a handshake segment with an MSS of data)
    static constexpr Duration retrans_time = Duration::seconds(1); // Linux neigh retrans_time_ms
    static constexpr unsigned max_requests = 3;                    // Linux mcast_solicit

    PacketDevice() = default;
    PacketDevice(PacketDevice&& o) noexcept { *this = std::move(o); }
    PacketDevice& operator=(PacketDevice&& o) noexcept {
        if (this != &o) {
            close_fd();
            fd_ = std::exchange(o.fd_, -1);
            in_fanout_ = std::exchange(o.in_fanout_, false);
            name_ = std::move(o.name_);
            ifindex_ = o.ifindex_;
            mac_ = o.mac_;
            ours_ = std::move(o.ours_);
            gateways_ = o.gateways_;
            neigh_ = std::move(o.neigh_);
            hold_ = std::move(o.hold_);
            held_ = o.held_;
            resolving_ = o.resolving_;
            resolving_count_ = o.resolving_count_;
            last_sender_ = o.last_sender_;
            stats_ = o.stats_;
        }
        return *this;
    }
    ~PacketDevice() override { close_fd(); }

    // The socket's receive buffer by default: what waits while the program
    // is busy, beyond which the kernel drops (the TUN device's txqueuelen;
    // Linux's default of about 200 KiB holds some 300 SYNs, and 512
    // connections in flight overflowed it).
    static constexpr int default_receive_buffer = 8 << 20;

    // open()'s fanout_group: a new PACKET_FANOUT_HASH group whose id the
    // kernel picks, free in this network namespace (PACKET_FANOUT_FLAG_UNIQUEID;
    // fanout_group() then says it, for the others to join).
    static constexpr int new_fanout_group = -2;

    // Binds to the existing interface `name` (every EtherType), non-blocking.
    // `fanout_group` >= 0: joins that PACKET_FANOUT_HASH group (ids are per
    // network namespace; every member must use the same id and interface);
    // new_fanout_group: starts one; -1: none.
    // `receive_buffer` bytes: SO_RCVBUFFORCE (CAP_NET_ADMIN), else SO_RCVBUF
    // (then capped by net.core.rmem_max).
    OsStatus open(const std::string& name, int fanout_group = -1, int receive_buffer = default_receive_buffer) {
        close_fd();
        name_ = name;
        // Protocol 0 until bound: a socket opened for ETH_P_ALL would take
        // every interface's frames until bind() narrows it to one.
        fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return OsStatus::fail("socket AF_PACKET");
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
        if (ioctl(fd_, SIOCGIFINDEX, &ifr) < 0) return fail_closed("ioctl SIOCGIFINDEX");
        ifindex_ = ifr.ifr_ifindex;
        if (ioctl(fd_, SIOCGIFHWADDR, &ifr) < 0) return fail_closed("ioctl SIOCGIFHWADDR");
        if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
            errno = EPROTONOSUPPORT;
            return fail_closed("not an Ethernet interface");
        }
        mac_ = MacAddress::from_bytes(Bytes(reinterpret_cast<const std::uint8_t*>(ifr.ifr_hwaddr.sa_data), 6));
        const int one = 1;
        if (setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) {
            return fail_closed("setsockopt PACKET_IGNORE_OUTGOING");
        }
        if (setsockopt(fd_, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0) return fail_closed("setsockopt PACKET_AUXDATA");
        if (receive_buffer > 0 && setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) < 0 &&
            setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) < 0) {
            return fail_closed("setsockopt SO_RCVBUF");
        }
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = ifindex_;
        if (bind(fd_, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) < 0) return fail_closed("bind AF_PACKET");
        packet_mreq mr{};
        mr.mr_ifindex = ifindex_;
        mr.mr_type = PACKET_MR_ALLMULTI;
        if (setsockopt(fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) return fail_closed("setsockopt PACKET_ADD_MEMBERSHIP");
        if (fanout_group >= 0 || fanout_group == new_fanout_group) {
            const int arg = fanout_group >= 0 ? (fanout_group & 0xffff) | (PACKET_FANOUT_HASH << 16)
                                              : (PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
            if (setsockopt(fd_, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) return fail_closed("setsockopt PACKET_FANOUT");
            in_fanout_ = true;
        }
        neigh_.assign(neighbours, Neighbour{});
        hold_.assign(hold_capacity * hold_bytes, 0);
        return {};
    }

    // An address of ours: ARP requests (IPv4) or Neighbor Solicitations
    // (IPv6) for it are answered. With `prefix_len` below the address's
    // length, destinations on that subnet are on the link: their own
    // addresses are resolved. The first address of a family is the one our
    // requests come from.
    void add_address(const IpAddress& a, std::uint8_t prefix_len = 128) {
        ours_.push_back({a, static_cast<std::uint8_t>(prefix_len < 8U * a.size() ? prefix_len : 8U * a.size())});
    }
    // The next hop (resolved like an on-link host) of every destination of
    // its family that is on no subnet of ours.
    void set_gateway(const IpAddress& g) noexcept { gateways_[g.is_v4() ? 0 : 1] = g; }

    // RFC 4862 §5.4: duplicate address detection of every IPv6 address
    // given to add_address(), before it is used: one probe each
    // (DupAddrDetectTransmits 1, Linux's default), then `wait` (RetransTimer,
    // 1 s) reading the link. An address another node answers for, or probes
    // for too, is given up: removed, so that no solicitation for it is
    // answered and nothing resolves from it, and the call fails (EADDRINUSE).
    // Call it before the device serves: frames read meanwhile are dropped.
    OsStatus detect_duplicates(Duration wait = Duration::seconds(1)) {
        using Probe = std::array<std::uint8_t, ndp_probe_length>;
        std::vector<Probe> probes(ours_.size());  // (all zero: no probe, for an IPv4 address)
        for (std::size_t i = 0; i < ours_.size(); ++i) {
            const IpAddress& a = ours_[i].address;
            if (!a.is_v6() || !duplicate_address_probe(a, MutableBytes(probes[i].data(), probes[i].size()))) continue;
            if (!send_frame(ipv6_multicast_mac(solicited_node(a)), ethertype_ipv6, Bytes(probes[i].data(), probes[i].size()))) {
                return OsStatus::fail("send duplicate address probe");
            }
            ++stats_.dad_probes;
        }
        std::vector<bool> taken(ours_.size(), false);
        const Time end = monotonic_now() + wait;
        std::array<std::uint8_t, 2048> frame{};
        for (Time now = monotonic_now(); now < end; now = monotonic_now()) {
            pollfd pfd{fd_, POLLIN, 0};
            const auto ms = static_cast<int>((end - now).ns / 1000000 + 1);
            if (::poll(&pfd, 1, ms) < 0 && errno != EINTR) return OsStatus::fail("poll");
            for (;;) {
                const ssize_t n = ::recv(fd_, frame.data(), frame.size(), MSG_DONTWAIT);
                if (n < 0) break;
                const Bytes f(frame.data(), static_cast<std::size_t>(n));
                const result<EthernetView> eth = EthernetView::parse(f);
                if (!eth || eth->ether_type() != ethertype_ipv6) continue;
                for (std::size_t i = 0; i < ours_.size(); ++i) {
                    if (!ours_[i].address.is_v6()) continue;
                    const Bytes probe(probes[i].data(), probes[i].size());
                    if (is_duplicate_evidence(eth->payload(), ours_[i].address, probe)) taken[i] = true;
                }
            }
        }
        std::size_t kept = 0;
        for (std::size_t i = 0; i < ours_.size(); ++i) {
            if (taken[i]) {
                ++stats_.dad_duplicates;
                continue;
            }
            ours_[kept++] = ours_[i];
        }
        const bool any = kept != ours_.size();
        ours_.resize(kept);
        if (any) {
            errno = EADDRINUSE;
            return OsStatus::fail("duplicate address detection: an IPv6 address is in use on the link");
        }
        return {};
    }

    OsStatus read_batch(Span<PacketBuffer> batch, std::size_t& got) noexcept override {
        got = 0;
        expire(monotonic_now());
        const std::size_t want = batch.size() < max_batch ? batch.size() : max_batch;
        while (got < want) {
            const std::size_t n = want - got;
            for (std::size_t i = 0; i < n; ++i) {
                PacketBuffer& b = batch[got + i];
                iov_[2 * i] = {hdr_[i].data(), ethernet_header_length};
                iov_[2 * i + 1] = {b.storage.data(), b.storage.size()};
                msgs_[i] = mmsghdr{};
                msgs_[i].msg_hdr.msg_iov = &iov_[2 * i];
                msgs_[i].msg_hdr.msg_iovlen = 2;
                msgs_[i].msg_hdr.msg_control = cmsg_[i].data();
                msgs_[i].msg_hdr.msg_controllen = cmsg_[i].size();
            }
            const int r = recvmmsg(fd_, msgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
            if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
                if (errno == EINTR) continue;
                return OsStatus::fail("recvmmsg AF_PACKET");
            }
            // Keep the IP datagrams at the front (swapping the buffers of
            // the frames handled here, ARP and the rest, behind them).
            std::size_t kept = got;
            for (std::size_t i = 0; i < static_cast<std::size_t>(r); ++i) {
                if (take(batch[got + i], i, msgs_[i])) {
                    if (kept != got + i) std::swap(batch[kept], batch[got + i]);
                    ++kept;
                }
            }
            got = kept;
            if (static_cast<std::size_t>(r) < n) return {};
        }
        return {};
    }

    // One sendmmsg(2) per batch; a datagram the socket has no room for
    // (EAGAIN, ENOBUFS) is lost and counted, as on a wire.
    OsStatus write_batch(Span<const Bytes> datagrams, std::size_t& dropped) noexcept override {
        std::size_t i = 0;
        while (i < datagrams.size()) {
            std::size_t n = 0;
            for (; i < datagrams.size() && n < max_batch; ++i) {
                const Bytes d = datagrams[i];
                MacAddress to;
                const Route r = route(d, to);
                if (r == Route::Held) continue;
                if (r != Route::Send) {
                    if (r == Route::Drop) ++stats_.no_neighbour; // (Lost: counted as unresolved_drops)
                    ++dropped;
                    continue;
                }
                static_cast<void>(encode_ethernet_header(to, mac_, ether_type_of(d), MutableBytes(out_hdr_[n].data(), ethernet_header_length)));
                iov_[2 * n] = {out_hdr_[n].data(), ethernet_header_length};
                iov_[2 * n + 1] = {const_cast<std::uint8_t*>(d.data()), d.size()}; // NOLINT: sendmmsg only reads it
                msgs_[n] = mmsghdr{};
                msgs_[n].msg_hdr.msg_iov = &iov_[2 * n];
                msgs_[n].msg_hdr.msg_iovlen = 2;
                ++n;
            }
            std::size_t sent = 0;
            while (sent < n) {
                const int r = sendmmsg(fd_, msgs_.data() + sent, static_cast<unsigned>(n - sent), MSG_DONTWAIT);
                if (r < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                        ++dropped; // this one; try the rest
                        ++sent;
                        continue;
                    }
                    return OsStatus::fail("sendmmsg AF_PACKET");
                }
                sent += static_cast<std::size_t>(r);
            }
        }
        return {};
    }

    [[nodiscard]] int wait_fd() const noexcept override { return fd_; }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    // The fanout group this socket is in, or -1. (The kernel's answer is
    // the id, the type and the flags, which are all 0 for group 0 of type
    // HASH: membership is known here, not from it.)
    [[nodiscard]] int fanout_group() const noexcept {
        int v = 0;
        socklen_t len = sizeof v;
        if (!in_fanout_ || getsockopt(fd_, SOL_PACKET, PACKET_FANOUT, &v, &len) < 0) return -1;
        return v & 0xffff;
    }
    [[nodiscard]] const MacAddress& mac() const noexcept { return mac_; }
    [[nodiscard]] const PacketDeviceStats& stats() const noexcept { return stats_; }

    // Frames the kernel dropped for want of room in the receive buffer
    // since the last call (PACKET_STATISTICS, which the call resets).
    OsStatus take_kernel_drops(std::uint64_t& drops) const noexcept {
        tpacket_stats st{};
        socklen_t len = sizeof st;
        if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0) return OsStatus::fail("getsockopt PACKET_STATISTICS");
        drops = st.tp_drops;
        return {};
    }

  private:
    struct Neighbour {
        IpAddress address{};
        MacAddress mac{};
        bool used = false;
    };
    // A next hop being resolved: when it was first asked for, when last,
    // how many times.
    struct Resolving {
        IpAddress address{};
        Time first{};
        Time last{};
        unsigned requests = 0;
        bool used = false;
    };
    // A held datagram's slot in hold_: its length (0: free) and next hop.
    struct Held {
        std::size_t length = 0;
        IpAddress next_hop{};
    };
    // Send: to `to`. Held: until its next hop answers. Lost: its next hop
    // is being resolved but there was no room to hold it. Drop: no next hop.
    enum class Route : std::uint8_t { Send, Held, Lost, Drop };

    OsStatus fail_closed(const char* step) noexcept {
        const OsStatus st = OsStatus::fail(step);
        close_fd();
        return st;
    }
    void close_fd() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        in_fanout_ = false;
    }

    // A frame received into (hdr_[slot], b): true if it is an IP datagram
    // for the caller (b.length set), false if handled or dropped here.
    bool take(PacketBuffer& b, std::size_t slot, const mmsghdr& m) noexcept {
        if (m.msg_len < ethernet_header_length) {
            ++stats_.other_frames;
            return false;
        }
        const std::size_t len = m.msg_len - ethernet_header_length;
        if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0 || len > b.storage.size()) {
            ++stats_.truncated;
            return false;
        }
        const EthernetView eth = EthernetView::parse(Bytes(hdr_[slot].data(), ethernet_header_length)).value();
        const std::uint16_t type = eth.ether_type();
        if (type == ethertype_ipv6 && (answer_ndp(Bytes(b.storage.data(), len), eth.source()) ||
                                       learn_advertisement(Bytes(b.storage.data(), len)))) {
            return false;
        }
        if (type == ethertype_ipv4 || type == ethertype_ipv6) {
            b.length = len;
            learn(Bytes(b.storage.data(), len), eth.source());
            if (checksum_not_ready(m.msg_hdr)) fill_checksum(MutableBytes(b.storage.data(), len));
            return true;
        }
        if (type == ethertype_arp) {
            answer_arp(Bytes(b.storage.data(), len));
        } else {
            ++stats_.other_frames;
        }
        return false;
    }

    static bool checksum_not_ready(const msghdr& h) noexcept {
        for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) { // NOLINT
            if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
            tpacket_auxdata aux{};
            std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
            return (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
        }
        return false;
    }
    void fill_checksum(MutableBytes datagram) noexcept {
        IpPacket p;
        if (parse_ip_packet(Bytes(datagram), p).error != Error::None) return; // (the endpoint counts it)
        fill_tcp_checksum(p.source, p.destination, datagram.subspan(p.tcp_offset, p.tcp.size()));
        ++stats_.checksums_filled;
    }

    void answer_arp(Bytes payload) noexcept {
        const result<ArpPacket> req = ArpPacket::decode(payload);
        if (req) {
            const bool known = cares_about(req->sender_ip);
            for (const LocalAddress& l : ours_) {
                if (arp_teaches(*req, known, l.address)) {
                    remember(req->sender_ip, req->sender_mac);
                    break;
                }
            }
            for (const LocalAddress& l : ours_) {
                const IpAddress& a = l.address;
                const Optional<ArpPacket> rep = arp_answer(*req, mac_, a);
                if (!rep) continue;
                if (send_arp(*rep, rep->target_mac)) ++stats_.arp_replies;
                return;
            }
        }
        ++stats_.arp_ignored;
    }

    // True if `datagram` is a Neighbor Solicitation (valid or not: NDP's
    // decode says), which is then handled here and goes no further.
    bool answer_ndp(Bytes datagram, const MacAddress& from) noexcept {
        const result<NeighborSolicitation> ns = NeighborSolicitation::decode(datagram);
        if (!ns && ns.error() != Error::NdpInvalid) return false;
        if (ns) {
            for (const LocalAddress& l : ours_) {
                const IpAddress& a = l.address;
                std::array<std::uint8_t, ndp_advertisement_length> na{};
                if (!neighbor_advertisement(*ns, a, mac_, MutableBytes(na.data(), na.size()))) continue;
                // RFC 4861 §7.2.4: unicast to the solicitor's link-layer
                // address (its option, else the frame's), or to all nodes.
                const IpAddress to = advertisement_destination(*ns);
                const bool group = to.bytes[0] == 0xff;
                const MacAddress dst = group ? ipv6_multicast_mac(to) : ns->source_link_layer.value_or(from);
                if (!group) remember(ns->source, dst);
                if (send_frame(dst, ethertype_ipv6, Bytes(na.data(), na.size()))) ++stats_.ndp_replies;
                return true;
            }
        }
        ++stats_.ndp_ignored;
        return true;
    }

    // True if `datagram` is a Neighbor Advertisement (valid or not), which
    // then goes no further: one for a next hop we know or are resolving
    // updates it (RFC 4861 §7.2.5: none is created from an advertisement).
    bool learn_advertisement(Bytes datagram) noexcept {
        const result<NeighborAdvertisement> na = NeighborAdvertisement::decode(datagram);
        if (!na && na.error() != Error::NdpInvalid) return false;
        if (na && na->target_link_layer && !na->target_link_layer->is_group() && cares_about(na->target)) {
            remember(na->target, *na->target_link_layer);
        } else {
            ++stats_.ndp_ignored;
        }
        return true;
    }

    static std::uint16_t ether_type_of(Bytes datagram) noexcept {
        return is_ipv6_datagram(datagram) ? ethertype_ipv6 : ethertype_ipv4;
    }

    // One frame, the Ethernet header written here and `payload` behind it
    // (gathered, not copied): false if the socket took none.
    bool send_frame(const MacAddress& to, std::uint16_t type, Bytes payload) noexcept {
        std::array<std::uint8_t, ethernet_header_length> eh{};
        static_cast<void>(encode_ethernet_header(to, mac_, type, MutableBytes(eh.data(), eh.size())));
        std::array<iovec, 2> iov{{{eh.data(), eh.size()}, {const_cast<std::uint8_t*>(payload.data()), payload.size()}}}; // NOLINT: only read
        msghdr m{};
        m.msg_iov = iov.data();
        m.msg_iovlen = iov.size();
        return ::sendmsg(fd_, &m, MSG_DONTWAIT) >= 0;
    }
    bool send_arp(const ArpPacket& p, const MacAddress& to) noexcept {
        std::array<std::uint8_t, arp_length> b{};
        static_cast<void>(p.encode(MutableBytes(b.data(), b.size())));
        return send_frame(to, ethertype_arp, Bytes(b.data(), b.size()));
    }
    [[nodiscard]] const IpAddress* our_address(IpFamily f) const noexcept {
        for (const LocalAddress& l : ours_) {
            if (l.address.family == f) return &l.address;
        }
        return nullptr;
    }
    [[nodiscard]] bool on_link(const IpAddress& a) const noexcept {
        for (const LocalAddress& l : ours_) {
            if (l.prefix_len < 8U * l.address.size() && IpAddress::same_prefix(a, l.address, l.prefix_len)) return true;
        }
        return false;
    }
    [[nodiscard]] const Neighbour* neighbour(const IpAddress& a) const noexcept {
        if (neigh_.empty()) return nullptr;
        const Neighbour& n = neigh_[slot_of(a)];
        return n.used && n.address == a ? &n : nullptr;
    }
    // A next hop whose answer is taken: one in the table, or being resolved.
    [[nodiscard]] bool cares_about(const IpAddress& a) const noexcept {
        return neighbour(a) != nullptr || find_resolving(a) != nullptr;
    }
    [[nodiscard]] const Resolving* find_resolving(const IpAddress& a) const noexcept {
        if (resolving_count_ == 0) return nullptr; // (every received frame asks)
        for (const Resolving& r : resolving_) {
            if (r.used && r.address == a) return &r;
        }
        return nullptr;
    }
    [[nodiscard]] Resolving* find_resolving(const IpAddress& a) noexcept {
        return const_cast<Resolving*>(static_cast<const PacketDevice*>(this)->find_resolving(a)); // NOLINT: ours
    }

    // Where `datagram` goes (see Route).
    Route route(Bytes datagram, MacAddress& to) noexcept {
        IpAddress dst;
        if (!address_of(datagram, true, dst)) return Route::Drop;
        if (const Neighbour* n = neighbour(dst)) {
            to = n->mac;
            return Route::Send;
        }
        const Optional<IpAddress>& gw = gateways_[dst.is_v4() ? 0 : 1];
        const bool link = on_link(dst);
        if (!link && !gw) {
            if (last_sender_.is_zero()) return Route::Drop;
            to = last_sender_;
            return Route::Send;
        }
        const IpAddress hop = link ? dst : *gw;
        if (const Neighbour* n = neighbour(hop)) {
            to = n->mac;
            return Route::Send;
        }
        return hold(datagram, hop) ? Route::Held : Route::Lost;
    }

    // Holds `datagram` for `hop` and asks for it (at most once a
    // retrans_time, max_requests in all). False if it cannot be held.
    bool hold(Bytes datagram, const IpAddress& hop) noexcept {
        const Time now = monotonic_now();
        expire(now);
        Resolving* r = find_resolving(hop);
        if (r == nullptr) {
            for (Resolving& e : resolving_) {
                if (!e.used) {
                    e = Resolving{hop, now, Time{}, 0, true};
                    ++resolving_count_;
                    r = &e;
                    break;
                }
            }
        }
        std::size_t slot = hold_capacity;
        for (std::size_t k = 0; k < hold_capacity && datagram.size() <= hold_bytes; ++k) {
            if (held_[k].length == 0) {
                slot = k;
                break;
            }
        }
        if (r == nullptr || slot == hold_capacity) {
            ++stats_.unresolved_drops;
            return false;
        }
        copy_bytes(MutableBytes(hold_.data() + slot * hold_bytes, hold_bytes), 0, datagram);
        held_[slot] = Held{datagram.size(), hop};
        ++stats_.held;
        if (r->requests < max_requests && (r->requests == 0 || now - r->last >= retrans_time)) {
            r->last = now;
            ++r->requests;
            solicit(hop);
        }
        return true;
    }

    // An ARP request (broadcast) or a Neighbor Solicitation (to the
    // solicited-node group) for `hop`, from our first address of its family.
    void solicit(const IpAddress& hop) noexcept {
        const IpAddress* from = our_address(hop.family);
        if (from == nullptr) return;
        if (hop.is_v4()) {
            const Optional<ArpPacket> req = arp_request_for(hop, mac_, *from);
            if (req && send_arp(*req, MacAddress::broadcast())) ++stats_.arp_requests;
            return;
        }
        std::array<std::uint8_t, ndp_solicitation_length> ns{};
        if (!neighbor_solicitation(*from, mac_, hop, MutableBytes(ns.data(), ns.size()))) return;
        if (send_frame(ipv6_multicast_mac(solicited_node(hop)), ethertype_ipv6, Bytes(ns.data(), ns.size()))) {
            ++stats_.ndp_solicitations;
        }
    }

    // Next hops unanswered after max_requests requests and a retrans_time
    // more: their held datagrams are dropped (Linux: the neighbour FAILED).
    void expire(Time now) noexcept {
        if (resolving_count_ == 0) return;
        for (Resolving& r : resolving_) {
            if (!r.used || now - r.first < retrans_time * static_cast<std::int64_t>(max_requests)) continue;
            for (Held& h : held_) {
                if (h.length != 0 && h.next_hop == r.address) {
                    h.length = 0;
                    ++stats_.unresolved_drops;
                }
            }
            r.used = false;
            --resolving_count_;
        }
    }

    // `hop` now has a MAC: what waited for it is sent.
    void release(const IpAddress& hop, const MacAddress& mac) noexcept {
        Resolving* r = find_resolving(hop);
        if (r == nullptr) return;
        r->used = false;
        --resolving_count_;
        ++stats_.resolved;
        for (std::size_t k = 0; k < hold_capacity; ++k) {
            Held& h = held_[k];
            if (h.length == 0 || h.next_hop != hop) continue;
            const Bytes d(hold_.data() + k * hold_bytes, h.length);
            static_cast<void>(send_frame(mac, ether_type_of(d), d));
            h.length = 0;
        }
    }

    // An IP datagram's source or destination address (wire/ipv4.hpp,
    // wire/ipv6.hpp), if it frames as one.
    static bool address_of(Bytes d, bool destination, IpAddress& a) noexcept {
        if (is_ipv6_datagram(d)) {
            const result<Ipv6View> v = Ipv6View::parse(d);
            if (v) a = destination ? v->destination() : v->source();
            return v.ok();
        }
        const result<Ipv4View> v = Ipv4View::parse(d);
        if (v) a = destination ? v->destination() : v->source();
        return v.ok();
    }
    [[nodiscard]] static std::size_t slot_of(const IpAddress& a) noexcept {
        std::uint32_t h = 2166136261U; // FNV-1a: an index, not a defence (a clash only falls back)
        for (const std::uint8_t x : a.bytes) h = (h ^ x) * 16777619U;
        return h % neighbours;
    }
    void learn(Bytes datagram, const MacAddress& from) noexcept {
        if (from.is_group()) return;
        last_sender_ = from;
        IpAddress src;
        if (address_of(datagram, false, src)) remember(src, from);
    }
    void remember(const IpAddress& a, const MacAddress& mac) noexcept {
        if (neigh_.empty()) return;
        Neighbour& n = neigh_[slot_of(a)];
        n.address = a;
        n.mac = mac;
        n.used = true;
        release(a, mac);
    }

    int fd_ = -1;
    bool in_fanout_ = false;
    std::string name_;
    int ifindex_ = 0;
    MacAddress mac_{};
    std::vector<LocalAddress> ours_;
    std::array<Optional<IpAddress>, 2> gateways_{}; // IPv4, IPv6
    std::vector<Neighbour> neigh_;
    std::vector<std::uint8_t> hold_;                // hold_capacity slots of hold_bytes
    std::array<Held, hold_capacity> held_{};
    std::array<Resolving, hold_capacity> resolving_{};
    std::size_t resolving_count_ = 0;
    MacAddress last_sender_{};
    PacketDeviceStats stats_{};
    std::array<std::array<std::uint8_t, ethernet_header_length>, max_batch> hdr_{};
    std::array<std::array<std::uint8_t, ethernet_header_length>, max_batch> out_hdr_{};
    std::array<iovec, 2 * max_batch> iov_{};
    std::array<mmsghdr, max_batch> msgs_{};
    std::array<std::array<std::uint8_t, CMSG_SPACE(sizeof(tpacket_auxdata))>, max_batch> cmsg_{};
};

// `n` devices on interface `name`, sharing its traffic by flow hash (a
// PACKET_FANOUT_HASH group of the kernel's choosing, n > 1): one per shard,
// as open_queues() for TUN.
template <class Vector>
OsStatus open_fanout(const std::string& name, std::size_t n, Vector& out) {
    int group = n > 1 ? PacketDevice::new_fanout_group : -1;
    for (std::size_t i = 0; i < n; ++i) {
        PacketDevice d;
        if (OsStatus st = d.open(name, group); !st) return st;
        if (group == PacketDevice::new_fanout_group) {
            group = d.fanout_group();
            if (group < 0) return OsStatus::fail("getsockopt PACKET_FANOUT");
        }
        out.push_back(std::move(d));
    }
    return {};
}

} // namespace synack
