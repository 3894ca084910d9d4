#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "pgtide/cli/commands.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"
#include "pgtide/job/maintenance.h"
#include "pgtide/lake/lake_pointer.h"
#include "pgtide/lake/lake_tables.h"
#include "pgtide/lake/snapshot_state.h"
#include "pgtide/sink/lake_names.h"

namespace pgtide::cli {

namespace {

std::string Get(const iceberg::Snapshot& s, const std::string& key) {
  auto it = s.summary.find(key);
  return it == s.summary.end() ? "" : it->second;
}

// The snapshots of one table, oldest first, as rows of the history.
nlohmann::json SnapshotsOf(const lake::TableIdent& t, const lake::PointerState& p) {
  nlohmann::json rows = nlohmann::json::array();
  std::vector<const iceberg::Snapshot*> snaps;
  for (const auto& s : p.metadata.snapshots) snaps.push_back(&s);
  std::sort(snaps.begin(), snaps.end(),
            [](auto* a, auto* b) { return a->sequence_number < b->sequence_number; });
  for (const auto* s : snaps) {
    rows.push_back({{"table", t.table_dir},
                    {"sequence_number", s->sequence_number},
                    {"snapshot_id", s->snapshot_id},
                    {"current", p.metadata.current_snapshot_id == s->snapshot_id},
                    {"operation", s->operation()},
                    {"committed_at", FormatIsoMicros(s->timestamp_ms * 1000)},
                    {"run_id", Get(*s, lake::kRunIdKey)},
                    {"mode", Get(*s, lake::kModeKey)},
                    {"mark", Get(*s, lake::kMarkKey)},
                    {"added_records", Get(*s, "added-records")},
                    {"total_records", Get(*s, "total-records")}});
  }
  return rows;
}

}  // namespace

int HistoryCommand(const HistoryValues& values) {
  auto st = [&]() -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto store,
                          storage::ObjectStore::Open(values.output, values.s3));
    lake::LakePointer pointer(store);
    ARROW_ASSIGN_OR_RAISE(auto tables, lake::TablesInLake(store.get()));
    nlohmann::json all = nlohmann::json::array();
    bool found = values.table.empty();
    for (const auto& t : tables) {
      if (!values.table.empty() && t.ns + "." + t.name != values.table &&
          t.table_dir != values.table)
        continue;
      found = true;
      ARROW_ASSIGN_OR_RAISE(auto p, pointer.Load(t));
      if (!p) continue;
      for (auto& row : SnapshotsOf(t, *p)) all.push_back(std::move(row));
    }
    if (!found) {
      return Error(ExitCode::kUsage,
                   fmt::format("no table {} with Iceberg metadata in {}", values.table,
                               store->location()));
    }
    if (values.json) {
      std::printf("%s\n", all.dump(2).c_str());
      return arrow::Status::OK();
    }
    std::printf("%-28s %4s %-20s %-9s %-27s %-24s %-5s %9s %9s  %s\n", "table", "seq",
                "snapshot", "operation", "committed at", "run", "mode", "added", "total",
                "mark");
    for (const auto& r : all) {
      std::printf("%-28s %4lld %-20lld %-9s %-27s %-24s %-5s %9s %9s  %s%s\n",
                  r["table"].get<std::string>().c_str(),
                  static_cast<long long>(r["sequence_number"].get<int64_t>()),
                  static_cast<long long>(r["snapshot_id"].get<int64_t>()),
                  r["operation"].get<std::string>().c_str(),
                  r["committed_at"].get<std::string>().c_str(),
                  r["run_id"].get<std::string>().c_str(),
                  r["mode"].get<std::string>().c_str(),
                  r["added_records"].get<std::string>().c_str(),
                  r["total_records"].get<std::string>().c_str(),
                  r["mark"].get<std::string>().c_str(),
                  r["current"].get<bool>() ? "  (current)" : "");
    }
    return arrow::Status::OK();
  }();
  if (!st.ok()) {
    LogError("{}", st.message());
    return static_cast<int>(ExitCodeOf(st));
  }
  return 0;
}

int MaintainCommand(const HistoryValues& values, const MaintainValues& maintain) {
  auto st = [&]() -> arrow::Status {
    job::MaintenanceOptions m;
    m.compact_min_files = maintain.compact_min_files;
    ARROW_ASSIGN_OR_RAISE(
        m.retention.snapshot_max_age_ms,
        ParseDuration("--snapshot-retention", maintain.snapshot_retention));
    ARROW_ASSIGN_OR_RAISE(m.retention.orphan_grace_ms,
                          ParseDuration("--orphan-grace", maintain.orphan_grace));
    ARROW_ASSIGN_OR_RAISE(auto store,
                          storage::ObjectStore::Open(values.output, values.s3));
    lake::LakePointer pointer(store);
    ARROW_ASSIGN_OR_RAISE(auto tables, lake::TablesInLake(store.get()));
    std::vector<lake::TableIdent> chosen;
    for (const auto& t : tables) {
      if (values.table.empty() || t.ns + "." + t.name == values.table ||
          t.table_dir == values.table)
        chosen.push_back(t);
    }
    m.run_id = sink::NewRunId();
    const int failed = job::MaintainTables(store.get(), &pointer, chosen, m);
    if (failed > 0) {
      return Error(ExitCode::kTablesFailed,
                   fmt::format("maintenance failed for {} table(s)", failed));
    }
    return arrow::Status::OK();
  }();
  if (!st.ok()) {
    LogError("{}", st.message());
    return static_cast<int>(ExitCodeOf(st));
  }
  return 0;
}

void AddHistoryOptions(CLI::App* cmd, HistoryValues* v) {
  cmd->add_option("--output", v->output, "The lake: a folder or s3://bucket/prefix")
      ->required();
  cmd->add_option("--table", v->table, "Only this table (schema.table)");
  cmd->add_flag("--json", v->json, "Print the snapshots as JSON");
  cmd->add_option("--s3-endpoint", v->s3.endpoint, "S3 endpoint URL (MinIO, moto, ...)");
  cmd->add_option("--s3-region", v->s3.region, "S3 region");
}

}  // namespace pgtide::cli
