#include "pgtide/job/value_checks.h"

#include <fmt/format.h>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/near_match.h"
#include "pgtide/source/scan_window.h"

namespace pgtide::job {

/// A value PostgreSQL rejected (SQLSTATE class 22, data exception), as opposed to a
/// connection that failed, which keeps its own class.
static bool Rejected(const arrow::Status& st) {
  return SqlStateOf(st).rfind("22", 0) == 0;
}

static std::string Reason(const arrow::Status& st) {
  std::string m = st.message();
  const std::string prefix = "query failed: ";
  return m.rfind(prefix, 0) == 0 ? m.substr(prefix.size()) : m;
}

static arrow::Status CheckTimeZone(source::Connection* conn, const std::string& tz) {
  if (tz.empty()) return arrow::Status::OK();
  auto probe = conn->Exec("SELECT (statement_timestamp() AT TIME ZONE $1)::text", {tz});
  if (probe.ok()) return arrow::Status::OK();
  if (!Rejected(probe.status())) return probe.status();
  std::vector<std::string> names;
  if (auto all = conn->Exec("SELECT name FROM pg_timezone_names"); all.ok()) {
    for (int i = 0; i < all->rows(); ++i) names.push_back(all->Text(i, 0));
  }
  return Error(ErrorClass::kUsage,
               fmt::format("--cursor-timezone \"{}\" is not a time zone PostgreSQL "
                           "knows{}\nHINT: Use a name from pg_timezone_names, such as "
                           "UTC or Europe/Paris",
                           tz, DidYouMean(tz, names)));
}

static arrow::Status CheckIntervalLookback(source::Connection* conn,
                                           const std::string& lookback) {
  auto probe = conn->Exec("SELECT ($1::text::interval < interval '0')::text", {lookback});
  if (!probe.ok()) {
    if (!Rejected(probe.status())) return probe.status();
    return Error(ErrorClass::kUsage,
                 fmt::format("--lookback \"{}\" is not a PostgreSQL interval: {}\nHINT: "
                             "Write it as PostgreSQL does, e.g. --lookback '5 minutes'",
                             lookback, Reason(probe.status())));
  }
  if (probe->Text(0, 0) == "true") {
    return Error(ErrorClass::kUsage,
                 fmt::format("--lookback \"{}\" is negative: it would put resume points "
                             "in the future and lose the rows in between\nHINT: Give a "
                             "positive interval such as '10 minutes', or none",
                             lookback));
  }
  return arrow::Status::OK();
}

arrow::Status CheckOptionValues(source::Connection* conn, const RunOptions& options,
                                const std::vector<TablePlan>& plans) {
  ARROW_RETURN_NOT_OK(CheckTimeZone(conn, options.cursor_timezone));
  if (options.lookback.empty()) return arrow::Status::OK();
  bool temporal = false, integer = false;
  for (const auto& p : plans) {
    temporal = temporal || IsTemporal(p.cursor_kind);
    integer = integer || p.cursor_kind == CursorKind::kInteger;
  }
  if (integer) {
    auto count = source::IntegerLookback(options.lookback);
    if (!count.ok()) {
      return Error(ErrorClass::kUsage,
                   count.status().message() +
                       "\nHINT: Give a count of versions, e.g. --lookback 100, or run "
                       "integer-cursor tables in a job of their own");
    }
  }
  // Without any cursor table the value is still checked, as the interval it usually is.
  if (temporal || !integer) return CheckIntervalLookback(conn, options.lookback);
  return arrow::Status::OK();
}

/// SQL for "now" in a cursor's own type and zone ($2 = the zone).
static std::string ClockIn(CursorKind kind) {
  switch (kind) {
    case CursorKind::kTimestamptz:
      return "statement_timestamp()";
    case CursorKind::kTimestamp:
      return "(statement_timestamp() AT TIME ZONE $2)";
    default:
      return "(statement_timestamp() AT TIME ZONE $2)::date";
  }
}

arrow::Status CheckStoredMarks(source::Connection* conn, const RunOptions& options,
                               std::vector<TablePlan>* plans) {
  const std::string tz =
      options.cursor_timezone.empty() ? conn->server_timezone() : options.cursor_timezone;
  for (auto& p : *plans) {
    if (p.mode != LoadType::kCdc || !p.stored || p.cursor_index < 0) continue;
    const std::string name = p.table.qualified_name();
    const std::string type = source::CursorSqlType(p.cursor_kind);
    const auto& st = *p.stored;
    for (const auto& [field, value] :
         {std::pair<const char*, std::string>{"max_updated_at", st.max_updated_at},
          {"resume_from", st.resume_from}}) {
      if (value.empty()) continue;
      auto parsed = conn->Exec(fmt::format("SELECT $1::text::{}::text", type), {value});
      if (parsed.ok()) continue;
      if (!Rejected(parsed.status())) return parsed.status();
      return Error(
          ErrorClass::kState,
          fmt::format(
              "state file {}: table {}: the stored {} \"{}\" is not a valid {} "
              "for its cursor \"{}\": {}\nDETAIL: The run was stopped before "
              "loading any table; the file was not changed.\nHINT: Correct the "
              "value in the state file (a CSV line), or reload the table in full, "
              "which rewrites its line: pgtide run --load-type full --include '{}'",
              options.state, name, field, value, type, p.cursor_column,
              Reason(parsed.status()), name));
    }
    if (!IsTemporal(p.cursor_kind)) continue;
    // The point the scan resumes from: pgtide's resume_from, else the original job's
    // mark.
    const std::string& point =
        st.resume_from.empty() ? st.max_updated_at : st.resume_from;
    if (point.empty()) continue;
    std::vector<std::string> params = {point};
    if (p.cursor_kind != CursorKind::kTimestamptz) params.push_back(tz);
    ARROW_ASSIGN_OR_RAISE(
        auto ahead,
        conn->Exec(fmt::format("SELECT ($1::text::{0} > {1})::text, {1}::text", type,
                               ClockIn(p.cursor_kind)),
                   params));
    if (ahead.Text(0, 0) != "true") continue;
    p.resume_ahead = true;
    p.warnings.push_back(fmt::format(
        "table {}: the stored resume point {} is ahead of the database clock ({}). The "
        "scan starts from it anyway and keeps it until the clock passes it, so no row "
        "is written twice; rows committed meanwhile with a cursor below it are not "
        "read.\nHINT: If the mark is wrong (a clock that was ahead, an edited line), "
        "reload the table in full: pgtide run --load-type full --include '{}'",
        name, point, ahead.Text(0, 1), name));
  }
  return arrow::Status::OK();
}

}  // namespace pgtide::job
