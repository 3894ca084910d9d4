#include "pgtide/source/connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <string_view>
#include <thread>

#include "pgtide/common/cancellation.h"
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

/// The libpq keyword/value pairs of a connection: our bounded waits around `source`.
/// libpq reads the arrays in order and the last value of a keyword wins, and the
/// keywords of an expanded `dbname` string take its place: defaults go before it (the
/// DSN may override them), flags given on the command line after it.
class ConnectParams {
 public:
  void Add(std::string key, std::string value) {
    keys_.push_back(std::move(key));
    values_.push_back(std::move(value));
  }
  const char* const* keys() { return Pointers(keys_, &key_ptrs_); }
  const char* const* values() { return Pointers(values_, &value_ptrs_); }

 private:
  static const char* const* Pointers(const std::vector<std::string>& from,
                                     std::vector<const char*>* to) {
    to->clear();
    for (const auto& s : from) to->push_back(s.c_str());
    to->push_back(nullptr);
    return to->data();
  }
  std::vector<std::string> keys_, values_;
  std::vector<const char*> key_ptrs_, value_ptrs_;
};

/// TCP keepalives that drop a silent peer after about `seconds`: probes start after half
/// of it, three probes share the rest; tcp_user_timeout bounds unacknowledged sends too.
static void AddKeepalives(ConnectParams* p, int seconds) {
  const int idle = std::max(1, seconds / 2);
  const int interval = std::max(1, (seconds - idle) / 3);
  p->Add("keepalives", "1");
  p->Add("keepalives_idle", std::to_string(idle));
  p->Add("keepalives_interval", std::to_string(interval));
  p->Add("keepalives_count", "3");
  p->Add("tcp_user_timeout", std::to_string(seconds * 1000));
}

arrow::Result<std::unique_ptr<Connection>> Connection::Open(
    const ConnectOptions& options) {
  ConnectParams params;
  params.Add("application_name", "pgtide");
  params.Add("fallback_application_name", "pgtide");
  // PGCONNECT_TIMEOUT is honoured as the DSN would be: only an explicit flag beats it.
  if (!options.connect_timeout_given && std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
    params.Add("connect_timeout", std::to_string(options.connect_timeout_s));
  }
  if (!options.tcp_keepalive_given && options.tcp_keepalive_s > 0) {
    AddKeepalives(&params, options.tcp_keepalive_s);
  }
  // expand_dbname=1: the first "dbname" may be a whole URI or keyword string; a later
  // "dbname" overrides just the database, as the original job's --database_name does.
  params.Add("dbname", options.source);
  if (!options.database.empty()) params.Add("dbname", options.database);
  if (options.connect_timeout_given) {
    params.Add("connect_timeout", std::to_string(options.connect_timeout_s));
  }
  if (options.tcp_keepalive_given) {
    if (options.tcp_keepalive_s > 0) {
      AddKeepalives(&params, options.tcp_keepalive_s);
    } else {
      params.Add("keepalives", "0");
      params.Add("tcp_user_timeout", "0");
    }
  }
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
  PGconn* raw = PQconnectdbParams(params.keys(), params.values(), /*expand_dbname=*/1);
  if (raw == nullptr)
    return Error(ExitCode::kSourceUnavailable, "out of memory in libpq");
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    const std::string description = Describe(raw, options.source);  // registers first
    const std::string msg = Redact(FirstLine(PQerrorMessage(raw)));
    // By what libpq says (connection failures carry no SQLSTATE in libpq 15), DNS and
    // TLS first: "could not translate host name \"x.invalid\"" is not a syntax error,
    // nor a server that is down. A login that can never work is not retried; a full
    // server makes a worker give way instead of failing tables.
    ErrorClass cls = ClassifyConnectFailure(msg);
    std::string hint = InfoOf(cls).hint;
    std::string sqlstate;
    if (cls == ErrorClass::kConfig) {
      cls = ErrorClass::kSourceAuth;
      hint = "Check the database name (--database_name or dbname in --source).";
    } else if (cls == ErrorClass::kUsage) {
      cls = ErrorClass::kSourceAuth;
      hint = syntax_hint;
    } else if (cls == ErrorClass::kSourceUnreachable) {
      if (msg.find("too many connections") != std::string::npos ||
          msg.find("too many clients") != std::string::npos ||
          msg.find("connection slots are reserved") != std::string::npos) {
        hint = "The role, database or server connection limit is reached: lower --jobs.";
        cls = ErrorClass::kSourceTransient;
        sqlstate = "53300";
      } else if (msg.find("timeout expired") != std::string::npos) {
        const char* host = PQhost(raw);
        const char* port = PQport(raw);
        hint = fmt::format(
            "PostgreSQL at {}:{} did not complete the login within the connect timeout "
            "(--connect-timeout, {} s): check host, port and firewalls.",
            host ? host : "?", port ? port : "?", options.connect_timeout_s);
      }
    }
    return Error(cls,
                 fmt::format("could not connect to PostgreSQL ({}): {}\nHINT: {}",
                             description, msg, hint),
                 sqlstate);
  }
  conn->stall_timeout_s_ = options.stall_timeout_s;
  conn->description_ = Describe(raw, options.source);
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

