#include "storage/postgres/pg.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <limits>

#include "core/encoding.h"

namespace clv::storage::postgres {
namespace {

void IgnoreNotice(void*, const char*) {}

std::string Describe(PGconn* c) {
  std::string host = PQhost(c) ? PQhost(c) : "?";
  std::string port = PQport(c) ? PQport(c) : "?";
  std::string db = PQdb(c) ? PQdb(c) : "?";
  return host + ":" + port + "/" + db;
}

std::string TrimmedError(PGconn* c) {
  std::string msg = PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

}  // namespace

std::int64_t PgResult::Int(int row, int col) const {
  std::string_view v = View(row, col);
  std::int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

double PgResult::Double(int row, int col) const {
  if (IsNull(row, col)) return std::numeric_limits<double>::quiet_NaN();
  // std::from_chars is correctly rounded, as glibc's strtod is, so both give the same double for
  // every decimal text; it skips strtod's locale lookup and multi-precision set-up (~2 % of the
  // server's CPU on GET /clv/customers/:id, ~45 float8 columns per row). Text it does not take
  // whole (a leading '+', hexadecimal, out of range: never float8 output) goes to strtod.
  const std::string_view v = View(row, col);
  double out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec == std::errc() && end == v.data() + v.size()) return out;
  return std::strtod(PQgetvalue(r_.get(), row, col), nullptr);
}

Result<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& url, int connect_timeout_s) {
  // Keywords before "dbname" are defaults that the URL (expanded from dbname) overrides.
  const std::string timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "clv", url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!c) return Unavailable("postgres: out of memory while connecting");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = "cannot connect to PostgreSQL at " + Describe(c) + ": " + TrimmedError(c);
    PQfinish(c);
    return Unavailable(msg);
  }
  PQsetNoticeProcessor(c, &IgnoreNotice, nullptr);
  std::unique_ptr<PgConn> conn(new PgConn(c));
  // UTC and a fixed encoding so nothing depends on the server's defaults.
  CLV_RETURN_IF_ERROR(
      conn->Command("SET client_min_messages = warning; SET TIME ZONE 'UTC'; "
                    "SET client_encoding = 'UTF8'"));
  return conn;
}

PgConn::~PgConn() { PQfinish(c_); }

bool PgConn::healthy() const { return PQstatus(c_) == CONNECTION_OK; }
bool PgConn::idle_outside_transaction() const {
  return PQtransactionStatus(c_) == PQTRANS_IDLE;
}

