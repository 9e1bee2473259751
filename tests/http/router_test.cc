// Router matching without a socket (the server tests cover it end to end).
#include "http/router.h"

#include <gtest/gtest.h>

namespace clv::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

std::string CallHandler(const Router::Match& m) {
  Request req;
  return (*m.handler)(req).body;
}

TEST(Router, MostSpecificPatternWinsRegardlessOfOrder) {
  Router r;
  r.Get("/a/*rest", Named("wild"));
  r.Get("/a/:id", Named("param"));
  r.Get("/a/fixed", Named("literal"));
  r.Get("/a/:id/b", Named("param-b"));
  EXPECT_EQ(CallHandler(r.Find(Method::kGet, "/a/fixed")), "literal");
  EXPECT_EQ(CallHandler(r.Find(Method::kGet, "/a/7")), "param");
  EXPECT_EQ(CallHandler(r.Find(Method::kGet, "/a/7/b")), "param-b");
  EXPECT_EQ(CallHandler(r.Find(Method::kGet, "/a/7/c/d")), "wild");
  const auto m = r.Find(Method::kGet, "/a/x/y%20z");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.params, (std::vector<std::pair<std::string, std::string>>{{"rest", "x/y z"}}));
}

TEST(Router, TrailingSlashAndEmptySegmentsMatter) {
  Router r;
  r.Get("/x/:id", Named("id"));
  EXPECT_EQ(r.Find(Method::kGet, "/x/").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(r.Find(Method::kGet, "/x/1/").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(r.Find(Method::kGet, "/x").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(r.Find(Method::kGet, "x/1").kind, Router::Match::Kind::kBadPath);
  EXPECT_EQ(r.Find(Method::kGet, "/x/%4").kind, Router::Match::Kind::kBadPath);
  EXPECT_EQ(r.Find(Method::kGet, "/x/%00").kind, Router::Match::Kind::kBadPath);
}

TEST(Router, MethodsHeadAndAllow) {
  Router r;
  r.Get("/m", Named("get"));
  r.Put("/m", Named("put"));
  EXPECT_EQ(CallHandler(r.Find(Method::kHead, "/m")), "get");
  const auto m = r.Find(Method::kPost, "/m");
  EXPECT_EQ(m.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, PUT, HEAD");
}

TEST(Router, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc+d"), "a b/c+d");
  EXPECT_FALSE(PercentDecode("%"));
  EXPECT_FALSE(PercentDecode("%2"));
  EXPECT_FALSE(PercentDecode("%g0"));
}

}  // namespace
}  // namespace clv::http
