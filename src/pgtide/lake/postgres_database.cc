#include <fmt/format.h>
#include <libpq-fe.h>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/secrets.h"
#include "pgtide/lake/sql_database.h"

namespace pgtide::lake {

namespace {

// The catalog's database is not the source: its failures are the catalog's classes.
ErrorClass CatalogClassOf(ErrorClass source_class) {
  switch (source_class) {
    case ErrorClass::kSourceAuth:
    case ErrorClass::kSourcePermission:
      return ErrorClass::kCatalogDenied;
    case ErrorClass::kUsage:
      return ErrorClass::kUsage;
    default:
      return ErrorClass::kCatalogUnavailable;
  }
}

std::string Trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

class PostgresDatabase : public SqlDatabase {
 public:
  PostgresDatabase(PGconn* conn, std::string dsn) : conn_(conn), dsn_(std::move(dsn)) {}
  ~PostgresDatabase() override { PQfinish(conn_); }

  arrow::Result<Outcome> Execute(const std::string& sql,
                                 const std::vector<SqlValue>& params) override {
    Outcome out;
    ARROW_ASSIGN_OR_RAISE(auto rows, Run(sql, params, &out));
    (void)rows;
    return out;
  }

  arrow::Result<std::vector<SqlRow>> Query(const std::string& sql,
                                           const std::vector<SqlValue>& params) override {
    Outcome ignored;
    return Run(sql, params, &ignored);
  }

  bool outcome_unknown() const override { return outcome_unknown_; }
  std::string Describe() const override { return MaskDsn(dsn_); }

 private:
  arrow::Result<std::vector<SqlRow>> Run(const std::string& sql,
                                         const std::vector<SqlValue>& params,
                                         Outcome* out) {
    outcome_unknown_ = false;
    // A connection lost between statements is opened again once (a server restart).
    if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Error(ErrorClass::kCatalogUnavailable,
                   fmt::format("SQL catalog {}: the connection was lost: {}", Describe(),
                               Trimmed(PQerrorMessage(conn_))));
    }
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    std::unique_ptr<PGresult, void (*)(PGresult*)> res(
        PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                     values.data(), nullptr, nullptr, 0),
        PQclear);
    const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      std::vector<SqlRow> rows;
      for (int r = 0; r < PQntuples(res.get()); ++r) {
        SqlRow row;
        for (int c = 0; c < PQnfields(res.get()); ++c) {
          row.push_back(PQgetisnull(res.get(), r, c)
                            ? std::nullopt
                            : SqlValue(PQgetvalue(res.get(), r, c)));
        }
        rows.push_back(std::move(row));
      }
      const char* changed = PQcmdTuples(res.get());
      out->rows = changed && *changed ? std::stoll(changed) : 0;
      return rows;
    }
    const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    if (sqlstate == "23505") {  // unique_violation: another writer inserted it first
      out->unique_violation = true;
      return std::vector<SqlRow>();
    }
    // No SQLSTATE and a broken connection: the server may or may not have run it.
    outcome_unknown_ = sqlstate.empty() && PQstatus(conn_) != CONNECTION_OK;
    return Error(CatalogClassOf(sqlstate.empty() ? ErrorClass::kSourceTransient
                                                 : ClassifySqlState(sqlstate)),
                 fmt::format("SQL catalog {}: a statement failed: {}", Describe(),
                             Trimmed(PQerrorMessage(conn_))),
                 sqlstate);
  }

  PGconn* conn_;
  std::string dsn_;
  bool outcome_unknown_ = false;
};

}  // namespace

arrow::Result<std::unique_ptr<SqlDatabase>> OpenPostgresDatabase(const std::string& dsn,
                                                                 double timeout_s) {
  RegisterDsnSecrets(dsn);
  const std::string seconds = std::to_string(std::max(1, static_cast<int>(timeout_s)));
  // statement_timeout and lock_timeout bound every catalog statement, as connect_timeout
  // bounds the login (values given in the DSN itself are overridden).
  const std::string options =
      fmt::format("-c statement_timeout={0}s -c lock_timeout={0}s", seconds);
  const char* keys[] = {"dbname", "connect_timeout", "options", "application_name",
                        nullptr};
  const char* values[] = {dsn.c_str(), seconds.c_str(), options.c_str(), "pgtide-catalog",
                          nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string why = conn ? Trimmed(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    return Error(CatalogClassOf(ClassifyConnectFailure(why)),
                 fmt::format("SQL catalog {} cannot be reached: {}", MaskDsn(dsn), why));
  }
  return std::unique_ptr<SqlDatabase>(new PostgresDatabase(conn, dsn));
}

}  // namespace pgtide::lake
