#include "http/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

namespace clv::http {

namespace {

constexpr std::uint64_t kStreamChunkBytes = 64 * 1024;

// Content Security Policy for the dashboard's HTML: same-origin scripts only. Inline styles are
// allowed because the component libraries set style attributes.
constexpr std::string_view kHtmlCsp =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

// An open file descriptor, closed on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads [offset, offset + length) with pread, retrying short reads.
Status ReadRange(int fd, std::uint64_t offset, std::uint64_t length, std::string& out) {
  const size_t start = out.size();
  out.resize(start + length);
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out.data() + start + done, length - done,
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      out.resize(start + done);
      return Internal("static file read failed");
    }
    done += static_cast<std::uint64_t>(n);
  }
  return Status::Ok();
}

class FileStream final : public BodyStream {
 public:
  FileStream(std::shared_ptr<Fd> fd, std::uint64_t offset, std::uint64_t length)
      : fd_(std::move(fd)), offset_(offset), remaining_(length), length_(length) {}
  Result<bool> Next(std::string& out) override {
    const std::uint64_t n = std::min(remaining_, kStreamChunkBytes);
    CLV_RETURN_IF_ERROR(ReadRange(fd_->get(), offset_, n, out));
    offset_ += n;
    remaining_ -= n;
    return remaining_ > 0;
  }
  std::optional<std::uint64_t> Length() const override { return length_; }

 private:
  std::shared_ptr<Fd> fd_;
  std::uint64_t offset_;
  std::uint64_t remaining_;
  std::uint64_t length_;
};

// Splits and checks a relative path. nullopt for anything that could leave the root.
std::optional<std::vector<std::string_view>> SafeSegments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view seg =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const bool last = slash == std::string_view::npos;
    if (seg.empty()) {
      if (!last) return std::nullopt;  // "//" or a leading '/' (absolute path)
    } else {
      if (seg == "." || seg == "..") return std::nullopt;
      if (seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos) {
        return std::nullopt;
      }
      out.push_back(seg);
    }
    if (last) break;
    start = slash + 1;
  }
  return out;
}

// One "bytes=first-last" range against `size`. Returns {offset,length}; nullopt to serve the
// whole file; sets *unsatisfiable for a syntactically valid range past the end.
std::optional<std::pair<std::uint64_t, std::uint64_t>> ParseRange(std::string_view header,
                                                                 std::uint64_t size,
                                                                 bool* unsatisfiable) {
  *unsatisfiable = false;
  if (header.substr(0, 6) != "bytes=") return std::nullopt;
  std::string_view spec = header.substr(6);
  if (spec.find(',') != std::string_view::npos) return std::nullopt;  // several ranges
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto parse_num = [](std::string_view s) -> std::optional<std::uint64_t> {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  };
  const std::string_view first_s = spec.substr(0, dash);
  const std::string_view last_s = spec.substr(dash + 1);
  if (first_s.empty()) {  // suffix: the last N bytes
    const auto n = parse_num(last_s);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) {
      *unsatisfiable = true;
      return std::nullopt;
    }
    const std::uint64_t len = std::min(*n, size);
    return std::make_pair(size - len, len);
  }
  const auto first = parse_num(first_s);
  if (!first) return std::nullopt;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_s.empty()) {
    const auto l = parse_num(last_s);
    if (!l || *l < *first) return std::nullopt;
    last = std::min(*l, last);
  }
  if (*first >= size) {
    *unsatisfiable = true;
    return std::nullopt;
  }
  return std::make_pair(*first, last - *first + 1);
}

// If-None-Match: a list of entity tags or "*"; weak comparison (RFC 9110 §13.1.2).
bool EtagMatches(std::string_view header, std::string_view etag) {
  auto strip_weak = [](std::string_view t) {
    if (t.substr(0, 2) == "W/") t.remove_prefix(2);
    return t;
  };
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view tag = header.substr(start, comma - start);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag == "*" || strip_weak(tag) == strip_weak(etag)) return true;
    start = comma + 1;
  }
  return false;
}

std::string Hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string_view MimeTypeFor(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"wasm", "application/wasm"},
      {"pdf", "application/pdf"},
  };
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

Result<std::shared_ptr<const StaticFiles>> StaticFiles::Open(StaticFileOptions options) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(options.root, ec);
  if (ec || !std::filesystem::is_directory(canonical, ec)) {
    return InvalidArgument("static file root is not a directory: " + options.root.string());
  }
  options.root = canonical;
  while (!options.prefix.empty() && options.prefix.back() == '/') options.prefix.pop_back();
  return std::shared_ptr<const StaticFiles>(new StaticFiles(std::move(options)));
}

