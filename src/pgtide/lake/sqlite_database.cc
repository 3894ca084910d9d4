#include <fmt/format.h>
#include <sqlite3.h>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/lake/sql_database.h"

namespace pgtide::lake {

namespace {

ErrorClass ClassOf(int rc) {
  switch (rc & 0xff) {
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return ErrorClass::kCatalogDenied;
    default:  // SQLITE_BUSY after the busy timeout, SQLITE_CANTOPEN, SQLITE_IOERR, ...
      return ErrorClass::kCatalogUnavailable;
  }
}

// SQLite numbers parameters ?1, ?2; the catalog's statements are written $1, $2.
std::string ToSqlite(const std::string& sql) {
  std::string out = sql;
  for (auto& c : out) {
    if (c == '$') c = '?';
  }
  return out;
}

class SqliteDatabase : public SqlDatabase {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override { sqlite3_close(db_); }

  arrow::Result<Outcome> Execute(const std::string& sql,
                                 const std::vector<SqlValue>& params) override {
    Outcome out;
    auto rows = Run(sql, params, &out);
    if (!rows.ok()) return rows.status();
    return out;
  }

  arrow::Result<std::vector<SqlRow>> Query(const std::string& sql,
                                           const std::vector<SqlValue>& params) override {
    Outcome ignored;
    return Run(sql, params, &ignored);
  }

  std::string Describe() const override { return "sqlite://" + path_; }

 private:
  arrow::Status Failure(int rc, const std::string& what) const {
    return Error(ClassOf(rc), fmt::format("SQL catalog {}: {} failed: {}", Describe(),
                                          what, sqlite3_errmsg(db_)));
  }

  arrow::Result<std::vector<SqlRow>> Run(const std::string& sql,
                                         const std::vector<SqlValue>& params,
                                         Outcome* out) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, ToSqlite(sql).c_str(), -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return Failure(rc, "a statement");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owner(stmt, sqlite3_finalize);
    for (size_t i = 0; i < params.size(); ++i) {
      const int at = static_cast<int>(i + 1);
      rc = params[i]
               ? sqlite3_bind_text(stmt, at, params[i]->data(),
                                   static_cast<int>(params[i]->size()), SQLITE_TRANSIENT)
               : sqlite3_bind_null(stmt, at);
      if (rc != SQLITE_OK) return Failure(rc, "binding a parameter");
    }
    std::vector<SqlRow> rows;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      SqlRow row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const auto* text = sqlite3_column_text(stmt, c);
        row.push_back(text ? SqlValue(reinterpret_cast<const char*>(text))
                           : std::nullopt);
      }
      rows.push_back(std::move(row));
    }
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE ||
        (rc & 0xff) == SQLITE_CONSTRAINT) {
      out->unique_violation = true;
      return rows;
    }
    if (rc != SQLITE_DONE) return Failure(rc, "a statement");
    out->rows = sqlite3_changes(db_);
    return rows;
  }

  sqlite3* db_;
  std::string path_;
};

}  // namespace

arrow::Result<std::unique_ptr<SqlDatabase>> OpenSqliteDatabase(const std::string& path,
                                                               double timeout_s) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error(ClassOf(rc),
                 fmt::format("SQL catalog sqlite://{} cannot be opened: {}", path, why));
  }
  // Concurrent runs take turns on the file's write lock; a bounded wait, never forever.
  sqlite3_busy_timeout(db, static_cast<int>(timeout_s * 1000));
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<SqlDatabase>(new SqliteDatabase(db, path));
}

}  // namespace pgtide::lake
