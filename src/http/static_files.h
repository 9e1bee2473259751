// Static files for the dashboard (web/dist served under /app/).
//
//  - MIME type from the extension; unknown → application/octet-stream.
//  - Strong ETag from size and modification time; If-None-Match → 304.
//  - Cache-Control: files under `immutable_dir` (Vite's content-hashed assets) are cached for a
//    year as immutable; everything else (index.html first) is "no-cache", i.e. revalidated.
//  - Range: one "bytes=" range → 206 with Content-Range; unsatisfiable → 416; several ranges
//    or a syntax error → the whole file (200), as RFC 9110 §14.2 allows. If-Range honoured.
//  - Single-page-app fallback: a missing path whose last segment has no '.' (a client route
//    such as /app/customers/42) gets index.html; a missing "file.ext" is 404.
//  - Never outside the root: ".." or "." segments (also percent-encoded), empty segments,
//    backslashes and NULs → 400; a symlink resolving outside the root → 404.
//  - Files above `stream_threshold_bytes` are streamed in 64 KiB pieces, not loaded whole.
//
// Thread safety: Serve() is const and may run concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"
#include "http/router.h"

namespace clv::http {

struct StaticFileOptions {
  std::filesystem::path root;           // must be an existing directory
  std::string prefix = "/app";          // URL prefix, without the trailing slash
  std::string index = "index.html";
  bool spa_fallback = true;
  std::string immutable_dir = "assets";  // first path segment of hashed assets ("" for none)
  std::uint64_t stream_threshold_bytes = 1 << 20;
};

// MIME type for a file name by its extension ("app.js" → "text/javascript; charset=utf-8").
std::string_view MimeTypeFor(std::string_view file_name);

class StaticFiles {
 public:
  // InvalidArgument when the root is missing or not a directory.
  static Result<std::shared_ptr<const StaticFiles>> Open(StaticFileOptions options);

  // Answers a GET/HEAD for `relative_path` (decoded, relative to the root, e.g.
  // "assets/app-3f2a.js"; empty for the index).
  Response Serve(const Request& request, std::string_view relative_path) const;

  const StaticFileOptions& options() const { return options_; }

 private:
  explicit StaticFiles(StaticFileOptions options) : options_(std::move(options)) {}
  StaticFileOptions options_;  // root canonicalised
};

// Registers GET (and so HEAD) routes, all public:
//   <prefix>/*path → the file;  <prefix> → 301 to <prefix>/;  / → 302 to <prefix>/.
void RegisterStaticFiles(Router& router, std::shared_ptr<const StaticFiles> files);

}  // namespace clv::http