Response StaticFiles::Serve(const Request& request, std::string_view relative_path) const {
  const auto segments = SafeSegments(relative_path);
  if (!segments) return Response::Error(400, "bad_request", "invalid file path");

  const std::string root = options_.root.string();
  std::string relative;
  for (const auto seg : *segments) {
    if (!relative.empty()) relative += '/';
    relative += seg;
  }
  const bool want_index = segments->empty() || relative_path.back() == '/';
  if (want_index) {
    if (!relative.empty()) relative += '/';
    relative += options_.index;
  }

  // Resolves to a regular file inside the root (after symlinks), or nullopt.
  auto resolve = [&](const std::string& rel) -> std::optional<std::string> {
    char buf[PATH_MAX];
    const std::string full = root + "/" + rel;
    if (::realpath(full.c_str(), buf) == nullptr) return std::nullopt;
    std::string real(buf);
    if (real.size() <= root.size() || real.compare(0, root.size(), root) != 0 ||
        real[root.size()] != '/') {
      return std::nullopt;
    }
    struct stat st;
    if (::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return real;
  };

  std::optional<std::string> real = resolve(relative);
  bool is_fallback = false;
  if (!real && options_.spa_fallback && !segments->empty()) {
    const std::string_view last = segments->back();
    if (want_index || last.find('.') == std::string_view::npos) {
      real = resolve(options_.index);
      is_fallback = true;
    }
  }
  if (!real) return Response::Error(404, "not_found", "no such file");

  const int raw_fd = ::open(real->c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (raw_fd < 0) return Response::Error(404, "not_found", "no such file");
  auto fd = std::make_shared<Fd>(raw_fd);
  struct stat st;
  if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Response::Error(404, "not_found", "no such file");
  }
  const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ull +
                                 static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  std::string etag = "\"";
  etag.append(Hex(size)).append("-").append(Hex(mtime_ns)).append("\"");

  const std::string_view content_type = MimeTypeFor(*real);
  const bool immutable = !is_fallback && !options_.immutable_dir.empty() &&
                         segments->size() > 1 && (*segments)[0] == options_.immutable_dir;
  const std::string cache_control =
      immutable ? "public, max-age=31536000, immutable" : "no-cache";

  auto common_headers = [&](Response& r) {
    r.headers.Set("ETag", etag);
    r.headers.Set("Cache-Control", cache_control);
    r.headers.Set("Accept-Ranges", "bytes");
    if (content_type.rfind("text/html", 0) == 0) {
      r.headers.Set("Content-Security-Policy", std::string(kHtmlCsp));
    }
  };

  if (const auto inm = request.headers.Get("If-None-Match"); inm && EtagMatches(*inm, etag)) {
    Response r;
    r.status = 304;
    common_headers(r);
    return r;
  }

  std::uint64_t offset = 0;
  std::uint64_t length = size;
  int status = 200;
  if (const auto range = request.headers.Get("Range")) {
    const auto if_range = request.headers.Get("If-Range");
    if (!if_range || *if_range == etag) {
      bool unsatisfiable = false;
      const auto r = ParseRange(*range, size, &unsatisfiable);
      if (unsatisfiable) {
        Response e = Response::Error(416, "range_not_satisfiable", "range is outside the file");
        e.headers.Set("Content-Range", "bytes */" + std::to_string(size));
        return e;
      }
      if (r) {
        offset = r->first;
        length = r->second;
        status = 206;
      }
    }
  }

  Response res;
  res.status = status;
  res.content_type = std::string(content_type);
  common_headers(res);
  if (status == 206) {
    res.headers.Set("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                         std::to_string(offset + length - 1) + "/" +
                                         std::to_string(size));
  }
  if (request.method == Method::kHead || length > options_.stream_threshold_bytes) {
    // HEAD needs only the length; the server sends no body for it.
    res.stream = std::make_shared<FileStream>(std::move(fd), offset, length);
    return res;
  }
  res.body.reserve(length);
  if (Status s = ReadRange(fd->get(), offset, length, res.body); !s.ok()) {
    return Response::Error(500, "internal", "internal error");
  }
  return res;
}

void RegisterStaticFiles(Router& router, std::shared_ptr<const StaticFiles> files) {
  const std::string prefix = files->options().prefix;
  router.Get(
      prefix + "/*path",
      [files](Request& req) { return files->Serve(req, req.PathParam("path").value_or("")); },
      Public());
  router.Get(
      prefix, [prefix](Request&) { return Response::Redirect(301, prefix + "/"); }, Public());
  if (!prefix.empty()) {
    router.Get(
        "/", [prefix](Request&) { return Response::Redirect(302, prefix + "/"); }, Public());
  }
}

}  // namespace clv::http
