// The HTTP/1.1 server: Boost.Beast on Asio io threads for the network, a bounded WorkerPool for
// middleware and handlers (DESIGN.md "HTTP"). Beast and Asio appear only in server.cc.
//
// Lifecycle: construct with a Router (registration is then over) → Start() binds and listens
// (port 0 picks a free port; see port()) → Stop() from any thread, or SIGINT/SIGTERM inside
// Run() → Wait() returns once in-flight requests have finished (or drain_timeout passed) and
// every thread has been joined. The caller then closes the store.
//
// Behaviour on the wire:
//  - keep-alive (HTTP/1.1 default; "Connection: close" honoured); pipelined requests are
//    answered in order, one at a time.
//  - a body larger than the route's limit → 413, headers larger than header_limit → 431, an
//    unparsable request → 400; all with the error envelope, then the connection is closed.
//  - one coarse deadline per connection: idle_timeout while waiting for a request (the
//    connection is closed silently), read_timeout for the rest of a started request (→ 408
//    envelope, close), write_timeout while sending.
//  - Stop(): the listening socket closes at once (new connections are refused); idle
//    keep-alive connections close; requests in progress finish and carry "Connection: close".
//  - a full worker queue → 503 envelope with Retry-After: 1.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/auth.h"
#include "http/message.h"
#include "http/middleware.h"
#include "http/router.h"

namespace clv::http {

// One finished exchange, as reported to ServerOptions::on_response.
struct ResponseRecord {
  std::string_view method;  // as sent ("GET"); empty if the request line was unreadable
  std::string_view route;   // the matched route's pattern ("/orders/:id"); empty: no route
  int status = 0;
  std::uint64_t bytes = 0;  // response body bytes
  std::int64_t duration_us = 0;
};

struct ServerOptions {
  std::string listen = "127.0.0.1:3001";  // "host:port"; port 0 picks a free port; "[::1]:80"
  std::size_t io_threads = 0;             // 0 → hardware concurrency
  std::size_t worker_threads = 0;         // 0 → max(16, 8 × hardware concurrency)
  std::size_t max_queued_requests = 1024; // waiting for a worker, beyond → 503
  std::size_t body_limit_bytes = 1 << 20; // default per-route body limit → 413
  std::size_t header_limit_bytes = 16 * 1024;  // request line + headers → 431
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds drain_timeout{10'000};  // bound on Stop() → Wait()
  std::shared_ptr<Authenticator> authenticator;  // null: every non-public route answers 401
  PermissionChecker permissions;                 // null: routes naming a permission answer 403
  std::vector<Middleware> middleware;            // after auth, before the handler
  LogFormat log_format = LogFormatFromEnv();
  bool access_log = true;
  // Called on an io thread after every response is written, protocol errors (400/408/413/431)
  // included: the hook for request metrics. Must be cheap, thread-safe and not throw.
  std::function<void(const ResponseRecord&)> on_response;
};

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();  // Stop() and Wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the io and worker threads. InvalidArgument for a malformed
  // listen address, Unavailable when the address cannot be bound. Call once.
  Status Start();

  // The bound port (useful with port 0); 0 before Start().
  std::uint16_t port() const;

  // Begins a graceful shutdown; returns immediately. Idempotent, any thread. When Stop()
  // returns, the listening socket is closed.
  void Stop();

  // Blocks until Stop() was called and the drain finished; joins all threads. Idempotent.
  void Wait();

  // Start(), then wait for SIGINT/SIGTERM (or Stop()), then drain: the `clv serve` main loop.
  Status Run();

  // Number of open client connections (for tests and /metrics).
  std::size_t open_connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace clv::http
