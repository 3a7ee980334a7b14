// tools/synack-drill/main.cpp — synack-drill: runs packetdrill scripts
// against the sans-IO machines in virtual time (include/synack/testing/),
// taking packetdrill's own command-line flags so that a runner written for
// packetdrill can call it in its place.
//
// Exit status: 0 every run passed; 1 a run failed (or a file could not be
// read or parsed); 77 nothing failed but a run was skipped (`SKIP: reason`:
// the script needs what the machines do not model); 2 usage errors.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "synack/testing/runner.hpp"
#include "synack/testing/script.hpp"
#include "synack/wire/address.hpp"

namespace {

constexpr std::string_view usage = R"(usage: synack-drill [packetdrill flags] FILE...

Runs each packetdrill script against synack's handshake machines in virtual
time and prints one verdict per run: PASS, FAIL with line:column and the
reason, or SKIP with the reason (the script needs a data path, UDP/ICMP, a
socket option or sysctl the machines do not model). A script runs for the
family its own --local_ip/--remote_ip lines, --ip_version, the command line's
addresses or its name (…v4.pkt, …v6.pkt) fix, in that order, else for IPv4
and for IPv6. Exit status: 0 all passed, 1 a run failed, 77 none failed but one was
skipped, 2 usage error.

packetdrill flags understood:
  --ip_version=ipv4|ipv6       address family (ipv4-mapped-ipv6 runs as ipv4)
  --local_ip=ADDR              our address   (default 192.168.0.1 / fd3d:a0b:17d6::1)
  --remote_ip=ADDR             the script's peer (default 192.0.2.1 / fd3d:fa7b:d17d::1)
  --mtu=N                      device MTU: our MSS is N-40 (IPv4) or N-60 (IPv6); default 1500
  --tolerance_usecs=N          timing tolerance (default 4000)
  --tolerance_percent=P        tolerance as a share of the gap between events
  --bind_port=N --connect_port=N  (default 8080)
  -D NAME=VALUE, --define=NAME=VALUE   a definition the script's words use
  -v, --verbose                trace every packet and call
accepted and ignored (no effect in virtual time): --gateway_ip, --netmask_ip,
  --mss, --speed, --init_scripts, --non_fatal, --wire_*, --so_*,
  --tcp_ts_ecr_scaled, --tcp_ts_tick_usecs, --send_omit_free, --dry_run
)";

bool read_file(const std::string& path, std::string& out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return static_cast<bool>(f) || f.eof();
}

struct Flags {
    synack::Optional<synack::IpFamily> family;
    std::string local, remote;
    synack::testing::RunOptions run;
    synack::testing::Defines defines;
};

