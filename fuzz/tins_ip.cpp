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

// libtins is Debian's uninstrumented shared library: libFuzzer sees edges
// only in this file and libtins' inline header code. So that both runs are
// guided by what libtins *did* with an input, each outcome (which exception,
// which inner PDU, each option's kind and size, which accessors succeeded,
// how the re-serialized size compares) lands in one of 64 distinct branches
// per observation point: an edge per behaviour.
#define F(n)                                                                                                           \
    case n: sink = sink + (n) * 0x9e37U + (point); break;
void feature(unsigned point, unsigned value) {
    switch ((value * 0x9e3779b1U + point * 0x85ebca6bU) >> 26U) { F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15) F(16) F(17) F(18) F(19) F(20) F(21) F(22) F(23) F(24) F(25) F(26) F(27) F(28) F(29) F(30) F(31) F(32) F(33) F(34) F(35) F(36) F(37) F(38) F(39) F(40) F(41) F(42) F(43) F(44) F(45) F(46) F(47) F(48) F(49) F(50) F(51) F(52) F(53) F(54) F(55) F(56) F(57) F(58) F(59) F(60) F(61) F(62) F(63) default: break; }
}
#undef F

unsigned hash(const char* s) {
    unsigned h = 2166136261U;
    for (; *s != 0; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 16777619U;
    return h;
}

template <class F>
bool attempt(F&& f) {
    try {
        f();
        return true;
    } catch (const Tins::exception_base& e) {
        // option_not_found, malformed_option, ...: libtins' error values
        feature(1, hash(e.what()));
        return false;
    }
}

void touch_tcp(const Tins::TCP& t) {
    sink = sink + t.sport() + t.dport() + t.seq() + t.ack_seq() + t.window() + t.checksum() + t.urg_ptr() +
           t.data_offset() + t.flags() + t.header_size() + t.size();
    unsigned n = 0;
    for (const Tins::TCP::option& o : t.options()) {
        sink = sink + o.option() + o.data_size() + o.length_field();
        feature(2, (static_cast<unsigned>(o.option()) << 8U) | (static_cast<unsigned>(o.data_size()) & 0xFFU));
        ++n;
    }
    feature(3, (n << 4U) | t.data_offset());
    unsigned ok = 0;
    ok |= attempt([&] { sink = sink + t.mss(); }) ? 1U : 0U;
    ok |= attempt([&] { sink = sink + t.winscale(); }) ? 2U : 0U;
    ok |= attempt([&] { sink = sink + t.has_sack_permitted(); }) ? 4U : 0U;
    ok |= attempt([&] { sink = sink + t.sack().size(); }) ? 8U : 0U;
    ok |= attempt([&] { sink = sink + t.timestamp().first; }) ? 16U : 0U;
    ok |= attempt([&] { sink = sink + static_cast<unsigned>(t.altchecksum()); }) ? 32U : 0U;
    feature(4, ok);
    feature(5, t.flags());
}

template <class Ip>
void touch(Ip& ip) {
    sink = sink + ip.header_size() + ip.size();
    feature(6, ip.inner_pdu() != nullptr ? static_cast<unsigned>(ip.inner_pdu()->pdu_type()) : 999U);
    if (const Tins::TCP* t = ip.template find_pdu<Tins::TCP>()) touch_tcp(*t);
    const std::uint32_t before = ip.size();
    attempt([&] {
        const auto bytes = ip.serialize();
        feature(7, bytes.size() == before ? 0U : bytes.size() < before ? 1U : 2U);
    });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    try {
        if ((data[0] >> 4U) == 6) {
            Tins::IPv6 ip(data, static_cast<std::uint32_t>(size));
            sink = sink + ip.headers().size() + ip.hop_limit();
            for (const auto& h : ip.headers()) feature(8, (static_cast<unsigned>(h.option()) << 8U) | (static_cast<unsigned>(h.data_size()) & 0xFFU));
            feature(9, static_cast<unsigned>(ip.headers().size()));
            touch(ip);
        } else {
            Tins::IP ip(data, static_cast<std::uint32_t>(size));
            sink = sink + ip.options().size() + ip.ttl() + ip.tot_len();
            for (const auto& o : ip.options()) feature(10, (static_cast<unsigned>(o.option().number) << 8U) | (static_cast<unsigned>(o.data_size()) & 0xFFU));
            feature(11, (ip.is_fragmented() ? 1U : 0U) | (static_cast<unsigned>(ip.head_len()) << 1U));
            touch(ip);
        }
    } catch (const Tins::exception_base& e) {
        // malformed_packet and friends: libtins rejected the packet
        feature(12, hash(e.what()));
    }
    return 0;
}
