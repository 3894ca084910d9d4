#include "pgtide/runlog/run_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "pgtide/common/identifiers.h"
#include "pgtide/common/secrets.h"
#include "pgtide/common/time_format.h"

namespace pgtide::runlog {

std::string SummaryJson(const RunInfo& run, const std::vector<job::TableResult>& tables) {
  nlohmann::ordered_json j;
  j["run_id"] = run.run_id;
  j["job_name"] = run.job_name;
  j["environment"] = run.environment;
  j["load_type"] = run.load_type;
  j["source"] = Redact(run.source);
  j["output"] = run.output;
  j["state"] = run.state;
  j["started_at"] = FormatIsoMicros(run.started_micros);
  j["finished_at"] = FormatIsoMicros(run.finished_micros);
  j["seconds"] = (run.finished_micros - run.started_micros) / 1e6;
  j["exit_code"] = run.exit_code;
  j["status"] = run.status;
  if (!run.signal.empty()) j["signal"] = run.signal;
  if (!run.error.empty()) j["error"] = Redact(run.error);
  int64_t rows = 0, failed = 0, interrupted = 0;
  auto arr = nlohmann::ordered_json::array();
  for (const auto& t : tables) {
    rows += t.rows;
    failed += t.status == job::TableStatus::kFailed;
    interrupted += t.status == job::TableStatus::kInterrupted ||
                   t.status == job::TableStatus::kPending;
    nlohmann::ordered_json e;
    e["table"] = t.table;
    e["mode"] = t.mode;
    e["reason"] = t.reason;
    e["status"] = job::TableStatusName(t.status);
    e["rows"] = t.rows;
    e["files"] = t.files;
    e["bytes"] = t.bytes;
    e["skipped_boundary_rows"] = t.skipped_rows;
    e["future_rows"] = t.future_rows;
    e["old_mark"] = t.old_mark;
    e["new_mark"] = t.new_mark;
    e["resume_from"] = t.resume_from;
    e["seconds"] = t.seconds;
    e["error"] = Redact(t.error);
    e["error_class"] = InfoOf(t.error_class).name;
    arr.push_back(std::move(e));
  }
  j["tables_total"] = tables.size();
  j["tables_failed"] = failed;
  j["tables_interrupted"] = interrupted;
  j["rows_total"] = rows;
  j["tables"] = std::move(arr);
  return j.dump(2) + "\n";
}

static std::string HumanBytes(int64_t b) {
  if (b < 1024) return fmt::format("{} B", b);
  if (b < (1 << 20)) return fmt::format("{:.1f} KiB", b / 1024.0);
  if (b < (1LL << 30)) return fmt::format("{:.1f} MiB", b / 1048576.0);
  return fmt::format("{:.2f} GiB", b / 1073741824.0);
}

std::string SummaryTable(const std::vector<job::TableResult>& tables, double seconds) {
  // Names and errors as a terminal may show them: no raw control characters (a table
  // named with ESC[2J), no password.
  auto shown = [](const std::string& s) { return EscapeControlChars(Redact(s)); };
  size_t w = 5;
  for (const auto& t : tables) w = std::max(w, shown(t.table).size());
  std::string out =
      fmt::format("{:<{}}  {:<4}  {:<6}  {:>10}  {:>5}  {:>10}  {:>7}  {}\n", "table", w,
                  "mode", "status", "rows", "files", "size", "seconds", "mark");
  int64_t rows = 0, bytes = 0, files = 0;
  int failed = 0, interrupted = 0;
  for (const auto& t : tables) {
    out += fmt::format(
        "{:<{}}  {:<4}  {:<6}  {:>10}  {:>5}  {:>10}  {:>7.2f}  {}\n", shown(t.table), w,
        t.mode, job::TableStatusName(t.status), t.rows, t.files, HumanBytes(t.bytes),
        t.seconds,
        shown(t.status == job::TableStatus::kOk ? t.new_mark
                                                : t.error.substr(0, t.error.find('\n'))));
    rows += t.rows;
    bytes += t.bytes;
    files += t.files;
    failed += t.status == job::TableStatus::kFailed;
    interrupted += t.status == job::TableStatus::kInterrupted;
  }
  out += fmt::format("{} tables ({} failed{}), {} rows, {} files, {} in {:.2f}s\n",
                     tables.size(), failed,
                     interrupted ? fmt::format(", {} interrupted", interrupted) : "",
                     rows, files, HumanBytes(bytes), seconds);
  return out;
}

}  // namespace pgtide::runlog
