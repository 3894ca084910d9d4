#include "pgtide/lake/snapshot_state.h"

#include <fmt/format.h>

#include <sstream>

#include "pgtide/common/exit_code.h"

namespace pgtide::lake {

std::map<std::string, std::string> SummaryOfState(const state::TableState& line) {
  std::string boundary;
  for (const auto& h : line.boundary)
    boundary += (boundary.empty() ? "" : " ") + h.ToHex();
  return {{kMarkKey, line.max_updated_at},        {kResumeFromKey, line.resume_from},
          {kCursorColumnKey, line.cursor_column}, {kBoundaryKey, boundary},
          {kRunIdKey, line.committed_run},        {kFullRunKey, line.full_run},
          {kSourceTableKey, line.table_name},     {kCommittedAtKey, line.updated_at}};
}

arrow::Result<std::optional<state::TableState>> StateOfTable(
    const std::string& table_name, const iceberg::TableMetadata& metadata) {
  const iceberg::Snapshot* snap = metadata.current_snapshot();
  // Snapshots another engine added on top (a compaction by Spark, say) carry no keys:
  // the mark is the newest one down the parent chain.
  while (snap && !snap->summary.count(kMarkKey)) {
    snap = snap->parent_snapshot_id ? metadata.FindSnapshot(*snap->parent_snapshot_id)
                                    : nullptr;
  }
  if (!snap) return std::optional<state::TableState>();
  auto get = [&](const char* key) {
    auto it = snap->summary.find(key);
    return it == snap->summary.end() ? std::string() : it->second;
  };
  state::TableState s;
  s.table_name = table_name;
  s.max_updated_at = get(kMarkKey);
  s.resume_from = get(kResumeFromKey);
  s.cursor_column = get(kCursorColumnKey);
  s.committed_run = get(kRunIdKey);
  s.full_run = get(kFullRunKey);
  s.updated_at = get(kCommittedAtKey);
  s.snapshot_id = metadata.current_snapshot_id;
  std::istringstream hashes(get(kBoundaryKey));
  std::string h;
  while (hashes >> h) {
    RowHash rh;
    if (!RowHash::FromHex(h, &rh)) {
      return Error(ExitCode::kState,
                   fmt::format("table {}: snapshot {} has a bad boundary fingerprint "
                               "\"{}\"",
                               table_name, snap->snapshot_id, h));
    }
    s.boundary.push_back(rh);
  }
  return std::optional<state::TableState>(std::move(s));
}

}  // namespace pgtide::lake
