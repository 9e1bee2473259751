// A small RAII layer over libpq: results, connections (parameterised statements, COPY) and a
// bounded connection pool. Internal to storage/postgres.
#pragma once

#include <libpq-fe.h>

#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/store.h"

namespace clv::storage::postgres {

// Owns a PGresult.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
  std::string_view View(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  std::int64_t Int(int row, int col) const;  // 0 for NULL
  // A float8 in text format, the value strtod gives ("NaN", "Infinity", "-Infinity" included);
  // NaN for NULL.
  double Double(int row, int col) const;
  PGresult* raw() const { return r_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_{nullptr, &PQclear};
};

// A text parameter; std::nullopt is SQL NULL.
using Param = std::optional<std::string>;
inline Param P(std::int64_t v) { return std::to_string(v); }
inline Param P(std::string_view v) { return std::string(v); }
inline Param P(const char* v) { return std::string(v); }
inline Param P(std::optional<std::int64_t> v) { return v ? P(*v) : std::nullopt; }

// COPY text format of one field: appends `v` with backslash, tab, newline and carriage return
// escaped (the caller writes the tab between fields and the newline after a row).
void AppendCopyField(std::string& out, std::string_view v);

// One row of COPY text format appended to `out`, field by field: the writer puts the tab
// between fields and End() the newline. Text escapes (AppendCopyField); Int writes decimal;
// Null writes \N; Raw appends text as it is (the caller's pre-formatted constant: a status
// name, a tenant id or timestamp already in text, never user data).
class CopyRowWriter {
 public:
  explicit CopyRowWriter(std::string& out) : out_(out) {}
  CopyRowWriter& Text(std::string_view v) {
    Sep();
    AppendCopyField(out_, v);
    return *this;
  }
  CopyRowWriter& Int(std::int64_t v) {
    Sep();
    char tmp[24];
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    out_.append(tmp, end);
    return *this;
  }
  CopyRowWriter& Null() { return Raw("\\N"); }
  CopyRowWriter& Raw(std::string_view v) {
    Sep();
    out_ += v;
    return *this;
  }
  void End() { out_.push_back('\n'); }

 private:
  void Sep() {
    if (first_) {
      first_ = false;
    } else {
      out_.push_back('\t');
    }
  }
  std::string& out_;
  bool first_ = true;
};

// Decodes rows of COPY text format (COPY ... TO STDOUT, default format, as PostgreSQL's COPY
// docs "Text Format" define it) from the CopyData chunks that carry them: a row ends at '\n',
// its fields are split at tabs, a field that is exactly \N is NULL, and backslash escapes are
// decoded: \b \f \n \r \t \v, \x with one or two hex digits, \ with one to three octal digits,
// and a backslash before any other character stands for that character. A row may be split
// over chunks at any byte: the bytes of an unfinished row are held until its newline arrives.
// No allocation per row or field once the buffers have grown to the longest row: fields are
// views into the chunk (or the held bytes), or into one decode buffer when they had escapes.
class CopyTextReader {
 public:
  // One decoded row, valid only during the callback that receives it.
  class Row {
   public:
    std::size_t size() const { return fields_.size(); }
    // Field `i` decoded; "" for NULL.
    std::string_view operator[](std::size_t i) const { return fields_[i]; }
    bool IsNull(std::size_t i) const { return nulls_[i] != 0; }

   private:
    friend class CopyTextReader;
    std::vector<std::string_view> fields_;
    std::vector<char> nulls_;
  };

  // Decodes the complete rows in `data` (after the held bytes of an unfinished one) and calls
  // `on_row(const Row&)`, which returns Status, for each in order; the first non-OK Status
  // stops and is returned (the reader must not be fed again after that).
  template <typename OnRow>
  Status Feed(std::string_view data, OnRow&& on_row) {
    if (!pending_.empty()) {
      const std::size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        pending_.append(data);
        return Status::Ok();
      }
      pending_.append(data.substr(0, nl));
      Split(pending_);
      CLV_RETURN_IF_ERROR(on_row(static_cast<const Row&>(row_)));
      pending_.clear();
      data.remove_prefix(nl + 1);
    }
    for (std::size_t nl; (nl = data.find('\n')) != std::string_view::npos;) {
      Split(data.substr(0, nl));
      CLV_RETURN_IF_ERROR(on_row(static_cast<const Row&>(row_)));
      data.remove_prefix(nl + 1);
    }
    pending_.assign(data);
    return Status::Ok();
  }
  // Internal if the stream ended inside a row (bytes after the last newline).
  Status Finish() const;

 private:
  void Split(std::string_view line);  // decodes `line` (without its newline) into row_
  std::string pending_;               // an unfinished row's bytes
  std::string decoded_;               // fields that had escapes, decoded (sized per row)
  Row row_;
};

class PgConn {
 public:
  // Unavailable (naming host, port and database, never the password) when it cannot connect.
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& url, int connect_timeout_s);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // One parameterised statement (PQexecParams; values always travel separately from the SQL).
  Result<PgResult> Exec(const char* sql, const std::vector<Param>& params = {});
  // Statements without parameters (may be several); for BEGIN/COMMIT and DDL.
  Status Command(const char* sql);

