#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "pgtide/cli/commands.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/log.h"
#include "pgtide/common/secrets.h"
#include "pgtide/job/preflight.h"
#include "pgtide/job/shard_assignment.h"
#include "pgtide/job/source_options.h"

namespace pgtide::cli {

// The units of work as JSON (README "Scaling out"): one per table, its ranges inside,
// since the ranges of a table share one snapshot and one commit.
// For a job with several sources, `source_name` names the unit's source (the job file's
// name, which `--config` selects again when the orchestrator runs the unit).
static void AddUnits(const job::Preflight& pre, const std::string& source_name,
                     nlohmann::json* units) {
  const std::string source = pre.conn->description();
  for (const auto& p : pre.plans) {
    nlohmann::json u;
    u["source"] = source;
    if (!source_name.empty()) u["source_name"] = source_name;
    u["table"] = p.table.qualified_name();
    u["schema"] = p.table.schema;
    u["name"] = p.table.name;
    u["include"] = p.table.legacy_name();
    u["mode"] = job::LoadTypeName(p.mode);
    u["estimated_rows"] = p.table.estimated_rows;
    u["estimated_bytes"] = p.table.estimated_bytes;
    u["weight"] = job::ShardWeight(p.table.estimated_bytes);
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto& r : p.ranges) ranges.push_back(r);
    u["ranges"] = ranges;
    if (p.shard >= 0) u["shard"] = p.shard;
    units->push_back(std::move(u));
  }
}

static void PrintTable(const job::Preflight& pre);

static arrow::Status Plan(job::RunOptions& opts, bool json) {
  nlohmann::json units = nlohmann::json::array();
  if (opts.sources.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto pre, job::RunPreflight(opts, /*for_run=*/false));
    if (json) AddUnits(pre, "", &units);
    if (!json) PrintTable(pre);
  }
  for (const auto& source : opts.sources) {
    auto one = job::OptionsForSource(opts, source);
    auto pre = job::RunPreflight(one, /*for_run=*/false);
    if (!pre.ok()) {
      return arrow::Status(
          pre.status().code(),
          fmt::format("source {}: {}", source.name, pre.status().message()),
          pre.status().detail());
    }
    if (json) AddUnits(*pre, source.name, &units);
    if (!json) {
      std::printf("source %s\n", source.name.c_str());
      PrintTable(*pre);
    }
  }
  if (json) {
    nlohmann::json out;
    out["shards"] = opts.shard_count;
    out["units"] = std::move(units);
    std::printf("%s\n", out.dump(2).c_str());
  }
  return arrow::Status::OK();
}

static void PrintTable(const job::Preflight& pre) {
  const auto& plans = pre.plans;
  size_t w = 5;
  for (const auto& p : plans) {
    w = std::max(w, EscapeControlChars(p.table.qualified_name()).size());
  }
  std::printf("%s\n", fmt::format("{:<{}}  {:<4}  {:<22}  {:<12}  {:>12}  {}", "table", w,
                                  "mode", "reason", "cursor", "est. rows", "stored mark")
                          .c_str());
  for (const auto& p : plans) {
    std::printf("%s\n", fmt::format("{:<{}}  {:<4}  {:<22}  {:<12}  {:>12}  {}",
                                    EscapeControlChars(p.table.qualified_name()), w,
                                    job::LoadTypeName(p.mode), p.reason,
                                    p.cursor_index >= 0 ? p.cursor_column : "-",
                                    p.table.estimated_rows < 0
                                        ? std::string("?")
                                        : std::to_string(p.table.estimated_rows),
                                    p.stored ? p.stored->max_updated_at : "")
                            .c_str());
    for (const auto& warning : p.warnings)
      std::printf("  warning: %s\n", SanitizeLogMessage(warning).c_str());
  }
  std::printf("%zu tables; nothing was written\n", plans.size());
}

int PlanCommand(CliValues* values) {
  RunLog::Get().set_verbose(values->verbose);
  // Before anything is logged: the DSN's passwords are masked in every output.
  RegisterDsnSecrets(values->run.connect.source);
  arrow::Status st = ResolveRunOptions(values, /*output_required=*/false);
  if (st.ok()) st = Plan(values->run, values->scale.json);
  if (!st.ok()) {
    LogError("{}", st.message());
    return static_cast<int>(ExitCodeOf(st));
  }
  return 0;
}

}  // namespace pgtide::cli
