// tools/synack-decode/rewrite.cpp — test helper: rewrites a pcap or pcapng
// capture as pcapng with the library's block writers, in a chosen byte order
// and timestamp resolution, with enhanced or simple packet blocks. No Debian
// tool writes big-endian pcapng or lets one choose if_tsresol, so the
// synack-decode tests make those files with this.
//
// Usage: IN OUT ORDER TSRESOL BLOCKS
//   ORDER    be | le
//   TSRESOL  the if_tsresol byte, decimal (6: µs, 9: ns, 148 = 0x94: 2^-20 s)
//   BLOCKS   epb | spb (simple packet blocks: no timestamps, one interface)
// One interface is written per (section, interface) of the input, each
// just before its first packet (pcapng allows IDBs anywhere in a section).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synack/driver/pcap_format.hpp"

namespace {

using namespace synack;

// ns since the epoch -> units of `tsresol` (the inverse of pcapng_time).
std::uint64_t to_units(std::int64_t ns_signed, std::uint8_t tsresol) {
    const auto ns = static_cast<std::uint64_t>(ns_signed < 0 ? 0 : ns_signed);
    const unsigned n = tsresol & 0x7FU;
    if ((tsresol & 0x80U) == 0) {
        std::uint64_t div = 1;
        for (unsigned i = n; i < 9; ++i) div *= 10;
        std::uint64_t mul = 1;
        for (unsigned i = 9; i < n; ++i) mul *= 10;
        return ns / div * mul;
    }
    const std::uint64_t secs = ns / 1000000000U;
    const std::uint64_t frac = ns % 1000000000U;
    // frac * 2^n / 10^9, rounded up so that converting back gives frac again
    // to the microsecond (n <= 30 here).
    return (secs << n) + ((frac << n) + 999999999U) / 1000000000U;
}

template <class F>
bool append(std::vector<std::uint8_t>& out, std::size_t size, F&& write) {
    const std::size_t at = out.size();
    out.resize(at + size);
    const result<std::size_t> n = write(MutableBytes(out.data() + at, size));
    if (!n || *n != size) return false;
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: synack_decode_rewrite IN OUT be|le TSRESOL epb|spb\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
        std::cerr << "cannot read " << argv[1] << '\n';
        return 2;
    }
    const std::vector<std::uint8_t> file(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
    const bool big = std::string_view(argv[3]) == "be";
    const auto tsresol = static_cast<std::uint8_t>(std::strtoul(argv[4], nullptr, 10));
    const bool simple = std::string_view(argv[5]) == "spb";
    if ((tsresol & 0x80U) != 0 && (tsresol & 0x7FU) > 30) {
        std::cerr << "binary resolutions up to 2^-30 only\n";
        return 2;
    }

    result<CaptureReader> r = CaptureReader::open(Bytes(file.data(), file.size()));
    if (!r) {
        std::cerr << "not a capture: " << to_string(r.error()) << '\n';
        return 1;
    }
    std::vector<std::uint8_t> out;
    if (!append(out, pcapng_shb_size, [&](MutableBytes b) { return write_pcapng_section_header(b, big); })) return 1;
    // (section, interface) of the input -> interface id of the output.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> ids;
    while (!r->done()) {
        const result<PcapRecord> rec = r->next();
        if (!rec) {
            std::cerr << "read error: " << to_string(rec.error()) << " at " << rec.offset() << '\n';
            return 1;
        }
        const std::uint64_t key = (std::uint64_t{r->pcapng().sections()} << 32U) | rec->interface;
        std::uint32_t id = 0;
        bool found = false;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i].first == key) {
                id = ids[i].second;
                found = true;
            }
        }
        if (!found) {
            if (simple && !ids.empty()) {
                std::cerr << "simple packet blocks carry one interface only\n";
                return 1;
            }
            PcapngInterface ifc;
            ifc.link_type = rec->link_type;
            ifc.snaplen = 262144;
            ifc.tsresol = tsresol;
            id = static_cast<std::uint32_t>(ids.size());
            ids.emplace_back(key, id);
            if (!append(out, pcapng_idb_size(ifc), [&](MutableBytes b) { return write_pcapng_interface(b, ifc, big); })) {
                return 1;
            }
        }
        const bool ok = simple ? append(out, pcapng_spb_size(rec->data.size()),
                                        [&](MutableBytes b) {
                                            return write_pcapng_simple_packet(b, rec->data, rec->header.orig_len, big);
                                        })
                               : append(out, pcapng_epb_size(rec->data.size()), [&](MutableBytes b) {
                                     return write_pcapng_enhanced_packet(b, id, to_units(rec->timestamp.ns, tsresol),
                                                                         rec->data, rec->header.orig_len, big);
                                 });
        if (!ok) return 1;
    }
    std::FILE* o = std::fopen(argv[2], "wb");
    if (o == nullptr) return 2;
    const bool written = std::fwrite(out.data(), 1, out.size(), o) == out.size();
    return std::fclose(o) == 0 && written ? 0 : 2;
}
