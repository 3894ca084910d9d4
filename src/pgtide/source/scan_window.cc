#include "pgtide/source/scan_window.h"

#include <fmt/format.h>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"

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

arrow::Result<ScanWindow> OpenScanWindow(Connection* conn, const ScanRequest& request) {
  ScanWindow w;
  if (request.incremental) w.predicate = LowerBound(request);

  if (IsTemporal(request.cursor_kind)) {
    std::string tz = request.cursor_timezone.empty() ? conn->server_timezone()
                                                     : request.cursor_timezone;
    std::string lookback = request.lookback.empty() ? "0" : request.lookback;
    // $1 = zone of timestamp-without-time-zone cursors, $2 = lookback interval.
    // Sessions of other databases cannot write our tables; autovacuum writes no rows.
    std::string local_h, local_now;
    switch (request.cursor_kind) {
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
    std::string raw_h, raw_now;
    if (request.cursor_kind == CursorKind::kDate) {
      raw_h = local_h + " - date '2000-01-01'";
      raw_now = local_now + " - date '2000-01-01'";
    } else {
      raw_h = fmt::format("(extract(epoch FROM {}) * 1000000)::bigint - 946684800000000",
                          local_h);
      raw_now = fmt::format(
          "(extract(epoch FROM {}) * 1000000)::bigint - 946684800000000", local_now);
    }
    std::string sql = fmt::format(R"SQL(
      WITH a AS (
        SELECT statement_timestamp() AS now_,
               min(xact_start) FILTER (WHERE pid <> pg_backend_pid()) AS oldest,
               count(*) FILTER (WHERE pid <> pg_backend_pid() AND state IS NULL
                                  AND backend_type = 'client backend') AS hidden
          FROM pg_stat_activity
         WHERE datname = current_database()
           AND backend_type NOT IN ('autovacuum worker', 'autovacuum launcher', 'walsender')),
      b AS (SELECT now_, oldest, hidden, least(now_, coalesce(oldest, now_)) AS h,
                    $1::text AS tz_ FROM a)
      SELECT {}::text, {}, {}, hidden, coalesce(oldest::text, '') FROM b)SQL",
                                  local_h, raw_h, raw_now);
    ARROW_ASSIGN_OR_RAISE(auto res, conn->Exec(sql, {tz, lookback}));
    w.horizon_text = res.Text(0, 0);
    w.horizon_raw = std::stoll(res.Text(0, 1));
    w.clock_raw = std::stoll(res.Text(0, 2));
    w.hidden_sessions = std::stoll(res.Text(0, 3));
    w.oldest_xact_start = res.Text(0, 4);
  }
  // One snapshot for the whole table; READ ONLY so a misconfigured role cannot write.
  ARROW_RETURN_NOT_OK(
      conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").status());
  return w;
}

}  // namespace pgtide::source
