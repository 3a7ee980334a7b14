// replay_main.cpp — a main() for libFuzzer targets built without libFuzzer.
//
// Runs LLVMFuzzerTestOneInput once per file named on the command line, and
// over every regular file under each directory named (recursively, in sorted
// order so runs are reproducible). This is how CTest replays fuzz/corpus/<name>/
// with any compiler; a crash or sanitizer report fails the test.
// Exit status: 0 when every input ran, 1 on an unreadable or missing path,
// 2 on usage errors. When an input crashes the target (a signal, or a
// sanitizer report), its path is printed to stderr before the process dies.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional in a fuzz target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
// Present only when a sanitizer runtime is linked in: called before it exits.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace {

namespace fs = std::filesystem;

// The input being run, for the crash reporters below (async-signal-safe:
// a fixed buffer written with write(2)).
char g_current[4096];

void report_current() noexcept {
    if (g_current[0] == '\0') return;
    constexpr char prefix[] = "replay: crashed on input: ";
    ssize_t ignored = ::write(STDERR_FILENO, prefix, sizeof prefix - 1);
    ignored = ::write(STDERR_FILENO, g_current, std::strlen(g_current));
    ignored = ::write(STDERR_FILENO, "\n", 1);
    (void)ignored;
}

extern "C" void on_fatal_signal(int sig) {
    report_current();
    ::signal(sig, SIG_DFL);  // then die of the same signal
    ::raise(sig);
}

extern "C" void on_sanitizer_death() { report_current(); }

void install_crash_reporters() {
    if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(on_sanitizer_death);
    // Signals a sanitizer already handles (it reports, then calls the death
    // callback) are left to it.
    for (const int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
        struct sigaction sa {};
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(sig, &sa, nullptr);
    }
}

bool read_file(const fs::path& p, std::vector<std::uint8_t>& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

struct Counts {
    std::size_t files = 0;
    std::size_t bytes = 0;
    std::size_t nonzero = 0;  // inputs for which the target returned != 0
    std::size_t errors = 0;   // unreadable or missing paths
};

void run_one(const fs::path& p, Counts& c) {
    std::vector<std::uint8_t> buf;
    if (!read_file(p, buf)) {
        std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
        ++c.errors;
        return;
    }
    // An empty vector's data() may be null; libFuzzer passes a valid pointer.
    const std::uint8_t empty = 0;
    const std::uint8_t* data = buf.empty() ? &empty : buf.data();
    const std::string name = p.string();
    const std::size_t n = std::min(name.size(), sizeof g_current - 1);
    std::memcpy(g_current, name.data(), n);
    g_current[n] = '\0';
    if (LLVMFuzzerTestOneInput(data, buf.size()) != 0) ++c.nonzero;
    g_current[0] = '\0';
    ++c.files;
    c.bytes += buf.size();
}

} // namespace

int main(int argc, char** argv) {
    install_crash_reporters();
    if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <file-or-directory>...\n", argv[0]);
        return 2;
    }
    Counts c;
    for (int i = 1; i < argc; ++i) {
        const fs::path root(argv[i]);
        std::error_code ec;
        if (fs::is_directory(root, ec)) {
            std::vector<fs::path> files;
            for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
                if (it->is_regular_file(ec)) files.push_back(it->path());
            }
            if (ec) {
                std::fprintf(stderr, "replay: cannot walk %s: %s\n", root.c_str(), ec.message().c_str());
                ++c.errors;
            }
            std::sort(files.begin(), files.end());
            for (const auto& f : files) run_one(f, c);
        } else if (fs::is_regular_file(root, ec)) {
            run_one(root, c);
        } else {
            std::fprintf(stderr, "replay: no such file or directory: %s\n", root.c_str());
            ++c.errors;
        }
    }
    std::printf("replay: %zu inputs, %zu bytes, %zu nonzero returns, %zu errors\n", c.files, c.bytes, c.nonzero,
                c.errors);
    return c.errors == 0 ? 0 : 1;
}
