#pragma once

#include <arrow/result.h>
#include <arrow/status.h>
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

namespace pgtide::source {

struct PGresultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PGresultDeleter>;

struct ConnectOptions {
  /// A connection URI or keyword/value string; empty means libpq's PG* environment variables.
  std::string source;
  /// Overrides the database name of `source` (the original job's --database_name).
  std::string database;
};

/// One libpq connection, pinned to UTC and ISO dates so every value and mark we read is
/// independent of the server's and the client's time zone settings.
class Connection {
 public:
  static arrow::Result<std::unique_ptr<Connection>> Open(const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs a statement, optionally with text parameters ($1, $2, ...).
  arrow::Result<PgResult> Exec(const std::string& sql,
                               const std::vector<std::string>& params = {});
  /// Starts `COPY ... TO STDOUT`; then call ReadCopyRow until it returns 0.
  arrow::Status StartCopyOut(const std::string& sql);
  /// Returns the length of the next CopyData message (its buffer in *data, freed on the next
  /// call), 0 at the end of the COPY, or an error.
  arrow::Result<int> ReadCopyMessage(const char** data);
  /// Aborts a COPY in progress (used when the consumer fails half way).
  void CancelQuery();

  /// "host=... port=... dbname=... user=..." — never the password.
  const std::string& description() const { return description_; }
  /// The session TimeZone before we pinned it to UTC: the zone in which `timestamp`
  /// (without time zone) columns filled by now() were written.
  const std::string& server_timezone() const { return server_timezone_; }
  int server_version() const { return PQserverVersion(conn_); }
  PGconn* raw() { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  arrow::Status ErrorFromResult(const PGresult* res, const std::string& what);

  PGconn* conn_;
  char* copy_buffer_ = nullptr;
  std::string description_;
  std::string server_timezone_;
};

/// Returns the text of row `row`, column `col` ("" for NULL).
inline std::string GetText(const PGresult* res, int row, int col) {
  return PQgetisnull(res, row, col) ? std::string() : std::string(PQgetvalue(res, row, col));
}

}  // namespace pgtide::source
