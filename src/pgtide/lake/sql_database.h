#pragma once

// The few statements a SQL catalog sends, over SQLite (libsqlite3) or PostgreSQL (libpq):
// parameters are text, results are text, and a unique violation is an outcome (another
// writer created the row first), not an error.

#include <arrow/result.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgtide::lake {

using SqlValue = std::optional<std::string>;  // nullopt = SQL NULL
using SqlRow = std::vector<SqlValue>;

class SqlDatabase {
 public:
  struct Outcome {
    int64_t rows = 0;               // rows the statement changed
    bool unique_violation = false;  // the statement failed on a primary key
  };
  virtual ~SqlDatabase() = default;
  /// Runs one statement in its own transaction. `sql` numbers its parameters $1, $2, ...
  /// Errors are of class kCatalogUnavailable or kCatalogDenied; when the outcome of a
  /// change cannot be known (the connection broke while it ran), outcome_unknown() is
  /// true until the next call.
  virtual arrow::Result<Outcome> Execute(const std::string& sql,
                                         const std::vector<SqlValue>& params) = 0;
  virtual arrow::Result<std::vector<SqlRow>> Query(
      const std::string& sql, const std::vector<SqlValue>& params) = 0;
  virtual bool outcome_unknown() const { return false; }
  /// "sqlite:///abs/path.db", "postgresql://user:********@host/db".
  virtual std::string Describe() const = 0;
};

/// Opens (creating it when absent) the SQLite file `path`; a writer waits up to
/// `timeout_s` for another's lock (sqlite3_busy_timeout) before kCatalogUnavailable.
arrow::Result<std::unique_ptr<SqlDatabase>> OpenSqliteDatabase(const std::string& path,
                                                               double timeout_s);

/// Connects to PostgreSQL with libpq (`dsn`: a URI or key=value string, its password
/// registered as a secret); the login and every statement are bounded by `timeout_s`.
arrow::Result<std::unique_ptr<SqlDatabase>> OpenPostgresDatabase(const std::string& dsn,
                                                                 double timeout_s);

}  // namespace pgtide::lake
