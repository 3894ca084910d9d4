#include "pgtide/source/scan_window.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/log.h"
#include "pgtide/source/shared_snapshot.h"

namespace pgtide::source {

arrow::Result<int64_t> IntegerLookback(const std::string& lookback) {
  if (lookback.empty()) return 0;
  try {
    size_t used = 0;
    int64_t v = std::stoll(lookback, &used);
    if (used == lookback.size() && v >= 0) return v;
  } catch (...) {
  }
  return Error(ExitCode::kUsage,
               fmt::format("--lookback \"{}\" is not a non-negative count; "
                           "integer cursors take a number of versions",
                           lookback));
}

static std::string LowerBound(const ScanRequest& r) {
  std::string cursor = QuoteIdent(r.cursor_column);
  std::string type = CursorSqlType(r.cursor_kind);
  // A line written by pgtide resumes inclusively at its horizon (rows it already wrote
  // are recognised by fingerprint). A line from the original job has only max_updated_at,
  // the highest value it wrote: resume strictly after it, as that job did.
  if (!r.resume_from.empty()) {
    return fmt::format("{} >= {}::{}", cursor, QuoteLiteral(r.resume_from), type);
  }
  return fmt::format("{} > {}::{}", cursor, QuoteLiteral(r.max_written), type);
}

void StuckTransactions::Add(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  ids_.insert(ids.begin(), ids.end());
}

bool StuckTransactions::AnyOf(const std::vector<std::string>& ids) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& id : ids) {
    if (ids_.count(id)) return true;
  }
  return false;
}