Status PgConn::Error(PGresult* r, std::string_view what) const {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (msg.empty()) msg = TrimmedError(c_);
  const std::string full = "postgres " + std::string(what) + ": " + msg;
  if (!healthy() || sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P03")
    return Unavailable("lost the PostgreSQL connection: " + msg);
  if (sqlstate == "23505") return AlreadyExists(full);
  if (sqlstate == "42P01") return FailedPrecondition("the database has no schema; run `clv migrate` (" + full + ")");
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03")
    return Unavailable("PostgreSQL transaction conflict; retry (" + full + ")");
  return Internal(full);
}

Result<PgResult> PgConn::Exec(const char* sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
  PgResult r(PQexecParams(c_, sql, static_cast<int>(params.size()), nullptr, values.data(),
                          nullptr, nullptr, 0));
  const ExecStatusType st = r.raw() ? PQresultStatus(r.raw()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(r.raw(), "query");
  return r;
}

Status PgConn::Command(const char* sql) {
  PgResult r(PQexec(c_, sql));
  const ExecStatusType st = r.raw() ? PQresultStatus(r.raw()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(r.raw(), "command");
  return Status::Ok();
}

Status PgConn::CopyBegin(const char* sql) {
  PgResult r(PQexec(c_, sql));
  if (!r.raw() || PQresultStatus(r.raw()) != PGRES_COPY_IN) return Error(r.raw(), "copy");
  return Status::Ok();
}

Status PgConn::CopyPut(std::string_view data) {
  if (PQputCopyData(c_, data.data(), static_cast<int>(data.size())) != 1)
    return Error(nullptr, "copy data");
  return Status::Ok();
}

Status PgConn::CopyEnd() {
  if (PQputCopyEnd(c_, nullptr) != 1) return Error(nullptr, "copy end");
  Status s;
  while (PGresult* raw = PQgetResult(c_)) {
    PgResult r(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && s.ok()) s = Error(raw, "copy");
  }
  return s;
}

void PgConn::AbandonCopy() {
  if (PQtransactionStatus(c_) != PQTRANS_ACTIVE) return;
  PQputCopyEnd(c_, "aborted by clv");
  while (PGresult* raw = PQgetResult(c_)) PQclear(raw);
}

Status PgConn::CopyOut(const char* sql, const std::function<Status(std::string_view)>& data) {
  {
    PgResult r(PQexec(c_, sql));
    if (!r.raw() || PQresultStatus(r.raw()) != PGRES_COPY_OUT) return Error(r.raw(), "copy");
  }
  Status s;
  while (true) {
    char* buf = nullptr;
    const int n = PQgetCopyData(c_, &buf, /*async=*/0);
    if (n == -1) break;  // done; the final result follows
    if (n < 0) return Error(nullptr, "copy data");
    // After a sink error the remaining rows are still read (and dropped): the connection must
    // reach the end of the COPY to stay usable.
    if (s.ok()) s = data(std::string_view(buf, static_cast<std::size_t>(n)));
    PQfreemem(buf);
  }
  while (PGresult* raw = PQgetResult(c_)) {
    PgResult r(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && s.ok()) s = Error(raw, "copy");
  }
  return s;
}

Result<PgPool::Lease> PgPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    if (idle_.empty() && open_ >= size_) {
      // Pool exhausted: count the wait and its length (the /metrics pool gauges), so an
      // undersized CLV_PG_POOL_SIZE shows up before requests start failing.
      const auto started = std::chrono::steady_clock::now();
      const bool got = cv_.wait_for(lock, std::chrono::milliseconds(wait_ms_),
                                    [&] { return !idle_.empty() || open_ < size_; });
      ++waits_;
      wait_seconds_ +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!got) {
        ++wait_timeouts_;
        return Unavailable("all " + std::to_string(size_) +
                           " PostgreSQL connections are busy; retry later");
      }
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;
  }
  auto conn = PgConn::Connect(url_, connect_timeout_s_);
  if (!conn.ok()) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void PgPool::Release(std::unique_ptr<PgConn> conn) {
  conn->AbandonCopy();
  if (conn->healthy() && !conn->idle_outside_transaction()) (void)conn->Command("ROLLBACK");
  const bool keep = conn->healthy() && conn->idle_outside_transaction();
  if (!keep) conn.reset();  // closes it; the next Acquire opens a fresh one
  {
    std::lock_guard lock(mu_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

PoolStats PgPool::Stats() const {
  std::lock_guard lock(mu_);
  PoolStats s;
  s.capacity = size_;
  s.open = open_;
  s.idle = static_cast<int>(idle_.size());
  s.in_use = open_ - s.idle;
  s.waits = waits_;
  s.wait_timeouts = wait_timeouts_;
  s.wait_seconds = wait_seconds_;
  return s;
}

void AppendCopyField(std::string& out, std::string_view v) {
  for (char ch : v) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(ch);
    }
  }
}

Status CopyTextReader::Finish() const {
  if (!pending_.empty()) return Internal("postgres: truncated COPY text stream");
  return Status::Ok();
}

void CopyTextReader::Split(std::string_view line) {
  row_.fields_.clear();
  row_.nulls_.clear();
  // A decoded field is never longer than its raw text, so the buffer, sized once per row, never
  // moves while fields point into it.
  if (decoded_.size() < line.size()) decoded_.resize(line.size());
  char* const buf = decoded_.data();
  std::size_t used = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    const std::string_view raw =
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    const bool null = raw == "\\N";
    row_.nulls_.push_back(null ? 1 : 0);
    if (null) {
      row_.fields_.emplace_back();
    } else if (raw.find('\\') == std::string_view::npos) {
      row_.fields_.push_back(raw);  // the common case: nothing to decode, no copy
    } else {
      char* const out = buf + used;
      std::size_t n = 0;
      for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c != '\\' || i + 1 == raw.size()) {  // a trailing lone backslash stays itself
          out[n++] = c;
          continue;
        }
        const char e = raw[++i];
        switch (e) {
          case 'b': out[n++] = '\b'; break;
          case 'f': out[n++] = '\f'; break;
          case 'n': out[n++] = '\n'; break;
          case 'r': out[n++] = '\r'; break;
          case 't': out[n++] = '\t'; break;
          case 'v': out[n++] = '\v'; break;
          case 'x': {  // \xh or \xhh; \x without a hex digit is "x"
            int v = 0, digits = 0;
            for (int d; digits < 2 && i + 1 < raw.size() && (d = HexDigitValue(raw[i + 1])) >= 0;
                 ++digits, ++i)
              v = v * 16 + d;
            out[n++] = digits == 0 ? 'x' : static_cast<char>(v);
            break;
          }
          default:
            if (e >= '0' && e <= '7') {  // \o, \oo or \ooo
              int v = e - '0';
              for (int d = 1; d < 3 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7';
                   ++d)
                v = v * 8 + (raw[++i] - '0');
              out[n++] = static_cast<char>(v);
            } else {
              out[n++] = e;  // \\ and any other escaped character stand for themselves
            }
        }
      }
      row_.fields_.emplace_back(out, n);
      used += n;
    }
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
}

void PgPool::Put(std::unique_ptr<PgConn> conn) {
  {
    std::lock_guard lock(mu_);
    ++open_;
  }
  Release(std::move(conn));
}

}  // namespace clv::storage::postgres