bool Connection::is_healthy() const {
  return !abandoned_ && PQstatus(conn_) == CONNECTION_OK;
}

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
  // An error without one is libpq's own: the connection broke (perhaps not yet noticed,
  // as when a FATAL arrived between two statements). After that, or after a FATAL, the
  // session is over: the connection is not used again.
  const char* severity =
      res ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  const bool session_over = PQstatus(conn_) != CONNECTION_OK || state == nullptr ||
                            (severity && (std::string_view(severity) == "FATAL" ||
                                          std::string_view(severity) == "PANIC"));
  if (session_over) abandoned_ = true;
  ErrorClass cls = session_over && (state == nullptr ||
                                    ClassifySqlState(state) == ErrorClass::kSourceQuery)
                       ? ErrorClass::kSourceTransient
                       : ClassifySqlState(state);
  return Error(cls, fmt::format("{} failed: {}", what, msg), state ? state : "");
}

/// Sends a cancel request but waits for it at most `seconds`: libpq 15's PQcancel
/// blocks without a timeout, and a black-holed network would hold it for ever. A cancel
/// still blocked is left to finish (or not) on its own thread.
static void CancelBounded(PGconn* conn, int seconds) {
  PGcancel* cancel = PQgetCancel(conn);
  if (cancel == nullptr) return;
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  std::thread([cancel, done] {
    char err[256];
    PQcancel(cancel, err, sizeof(err));
    PQfreeCancel(cancel);
    done->set_value();
  }).detach();
  finished.wait_for(std::chrono::seconds(seconds));
}

arrow::Status Connection::Stalled(const std::string& what) {
  abandoned_ = true;  // its protocol state is unknown: never used again
  CancelBounded(conn_, 5);
  return Error(
      ErrorClass::kSourceTransient,
      fmt::format("{} stalled: no data from PostgreSQL ({}) for {} s, connection "
                  "abandoned\nHINT: a network black hole or a stuck server; if the "
                  "query is legitimately this slow before its first row, raise "
                  "--stall-timeout (0 waits for ever)",
                  what, description_, stall_timeout_s_));
}

