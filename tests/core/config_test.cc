#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace clv {
namespace {

namespace fs = std::filesystem;

Result<Config> Load(std::initializer_list<std::pair<const std::string, std::string>> vars) {
  return LoadConfig(Environment(vars));
}

// The error message of loading `var=value`, or "" if it loaded.
std::string ErrorFor(const std::string& var, const std::string& value) {
  Result<Config> config = Load({{var, value}});
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  return config.status().message();
}

TEST(ConfigTest, DefaultsWhenNothingIsSet) {
  Result<Config> config = LoadConfig({});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->listen_host, "127.0.0.1");
  EXPECT_EQ(config->listen_port, 3001);
  EXPECT_EQ(config->database_url, "sqlite:./data/clv.db");
  EXPECT_EQ(config->database_kind, DatabaseKind::kSqlite);
  EXPECT_EQ(config->sqlite_path, "./data/clv.db");
  EXPECT_FALSE(config->redis_url.has_value());
  EXPECT_FALSE(config->jwt_secret.has_value());
  EXPECT_FALSE(config->master_key.has_value());
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_EQ(config->log_level, LogLevel::kInfo);
  EXPECT_EQ(config->log_format, LogFormat::kText);
  EXPECT_EQ(config->io_threads, 0);
  EXPECT_EQ(config->worker_threads, 0);
  EXPECT_EQ(config->max_body_bytes, 1048576);
  EXPECT_EQ(config->access_token_ttl_seconds, 900);
  EXPECT_EQ(config->refresh_token_ttl_days, 30);
  EXPECT_EQ(config->pg_pool_size, 8);
  EXPECT_EQ(config->job_workers, 1);
  EXPECT_EQ(config->job_lease_seconds, 30);
  EXPECT_EQ(config->refit_interval_hours, 24);  // nightly
  EXPECT_EQ(config->refit_sweep_minutes, 60);
  EXPECT_TRUE(config->cors_origins.empty());
}

TEST(ConfigTest, EmptyValuesMeanDefault) {
  Result<Config> config = Load({{"CLV_LISTEN", ""}, {"REDIS_URL", ""}, {"LOG_LEVEL", ""}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->listen_port, 3001);
  EXPECT_FALSE(config->redis_url.has_value());
}

TEST(ConfigTest, UnknownVariablesAreIgnored) {
  EXPECT_TRUE(Load({{"PATH", "/usr/bin"}, {"CLV_UNKNOWN", "x"}}).ok());
}

TEST(ConfigTest, ListenValid) {
  struct Case { std::string value, host; int port; };
  for (const Case& c : std::vector<Case>{{"0.0.0.0:8080", "0.0.0.0", 8080},
                                         {"localhost:0", "localhost", 0},
                                         {"api.example.com:65535", "api.example.com", 65535},
                                         {"[::1]:3001", "::1", 3001},
                                         {"[::]:80", "::", 80}}) {
    Result<Config> config = Load({{"CLV_LISTEN", c.value}});
    ASSERT_TRUE(config.ok()) << c.value << ": " << config.status().ToString();
    EXPECT_EQ(config->listen_host, c.host);
    EXPECT_EQ(config->listen_port, c.port);
  }
}

TEST(ConfigTest, ListenInvalid) {
  EXPECT_EQ(ErrorFor("CLV_LISTEN", "abc"),
            "CLV_LISTEN: expected host:port with port 0..65535, got 'abc'");
  for (std::string bad : {"abc:", ":3001", "host:65536", "host:-1", "host:+80", "host:80x",
                          "host:80:81", "ho st:80", "::1:80", "[::1]", "[zz]:80", "[::1]x",
                          "host:123456"}) {
    std::string error = ErrorFor("CLV_LISTEN", bad);
    EXPECT_TRUE(error.starts_with("CLV_LISTEN: expected host:port")) << bad << " -> " << error;
  }
}

TEST(ConfigTest, DatabaseUrl) {
  Result<Config> pg = Load({{"DATABASE_URL", "postgresql://clv:pw@db:5432/clv"}});
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->database_kind, DatabaseKind::kPostgres);
  EXPECT_EQ(pg->database_url, "postgresql://clv:pw@db:5432/clv");
  EXPECT_TRUE(Load({{"DATABASE_URL", "postgres://localhost/clv"}}).ok());
  Result<Config> sqlite = Load({{"DATABASE_URL", "sqlite:/var/lib/clv/clv.db"}});
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ(sqlite->database_kind, DatabaseKind::kSqlite);
  EXPECT_EQ(sqlite->sqlite_path, "/var/lib/clv/clv.db");
  EXPECT_EQ(Load({{"DATABASE_URL", "sqlite://./x.db"}})->sqlite_path, "./x.db");

  for (std::string bad : {"mysql://db/clv", "sqlite:", "postgresql://", "./clv.db"}) {
    std::string error = ErrorFor("DATABASE_URL", bad);
    EXPECT_TRUE(error.starts_with("DATABASE_URL: expected sqlite:<path>")) << bad << error;
  }
  // A rejected URL is not echoed whole: it may carry a password.
  EXPECT_EQ(ErrorFor("DATABASE_URL", "mysql://u:secretpw@db/x").find("secretpw"),
            std::string::npos);
}