  // COPY ... FROM STDIN: Begin, Put (buffers), End.
  Status CopyBegin(const char* sql);
  Status CopyPut(std::string_view data);
  Status CopyEnd();
  // Ends a COPY in progress with an error (the server discards its rows) and drains results.
  void AbandonCopy();
  // COPY ... TO STDOUT: calls `data` with each CopyData message in order (for COPY TO, one row
  // per message; a binary COPY's header and trailer arrive with the first and in the last). A
  // non-OK Status from `data` is returned after the rest of the COPY has been drained.
  Status CopyOut(const char* sql, const std::function<Status(std::string_view)>& data);

  bool healthy() const;
  bool idle_outside_transaction() const;
  bool staging_ready = false;  // the per-connection temp tables exist
  bool score_staging_ready = false;  // the analytics staging table exists (pg_analytics.cc)
  bool detail_plan_primed = false;  // GetCustomerDetails' plan choice is made (pg_customer_detail.cc)

  // The Status for a failed result: 23505 -> AlreadyExists, 42P01 -> FailedPrecondition (no
  // schema), connection loss, serialization failures and deadlocks -> Unavailable.
  Status Error(PGresult* r, std::string_view what) const;

  // One parameterised statement as a named prepared statement of this connection: prepared at
  // the first call (PQprepare), then only executed (no parse and plan per call). Each `name`
  // must always go with the same `sql`. Defined in pg_prepared.cc.
  Result<PgResult> ExecPrepared(const char* name, const char* sql,
                                const std::vector<Param>& params);

 private:
  explicit PgConn(PGconn* c) : c_(c) {}
  PGconn* c_;
  std::vector<std::string> prepared_;  // names prepared on this connection (ExecPrepared)
};

// Up to `size` connections, opened lazily; Acquire waits up to `wait_ms` for a free one.
class PgPool {
 public:
  PgPool(std::string url, int size, int wait_ms, int connect_timeout_s)
      : url_(std::move(url)), size_(size), wait_ms_(wait_ms),
        connect_timeout_s_(connect_timeout_s) {}

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->Release(std::move(conn_));
    }
    PgConn* operator->() const { return conn_.get(); }
    PgConn& operator*() const { return *conn_; }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConn> conn_;
  };

  Result<Lease> Acquire();
  // Hands a connection back: one left in a transaction is rolled back, a broken one closed.
  void Release(std::unique_ptr<PgConn> conn);
  void Put(std::unique_ptr<PgConn> conn);  // adds an already-open connection (counts as open)
  // Usage now (Store::GetPoolStats). A connection being opened counts as open and in use.
  PoolStats Stats() const;

 private:
  const std::string url_;
  const int size_;
  const int wait_ms_;
  const int connect_timeout_s_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConn>> idle_;
  int open_ = 0;
  // Acquire calls that found no free connection (and the time they waited); under mu_.
  std::uint64_t waits_ = 0;
  std::uint64_t wait_timeouts_ = 0;
  double wait_seconds_ = 0;
};

}  // namespace clv::storage::postgres
