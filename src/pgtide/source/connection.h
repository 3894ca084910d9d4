#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <memory>
#include <string>
#include <vector>

#include "pgtide/common/cancellation.h"

// libpq's handles, declared here so that no layer above source/ sees libpq itself.
struct pg_conn;
struct pg_result;
struct pg_cancel;

namespace pgtide::source {

/// The rows of one statement, as text (every query pgtide runs outside COPY is small).
class QueryResult {
 public:
  explicit QueryResult(pg_result* res) : res_(res) {}
  int rows() const;
  /// The text of row `row`, column `col` ("" for NULL).
  std::string Text(int row, int col) const;
  pg_result* raw() const { return res_.get(); }

 private:
  struct Deleter {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Deleter> res_;
};

struct ConnectOptions {
  /// A connection URI or keyword/value string; empty means libpq's PG* environment
  /// variables.
  std::string source;
  /// Overrides the database name of `source` (the original job's --database_name).
  std::string database;
  // Bounded waits (README "Timeouts and retries"). A flag given on the command line wins
  // over the same setting in `source`; otherwise `source` (or PGCONNECT_TIMEOUT) wins
  // over the default.
  int connect_timeout_s = 10;  // --connect-timeout: libpq's connect_timeout
  bool connect_timeout_given = false;
  int tcp_keepalive_s = 60;  // --tcp-keepalive: a dead peer is dropped after about this
  bool tcp_keepalive_given = false;
  int stall_timeout_s =
      600;  // --stall-timeout: no byte from the server this long; 0 = off
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
  arrow::Result<QueryResult> Exec(const std::string& sql,
                                  const std::vector<std::string>& params = {});
  /// Starts `COPY ... TO STDOUT`; then call ReadCopyMessage until it returns 0.
  arrow::Status StartCopyOut(const std::string& sql);
  /// Returns the length of the next CopyData message (its buffer in *data, freed on the
  /// next call), 0 at the end of the COPY, or an error.
  arrow::Result<int> ReadCopyMessage(const char** data);
  /// Frees the last message's buffer now, once it is decoded: a wide row's copy need not
  /// stay alive while the next message is awaited.
  void ReleaseCopyMessage();
  /// Aborts a COPY in progress (used when the consumer fails half way).
  void CancelQuery();

  /// "host=... port=... dbname=... user=..." — never the password.
  const std::string& description() const { return description_; }
  /// The session TimeZone before we pinned it to UTC: the zone in which `timestamp`
  /// (without time zone) columns filled by now() were written.
  const std::string& server_timezone() const { return server_timezone_; }
  int server_version() const;
  /// False once the connection is lost or was abandoned after a stall: the caller
  /// replaces it.
  bool is_healthy() const;

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  arrow::Status ErrorFromResult(const pg_result* res, const std::string& what);
  /// Waits until a whole result is in (PQisBusy false), at most `stall_timeout_s_`
  /// without a byte from the server; on expiry cancels, abandons the connection and
  /// returns a transient error.
  arrow::Status AwaitInput(const std::string& what);
  /// Sends a PQexec-like statement without blocking on the answer; collects its results.
  arrow::Result<QueryResult> CollectResult(const std::string& what);
  arrow::Status Stalled(const std::string& what);

  int stall_timeout_s_ = 0;
  bool abandoned_ = false;
  /// On SIGTERM / SIGINT, cancels whatever statement (a COPY) is running on this
  /// connection, so a graceful stop does not wait for the end of a table.
  void CancelOnStop();

  pg_conn* conn_;
  pg_cancel* cancel_ = nullptr;
  std::unique_ptr<CancelHook> stop_hook_;
  char* copy_buffer_ = nullptr;
  std::string description_;
  std::string server_timezone_;
};

}  // namespace pgtide::source
