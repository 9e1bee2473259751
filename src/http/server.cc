// The only translation unit that includes Boost.Beast/Asio (each costs ~15 s to compile here).
//
// Threading: each connection's socket and timer live on their own strand, so a connection's
// handlers never run concurrently; Process() runs on the WorkerPool and posts the Response
// back to the strand. The Impl's mutex guards only the connection registry and lifecycle
// flags, never the per-request path.
#include "http/server.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "http/error_mapping.h"
#include "http/worker_pool.h"

namespace clv::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

class Connection;

// Splits "host:port" / "[v6]:port". InvalidArgument when malformed.
Result<tcp::endpoint> ParseListen(const std::string& listen) {
  std::string host;
  std::string port;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return InvalidArgument("listen address must be host:port, got '" + listen + "'");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
      return InvalidArgument("listen address must be host:port, got '" + listen + "'");
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgument("listen host must be an IP address, got '" + host + "'");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return InvalidArgument("listen port must be 0..65535, got '" + port + "'");
  }
  return tcp::endpoint(address, static_cast<unsigned short>(std::stoul(port)));
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Router r) : options(std::move(o)), router(std::move(r)) {}

  void DoAccept();
  Response Process(Request& request, Router::Match& match);
  void Register(Connection* c, std::weak_ptr<Connection> w);
  void Unregister(Connection* c);

  ServerOptions options;
  const Router router;

  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool running = false;  // io threads started
  bool stop_requested = false;
  bool signalled = false;
  bool joined = false;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;  // under mu
  std::atomic<bool> stopping{false};
  std::atomic<std::uint16_t> port{0};

  // Destroyed before the members above: handlers still queued hold Connections whose
  // destructors touch `mu` and `connections`.
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(io)};
  std::unique_ptr<WorkerPool> workers;
  std::vector<std::thread> io_threads;
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server::Impl* server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()) {
    boost::system::error_code ec;
    const auto peer = socket_.remote_endpoint(ec);
    if (!ec) {
      remote_ = peer.address().is_v6() ? "[" + peer.address().to_string() + "]"
                                        : peer.address().to_string();
      remote_ += ":" + std::to_string(peer.port());
    }
  }
  ~Connection() { server_->Unregister(this); }

  void Start() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->ArmTimer(Clock::now() + self->server_->options.idle_timeout);
      self->ReadNext();
    });
  }

  // Posted by Server::Stop(): an idle keep-alive connection closes now; one with a request in
  // progress finishes it (the response carries Connection: close).
  void OnServerStop() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kReading && !self->RequestStarted()) self->Close();
    });
  }

 private:
  enum class State { kReading, kProcessing, kWriting, kClosed };

  const ServerOptions& opts() const { return server_->options; }
  bool RequestStarted() const {
    return buffer_.size() > 0 || (parser_.has_value() && parser_->got_some());
  }

  // --- the coarse deadline -------------------------------------------------------------------
  // One timer per connection. Moving the deadline later is a plain store; the timer notices
  // when it fires and re-arms. Moving it earlier is not enforced early: the timer keeps its
  // expiry, so a deadline may be noticed up to (max timeout − min timeout) late. That is the
  // price of not touching the timer on every request (DESIGN.md "HTTP").
  void ArmTimer(Clock::time_point at) {
    deadline_ = at;
    timer_.expires_at(at);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->OnTimer();
    });
  }
  void SetDeadline(std::chrono::milliseconds d) { deadline_ = Clock::now() + d; }

  void OnTimer() {
    if (state_ == State::kClosed) return;
    const auto now = Clock::now();
    if (state_ == State::kProcessing) {
      // Handlers are not timed out here (the drain timeout bounds them at shutdown).
      ArmTimer(now + opts().idle_timeout);
      return;
    }
    if (now < deadline_) {
      ArmTimer(deadline_);
      return;
    }
    timed_out_ = true;
    if (state_ == State::kReading) {
      // The pending read completes with operation_aborted; OnRead* then decides between a
      // silent close (idle) and a 408 (a request had started). Allow the 408 a write window.
      const auto grace = now + opts().write_timeout;
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      ArmTimer(grace);
    } else {
      Close();
    }
  }

  // --- reading -------------------------------------------------------------------------------
  void ReadNext() {
    if (server_->stopping.load() && buffer_.size() == 0) {
      Close();
      return;
    }
    state_ = State::kReading;
    timed_out_ = false;
    SetDeadline(opts().idle_timeout);
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(opts().header_limit_bytes));
    // The route decides the body limit once the headers are in (OnHeader).
    parser_->body_limit(boost::none);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](boost::system::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  // Shared error handling of header and body reads. Returns true if the caller should stop.
  bool HandleReadError(boost::system::error_code ec) {
    if (!ec) return false;
    if (state_ == State::kClosed) return true;
    if (ec == bhttp::error::header_limit) {
      SendErrorAndClose(431, "request_header_fields_too_large", "request headers are too large");
    } else if (ec == bhttp::error::body_limit) {
      SendErrorAndClose(413, "payload_too_large", "request body is too large");
    } else if (timed_out_ || ec == asio::error::operation_aborted) {
      if (timed_out_ && RequestStarted()) {
        SendErrorAndClose(408, "request_timeout", "request was not received in time");
      } else {
        Close();
      }
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      SendErrorAndClose(400, "bad_request", "malformed HTTP request");
    } else {
      Close();  // end of stream, reset by peer, ...
    }
    return true;
  }

  void OnHeader(boost::system::error_code ec) {
    if (HandleReadError(ec)) return;
    auto& msg = parser_->get();
    method_ = ParseMethod(std::string_view(msg.method_string().data(), msg.method_string().size()));
    const std::string_view target(msg.target().data(), msg.target().size());
    auto url = boost::urls::parse_origin_form(target);
    if (!url) {
      SendErrorAndClose(400, "bad_request", "malformed request target");
      return;
    }
    raw_path_ = std::string(url->encoded_path());
    match_ = server_->router.Find(method_, raw_path_);
    route_pattern_ = match_.pattern;
    std::size_t limit = opts().body_limit_bytes;
    if (match_.kind == Router::Match::Kind::kFound && match_.options->body_limit_bytes != 0) {
      limit = match_.options->body_limit_bytes;
    }
    const auto length = parser_->content_length();
    if (length && *length > limit) {
      SendErrorAndClose(413, "payload_too_large",
                        "request body is larger than " + std::to_string(limit) + " bytes");
      return;
    }
    parser_->body_limit(limit);  // enforced while reading a chunked body
    if (parser_->is_done()) {
      OnRequest();
      return;
    }
    SetDeadline(opts().read_timeout);
    const auto expect = msg[bhttp::field::expect];
    if (EqualsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](boost::system::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                        if (self->HandleReadError(ec)) return;
                        self->OnRequest();
                      });
  }

  void OnRequest() {
    auto msg = parser_->release();
    parser_.reset();
    start_ = Clock::now();
    keep_alive_ = msg.keep_alive();
    head_ = method_ == Method::kHead;

    Request req;
    req.method = method_;
    req.method_name = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.remote_address = remote_;
    auto url = boost::urls::parse_origin_form(req.target);  // validated in OnHeader
    req.path = std::string(url->path());
    for (const auto& p : url->params()) {
      req.query.emplace_back(std::string(p.key), p.has_value ? std::string(p.value) : "");
    }
    req.headers.Reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& f : msg) {
      req.headers.Add(std::string(f.name_string()), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    const auto incoming_id = req.headers.Get("X-Request-Id");
    req.request_id = incoming_id && IsSaneRequestId(*incoming_id) ? std::string(*incoming_id)
                                                                 : GenerateRequestId();
    request_id_ = req.request_id;
    log_method_ = req.method_name;

    state_ = State::kProcessing;
    auto self = shared_from_this();
    const bool queued = server_->workers->TrySubmit(
        [self, req = std::move(req), match = std::move(match_)]() mutable {
          Response res = self->server_->Process(req, match);
          asio::post(self->socket_.get_executor(), [self, res = std::move(res)]() mutable {
            self->Write(std::move(res));
          });
        });
    if (!queued) {
      Response busy = Response::Error(503, "unavailable", "server is busy; retry shortly");
      busy.headers.Set("Retry-After", "1");
      Write(std::move(busy));
    }
  }

  // --- writing -------------------------------------------------------------------------------
  template <class Body>
  void FillHeaders(bhttp::response<Body>& out, Response& res) {
    out.version(11);
    out.result(static_cast<unsigned>(res.status));
    for (const auto& [name, value] : res.headers.fields()) out.insert(name, value);
    // After the handler's fields, unless it set them (middleware.h).
    VisitSecurityHeaders(res, [&out](std::string_view name, std::string_view value) {
      out.insert(name, value);
    });
    if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
    out.set("X-Request-Id", request_id_);
    out.keep_alive(keep_alive_);
  }

  void Write(Response res) {
    if (state_ == State::kClosed) return;
    state_ = State::kWriting;
    SetDeadline(opts().write_timeout);
    if (server_->stopping.load()) keep_alive_ = false;
    if (res.error) {
      res.body = ErrorEnvelope(res.error->code, res.error->message, request_id_);
      res.content_type = "application/json";
      res.stream.reset();
    }
    status_ = res.status;  // the security headers are added by FillHeaders
    if (res.stream) {
      if (head_) {
        // HEAD: headers only, with the length the body would have had.
        bytes_ = 0;
        auto length = res.stream->Length();
        res.stream.reset();
        WriteString(std::move(res), length.value_or(0));
        return;
      }
      WriteStream(std::move(res));
      return;
    }
    const std::uint64_t length = res.body.size();
    WriteString(std::move(res), length);
  }

  void WriteString(Response res, std::uint64_t length) {
    response_.emplace();
    FillHeaders(*response_, res);
    const bool bodiless_status = res.status == 204 || res.status == 304 || res.status < 200;
    if (!bodiless_status) response_->content_length(length);
    if (!head_ && !bodiless_status) response_->body() = std::move(res.body);
    bytes_ = response_->body().size();
    bhttp::async_write(socket_, *response_,
                       [self = shared_from_this()](boost::system::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->AfterWrite();
                       });
  }

  void WriteStream(Response res) {
    stream_ = std::move(res.stream);
    stream_response_.emplace();
    FillHeaders(*stream_response_, res);
    if (auto length = stream_->Length()) {
      stream_response_->content_length(*length);
    } else {
      stream_response_->chunked(true);
    }
    stream_response_->body().data = nullptr;
    stream_response_->body().more = true;
    serializer_.emplace(*stream_response_);
    bytes_ = 0;
    bhttp::async_write_header(socket_, *serializer_,
                              [self = shared_from_this()](boost::system::error_code ec, size_t) {
                                if (ec) return self->Close();
                                self->NextChunk();
                              });
  }

  void NextChunk() {
    state_ = State::kProcessing;  // the stream may block (a file read) like a handler
    auto self = shared_from_this();
    const bool queued = server_->workers->TrySubmit([self] {
      self->chunk_.clear();
      Result<bool> more = Internal("body stream threw");
      try {
        more = self->stream_->Next(self->chunk_);
      } catch (const std::exception& e) {
        more = Internal(std::string("body stream threw: ") + e.what());
      } catch (...) {
      }
      asio::post(self->socket_.get_executor(), [self, more = std::move(more)]() mutable {
        self->OnChunk(std::move(more));
      });
    });
    if (!queued) Close();  // headers are out: the only honest signal left is a short body
  }

  void OnChunk(Result<bool> more) {
    if (state_ == State::kClosed) return;
    if (!more.ok()) {
      spdlog::error("http stream failed request_id={} error={}", request_id_,
                    more.status().ToString());
      Close();
      return;
    }
    state_ = State::kWriting;
    SetDeadline(opts().write_timeout);
    bytes_ += chunk_.size();
    stream_response_->body().data = chunk_.empty() ? nullptr : chunk_.data();
    stream_response_->body().size = chunk_.size();
    stream_response_->body().more = *more;
    bhttp::async_write(socket_, *serializer_,
                       [self = shared_from_this()](boost::system::error_code ec, size_t) {
                         if (ec == bhttp::error::need_buffer) ec = {};
                         if (ec) return self->Close();
                         if (self->serializer_->is_done()) {
                           self->serializer_.reset();
                           self->stream_response_.reset();
                           self->stream_.reset();
                           self->AfterWrite();
                         } else {
                           self->NextChunk();
                         }
                       });
  }

  void SendErrorAndClose(int status, std::string code, std::string message) {
    // Protocol-level errors happen before OnRequest(): honour the client's id if the headers
    // got that far, else make one.
    request_id_ = GenerateRequestId();
    if (parser_.has_value() && parser_->is_header_done()) {
      const auto id = parser_->get()["X-Request-Id"];
      if (IsSaneRequestId(std::string_view(id.data(), id.size()))) {
        request_id_ = std::string(id.data(), id.size());
      }
    }
    if (log_method_.empty() && parser_.has_value()) {
      log_method_ = std::string(parser_->get().method_string());
    }
    start_ = Clock::now();
    keep_alive_ = false;
    head_ = false;
    linger_ = true;
    Write(Response::Error(status, std::move(code), std::move(message)));
  }

  void AfterWrite() {
    if (opts().access_log || opts().on_response) {
      const auto duration =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
      if (opts().on_response) {
        opts().on_response({.method = log_method_,
                            .route = route_pattern_,
                            .status = status_,
                            .bytes = bytes_,
                            .duration_us = duration});
      }
      // The line is built only when it will be written: with LOG_LEVEL=warn (a common
      // production setting) formatting it was a dozen allocations per request for nothing.
      if (opts().access_log && spdlog::should_log(spdlog::level::info)) {
        spdlog::info("{}", FormatAccessLog({.method = log_method_,
                                            .path = raw_path_,
                                            .status = status_,
                                            .bytes = bytes_,
                                            .duration_us = duration,
                                            .request_id = request_id_,
                                            .remote = remote_},
                                           opts().log_format));
      }
    }
    response_.reset();
    log_method_.clear();
    raw_path_.clear();
    route_pattern_ = {};
    request_id_.clear();
    if (!keep_alive_ || server_->stopping.load()) {
      // Half-close so the client reads the whole response before seeing EOF.
      boost::system::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      if (linger_) {
        Linger();
      } else {
        Close();
      }
      return;
    }
    ReadNext();
  }

  // After an error answered before the request was read whole (413, 431, 408, 400), the
  // client may still be sending. Closing with unread data makes the kernel send a RST, which
  // can destroy our response in the client's receive queue; so discard input for a short
  // while (bounded in time and bytes) until the client closes its side.
  void Linger() {
    state_ = State::kWriting;  // the timer closes it at the deadline
    ArmTimer(Clock::now() + std::min<std::chrono::milliseconds>(opts().write_timeout,
                                                                 std::chrono::seconds(2)));
    LingerRead();
  }
  void LingerRead() {
    socket_.async_read_some(asio::buffer(linger_buffer_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              self->lingered_bytes_ += n;
                              if (ec || self->lingered_bytes_ > kMaxLingerBytes) {
                                return self->Close();
                              }
                              self->LingerRead();
                            });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  static constexpr std::size_t kMaxLingerBytes = 4 << 20;
  Server::Impl* const server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  Clock::time_point deadline_;
  State state_ = State::kReading;
  bool timed_out_ = false;
  std::string remote_;

  beast::flat_buffer buffer_;  // reused across the connection's requests
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  std::optional<bhttp::response<bhttp::buffer_body>> stream_response_;
  std::optional<bhttp::response_serializer<bhttp::buffer_body>> serializer_;
  std::shared_ptr<BodyStream> stream_;
  std::string chunk_;
  bool linger_ = false;
  std::size_t lingered_bytes_ = 0;
  std::array<char, 4096> linger_buffer_;

  // Per request.
  Method method_ = Method::kGet;
  std::string raw_path_;
  Router::Match match_;
  std::string_view route_pattern_;  // into the server's Router; empty when no route matched
  bool keep_alive_ = true;
  bool head_ = false;
  std::string request_id_;
  std::string log_method_;
  int status_ = 0;
  std::uint64_t bytes_ = 0;
  Clock::time_point start_;
};

}  // namespace