// One flag (NAME=VALUE without the dashes); false if unknown or bad.
bool apply_flag(Flags& f, const std::string& name, const std::string& value, std::string& err) {
    auto num = [&](std::int64_t& v) {
        if (!synack::testing::detail::parse_int(value, v) || v < 0) {
            err = "--" + name + " needs a non-negative integer";
            return false;
        }
        return true;
    };
    std::int64_t v = 0;
    if (name == "ip_version") {
        if (value == "ipv4" || value == "ipv4-mapped-ipv6") f.family = synack::IpFamily::V4;
        else if (value == "ipv6") f.family = synack::IpFamily::V6;
        else {
            err = "--ip_version must be ipv4, ipv4-mapped-ipv6 or ipv6";
            return false;
        }
        return true;
    }
    if (name == "local_ip") { f.local = value.substr(0, value.find('/')); return true; }
    if (name == "remote_ip") { f.remote = value.substr(0, value.find('/')); return true; }
    if (name == "tolerance_usecs") { if (!num(v)) return false; f.run.tolerance_us = v; return true; }
    if (name == "tolerance_percent") {
        std::int64_t whole = 0;
        if (!synack::testing::detail::parse_int(value.substr(0, value.find('.')), whole) || whole < 0) {
            err = "--tolerance_percent needs a number";
            return false;
        }
        f.run.tolerance_percent = static_cast<double>(whole);
        return true;
    }
    if (name == "bind_port" || name == "connect_port") {
        if (!num(v) || v > 65535) return false;
        (name == "bind_port" ? f.run.bind_port : f.run.connect_port) = static_cast<std::uint16_t>(v);
        return true;
    }
    if (name == "define") {
        const std::size_t eq = value.find('=');
        if (eq == std::string::npos || eq == 0) {
            err = "-D needs NAME=VALUE";
            return false;
        }
        f.defines[value.substr(0, eq)] = value.substr(eq + 1);
        return true;
    }
    if (name == "verbose") { f.run.verbose = true; return true; }
    if (name == "mtu") {
        if (!num(v) || v < 128 || v > 65535) {
            err = "--mtu needs 128..65535";
            return false;
        }
        f.run.mtu = static_cast<std::uint16_t>(v);
        return true;
    }
    static const char* const ignored[] = {"gateway_ip", "netmask_ip", "mss", "speed", "init_scripts", "non_fatal",
                                          "tcp_ts_ecr_scaled", "tcp_ts_tick_usecs", "send_omit_free", "dry_run",
                                          "persistent_tun_dev", "so_filename", "so_flags", "tun_dev", "strict_segments",
                                          "wire_client", "wire_server", "wire_server_ip", "wire_server_at",
                                          "wire_server_port", "wire_client_dev", "wire_server_dev", "debug"};
    for (const char* k : ignored)
        if (name == k) return true;
    err = "unknown flag --" + name;
    return false;
}

bool parse_ip(const std::string& s, synack::IpAddress& out) {
    const synack::Optional<synack::IpAddress> a = synack::parse_address(s.data(), s.size());
    if (!a) return false;
    out = *a;
    return true;
}

bool ends_with(std::string_view s, std::string_view suf) { return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf; }

} // namespace

