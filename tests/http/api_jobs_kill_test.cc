// A calculation survives a kill -9 of the server: the real `clv serve` binary on a private
// database (SQLite file, or PostgreSQL when CLV_TEST_POSTGRES_URL is set) with a 2-second job
// lease; a shop large enough that the calculation takes a while; start a calculation, wait
// until its job runs, SIGKILL the server, start it again: the job is claimed again once its
// lease has run out and completes (attempts = 2).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <boost/json.hpp>

#include "core/time.h"
#include "http/api_testlib.h"

namespace clv::http::apitest {
namespace {

namespace json = boost::json;

// A running `clv serve`.
class ServerProcess {
 public:
  ServerProcess(std::string url, std::string dir) : url_(std::move(url)), dir_(std::move(dir)) {}
  ~ServerProcess() { Kill(); }

  // Starts the binary and waits for its "running at" line; returns the port (0 on failure).
  std::uint16_t Start() {
    const std::string log = dir_ + "/serve" + std::to_string(++starts_) + ".log";
    pid_ = fork();
    if (pid_ == 0) {
      setenv("DATABASE_URL", url_.c_str(), 1);
      setenv("CLV_DATA_DIR", dir_.c_str(), 1);
      setenv("CLV_LISTEN", "127.0.0.1:0", 1);
      setenv("JWT_SECRET", "kill-test-jwt-secret-0123456789abcdef", 1);
      setenv("CLV_JOB_LEASE_SECONDS", "2", 1);
      setenv("CLV_IO_THREADS", "1", 1);
      setenv("CLV_WORKER_THREADS", "2", 1);
      setenv("LOG_LEVEL", "info", 1);
      if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr) ||
          !freopen("/dev/null", "r", stdin)) {
        _exit(127);
      }
      if (chdir(dir_.c_str()) != 0) _exit(127);
      const std::string binary = std::string(CLV_BINARY_DIR) + "/src/clv";
      execl(binary.c_str(), "clv", "serve", static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(log);
      std::stringstream ss;
      ss << in.rdbuf();
      const std::string text = ss.str();
      const std::size_t at = text.find("running at http://127.0.0.1:");
      if (at != std::string::npos) {
        return static_cast<std::uint16_t>(std::stoi(text.substr(at + 28)));
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        ADD_FAILURE() << "clv serve exited: " << text;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "clv serve did not start";
    return 0;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  std::string url_, dir_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

// A seeded shop, customers [from, to), simulated as BG/NBD describes buyers (so the models
// have something to fit): first purchase in 2023, purchase rate λ ~ Gamma(0.6, 1/25 per day),
// after each purchase the customer drops out with probability p ~ Beta(1, 3).
std::string ShopCsv(int from, int to) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(from) + 42);
  std::uniform_int_distribution<int> first_day(0, 364);
  std::gamma_distribution<double> rate(0.6, 1.0 / 25);
  std::gamma_distribution<double> beta_a(1.0, 1.0), beta_b(3.0, 1.0);
  std::uniform_int_distribution<int> cents(500, 20000);
  std::uniform_real_distribution<double> unit(0, 1);
  const std::int64_t start = DaysFromCivil(2023, 1, 1), end = DaysFromCivil(2025, 5, 31);
  std::string csv = "id,customer_id,placed_at,total,currency\n";
  std::int64_t order = std::int64_t{from} * 1000;
  for (int c = from; c < to; ++c) {
    const double lambda = std::max(rate(rng), 1e-4);
    const double ga = beta_a(rng), gb = beta_b(rng);
    const double drop = ga / (ga + gb);
    double day = static_cast<double>(start + first_day(rng));
    while (true) {
      const int total = cents(rng);
      csv += std::to_string(++order) + ",C" + std::to_string(c) + "," +
             FormatRfc3339(static_cast<std::int64_t>(day) * kMicrosPerDay) + "," +
             std::to_string(total / 100) + "." + (total % 100 < 10 ? "0" : "") +
             std::to_string(total % 100) + ",USD\n";
      if (unit(rng) < drop) break;
      day += std::exponential_distribution<double>(lambda)(rng);
      if (day >= static_cast<double>(end)) break;
    }
  }
  return csv;
}

constexpr int kCustomers = 30'000;

class JobKillTest : public ::testing::TestWithParam<Backend> {};

TEST_P(JobKillTest, JobSurvivesKill9OfTheServer) {
  std::string skip;
  Result<std::unique_ptr<TestDb>> db = TestDb::Create(GetParam(), &skip);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  if (!*db) GTEST_SKIP() << skip;
  ServerProcess server((*db)->url(), (*db)->data_dir());
  std::uint16_t port = server.Start();
  ASSERT_NE(port, 0);

  TestResponse reg = Send(port, "POST", "/auth/register", {{"Content-Type", "application/json"}},
                          R"({"email":"owner@kill.example","password":"correct horse battery","organization":"K"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  const std::string token(JsonOf(reg).at("access_token").as_string());
  const Headers auth = {{"Authorization", "Bearer " + token}};
  Headers csv_headers = auth;
  csv_headers.emplace_back("Content-Type", "text/csv");
  // In parts, each well inside the test client's 10-second answer timeout.
  for (int from = 0; from < kCustomers; from += 5'000) {
    TestResponse imported = Send(port, "POST", "/orders/import", csv_headers, ShopCsv(from, from + 5'000));
    ASSERT_EQ(imported.status, 200) << imported.body;
  }

  Headers json_headers = auth;
  json_headers.emplace_back("Content-Type", "application/json");
  TestResponse started = Send(port, "POST", "/clv/calculate", json_headers,
                              R"({"models":["bgnbd","mbgnbd"],"period":"week"})");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string job_path =
      "/jobs/" + std::to_string(JsonOf(started).at("job_id").to_number<std::int64_t>());

  // Wait until a worker has it, then kill the server mid-calculation.
  json::object job;
  for (int i = 0; i < 20000; ++i) {
    TestResponse r = Send(port, "GET", job_path, auth);
    ASSERT_EQ(r.status, 200) << r.body;
    job = JsonOf(r).as_object();
    if (job.at("status").as_string() != "queued") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(std::string(job.at("status").as_string()), "running")
      << "the calculation finished before it could be killed: " << json::serialize(job);
  server.Kill();

  port = server.Start();
  ASSERT_NE(port, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (std::chrono::steady_clock::now() < deadline) {
    TestResponse r = Send(port, "GET", job_path, auth);
    ASSERT_EQ(r.status, 200) << r.body;
    job = JsonOf(r).as_object();
    const std::string status(job.at("status").as_string());
    if (status == "succeeded" || status == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(std::string(job.at("status").as_string()), "succeeded") << json::serialize(job);
  EXPECT_EQ(job.at("attempts").to_number<int>(), 2);
  TestResponse model = Send(port, "GET", "/clv/model", auth);
  ASSERT_EQ(model.status, 200) << model.body;
  EXPECT_EQ(JsonOf(model).at("fit").at("customers").to_number<std::int64_t>(), kCustomers);
  server.Kill();
}

INSTANTIATE_TEST_SUITE_P(Backends, JobKillTest, kAllBackends, BackendParamName);

}  // namespace
}  // namespace clv::http::apitest
