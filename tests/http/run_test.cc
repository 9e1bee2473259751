// Server::Run(): the `clv serve` loop drains and returns on SIGTERM. Also hosts the server
// that bench/http_bench.sh measures with wrk (a disabled test, run only by that script).
#include <csignal>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "http/handlers/health.h"
#include "http/server.h"
#include "http/test_client.h"

namespace clv::http {
namespace {

TEST(HttpServerRun, SigtermDrainsAndReturns) {
  Router router;
  HealthOptions health;
  health.version = "test";
  RegisterHealthRoutes(router, health);
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.io_threads = 1;
  options.worker_threads = 1;
  options.access_log = false;
  Server server(options, std::move(router));
  Status result = Internal("Run() did not return");
  std::thread runner([&] { result = server.Run(); });
  // port() turns non-zero after the signal handler is installed and the socket listens.
  while (server.port() == 0) std::this_thread::yield();
  {
    testing::TestClient c(server.port());
    ASSERT_EQ(c.Request("GET", "/health")->status, 200);
  }
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  testing::TestClient refused(server.port());
  EXPECT_FALSE(refused.connected());
}

// bench/http_bench.sh: CLV_BENCH_LISTEN=127.0.0.1:PORT, optional CLV_BENCH_ACCESS_LOG=1.
// Serves /health until SIGTERM.
TEST(HttpBench, DISABLED_ServeForBenchmark) {
  const char* listen = std::getenv("CLV_BENCH_LISTEN");
  ASSERT_NE(listen, nullptr);
  Router router;
  HealthOptions health;
  health.version = "bench";
  RegisterHealthRoutes(router, health);
  ServerOptions options;
  options.listen = listen;
  const char* log = std::getenv("CLV_BENCH_ACCESS_LOG");
  options.access_log = log != nullptr && std::string_view(log) == "1";
  Server server(options, std::move(router));
  const Status s = server.Run();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace clv::http
