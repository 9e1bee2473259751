#include "security/secrets.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "security/encoding.h"

namespace clv::security {
namespace {

namespace fs = std::filesystem;

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "clv-secrets-XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    root_ = templ;
    config_.data_dir = (root_ / "data").string();  // does not exist yet
  }
  void TearDown() override { fs::remove_all(root_); }

  Result<Secrets> Load() {
    return LoadOrCreateSecrets(config_, [this](std::string_view m) {
      warnings_.emplace_back(m);
    });
  }

  static unsigned Mode(const fs::path& p) {
    struct stat st {};
    CLV_CHECK(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
  }

  fs::path root_;
  Config config_;
  std::vector<std::string> warnings_;
};

TEST_F(SecretsTest, GeneratesFilesWith0600AndWarnsOnce) {
  Result<Secrets> secrets = Load();
  ASSERT_TRUE(secrets.ok()) << secrets.status().ToString();
  EXPECT_TRUE(secrets->jwt_secret_generated);
  EXPECT_TRUE(secrets->master_key_generated);
  EXPECT_GE(secrets->jwt_secret.size(), 32u);
  EXPECT_EQ(secrets->master_key.size(), 32u);

  fs::path dir = config_.data_dir;
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(dir / "jwt_secret.key"), 0600u);
  EXPECT_EQ(Mode(dir / "master.key"), 0600u);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("jwt_secret.key"), std::string::npos);
  EXPECT_NE(warnings_[0].find("master.key"), std::string::npos);
  // No temporary files left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);

  std::ifstream in(dir / "master.key");
  std::string hex;
  in >> hex;
  EXPECT_EQ(HexDecode(hex), secrets->master_key);
}

TEST_F(SecretsTest, SecondStartReusesFilesWithoutWarning) {
  Result<Secrets> first = Load();
  ASSERT_TRUE(first.ok());
  warnings_.clear();
  Result<Secrets> second = Load();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->jwt_secret, first->jwt_secret);
  EXPECT_EQ(second->master_key, first->master_key);
  EXPECT_FALSE(second->jwt_secret_generated);
  EXPECT_FALSE(second->master_key_generated);
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(SecretsTest, ConcurrentFirstStartsAgreeOnOneSecret) {
  // Two instances starting at once on an empty data directory: whichever links its file
  // first wins, and the other must read and use that file rather than its own candidate.
  constexpr int kThreads = 4;
  std::vector<Result<Secrets>> results(kThreads, Result<Secrets>(Internal("not run")));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { results[i] = LoadOrCreateSecrets(config_, nullptr); });
  for (std::thread& t : threads) t.join();
  int jwt_generated = 0;
  for (const Result<Secrets>& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->jwt_secret, results[0]->jwt_secret);
    EXPECT_EQ(r->master_key, results[0]->master_key);
    jwt_generated += r->jwt_secret_generated;
  }
  EXPECT_EQ(jwt_generated, 1);
  Result<Secrets> again = Load();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->jwt_secret, results[0]->jwt_secret);
}

TEST_F(SecretsTest, ConfiguredValuesWinAndTouchNoFiles) {
  config_.jwt_secret = std::string(40, 'j');
  config_.master_key = std::string(32, 'm');
  Result<Secrets> secrets = Load();
  ASSERT_TRUE(secrets.ok());
  EXPECT_EQ(secrets->jwt_secret, std::string(40, 'j'));
  EXPECT_EQ(secrets->master_key, std::string(32, 'm'));
  EXPECT_FALSE(fs::exists(config_.data_dir));
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(SecretsTest, GeneratesOnlyWhatIsMissing) {
  config_.jwt_secret = std::string(40, 'j');
  Result<Secrets> secrets = Load();
  ASSERT_TRUE(secrets.ok());
  EXPECT_FALSE(secrets->jwt_secret_generated);
  EXPECT_TRUE(secrets->master_key_generated);
  EXPECT_FALSE(fs::exists(fs::path(config_.data_dir) / "jwt_secret.key"));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0].find("jwt_secret.key"), std::string::npos);
}

TEST_F(SecretsTest, RefusesWorldReadableSecretFile) {
  ASSERT_TRUE(Load().ok());
  fs::path key = fs::path(config_.data_dir) / "master.key";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  Result<Secrets> secrets = Load();
  ASSERT_FALSE(secrets.ok());
  EXPECT_EQ(secrets.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(secrets.status().message().find("chmod 600"), std::string::npos);
  EXPECT_NE(secrets.status().message().find("master.key"), std::string::npos);
}

TEST_F(SecretsTest, RefusesCorruptSecretFile) {
  fs::create_directories(config_.data_dir);
  fs::path key = fs::path(config_.data_dir) / "master.key";
  {
    std::ofstream out(key);
    out << "not-hex\n";
  }
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  Result<Secrets> secrets = Load();
  ASSERT_FALSE(secrets.ok());
  EXPECT_EQ(secrets.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(secrets.status().message().find("master.key"), std::string::npos);
}

TEST_F(SecretsTest, DataDirMustBeADirectory) {
  std::ofstream(config_.data_dir) << "file";
  Result<Secrets> secrets = Load();
  ASSERT_FALSE(secrets.ok());
  EXPECT_EQ(secrets.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace clv::security
