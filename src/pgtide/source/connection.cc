#include "pgtide/source/connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/secrets.h"

namespace pgtide::source {

/// "host=... port=... dbname=... user=...": what a log may say about a connection. A
/// value libpq read out of a password (a malformed DSN around a password holding '@', '/'
/// or a space) is masked here and registered as a secret for every other message.
static std::string Describe(PGconn* conn, const std::string& source) {
  std::string out;
  const std::pair<const char*, const char*> parts[] = {{"host", PQhost(conn)},
                                                       {"port", PQport(conn)},
                                                       {"dbname", PQdb(conn)},
                                                       {"user", PQuser(conn)}};
  for (const auto& [key, value] : parts) {
    if (!value || !*value) continue;
    std::string shown = value;
    if (CameFromPassword(shown, source)) {
      RegisterSecret(shown);
      shown = kSecretMask;
    }
    out += fmt::format("{}{}={}", out.empty() ? "" : " ", key, shown);
  }
  return out;
}

/// libpq's message on one line: its continuation lines ("\n\tIs the server running...")
/// joined with a space, so the log escapes nothing of pgtide's own making.
static std::string FirstLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (size_t at = s.find('\n'); at != std::string::npos; at = s.find('\n', at)) {
    size_t end = at + 1;
    while (end < s.size() && s[end] == '\t') ++end;
    s.replace(at, end - at, " ");
  }
  return s;
}

static bool LooksLikeConninfo(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0 ||
         s.find('=') != std::string::npos;
}

arrow::Result<std::unique_ptr<Connection>> Connection::Open(
    const ConnectOptions& options) {
  // expand_dbname=1: the first "dbname" may be a whole URI or keyword string; a later
  // "dbname" overrides just the database, as the original job's --database_name does.
  std::vector<const char*> keys = {"dbname", "application_name",
                                   "fallback_application_name"};
  std::vector<const char*> values = {options.source.c_str(), "pgtide", "pgtide"};
  if (!options.database.empty()) {
    keys.push_back("dbname");
    values.push_back(options.database.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // Before any message can echo it: every password the DSN may hold, by either grammar.
  RegisterDsnSecrets(options.source);
  const std::string syntax_hint =
      "Check the syntax of --source: a postgresql:// URI or \"host=... dbname=...\".";
  // A malformed connection string is a usage mistake, not an outage: say so, without
  // echoing it (it may hold a password).
  if (LooksLikeConninfo(options.source)) {
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(options.source.c_str(), &parse_error);
    if (parsed == nullptr) {
      std::string msg = parse_error ? FirstLine(parse_error) : "out of memory";
      if (parse_error) PQfreemem(parse_error);
      return Error(
          ExitCode::kSourceUnavailable,
          fmt::format("could not connect to PostgreSQL: invalid --source: {}\nHINT: {}",
                      Redact(msg), syntax_hint));
    }
    PQconninfoFree(parsed);
  }
  PGconn* raw = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr)
    return Error(ExitCode::kSourceUnavailable, "out of memory in libpq");
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    const std::string description = Describe(raw, options.source);  // registers first
    const std::string msg = Redact(FirstLine(PQerrorMessage(raw)));
    // By what libpq says, DNS and TLS first: "could not translate host name
    // \"x.invalid\"" is not a syntax error, nor a server that is down.
    ErrorClass cls = ClassifyConnectFailure(msg);
    std::string hint = InfoOf(cls).hint;
    if (cls == ErrorClass::kConfig) {
      cls = ErrorClass::kSourceUnreachable;
      hint = "Check the database name (--database_name or dbname in --source).";
    } else if (cls == ErrorClass::kUsage) {
      cls = ErrorClass::kSourceUnreachable;
      hint = syntax_hint;
    }
    return Error(cls, fmt::format("could not connect to PostgreSQL ({}): {}\nHINT: {}",
                                  description, msg, hint));
  }
  conn->description_ = Describe(raw, options.source);
  ARROW_ASSIGN_OR_RAISE(auto tz, conn->Exec("SHOW TimeZone"));
  conn->server_timezone_ = tz.Text(0, 0);
  ARROW_RETURN_NOT_OK(conn->Exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET "
                                 "IntervalStyle = 'postgres';"
                                 "SET extra_float_digits = 3; SET statement_timeout = 0")
                          .status());
  return conn;
}

void QueryResult::Deleter::operator()(pg_result* r) const { PQclear(r); }

int QueryResult::rows() const { return res_ ? PQntuples(res_.get()) : 0; }

std::string QueryResult::Text(int row, int col) const {
  return PQgetisnull(res_.get(), row, col)
             ? std::string()
             : std::string(PQgetvalue(res_.get(), row, col));
}

int Connection::server_version() const { return PQserverVersion(conn_); }

bool Connection::is_healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

Connection::~Connection() {
  if (copy_buffer_) PQfreemem(copy_buffer_);
  PQfinish(conn_);
}

arrow::Status Connection::ErrorFromResult(const pg_result* res, const std::string& what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = FirstLine(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
  if (msg.empty()) msg = FirstLine(PQerrorMessage(conn_));
  // Classified by SQLSTATE, never by message text (which is translated and reworded).
  ErrorClass cls = PQstatus(conn_) != CONNECTION_OK ? ErrorClass::kSourceTransient
                   : state                          ? ClassifySqlState(state)
                                                    : ErrorClass::kSourceQuery;
  return Error(cls, fmt::format("{} failed: {}", what, msg), state ? state : "");
}

arrow::Result<QueryResult> Connection::Exec(const std::string& sql,
                                            const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  QueryResult res(params.empty()
                      ? PQexec(conn_, sql.c_str())
                      : PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                                     nullptr, values.data(), nullptr, nullptr, 0));
  auto status = res.raw() ? PQresultStatus(res.raw()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorFromResult(res.raw(), "query");
  }
  return res;
}

arrow::Status Connection::StartCopyOut(const std::string& sql) {
  QueryResult res(PQexec(conn_, sql.c_str()));
  if (!res.raw() || PQresultStatus(res.raw()) != PGRES_COPY_OUT) {
    return ErrorFromResult(res.raw(), "COPY");
  }
  return arrow::Status::OK();
}

arrow::Result<int> Connection::ReadCopyMessage(const char** data) {
  if (copy_buffer_) {
    PQfreemem(copy_buffer_);
    copy_buffer_ = nullptr;
  }
  int n = PQgetCopyData(conn_, &copy_buffer_, /*async=*/0);
  if (n > 0) {
    *data = copy_buffer_;
    return n;
  }
  if (n == -2) return ErrorFromResult(nullptr, "COPY");
  // n == -1: the COPY is over; its final result says whether it succeeded.
  QueryResult res(PQgetResult(conn_));
  if (!res.raw() || PQresultStatus(res.raw()) != PGRES_COMMAND_OK) {
    return ErrorFromResult(res.raw(), "COPY");
  }
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  return 0;
}

void Connection::CancelQuery() {
  if (PGcancel* cancel = PQgetCancel(conn_)) {
    char err[256];
    PQcancel(cancel, err, sizeof(err));
    PQfreeCancel(cancel);
  }
  // Drain what is left of the COPY so the connection is usable (or closed) afterwards.
  const char* ignored;
  for (int i = 0; i < 1000000; ++i) {
    auto r = ReadCopyMessage(&ignored);
    if (!r.ok() || *r == 0) break;
  }
}

}  // namespace pgtide::source
