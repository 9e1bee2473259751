// Redis, optional (REDIS_URL): for now the health probe; later the cross-instance event bus and
// shared rate-limit counters (DESIGN.md "Growing past one machine").
#pragma once

#include <chrono>

#include "core/config.h"
#include "core/status.h"

namespace clv::service {

// Connects, authenticates if a password is set, selects the database and sends PING.
// OK on "PONG"; Unavailable naming host and port otherwise. Blocks for at most `timeout`.
Status PingRedis(const RedisAddress& address,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

}  // namespace clv::service