void Server::Impl::Register(Connection* c, std::weak_ptr<Connection> w) {
  std::lock_guard lock(mu);
  connections.emplace(c, std::move(w));
}

void Server::Impl::Unregister(Connection* c) {
  {
    std::lock_guard lock(mu);
    connections.erase(c);
  }
  cv.notify_all();
}

void Server::Impl::DoAccept() {
  acceptor.async_accept(asio::make_strand(io), [this](boost::system::error_code ec,
                                                      tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      spdlog::warn("http accept failed: {}", ec.message());
    } else if (stopping.load()) {
      return;
    } else {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto c = std::make_shared<Connection>(this, std::move(socket));
      Register(c.get(), c);
      c->Start();
    }
    DoAccept();
  });
}

Response Server::Impl::Process(Request& request, Router::Match& match) {
  try {
    switch (match.kind) {
      case Router::Match::Kind::kNotFound:
        return Response::Error(404, "not_found", "no route for " + request.path);
      case Router::Match::Kind::kBadPath:
        return Response::Error(400, "bad_request", "malformed request path");
      case Router::Match::Kind::kMethodNotAllowed: {
        Response r = Response::Error(405, "method_not_allowed",
                                     "method " + request.method_name + " is not allowed here");
        r.headers.Set("Allow", match.allow);
        return r;
      }
      case Router::Match::Kind::kFound:
        break;
    }
    request.route = match.options;
    request.path_params = std::move(match.params);  // the match is this request's alone
    if (auto denied = AuthenticateRequest(request, *match.options, options.authenticator.get(),
                                          options.permissions)) {
      return std::move(*denied);
    }
    // The middleware chain, first added outermost, ending in the route's handler. The last
    // middleware gets the handler itself; the others a Handler whose two-word capture fits
    // std::function's inline storage (no allocation per request).
    struct Chain {
      const std::vector<Middleware>& middleware;
      const Handler& handler;
      Response Run(Request& r, size_t i) const {
        if (i == middleware.size()) return handler(r);
        if (i + 1 == middleware.size()) return middleware[i](r, handler);
        return middleware[i](r, Handler([this, i](Request& rr) { return Run(rr, i + 1); }));
      }
    };
    return Chain{options.middleware, *match.handler}.Run(request, 0);
  } catch (const std::exception& e) {
    spdlog::error("http handler threw request_id={} path={} what={}", request.request_id,
                  request.path, e.what());
  } catch (...) {
    spdlog::error("http handler threw request_id={} path={} (non-standard exception)",
                  request.request_id, request.path);
  }
  return Response::Error(500, "internal", "internal error");
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

Server::~Server() {
  Stop();
  Wait();
}

Status Server::Start() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    CLV_CHECK(!s.started);
    s.started = true;
  }
  CLV_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, ParseListen(s.options.listen));
  boost::system::error_code ec;
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::lock_guard lock(s.mu);
    s.stop_requested = true;
    s.joined = true;
    return Unavailable("cannot listen on " + s.options.listen + ": " + ec.message());
  }
  s.port = s.acceptor.local_endpoint().port();

  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t io_threads = s.options.io_threads != 0 ? s.options.io_threads : cores;
  // Handlers block on the database, so workers are mostly waiting, not computing: more of them
  // than cores keeps both busy, and lets concurrent detail reads share one statement
  // (storage/detail_batcher.h needs requests waiting together to combine them). With 16 instead
  // of 4 workers on two cores, GET /clv/customers/:id took 218 instead of 285 µs of server CPU
  // (docs/benchmarks.md, "API: GET /clv/customers/:id vs Fastify").
  const size_t workers =
      s.options.worker_threads != 0 ? s.options.worker_threads : std::max<size_t>(16, 8 * cores);
  s.workers = std::make_unique<WorkerPool>(workers, std::max<size_t>(1, s.options.max_queued_requests));
  s.work.emplace(s.io.get_executor());
  s.DoAccept();
  std::lock_guard lock(s.mu);
  for (size_t i = 0; i < io_threads; ++i) {
    s.io_threads.emplace_back([&s] { s.io.run(); });
  }
  s.running = true;
  return Status::Ok();
}

