// fuzz/pcap_reader.cpp — the capture readers (driver/pcap_format.hpp) on
// arbitrary bytes: CaptureReader picks pcap or pcapng by magic.
//
// Properties:
// - reading ends (every next() consumes a record or fails, and the reader is
//   done after a failure); records are numbered 1, 2, ...;
// - a record's bytes are inside the input, at data_offset(), after its
//   header (offset) and in increasing file order; incl_len == data size;
// - the link-layer unwrapping of a record stays inside the record;
// - reading the same bytes as a stream, in pieces of 1..64 bytes (chosen by
//   the first byte) with consumed bytes dropped (resume), yields exactly the
//   same records (offsets, data, timestamps, interfaces) and ends with the
//   same error at the same offset.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.hpp"
#include "synack/driver/pcap_format.hpp"

namespace {

using namespace synack;

struct Seen {
    std::uint32_t number;
    std::uint32_t offset;
    std::uint32_t data_at;
    std::uint32_t size;
    std::int64_t ns;
    std::uint32_t interface;
    std::uint16_t link_type;
    bool operator==(const Seen&) const = default;
};

Seen seen(const PcapRecord& r) {
    return {r.number, r.offset, r.data_offset(), static_cast<std::uint32_t>(r.data.size()), r.timestamp.ns,
            r.interface, r.link_type};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes input(data, size);
    std::vector<Seen> whole;
    Failure whole_end{};
    const result<CaptureReader> opened = CaptureReader::open(input);
    if (opened) {
        CaptureReader r = *opened;
        std::uint32_t last_end = 0;
        while (!r.done()) {
            FUZZ_CHECK(whole.size() <= size); // each record consumes at least 12 bytes
            const result<PcapRecord> rec = r.next();
            if (!rec) {
                whole_end = rec.failure();
                FUZZ_CHECK(r.done() || rec.error() == Error::NotFound);
                if (rec.error() != Error::NotFound) FUZZ_CHECK(!r.problem().empty());
                break;
            }
            FUZZ_CHECK(rec->number == whole.size() + 1);
            FUZZ_CHECK(rec->offset >= last_end);
            FUZZ_CHECK(rec->data_offset() > rec->offset);
            FUZZ_CHECK(rec->data.size() == rec->header.incl_len);
            FUZZ_CHECK(rec->data_offset() + rec->data.size() <= size);
            FUZZ_CHECK(rec->data.empty() || rec->data.data() == data + rec->data_offset());
            last_end = static_cast<std::uint32_t>(rec->data_offset() + rec->data.size());
            const result<PcapIpPayload> ip = r.ip_payload(*rec);
            if (ip) {
                FUZZ_CHECK(ip->offset + ip->packet.size() == rec->data.size());
            } else {
                FUZZ_CHECK(ip.offset() <= rec->data.size());
            }
            whole.push_back(seen(*rec));
        }
    }
    if (size == 0) return 0;

    // The same bytes as a stream.
    const std::size_t chunk = 1 + data[0] % 64U;
    std::vector<std::uint8_t> buf;
    std::size_t fed = 0;
    const auto feed = [&](std::size_t drop) {
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(drop));
        const std::size_t n = size - fed < chunk ? size - fed : chunk;
        buf.insert(buf.end(), data + fed, data + fed + n);
        fed += n;
    };
    feed(0);
    result<CaptureReader> s = CaptureReader::open(Bytes(buf.data(), buf.size()));
    while (!s && s.error() == Error::PcapTruncated && fed < size) {
        feed(0);
        s = CaptureReader::open(Bytes(buf.data(), buf.size()));
    }
    FUZZ_CHECK(s.ok() == opened.ok());
    if (!s) {
        FUZZ_CHECK(s.failure() == opened.failure());
        return 0;
    }
    std::vector<Seen> streamed;
    Failure stream_end{};
    while (true) {
        if (!s->done()) {
            const result<PcapRecord> rec = s->next();
            if (rec) {
                streamed.push_back(seen(*rec));
                FUZZ_CHECK(streamed.size() <= whole.size());
                continue;
            }
            const bool wait = rec.error() == Error::NotFound || s->incomplete();
            if (!wait || fed == size) {
                stream_end = rec.failure();
                break;
            }
        } else if (fed == size) {
            break;
        }
        const std::size_t drop = s->consumed();
        feed(drop);
        s->resume(Bytes(buf.data(), buf.size()), drop);
        FUZZ_CHECK(buf.size() <= pcapng_max_block_length + 64);
    }
    FUZZ_CHECK(streamed == whole);
    FUZZ_CHECK(stream_end == whole_end);
    return 0;
}
