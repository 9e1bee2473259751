// Static files through a real socket, on a temporary dashboard directory.
#include "http/static_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "http/server.h"
#include "http/test_client.h"

namespace clv::http {
namespace {

namespace fs = std::filesystem;
using testing::TestClient;

void WriteFile(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("clv_static_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "dist";
    WriteFile(root_ / "index.html", "<!doctype html><title>CLV</title>");
    WriteFile(root_ / "assets" / "app-3f2a9c.js", "console.log('clv');");
    WriteFile(root_ / "assets" / "style-77aa.css", "body{margin:0}");
    WriteFile(root_ / "favicon.svg", "<svg/>");
    std::string digits;
    for (int i = 0; i < 100; ++i) digits += static_cast<char>('0' + i % 10);
    WriteFile(root_ / "digits.txt", digits);
    big_.resize(3 * 1024 * 1024 + 17);
    for (size_t i = 0; i < big_.size(); ++i) big_[i] = static_cast<char>('a' + (i * 7) % 26);
    WriteFile(root_ / "big.bin", big_);
    WriteFile(base_ / "secret.txt", "top secret");
    fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");

    StaticFileOptions o;
    o.root = root_;
    auto files = StaticFiles::Open(o);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    Router router;
    RegisterStaticFiles(router, *files);
    router.Get("/api/thing", [](Request&) { return Response::Json(200, {{"ok", true}}); },
               Public());
    ServerOptions so;
    so.listen = "127.0.0.1:0";
    so.io_threads = 1;
    so.worker_threads = 2;
    so.access_log = false;
    server_ = std::make_unique<Server>(so, std::move(router));
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(base_);
  }

  fs::path base_, root_;
  std::string big_;
  std::unique_ptr<Server> server_;
};

TEST_F(StaticFilesTest, ServesFilesWithMimeTypesAndCachePolicy) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/app/assets/app-3f2a9c.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "console.log('clv');");
  EXPECT_EQ(r->Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r->Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(c.Request("GET", "/app/assets/style-77aa.css")->Header("Content-Type"),
            "text/css; charset=utf-8");
  r = c.Request("GET", "/app/favicon.svg");
  EXPECT_EQ(r->Header("Content-Type"), "image/svg+xml");
  EXPECT_EQ(r->Header("Cache-Control"), "no-cache");

  r = c.Request("GET", "/app/");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->Header("Cache-Control"), "no-cache");
  EXPECT_NE(r->Header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(r->Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->body, "<!doctype html><title>CLV</title>");
}

TEST_F(StaticFilesTest, RedirectsRootAndPrefix) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->Header("Location"), "/app/");
  r = c.Request("GET", "/app");
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->Header("Location"), "/app/");
}

TEST_F(StaticFilesTest, SpaFallbackForClientRoutesOnly) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/app/customers/42");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<!doctype html><title>CLV</title>");
  EXPECT_EQ(r->Header("Cache-Control"), "no-cache");
  r = c.Request("GET", "/app/segments/");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Type"), "text/html; charset=utf-8");
  r = c.Request("GET", "/app/assets/missing-123.js");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->Json().at("error").at("code").as_string(), "not_found");
  EXPECT_EQ(c.Request("GET", "/api/thing")->status, 200);  // API routes are untouched
}

TEST_F(StaticFilesTest, EtagRevalidationGives304) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/app/digits.txt");
  ASSERT_TRUE(r);
  const std::string etag = r->Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  r = c.Request("GET", "/app/digits.txt", {{"If-None-Match", etag}});
  EXPECT_EQ(r->status, 304);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(r->Header("ETag"), etag);
  r = c.Request("GET", "/app/digits.txt", {{"If-None-Match", "\"other\", W/" + etag}});
  EXPECT_EQ(r->status, 304);
  r = c.Request("GET", "/app/digits.txt", {{"If-None-Match", "\"other\""}});
  EXPECT_EQ(r->status, 200);
  // Changing the file changes the tag.
  WriteFile(root_ / "digits.txt", "changed content!");
  r = c.Request("GET", "/app/digits.txt", {{"If-None-Match", etag}});
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "changed content!");
  EXPECT_NE(r->Header("ETag"), etag);
}

