// fuzz/drill_script.cpp — the packetdrill script engine (synack/testing/):
// arbitrary text through the lexer and parser, and every script that parses
// through the runner against the machines (IPv4 or IPv6 by the first byte).
// Shell commands are only interpreted (sysctl lines), never executed.
//
// Properties: no crash, no sanitizer report, no hang (the runner bounds
// virtual time and its loops); a parse error has a position inside the
// input (line >= 1, column >= 1, line <= lines + 1); a run ends in exactly
// one verdict, and a FAIL or SKIP carries a reason.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "synack/testing/runner.hpp"
#include "synack/testing/script.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace synack::testing;
    if (size > 16384) return 0; // scripts are small; keep each run short
    const bool v6 = size > 0 && (data[0] & 1U) != 0;
    const std::string_view src(reinterpret_cast<const char*>(data), size);
    int lines = 1;
    for (const char c : src) lines += c == '\n' ? 1 : 0;

    Defines d;
    d["TFO_COOKIE"] = "3021b9d889017eeb";
    d["CODE"] = "host_unreachable";
    Script script;
    ScriptError err;
    if (!parse_script(src, d, script, err)) {
        FUZZ_CHECK(err.pos.line >= 1);
        FUZZ_CHECK(err.pos.column >= 1);
        FUZZ_CHECK(err.pos.line <= lines);
        FUZZ_CHECK(!err.message.empty());
        return 0;
    }
    RunOptions o;
    o.family = v6 ? synack::IpFamily::V6 : synack::IpFamily::V4;
    const RunResult r = run_script(script, o);
    FUZZ_CHECK(r.verdict == Verdict::Pass || r.verdict == Verdict::Fail || r.verdict == Verdict::Skip);
    if (r.verdict != Verdict::Pass) FUZZ_CHECK(!r.message.empty());
    return 0;
}
