// A tiny blocking HTTP/1.1 client over POSIX sockets for the server tests: keep-alive,
// Content-Length and chunked bodies, raw writes for malformed input. Test-only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace clv::http::testing {

struct TestResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header value by case-insensitive name, or "" if absent.
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return "";
  }
  bool HasHeader(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return true;
      }
    }
    return false;
  }
  boost::json::value Json() const { return boost::json::parse(body); }
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether it worked. Reads give up after
  // `recv_timeout_ms` so a broken server fails a test instead of hanging it.
  explicit TestClient(std::uint16_t port, int recv_timeout_ms = 10'000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{recv_timeout_ms / 1000, (recv_timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      connect_errno_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~TestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  int connect_errno() const { return connect_errno_; }

  bool SendRaw(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Sends one request (adds Host and, for a body, Content-Length) and reads the response.
  std::optional<TestResponse> Request(
      std::string_view method, std::string_view target,
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      std::string_view body = {}) {
    std::string raw = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
    raw += "Host: 127.0.0.1\r\n";
    for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") {
      raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    raw += "\r\n";
    raw += body;
    if (!SendRaw(raw)) return std::nullopt;
    return ReadResponse(method == "HEAD");
  }

  // Reads one response; nullopt on EOF, reset or timeout before a complete response.
  std::optional<TestResponse> ReadResponse(bool head = false) {
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    TestResponse res;
    std::string_view head_text(buffer_.data(), header_end);
    const size_t line_end = head_text.find("\r\n");
    const std::string_view status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return std::nullopt;
    res.status = std::stoi(std::string(status_line.substr(9, 3)));
    size_t pos = line_end == std::string_view::npos ? head_text.size() : line_end + 2;
    while (pos < head_text.size()) {
      size_t eol = head_text.find("\r\n", pos);
      if (eol == std::string_view::npos) eol = head_text.size();
      const std::string_view line = head_text.substr(pos, eol - pos);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        res.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
      }
      pos = eol + 2;
    }
    buffer_.erase(0, header_end + 4);
    const bool bodiless = head || res.status == 204 || res.status == 304 || res.status < 200;
    if (bodiless) return res;
    if (res.Header("Transfer-Encoding") == "chunked") {
      while (true) {
        size_t eol;
        while ((eol = buffer_.find("\r\n")) == std::string::npos) {
          if (!Fill()) return std::nullopt;
        }
        const size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
        while (buffer_.size() < eol + 2 + size + 2) {
          if (!Fill()) return std::nullopt;
        }
        res.body += buffer_.substr(eol + 2, size);
        buffer_.erase(0, eol + 2 + size + 2);
        if (size == 0) break;
      }
      return res;
    }
    const std::string length = res.Header("Content-Length");
    if (length.empty()) {  // read to EOF
      while (Fill()) {
      }
      res.body = std::move(buffer_);
      buffer_.clear();
      return res;
    }
    const size_t n = std::stoul(length);
    while (buffer_.size() < n) {
      if (!Fill()) return std::nullopt;
    }
    res.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return res;
  }

  // True when the server closed the connection (EOF or reset) — waits up to the recv
  // timeout for it. False if data arrived instead.
  bool WaitForClose() {
    char c;
    while (true) {
      const ssize_t n = ::recv(fd_, &c, 1, 0);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == ECONNRESET;
      return false;
    }
  }

 private:
  bool Fill() {
    char buf[16384];
    while (true) {
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(n));
      return true;
    }
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  std::string buffer_;
};

}  // namespace clv::http::testing
