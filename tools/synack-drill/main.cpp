// tools/synack-drill/main.cpp — synack-drill: runs scenario scripts (the
// packetdrill-style language of ../shared/SCENARIOS.md) against the sans-IO
// machines in virtual time and prints one verdict per script.
//
// The parser and the runner live in drill.hpp (header-only, also unit-tested
// by tests/handshake/drill.cpp); this file only reads files and prints.
//
// Exit status: 0 when every script passed, 1 when one failed (or could not be
// read or parsed), 2 for usage errors.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "drill.hpp"

namespace {

constexpr std::string_view usage = R"(usage: synack-drill [-v] FILE...

Runs each scenario script against a synack machine in virtual time and prints
one verdict line per script: PASS, or FAIL with the line, the reason and, for
segments, the expected and the actual segment as tcpdump -nn -S lines (with
the script's relative numbering). Exits 1 if any script failed.

  -v, --verbose   also trace every line, segment, event and timer
  -h, --help      this text

Script language: ../shared/SCENARIOS.md. In short:
  `config mss=1460 wscale=7 sack=on ts=on ...`   settings (before timed lines)
  0     connect | listen [listener keys] | close | abort | consume N
  +0.1  < S. 0:0(0) ack 1 win 65535 <mss 1440,sackOK,TS val 700 ecr 0,nop,wscale 2>
  +0    > . 1:1(0) ack 1 win * <nop,nop,TS val 100 ecr 700>
  +0    expect state ESTABLISHED | expect event Established mss=1440 | expect nothing
Without connect or listen the script drives the closed-port responder.
)";

bool read_file(const std::string& path, std::string& out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return static_cast<bool>(f) || f.eof();
}

} // namespace

int main(int argc, char** argv) {
    bool verbose = false;
    std::vector<std::string> files;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (!options_done && (a == "-h" || a == "--help")) {
            std::cout << usage;
            return 0;
        }
        if (!options_done && (a == "-v" || a == "--verbose")) {
            verbose = true;
        } else if (!options_done && a == "--") {
            options_done = true;
        } else if (!options_done && a.size() > 1 && a[0] == '-') {
            std::cerr << "synack-drill: unknown option " << a << "\n" << usage;
            return 2;
        } else {
            files.emplace_back(a);
        }
    }
    if (files.empty()) {
        std::cerr << usage;
        return 2;
    }

    int failed = 0;
    for (const std::string& path : files) {
        std::string source;
        if (!read_file(path, source)) {
            std::cout << "FAIL " << path << ": cannot read the file\n";
            ++failed;
            continue;
        }
        if (verbose) std::cout << "---- " << path << "\n";
        const synack::drill::Verdict v = synack::drill::run_script(source, path, verbose ? &std::cout : nullptr);
        std::cout << synack::drill::verdict_text(path, v);
        if (!v.pass) ++failed;
    }
    if (files.size() > 1) {
        std::cout << (files.size() - static_cast<std::size_t>(failed)) << " passed, " << failed << " failed\n";
    }
    return failed == 0 ? 0 : 1;
}
