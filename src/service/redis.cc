#include "service/redis.h"

#include <hiredis/hiredis.h>

#include <memory>
#include <string>

namespace clv::service {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

ReplyPtr Command(redisContext* c, const char* format, const std::string& arg = {}) {
  void* reply = arg.empty() ? redisCommand(c, format) : redisCommand(c, format, arg.c_str());
  return ReplyPtr(static_cast<redisReply*>(reply));
}

}  // namespace

Status PingRedis(const RedisAddress& address, std::chrono::milliseconds timeout) {
  const std::string where = "redis at " + address.host + ":" + std::to_string(address.port);
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout.count() / 1000);
  tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  std::unique_ptr<redisContext, ContextDeleter> c(
      redisConnectWithTimeout(address.host.c_str(), address.port, tv));
  if (!c) return Unavailable(where + ": cannot allocate a connection");
  if (c->err) return Unavailable(where + ": " + c->errstr);
  redisSetTimeout(c.get(), tv);
  if (!address.password.empty()) {
    ReplyPtr auth = Command(c.get(), "AUTH %s", address.password);
    if (!auth || auth->type == REDIS_REPLY_ERROR) return Unavailable(where + ": AUTH failed");
  }
  if (address.db != 0) {
    ReplyPtr select = Command(c.get(), "SELECT %s", std::to_string(address.db));
    if (!select || select->type == REDIS_REPLY_ERROR) return Unavailable(where + ": SELECT failed");
  }
  ReplyPtr pong = Command(c.get(), "PING");
  if (!pong) return Unavailable(where + ": " + (c->err ? c->errstr : "no reply"));
  if (pong->type != REDIS_REPLY_STATUS || std::string(pong->str, pong->len) != "PONG") {
    return Unavailable(where + ": unexpected reply to PING");
  }
  return Status::Ok();
}

}  // namespace clv::service
