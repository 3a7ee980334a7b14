// synack/synack.hpp — the umbrella header: the codec (core/, wire/) and the
// handshake machines (handshake/). Not included: driver/ (Linux I/O),
// wire/format.hpp (text, pulls <string>) and core/chrono.hpp (<chrono>), so
// that a translation unit including this stays cheap to compile.
#pragma once

#include "synack/core/bytes.hpp"
#include "synack/core/result.hpp"
#include "synack/core/seq.hpp"
#include "synack/core/siphash.hpp"
#include "synack/core/time.hpp"
#include "synack/wire/address.hpp"
#include "synack/wire/checksum.hpp"
#include "synack/wire/ethernet.hpp"
#include "synack/wire/ipv4.hpp"
#include "synack/wire/ipv6.hpp"
#include "synack/wire/martian.hpp"
#include "synack/wire/ndp.hpp"
#include "synack/wire/packet.hpp"
#include "synack/wire/tcp.hpp"
#include "synack/wire/tcp_options.hpp"
#include "synack/handshake/config.hpp"
#include "synack/handshake/connection.hpp"
#include "synack/handshake/endpoint.hpp"
#include "synack/handshake/fastopen.hpp"
#include "synack/handshake/isn.hpp"
#include "synack/handshake/listener.hpp"
#include "synack/handshake/negotiate.hpp"
#include "synack/handshake/reset.hpp"
#include "synack/handshake/rto.hpp"
#include "synack/handshake/syncookie.hpp"
