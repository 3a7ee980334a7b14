// fuzz/tins_ip.cpp — libtins' IPv4/IPv6 + TCP parser (Debian libtins-dev 4.0),
// a parser nobody here wrote, as the proving ground of synack's
// structure-aware mutator (include/synack/testing/mutator.hpp). Bench-only:
// built when SYNACK_BUILD_TINS_FUZZ is on (with SYNACK_BUILD_FUZZ), twice:
//   fuzz_tins_ip         libFuzzer's own mutations
//   fuzz_tins_ip_synack  the same target with synack's LLVMFuzzerCustomMutator
// The input is an IP packet (first nibble 6: IPv6, else IPv4). Every field
// and option accessor is called, and the packet is serialized again (which
// recomputes lengths and checksums), so both the parsing and the writing
// paths run. libtins reports bad input with exceptions: caught, not a bug.
// Anything else (a crash, a sanitizer report, an uncaught exception) is a
// finding. See the README's fuzzing section for the experiment and figures.
#include <cstddef>
#include <cstdint>
#include <exception>

#include <tins/exceptions.h>
#include <tins/ip.h>
#include <tins/ipv6.h>
#include <tins/tcp.h>

#ifdef SYNACK_TINS_CUSTOM_MUTATOR
#include "synack/testing/mutator.hpp"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

// The three lines a user adds to their own target.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
    return synack::testing::mutate_packet(data, size, max_size, seed, {.byte_mutator = LLVMFuzzerMutate});
}
#endif

namespace {

volatile std::uint64_t sink = 0;

template <class F>
void attempt(F&& f) {
    try {
        f();
    } catch (const Tins::exception_base&) {
        // option_not_found, malformed_option, ...: libtins' error values
    }
}

void touch_tcp(const Tins::TCP& t) {
    sink = sink + t.sport() + t.dport() + t.seq() + t.ack_seq() + t.window() + t.checksum() + t.urg_ptr() +
           t.data_offset() + t.flags() + t.header_size() + t.size();
    for (const Tins::TCP::option& o : t.options()) sink = sink + o.option() + o.data_size() + o.length_field();
    attempt([&] { sink = sink + t.mss(); });
    attempt([&] { sink = sink + t.winscale(); });
    attempt([&] { sink = sink + t.has_sack_permitted(); });
    attempt([&] { sink = sink + t.sack().size(); });
    attempt([&] { sink = sink + t.timestamp().first; });
    attempt([&] { sink = sink + static_cast<unsigned>(t.altchecksum()); });
}

template <class Ip>
void touch(Ip& ip) {
    sink = sink + ip.header_size() + ip.size();
    if (const Tins::TCP* t = ip.template find_pdu<Tins::TCP>()) touch_tcp(*t);
    attempt([&] { sink = sink + ip.serialize().size(); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    try {
        if ((data[0] >> 4U) == 6) {
            Tins::IPv6 ip(data, static_cast<std::uint32_t>(size));
            sink = sink + ip.headers().size() + ip.hop_limit();
            touch(ip);
        } else {
            Tins::IP ip(data, static_cast<std::uint32_t>(size));
            sink = sink + ip.options().size() + ip.ttl() + ip.tot_len();
            touch(ip);
        }
    } catch (const Tins::exception_base&) {
        // malformed_packet and friends: libtins rejected the packet
    }
    return 0;
}