TEST(ConfigTest, RedisUrl) {
  Result<Config> config = Load({{"REDIS_URL", "redis://cache.internal:6380/2"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->redis.has_value());
  EXPECT_EQ(config->redis->host, "cache.internal");
  EXPECT_EQ(config->redis->port, 6380);
  EXPECT_EQ(config->redis->db, 2);
  EXPECT_EQ(config->redis_url, "redis://cache.internal:6380/2");

  Result<Config> defaults = Load({{"REDIS_URL", "redis://localhost"}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->redis->port, 6379);
  EXPECT_EQ(defaults->redis->db, 0);

  Result<Config> auth = Load({{"REDIS_URL", "redis://:s3cret@127.0.0.1:6379/0"}});
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->redis->password, "s3cret");
  EXPECT_EQ(auth->redis->host, "127.0.0.1");

  for (std::string bad : {"http://localhost:6379", "redis://", "redis://host:0",
                          "redis://host:99999", "redis://host:6379/x", "redis://host:6379/-1"}) {
    std::string error = ErrorFor("REDIS_URL", bad);
    EXPECT_TRUE(error.starts_with("REDIS_URL: expected redis://")) << bad << error;
  }
  EXPECT_EQ(ErrorFor("REDIS_URL", "redis://:hunter2@host:0").find("hunter2"), std::string::npos);
}

TEST(ConfigTest, JwtSecret) {
  Result<Config> config = Load({{"JWT_SECRET", std::string(32, 's')}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->jwt_secret, std::string(32, 's'));
  EXPECT_EQ(ErrorFor("JWT_SECRET", "too-short-secret"),
            "JWT_SECRET: expected at least 32 bytes, got 16");
}

TEST(ConfigTest, MasterKeyFormats) {
  const std::string bytes = "0123456789abcdef0123456789ABCDEF";  // 32 bytes
  // The same 32 bytes spelt four ways.
  const std::string hex = "3031323334353637383961626364656630313233343536373839414243444546";
  const std::string b64 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY=";
  for (std::string spelling : {hex, b64, b64.substr(0, 43)}) {
    Result<Config> config = Load({{"CLV_MASTER_KEY", spelling}});
    ASSERT_TRUE(config.ok()) << spelling << ": " << config.status().ToString();
    EXPECT_EQ(config->master_key, bytes);
  }
  // base64url alphabet: 0xfb 0xff… encodes with '-' and '_'.
  Result<Config> url = Load({{"CLV_MASTER_KEY", "-_" + std::string(41, 'A')}});
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(static_cast<unsigned char>((*url->master_key)[0]), 0xfb);
  Result<Config> std64 = Load({{"CLV_MASTER_KEY", "+/" + std::string(41, 'A')}});
  ASSERT_TRUE(std64.ok());
  EXPECT_EQ(std64->master_key, url->master_key);

  for (std::string bad : {hex.substr(0, 62), hex.substr(0, 63) + "g", b64.substr(0, 42),
                          std::string(43, '!'), std::string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"),
                          std::string("short")}) {
    std::string error = ErrorFor("CLV_MASTER_KEY", bad);
    EXPECT_TRUE(error.starts_with("CLV_MASTER_KEY: expected 32 bytes as 64 hex characters"))
        << bad << error;
    EXPECT_EQ(error.find(bad), std::string::npos) << "the key must not be echoed";
  }
}

TEST(ConfigTest, DataDir) {
  EXPECT_EQ(Load({{"CLV_DATA_DIR", "/var/lib/clv"}})->data_dir, "/var/lib/clv");
}

TEST(ConfigTest, LogLevelAndFormat) {
  EXPECT_EQ(Load({{"LOG_LEVEL", "trace"}})->log_level, LogLevel::kTrace);
  EXPECT_EQ(Load({{"LOG_LEVEL", "debug"}})->log_level, LogLevel::kDebug);
  EXPECT_EQ(Load({{"LOG_LEVEL", "INFO"}})->log_level, LogLevel::kInfo);
  EXPECT_EQ(Load({{"LOG_LEVEL", "warn"}})->log_level, LogLevel::kWarn);
  EXPECT_EQ(Load({{"LOG_LEVEL", "error"}})->log_level, LogLevel::kError);
  EXPECT_EQ(ErrorFor("LOG_LEVEL", "verbose"),
            "LOG_LEVEL: expected one of trace|debug|info|warn|error, got 'verbose'");
  EXPECT_EQ(Load({{"LOG_FORMAT", "json"}})->log_format, LogFormat::kJson);
  EXPECT_EQ(Load({{"LOG_FORMAT", "Text"}})->log_format, LogFormat::kText);
  EXPECT_EQ(ErrorFor("LOG_FORMAT", "xml"), "LOG_FORMAT: expected json or text, got 'xml'");
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warn");
  EXPECT_EQ(LogFormatName(LogFormat::kJson), "json");
}

struct IntVar {
  std::string name;
  std::int64_t lo, hi;
  std::int64_t Config::*field64 = nullptr;
  int Config::*field = nullptr;
};

TEST(ConfigTest, IntegerVariablesAcceptTheirRangeAndRejectTheRest) {
  const std::vector<IntVar> vars = {
      {"CLV_IO_THREADS", 0, 1024, nullptr, &Config::io_threads},
      {"CLV_WORKER_THREADS", 0, 1024, nullptr, &Config::worker_threads},
      {"CLV_MAX_BODY_BYTES", 1024, 1 << 30, &Config::max_body_bytes, nullptr},
      {"CLV_ACCESS_TOKEN_TTL_SECONDS", 60, 86400, nullptr, &Config::access_token_ttl_seconds},
      {"CLV_REFRESH_TOKEN_TTL_DAYS", 1, 365, nullptr, &Config::refresh_token_ttl_days},
      {"CLV_PG_POOL_SIZE", 1, 1000, nullptr, &Config::pg_pool_size},
      {"CLV_JOB_WORKERS", 1, 64, nullptr, &Config::job_workers},
      {"CLV_JOB_LEASE_SECONDS", 1, 3600, nullptr, &Config::job_lease_seconds},
      {"CLV_REFIT_INTERVAL_HOURS", 0, 24 * 366, nullptr, &Config::refit_interval_hours},
      {"CLV_REFIT_SWEEP_MINUTES", 0, 24 * 60, nullptr, &Config::refit_sweep_minutes},
  };
  for (const IntVar& v : vars) {
    for (std::int64_t ok : {v.lo, v.hi}) {
      Result<Config> config = Load({{v.name, std::to_string(ok)}});
      ASSERT_TRUE(config.ok()) << v.name << "=" << ok;
      std::int64_t got = v.field ? (*config).*v.field : (*config).*v.field64;
      EXPECT_EQ(got, ok) << v.name;
    }
    const std::string expected = v.name + ": expected an integer in " + std::to_string(v.lo) +
                                 ".." + std::to_string(v.hi) + ", got '";
    for (std::string bad : {std::to_string(v.lo - 1), std::to_string(v.hi + 1), std::string("x"),
                            std::string("12abc"), std::string("1.5"), std::string(" 5"),
                            std::string("99999999999999999999999")}) {
      EXPECT_EQ(ErrorFor(v.name, bad), expected + bad + "'") << v.name;
    }
  }
}

TEST(ConfigTest, CorsOrigins) {
  Result<Config> config = Load(
      {{"CLV_CORS_ORIGINS", " https://shop.example.com, http://localhost:5173 ,,HTTPS://A.io"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->cors_origins,
            (std::vector<std::string>{"https://shop.example.com", "http://localhost:5173",
                                      "https://a.io"}));
  EXPECT_EQ(ErrorFor("CLV_CORS_ORIGINS", "https://ok.io,*"),
            "CLV_CORS_ORIGINS: expected comma-separated origins like https://shop.example.com, "
            "got '*'");
  for (std::string bad : {"shop.example.com", "https://shop.example.com/", "https://a.io/path",
                          "ftp://a.io", "https://:80"}) {
    EXPECT_TRUE(ErrorFor("CLV_CORS_ORIGINS", bad).starts_with("CLV_CORS_ORIGINS: expected"))
        << bad;
  }
}

// ---- .env files ---------------------------------------------------------------------------

TEST(DotEnvTest, ParsesTheSupportedSyntax) {
  Result<Environment> env = ParseDotEnv(
      "\xEF\xBB\xBF# comment\n"
      "\n"
      "PLAIN=value\n"
      "  SPACED  =  padded value  \r\n"
      "export EXPORTED=yes\n"
      "SINGLE='literal \\n # not a comment'\n"
      "DOUBLE=\"line1\\nline2 \\\"q\\\" \\\\ \\$HOME\"  # trailing comment\n"
      "INLINE=abc # comment\n"
      "HASH=a#b\n"
      "LEADING_HASH=#abc\n"
      "EMPTY=\n"
      "EMPTY_COMMENT= # nothing\n"
      "EQUALS=a=b=c\n"
      "DUP=first\n"
      "DUP=second",
      ".env");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  const Environment expected = {
      {"PLAIN", "value"},
      {"SPACED", "padded value"},
      {"EXPORTED", "yes"},
      {"SINGLE", "literal \\n # not a comment"},
      {"DOUBLE", "line1\nline2 \"q\" \\ $HOME"},
      {"INLINE", "abc"},
      {"HASH", "a#b"},
      {"LEADING_HASH", "#abc"},
      {"EMPTY", ""},
      {"EMPTY_COMMENT", ""},
      {"EQUALS", "a=b=c"},
      {"DUP", "second"},
  };
  EXPECT_EQ(*env, expected);
}

TEST(DotEnvTest, MalformedLinesNameFileAndLine) {
  struct Case { std::string text, message; };
  for (const Case& c : std::vector<Case>{
           {"A=1\njust words\n", "config/.env:2: expected KEY=VALUE"},
           {"A=1\n\n1BAD=x\n", "config/.env:3: invalid variable name '1BAD'"},
           {"=x", "config/.env:1: invalid variable name ''"},
           {"MY-VAR=x", "config/.env:1: invalid variable name 'MY-VAR'"},
           {"A='open", "config/.env:1: unterminated ' quote"},
           {"A=\"open", "config/.env:1: unterminated \" quote"},
           {"A=\"x\" y", "config/.env:1: unexpected text after closing quote"},
           {"A='x'y", "config/.env:1: unexpected text after closing quote"},
           {"A=\"\\q\"", "config/.env:1: unknown escape \\q"},
           {"export", "config/.env:1: expected KEY=VALUE"},
       }) {
    Result<Environment> env = ParseDotEnv(c.text, "config/.env");
    ASSERT_FALSE(env.ok()) << c.text;
    EXPECT_EQ(env.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(env.status().message(), c.message) << c.text;
  }
}

class DotEnvFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "clv-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DotEnvFileTest, RealEnvironmentWinsOverFile) {
  std::ofstream(dir_ / ".env") << "CLV_LISTEN=0.0.0.0:9000\nLOG_LEVEL=debug\n";
  Environment process = {{"CLV_LISTEN", "127.0.0.1:4000"}, {"PATH", "/bin"}};
  Result<Environment> env = LoadEnvironment(process, (dir_ / ".env").string());
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->at("CLV_LISTEN"), "127.0.0.1:4000");
  EXPECT_EQ(env->at("LOG_LEVEL"), "debug");
  EXPECT_EQ(env->at("PATH"), "/bin");
  Result<Config> config = LoadConfig(*env);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->listen_port, 4000);
  EXPECT_EQ(config->log_level, LogLevel::kDebug);
}

TEST_F(DotEnvFileTest, MissingFileIsFine) {
  Environment process = {{"A", "1"}};
  Result<Environment> env = LoadEnvironment(process, (dir_ / "nope.env").string());
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(*env, process);
}

TEST_F(DotEnvFileTest, MalformedFileErrorNamesThePath) {
  std::string path = (dir_ / ".env").string();
  std::ofstream(path) << "OK=1\noops\n";
  Result<Environment> env = LoadEnvironment({}, path);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(), path + ":2: expected KEY=VALUE");
}

TEST_F(DotEnvFileTest, UnreadablePathIsAnError) {
  // A directory where the file should be.
  fs::create_directory(dir_ / "dir.env");
  EXPECT_FALSE(LoadEnvironment({}, (dir_ / "dir.env").string()).ok());
}

TEST(ProcessEnvironmentTest, ReadsTheRealEnvironment) {
  ASSERT_EQ(::setenv("CLV_CONFIG_TEST_VAR", "from-process", 1), 0);
  Environment env = ProcessEnvironment();
  EXPECT_EQ(env.at("CLV_CONFIG_TEST_VAR"), "from-process");
  ::unsetenv("CLV_CONFIG_TEST_VAR");
}

}  // namespace
}  // namespace clv
