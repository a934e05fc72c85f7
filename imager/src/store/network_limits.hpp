// How long every network store waits before it gives up, whatever its
// protocol: a server that stops answering fails an operation in
// kStallSeconds, a transient failure is tried again a bounded number of
// times, so a vanished server ends a capture well within a minute.
#pragma once

namespace imager::store::net {

inline constexpr long kConnectSeconds = 15;
inline constexpr long kStallSeconds = 30;
inline constexpr int kAttempts = 4;  // waits of 1, 2 and 4 s between them

}  // namespace imager::store::net