int main(int argc, char** argv) {
    Flags flags;
    std::vector<std::string> files;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (options_done || a.empty() || a[0] != '-' || a == "-") {
            files.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        if (a == "-h" || a == "--help") {
            std::cout << usage;
            return 0;
        }
        std::string err;
        if (a == "-v" || a == "-vv" || a == "--verbose") {
            flags.run.verbose = true;
            continue;
        }
        if (a == "-D") {
            if (i + 1 >= argc) {
                std::cerr << "synack-drill: -D needs NAME=VALUE\n";
                return 2;
            }
            if (!apply_flag(flags, "define", argv[++i], err)) {
                std::cerr << "synack-drill: " << err << "\n";
                return 2;
            }
            continue;
        }
        if (a.rfind("-D", 0) == 0) {
            if (!apply_flag(flags, "define", a.substr(2), err)) {
                std::cerr << "synack-drill: " << err << "\n";
                return 2;
            }
            continue;
        }
        if (a.rfind("--", 0) == 0) {
            const std::size_t eq = a.find('=');
            std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            std::string value = eq == std::string::npos ? "" : a.substr(eq + 1);
            if (eq == std::string::npos && name != "verbose" && name != "dry_run" && name != "non_fatal" &&
                name != "wire_client" && name != "wire_server" && name != "tcp_ts_ecr_scaled" && name != "send_omit_free" &&
                name != "strict_segments" && i + 1 < argc && argv[i + 1][0] != '-') {
                value = argv[++i]; // --flag VALUE
            }
            if (!apply_flag(flags, name, value, err)) {
                std::cerr << "synack-drill: " << err << "\n" << usage;
                return 2;
            }
            continue;
        }
        std::cerr << "synack-drill: unknown option " << a << "\n" << usage;
        return 2;
    }
    if (files.empty()) {
        std::cerr << usage;
        return 2;
    }

    int failed = 0, skipped = 0, passed = 0;
    for (const std::string& path : files) {
        std::string source;
        if (!read_file(path, source)) {
            std::cout << "FAIL " << path << ": cannot read the file\n";
            ++failed;
            continue;
        }
        synack::testing::Script script;
        synack::testing::ScriptError perr;
        if (!synack::testing::parse_script(source, flags.defines, script, perr)) {
            std::cout << "FAIL " << path << ":" << perr.to_string() << "\n";
            ++failed;
            continue;
        }
        // Options written in the script itself (packetdrill applies them too).
        Flags f = flags;
        f.local.clear();
        f.remote.clear();
        bool bad_option = false;
        for (const synack::testing::ScriptOption& o : script.options) {
            std::string err;
            if (!apply_flag(f, o.name, o.value, err)) {
                std::cout << "FAIL " << path << ":" << o.pos.line << ":" << o.pos.column << ": " << err << "\n";
                bad_option = true;
            }
        }
        if (bad_option) {
            ++failed;
            continue;
        }
        // Addresses a script sets itself fix its family (simple1.pkt's
        // --local_ip=192.168.0.2); the command line's apply otherwise.
        synack::Optional<synack::IpFamily> script_family;
        for (const std::string* a : {&f.local, &f.remote}) {
            synack::IpAddress ip;
            if (!a->empty() && parse_ip(*a, ip)) script_family = ip.family;
        }
        if (f.local.empty()) f.local = flags.local;
        if (f.remote.empty()) f.remote = flags.remote;
        if (script_family && flags.family && *flags.family != *script_family) {
            std::cout << "SKIP: " << path << ": the script's own addresses fix "
                      << (*script_family == synack::IpFamily::V4 ? "IPv4" : "IPv6") << ", not the --ip_version asked for\n";
            ++skipped;
            continue;
        }
        std::vector<synack::IpFamily> families;
        synack::Optional<synack::IpFamily> flag_family; // --local_ip/--remote_ip on the command line
        for (const std::string* a : {&flags.local, &flags.remote}) {
            synack::IpAddress ip;
            if (!a->empty() && parse_ip(*a, ip)) flag_family = ip.family;
        }
        if (script_family) families.push_back(*script_family);
        else if (f.family) families.push_back(*f.family);
        else if (flag_family) families.push_back(*flag_family);
        else if (ends_with(path, "v4.pkt")) families.push_back(synack::IpFamily::V4);
        else if (ends_with(path, "v6.pkt")) families.push_back(synack::IpFamily::V6);
        else families = {synack::IpFamily::V4, synack::IpFamily::V6};
        for (const synack::IpFamily fam : families) {
            synack::testing::RunOptions ro = f.run;
            ro.family = fam;
            const char* tag = fam == synack::IpFamily::V4 ? "ipv4" : "ipv6";
            synack::IpAddress a;
            if (!f.local.empty()) {
                if (!parse_ip(f.local, a)) {
                    std::cerr << "synack-drill: bad --local_ip " << f.local << "\n";
                    return 2;
                }
                if (a.family == fam) ro.local_ip = a;
            }
            if (!f.remote.empty()) {
                if (!parse_ip(f.remote, a)) {
                    std::cerr << "synack-drill: bad --remote_ip " << f.remote << "\n";
                    return 2;
                }
                if (a.family == fam) ro.remote_ip = a;
            }
            const synack::testing::RunResult r = synack::testing::run_script(script, ro);
            if (ro.verbose) std::cout << r.trace;
            switch (r.verdict) {
            case synack::testing::Verdict::Pass:
                std::cout << "PASS " << path << " [" << tag << "]\n";
                ++passed;
                break;
            case synack::testing::Verdict::Fail:
                std::cout << "FAIL " << path << ":" << r.pos.line << ":" << r.pos.column << " [" << tag << "]: " << r.message << "\n";
                ++failed;
                break;
            case synack::testing::Verdict::Skip:
                std::cout << "SKIP: " << path << ":" << r.pos.line << " [" << tag << "]: " << r.message << "\n";
                ++skipped;
                break;
            }
        }
    }
    if (passed + failed + skipped > 1)
        std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
    if (failed != 0) return 1;
    return skipped != 0 ? 77 : 0;
}