arrow::Status Connection::AwaitInput(const std::string& what) {
  while (PQisBusy(conn_)) {
    const int sock = PQsocket(conn_);
    if (sock < 0) return ErrorFromResult(nullptr, what);
    pollfd fd{sock, POLLIN, 0};
    const int rc = poll(&fd, 1, stall_timeout_s_ > 0 ? stall_timeout_s_ * 1000 : -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Error(ErrorClass::kSourceTransient, what + ": poll failed");
    if (rc == 0) return Stalled(what);
    if (!PQconsumeInput(conn_)) return ErrorFromResult(nullptr, what);
  }
  return arrow::Status::OK();
}

arrow::Result<QueryResult> Connection::CollectResult(const std::string& what) {
  // As PQexec: the last result, or the first error; a COPY result ends the statement.
  QueryResult kept(nullptr);
  while (true) {
    ARROW_RETURN_NOT_OK(AwaitInput(what));
    PGresult* next = PQgetResult(conn_);
    if (next == nullptr) break;
    const auto status = PQresultStatus(next);
    const bool kept_error = kept.raw() && PQresultStatus(kept.raw()) == PGRES_FATAL_ERROR;
    if (kept_error) {
      PQclear(next);
    } else {
      kept = QueryResult(next);
    }
    if (status == PGRES_COPY_OUT || status == PGRES_COPY_IN || status == PGRES_COPY_BOTH)
      break;
  }
  return kept;
}

arrow::Result<QueryResult> Connection::Exec(const std::string& sql,
                                            const std::vector<std::string>& params) {
  if (abandoned_)
    return Error(ErrorClass::kSourceTransient, "query: connection abandoned");
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  const int sent =
      params.empty()
          ? PQsendQuery(conn_, sql.c_str())
          : PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                              nullptr, values.data(), nullptr, nullptr, 0);
  if (!sent) return ErrorFromResult(nullptr, "query");
  ARROW_ASSIGN_OR_RAISE(auto res, CollectResult("query"));
  auto status = res.raw() ? PQresultStatus(res.raw()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorFromResult(res.raw(), "query");
  }
  return res;
}

arrow::Status Connection::StartCopyOut(const std::string& sql) {
  if (abandoned_)
    return Error(ErrorClass::kSourceTransient, "COPY: connection abandoned");
  if (!PQsendQuery(conn_, sql.c_str())) return ErrorFromResult(nullptr, "COPY");
  ARROW_ASSIGN_OR_RAISE(auto res, CollectResult("COPY"));
  if (!res.raw() || PQresultStatus(res.raw()) != PGRES_COPY_OUT) {
    return ErrorFromResult(res.raw(), "COPY");
  }
  return arrow::Status::OK();
}

void Connection::ReleaseCopyMessage() {
  if (copy_buffer_) {
    PQfreemem(copy_buffer_);
    copy_buffer_ = nullptr;
  }
}

arrow::Result<int> Connection::ReadCopyMessage(const char** data) {
  ReleaseCopyMessage();
  if (abandoned_)
    return Error(ErrorClass::kSourceTransient, "COPY: connection abandoned");
  // Asynchronous reads, so that a silent server is noticed (AwaitInput's bound).
  int n;
  while ((n = PQgetCopyData(conn_, &copy_buffer_, /*async=*/1)) == 0) {
    const int sock = PQsocket(conn_);
    if (sock < 0) return ErrorFromResult(nullptr, "COPY");
    pollfd fd{sock, POLLIN, 0};
    const int rc = poll(&fd, 1, stall_timeout_s_ > 0 ? stall_timeout_s_ * 1000 : -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Error(ErrorClass::kSourceTransient, "COPY: poll failed");
    if (rc == 0) return Stalled("COPY");
    if (!PQconsumeInput(conn_)) return ErrorFromResult(nullptr, "COPY");
  }
  if (n > 0) {
    *data = copy_buffer_;
    return n;
  }
  if (n == -2) return ErrorFromResult(nullptr, "COPY");
  // n == -1: the COPY is over; its final result says whether it succeeded.
  ARROW_RETURN_NOT_OK(AwaitInput("COPY"));
  QueryResult res(PQgetResult(conn_));
  if (!res.raw() || PQresultStatus(res.raw()) != PGRES_COMMAND_OK) {
    return ErrorFromResult(res.raw(), "COPY");
  }
  while (true) {
    ARROW_RETURN_NOT_OK(AwaitInput("COPY"));
    PGresult* extra = PQgetResult(conn_);
    if (extra == nullptr) break;
    PQclear(extra);
  }
  return 0;
}

void Connection::CancelQuery() {
  if (abandoned_) return;
  CancelBounded(conn_, 5);
  // Drain what is left of the COPY so the connection is usable (or closed) afterwards;
  // each read is bounded by the stall timeout.
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
