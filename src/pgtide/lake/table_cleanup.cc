#include "pgtide/lake/table_cleanup.h"

#include <fmt/format.h>

#include <algorithm>

#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"
#include "pgtide/iceberg/metadata_update.h"
#include "pgtide/lake/lake_paths.h"
#include "pgtide/lake/table_files.h"
#include "pgtide/sink/lake_names.h"

namespace pgtide::lake {

namespace {

constexpr int kMaxSwapAttempts = 10;

// The newest overwrite (a full load) or replace (a compaction) down the current
// snapshot's parent chain: the snapshots before it read files it replaced.
const iceberg::Snapshot* LastOverwrite(const iceberg::TableMetadata& m) {
  for (const iceberg::Snapshot* s = m.current_snapshot(); s;
       s = s->parent_snapshot_id ? m.FindSnapshot(*s->parent_snapshot_id) : nullptr) {
    if (s->operation() == "overwrite" || s->operation() == "replace") return s;
  }
  return nullptr;
}

}  // namespace

arrow::Result<std::optional<PointerState>> ExpireBeforeLastOverwrite(
    storage::ObjectStore* store, TablePointer* pointer, const TableIdent& table,
    std::optional<PointerState> current) {
  for (int attempt = 0; attempt < kMaxSwapAttempts && current; ++attempt) {
    const iceberg::TableMetadata& m = current->metadata;
    const iceberg::Snapshot* overwrite = LastOverwrite(m);
    if (!overwrite) return current;
    const int64_t cut = overwrite->sequence_number;
    if (std::none_of(m.snapshots.begin(), m.snapshots.end(),
                     [&](const iceberg::Snapshot& s) { return s.sequence_number < cut; }))
      return current;
    // Keep the overwrite and everything after it.
    int keep = 0;
    for (const auto& s : m.snapshots) keep += s.sequence_number >= cut;
    auto expired = iceberg::ExpireSnapshots(m, keep);
    iceberg::TableMetadata next = std::move(expired.metadata);
    const int64_t now_ms = std::max(NowMicros() / 1000, m.last_updated_ms + 1);
    next.metadata_log.push_back({m.last_updated_ms, current->metadata_location});
    next.last_updated_ms = now_ms;
    ARROW_ASSIGN_OR_RAISE(auto outcome, pointer->Swap(table, current, next));
    if (outcome == SwapOutcome::kConflict) {
      ARROW_ASSIGN_OR_RAISE(current, pointer->Load(table));
      continue;
    }
    ARROW_ASSIGN_OR_RAISE(auto now_current, pointer->Load(table));
    // The manifests and lists only the expired snapshots used.
    ARROW_ASSIGN_OR_RAISE(auto kept, ReferencedByAnySnapshot(store, next));
    iceberg::TableMetadata gone;
    gone.snapshots = expired.expired;
    auto old = ReferencedByAnySnapshot(store, gone);
    if (old.ok()) {
      for (const auto& f : old->metadata_files) {
        if (!kept.metadata_files.count(f)) ARROW_UNUSED(store->DeleteFile(f));
      }
    }
    LogDebug("table {}: expired {} snapshot(s) before the full load of snapshot {}",
             table.ToString(), expired.expired.size(), overwrite->snapshot_id);
    return now_current;
  }
  return current;
}

arrow::Result<int> DeleteUnreferencedDataFiles(
    storage::ObjectStore* store, const TableIdent& table,
    const std::optional<PointerState>& current) {
  // Without metadata nothing says which files are committed (a lake not yet migrated):
  // nothing is deleted here.
  if (!current) return 0;
  ARROW_ASSIGN_OR_RAISE(auto referenced,
                        ReferencedByAnySnapshot(store, current->metadata));
  ARROW_ASSIGN_OR_RAISE(auto files, store->ListFiles(table.table_dir));
  int deleted = 0;
  for (const auto& f : files) {
    const bool staging = sink::IsAbandonedStagingFile(f);
    const bool ours = !sink::RunIdOfFile(f).empty();
    if (!staging && (!ours || referenced.data_files.count(f))) continue;
    ARROW_RETURN_NOT_OK(store->DeleteFile(f));
    ++deleted;
  }
  // A metadata file's hidden staging copy that a killed run never linked into place.
  ARROW_ASSIGN_OR_RAISE(auto metadata_files,
                        store->ListFiles(MetadataDirRel(table.table_dir)));
  for (const auto& f : metadata_files) {
    const auto slash = f.find_last_of('/');
    const std::string name = slash == std::string::npos ? f : f.substr(slash + 1);
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos) {
      ARROW_RETURN_NOT_OK(store->DeleteFile(f));
      ++deleted;
    }
  }
  if (deleted > 0) {
    LogInfo("table {}: removed {} file(s) that no snapshot reads", table.ToString(),
            deleted);
  }
  return deleted;
}

}  // namespace pgtide::lake
