#include "pgtide/source/connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"

namespace pgtide::source {

/// "host=... port=... dbname=... user=...": what a log may say about a connection.
static std::string Describe(PGconn* conn) {
  std::string out;
  const std::pair<const char*, const char*> parts[] = {{"host", PQhost(conn)},
                                                       {"port", PQport(conn)},
                                                       {"dbname", PQdb(conn)},
                                                       {"user", PQuser(conn)}};
  for (const auto& [key, value] : parts) {
    if (value && *value)
      out += fmt::format("{}{}={}", out.empty() ? "" : " ", key, value);
  }
  return out;
}

static std::string FirstLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

static bool LooksLikeConninfo(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0 ||
         s.find('=') != std::string::npos;
}

/// The password a connection string carries, or "" (also when it does not parse).
static std::string PasswordOf(const std::string& source) {
  std::string password;
  if (!LooksLikeConninfo(source)) return password;
  if (PQconninfoOption* opts = PQconninfoParse(source.c_str(), nullptr)) {
    for (PQconninfoOption* o = opts; o->keyword; ++o) {
      if (std::string(o->keyword) == "password" && o->val) password = o->val;
    }
    PQconninfoFree(opts);
  }
  return password;
}

/// Masks passwords in a libpq message: libpq quotes the whole URI in some syntax errors
/// ("... in URI: \"postgresql://user:secret@[::1/db\""), so a message may carry one.
static std::string RedactSecrets(std::string msg, const std::string& known_password) {
  constexpr const char* kMask = "********";
  if (known_password.size() >= 3) {
    for (size_t at = msg.find(known_password); at != std::string::npos;
         at = msg.find(known_password, at + 8)) {
      msg.replace(at, known_password.size(), kMask);
    }
  }
  // URI user info: scheme://user:password@host
  for (size_t at = msg.find("://"); at != std::string::npos;
       at = msg.find("://", at + 3)) {
    size_t begin = at + 3;
    size_t end = msg.find_first_of("/?\" \t\n", begin);
    if (end == std::string::npos) end = msg.size();
    size_t amp = msg.rfind('@', end);
    if (amp == std::string::npos || amp < begin) continue;
    size_t colon = msg.find(':', begin);
    if (colon == std::string::npos || colon > amp) continue;
    msg.replace(colon + 1, amp - colon - 1, kMask);
  }
  // Keyword form: password=secret or password='se cret'
  for (size_t at = msg.find("password"); at != std::string::npos;
       at = msg.find("password", at + 8)) {
    size_t v = msg.find_first_not_of(' ', at + 8);
    if (v == std::string::npos || msg[v] != '=') continue;
    v = msg.find_first_not_of(' ', v + 1);
    if (v == std::string::npos) break;
    size_t end = v;
    if (msg[v] == '\'') {
      for (end = v + 1; end < msg.size() && msg[end] != '\''; ++end) {
        if (msg[end] == '\\') ++end;
      }
      end = std::min(end + 1, msg.size());
    } else {
      end = msg.find_first_of(" \t\n\"", v);
      if (end == std::string::npos) end = msg.size();
    }
    msg.replace(v, end - v, kMask);
  }
  return msg;
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
  const std::string password = PasswordOf(options.source);
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
                      RedactSecrets(msg, password), syntax_hint));
    }
    PQconninfoFree(parsed);
  }
  PGconn* raw = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr)
    return Error(ExitCode::kSourceUnavailable, "out of memory in libpq");
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string msg = RedactSecrets(FirstLine(PQerrorMessage(raw)), password);
    std::string hint;
    if (msg.find("password") != std::string::npos ||
        msg.find("authentication") != std::string::npos) {
      hint = "Check the user and password (in --source, PGPASSWORD or ~/.pgpass).";
    } else if (msg.find("does not exist") != std::string::npos) {
      hint = "Check the database name (--database_name or dbname in --source).";
    } else if (msg.find("invalid") != std::string::npos ||
               msg.find("missing") != std::string::npos ||
               msg.find("URI") != std::string::npos) {
      hint = syntax_hint;
    } else {
      hint = "Check that the server is running and that host and port are right.";
    }
    return Error(ExitCode::kSourceUnavailable,
                 fmt::format("could not connect to PostgreSQL ({}): {}\nHINT: {}",
                             Describe(raw), msg, hint));
  }
  conn->description_ = Describe(raw);
  conn->CancelOnStop();
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
  stop_hook_.reset();  // waits for a cancel in flight before the handle goes
  if (cancel_) PQfreeCancel(cancel_);
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

void Connection::CancelOnStop() {
  cancel_ = PQgetCancel(conn_);
  if (cancel_ == nullptr) return;
  // PQcancel is safe from another thread with its own PGcancel: it opens a new socket.
  stop_hook_ = std::make_unique<CancelHook>([cancel = cancel_] {
    char err[256];
    PQcancel(cancel, err, sizeof(err));
  });
}

}  // namespace pgtide::source
