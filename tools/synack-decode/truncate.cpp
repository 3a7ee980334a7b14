// tools/synack-decode/truncate.cpp — test helper: copies the first N bytes
// of a file (CMake scripts cannot write binary data). Usage: IN OUT N.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: synack_decode_truncate IN OUT N\n";
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) {
        std::cerr << "cannot read " << argv[1] << '\n';
        return 2;
    }
    std::vector<char> data(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
    const auto n = static_cast<std::size_t>(std::strtoull(argv[3], nullptr, 10));
    if (n < data.size()) data.resize(n);
    std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    return out ? 0 : 2;
}