std::uint16_t Server::port() const { return impl_->port.load(); }

std::size_t Server::open_connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections.size();
}

void Server::Stop() {
  Impl& s = *impl_;
  std::vector<std::weak_ptr<Connection>> live;
  {
    std::lock_guard lock(s.mu);
    if (s.stop_requested) return;
    s.stop_requested = true;
    s.stopping = true;
    if (!s.running) {
      s.cv.notify_all();
      return;
    }
    for (const auto& [ptr, weak] : s.connections) live.push_back(weak);
  }
  // Close the listener on its strand and wait, so that new connections are refused once
  // Stop() returns. Stop() must therefore not be called from an io thread (Run() calls it
  // from the main thread; handlers run on workers).
  std::promise<void> closed;
  asio::post(s.acceptor.get_executor(), [&s, &closed] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  for (auto& weak : live) {
    if (auto c = weak.lock()) c->OnServerStop();
  }
  s.cv.notify_all();
}

void Server::Wait() {
  Impl& s = *impl_;
  std::unique_lock lock(s.mu);
  s.cv.wait(lock, [&] { return s.stop_requested; });
  if (s.joined || !s.running) return;
  s.joined = true;
  const auto deadline = Clock::now() + s.options.drain_timeout;
  if (!s.cv.wait_until(lock, deadline, [&] { return s.connections.empty(); })) {
    spdlog::warn("http drain timeout: closing {} connection(s) with work in progress",
                 s.connections.size());
  }
  lock.unlock();
  s.work.reset();
  s.io.stop();
  for (std::thread& t : s.io_threads) t.join();
  s.io_threads.clear();
  // Handlers still running finish here; their posts to the stopped io_context are dropped.
  s.workers->Shutdown();
}

Status Server::Run() {
  Impl& s = *impl_;
  // Installed before Start(), so a signal that arrives once the port is open is never fatal.
  asio::signal_set signals(s.io, SIGINT, SIGTERM);
  signals.async_wait([&s](boost::system::error_code ec, int signo) {
    if (ec) return;
    spdlog::info("http received signal {}; draining", signo);
    {
      std::lock_guard lock(s.mu);
      s.signalled = true;
    }
    s.cv.notify_all();
  });
  CLV_RETURN_IF_ERROR(Start());
  spdlog::info("http listening on {} (port {})", s.options.listen, port());
  {
    std::unique_lock lock(s.mu);
    s.cv.wait(lock, [&] { return s.signalled || s.stop_requested; });
  }
  Stop();
  Wait();
  return Status::Ok();
}

}  // namespace clv::http