TEST_F(StaticFilesTest, RangeRequests) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/app/digits.txt", {{"Range", "bytes=10-14"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "01234");
  EXPECT_EQ(r->Header("Content-Range"), "bytes 10-14/100");
  r = c.Request("GET", "/app/digits.txt", {{"Range", "bytes=-3"}});
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "789");
  EXPECT_EQ(r->Header("Content-Range"), "bytes 97-99/100");
  r = c.Request("GET", "/app/digits.txt", {{"Range", "bytes=95-"}});
  EXPECT_EQ(r->body, "56789");
  r = c.Request("GET", "/app/digits.txt", {{"Range", "bytes=98-500"}});
  EXPECT_EQ(r->body, "89");
  r = c.Request("GET", "/app/digits.txt", {{"Range", "bytes=100-"}});
  EXPECT_EQ(r->status, 416);
  EXPECT_EQ(r->Header("Content-Range"), "bytes */100");
  r = c.Request("GET", "/app/digits.txt", {{"Range", "bytes=0-1,5-6"}});
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 100u);
  r = c.Request("GET", "/app/digits.txt", {{"Range", "bytes=0-1"}, {"If-Range", "\"stale\""}});
  EXPECT_EQ(r->status, 200);
}

TEST_F(StaticFilesTest, LargeFilesAreStreamedWholeAndInRanges) {
  TestClient c(server_->port());
  auto r = c.Request("GET", "/app/big.bin");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(big_.size()));
  EXPECT_EQ(r->Header("Content-Type"), "application/octet-stream");
  EXPECT_TRUE(r->body == big_);
  r = c.Request("GET", "/app/big.bin", {{"Range", "bytes=1000-2099999"}});
  EXPECT_EQ(r->status, 206);
  EXPECT_TRUE(r->body == big_.substr(1000, 2099000));
  r = c.Request("HEAD", "/app/big.bin");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Length"), std::to_string(big_.size()));
  EXPECT_EQ(c.Request("GET", "/app/digits.txt")->body.size(), 100u);  // connection still in sync
}

TEST_F(StaticFilesTest, RejectsTraversal) {
  for (const char* target :
       {"/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/%2E%2E/secret.txt",
        "/app/assets/..%2f..%2fsecret.txt", "/app/assets/%2e%2e/%2e%2e/secret.txt",
        "/app//etc/passwd", "/app/%2fetc%2fpasswd", "/app/..%5csecret.txt",
        "/app/a%00.txt", "/app/./index.html"}) {
    TestClient c(server_->port());
    auto r = c.Request("GET", target);
    ASSERT_TRUE(r) << target;
    EXPECT_TRUE(r->status == 400 || r->status == 404) << target << " → " << r->status;
    EXPECT_EQ(r->body.find("top secret"), std::string::npos) << target;
    EXPECT_TRUE(r->Json().at("error").is_object()) << target;
  }
  TestClient c(server_->port());
  auto r = c.Request("GET", "/app/leak.txt");  // a symlink pointing outside the root
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body.find("top secret"), std::string::npos);
}

TEST(StaticFilesOpen, MissingRootIsAnError) {
  StaticFileOptions o;
  o.root = "/nonexistent/clv/dist";
  EXPECT_EQ(StaticFiles::Open(o).status().code(), StatusCode::kInvalidArgument);
}

TEST(MimeTypes, KnownAndUnknown) {
  EXPECT_EQ(MimeTypeFor("a.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(MimeTypeFor("x.json"), "application/json");
  EXPECT_EQ(MimeTypeFor("README"), "application/octet-stream");
  EXPECT_EQ(MimeTypeFor("x.exe"), "application/octet-stream");
}

}  // namespace
}  // namespace clv::http