namespace {

/// The SQL that turns the horizon `h` and the clock `now_` (timestamptz columns of a CTE
/// with the zone `tz_`; $2 = lookback) into the cursor's text and raw units.
struct CursorSql {
  std::string local_h, raw_h, raw_now;
};

CursorSql CursorExpressions(CursorKind kind) {
  std::string local_h, local_now;
  switch (kind) {
    case CursorKind::kTimestamptz:
      local_h = "(h - $2::text::interval)";
      local_now = "now_";
      break;
    case CursorKind::kTimestamp:
      local_h = "((h AT TIME ZONE tz_) - $2::text::interval)";
      local_now = "(now_ AT TIME ZONE tz_)";
      break;
    default:
      local_h = "((h AT TIME ZONE tz_) - $2::text::interval)::date";
      local_now = "(now_ AT TIME ZONE tz_)::date";
  }
  CursorSql out;
  out.local_h = local_h;
  if (kind == CursorKind::kDate) {
    out.raw_h = local_h + " - date '2000-01-01'";
    out.raw_now = local_now + " - date '2000-01-01'";
  } else {
    const char* micros = "(extract(epoch FROM {}) * 1000000)::bigint - 946684800000000";
    out.raw_h = fmt::format(fmt::runtime(micros), local_h);
    out.raw_now = fmt::format(fmt::runtime(micros), local_now);
  }
  return out;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from < s.size()) {
    size_t comma = s.find(',', from);
    if (comma == std::string::npos) comma = s.size();
    if (comma > from) out.push_back(s.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
  return out;
}

/// "pid 123 (vxid 4/56), ..." for messages.
std::string DescribeTransactions(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    size_t colon = id.find(':');
    out += fmt::format("{}pid {} (vxid {})", out.empty() ? "" : ", ", id.substr(0, colon),
                       id.substr(colon + 1));
  }
  return out;
}

std::string FormatWait(int64_t ms) {
  if (ms % 60000 == 0) return fmt::format("{}min", ms / 60000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

/// Polls pg_locks until none of `ids` ("pid:vxid") holds its virtual transaction id any
/// more, or the request's bound passes. The vxid lock lives exactly as long as its
/// transaction, and a backend slot never reuses a vxid, so "gone" means "ended".
arrow::Status WaitForTransactions(Connection* conn, const ScanRequest& request,
                                  const std::string& role, std::vector<std::string> ids) {
  const std::string& name = request.table;
  auto fail = [&](const std::vector<std::string>& left, const std::string& waited) {
    if (request.stuck) request.stuck->Add(left);
    return Error(
        ErrorClass::kHorizonWait,
        fmt::format(
            "table {}: {} transaction(s) of other roles were still open after {}: {}. "
            "Role {} cannot read when they started, so rows they commit later could "
            "fall below this run's mark; the table was not loaded and its state line "
            "is unchanged\nHINT: GRANT pg_read_all_stats TO {}; (then pgtide reads "
            "their start instead of waiting), or raise --horizon-wait (now {})",
            name, left.size(), waited, DescribeTransactions(left), QuoteIdent(role),
            QuoteIdent(role), FormatWait(request.horizon_wait_ms)));
  };
  if (request.stuck && request.stuck->AnyOf(ids)) {
    return fail(ids, "an earlier table of this run waited for them");
  }
  LogInfo(
      "table {}: waiting up to {} for {} transaction(s) of other roles that started "
      "before this scan: {}; role {} cannot read when they started (pg_stat_activity "
      "hides it), so the snapshot waits until they end\nHINT: GRANT pg_read_all_stats "
      "TO {}; removes this wait",
      name, FormatWait(request.horizon_wait_ms), ids.size(), DescribeTransactions(ids),
      QuoteIdent(role), QuoteIdent(role));
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(request.horizon_wait_ms);
  while (true) {
    ARROW_ASSIGN_OR_RAISE(auto res, conn->Exec(R"SQL(
      SELECT coalesce(string_agg(l.pid::text || ':' || l.virtualxid, ','), '')
        FROM pg_locks l
       WHERE l.locktype = 'virtualxid' AND l.granted
         AND l.virtualxid = l.virtualtransaction
         AND l.pid::text || ':' || l.virtualxid = ANY(string_to_array($1, ',')))SQL",
                                               {JoinList(ids)}));
    ids = SplitList(res.Text(0, 0));
    if (ids.empty()) return arrow::Status::OK();
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(ids, FormatWait(request.horizon_wait_ms));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

arrow::Result<ScanWindow> OpenScanWindow(Connection* conn, const ScanRequest& request) {
  ScanWindow w;
  if (request.incremental) w.predicate = LowerBound(request);

  if (request.pinned) {
    if (IsTemporal(request.cursor_kind)) {
      std::string tz = request.cursor_timezone.empty() ? conn->server_timezone()
                                                       : request.cursor_timezone;
      std::string lookback = request.lookback.empty() ? "0" : request.lookback;
      const CursorSql expr = CursorExpressions(request.cursor_kind);
      ARROW_ASSIGN_OR_RAISE(
          auto res,
          conn->Exec(fmt::format("WITH b AS (SELECT $3::timestamptz AS h, "
                                 "$4::timestamptz AS now_, $1::text AS tz_) "
                                 "SELECT {}::text, {}, {} FROM b",
                                 expr.local_h, expr.raw_h, expr.raw_now),
                     {tz, lookback, request.pinned->horizon, request.pinned->clock}));
      w.horizon_text = res.Text(0, 0);
      w.horizon_raw = std::stoll(res.Text(0, 1));
      w.clock_raw = std::stoll(res.Text(0, 2));
    }
    ARROW_RETURN_NOT_OK(ImportSnapshot(conn, request.pinned->id));
    return w;
  }

  if (IsTemporal(request.cursor_kind)) {
    std::string tz = request.cursor_timezone.empty() ? conn->server_timezone()
                                                     : request.cursor_timezone;
    std::string lookback = request.lookback.empty() ? "0" : request.lookback;
    const CursorSql expr = CursorExpressions(request.cursor_kind);
    // $1 = zone of timestamp-without-time-zone cursors, $2 = lookback interval.
    // Sessions of other databases cannot write our tables; autovacuum writes no rows.
    // `unseen`: sessions of this database whose transaction start we cannot read (other
    // roles without pg_read_all_stats; also one that has just begun and not yet
    // reported its start) but that hold their own vxid lock, i.e. are in a transaction.
    // A NULL usesysid is a process without a role (autovacuum), which writes no rows.
    std::string sql = fmt::format(R"SQL(
      WITH act AS (
        SELECT pid, xact_start, backend_type, usesysid
          FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()),
      a AS (
        SELECT statement_timestamp() AS now_,
               min(xact_start) FILTER (WHERE backend_type NOT IN (
                   'autovacuum worker', 'autovacuum launcher', 'walsender')) AS oldest
          FROM act),
      unseen AS (
        SELECT l.pid::text || ':' || l.virtualxid AS id
          FROM act JOIN pg_locks l ON l.pid = act.pid
         WHERE act.xact_start IS NULL AND act.usesysid IS NOT NULL
           AND l.locktype = 'virtualxid' AND l.granted
           AND l.virtualxid = l.virtualtransaction),
      b AS (SELECT now_, oldest, least(now_, coalesce(oldest, now_)) AS h,
                    $1::text AS tz_ FROM a)
      SELECT {}::text, {}, {}, coalesce(oldest::text, ''),
             (SELECT coalesce(string_agg(id, ','), '') FROM unseen), current_user
        FROM b)SQL",
                                  expr.local_h, expr.raw_h, expr.raw_now);
    ARROW_ASSIGN_OR_RAISE(auto res, conn->Exec(sql, {tz, lookback}));
    w.horizon_text = res.Text(0, 0);
    w.horizon_raw = std::stoll(res.Text(0, 1));
    w.clock_raw = std::stoll(res.Text(0, 2));
    w.oldest_xact_start = res.Text(0, 3);
    std::vector<std::string> unseen = SplitList(res.Text(0, 4));
    if (!unseen.empty()) {
      ARROW_RETURN_NOT_OK(WaitForTransactions(conn, request, res.Text(0, 5), unseen));
      w.waited_transactions = static_cast<int64_t>(unseen.size());
      // The horizon stays the probe's; the clock (the "future-dated" line) is the
      // snapshot's, or rows written while we waited would count as future.
      ARROW_ASSIGN_OR_RAISE(
          auto clock, conn->Exec(fmt::format("WITH b AS (SELECT statement_timestamp() AS "
                                             "now_, $1::text AS tz_) SELECT {} FROM b",
                                             expr.raw_now),
                                 {tz}));
      w.clock_raw = std::stoll(clock.Text(0, 0));
    }
  }
  // One snapshot for the whole table; READ ONLY so a misconfigured role cannot write.
  ARROW_RETURN_NOT_OK(
      conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
  return w;
}

}  // namespace pgtide::source
