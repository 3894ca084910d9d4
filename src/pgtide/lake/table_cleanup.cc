#include "pgtide/lake/table_cleanup.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

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

// How many of the newest snapshots to keep: all since the last overwrite or replace
// that are younger than the retention, at least `min_snapshots` of those, and the
// current one.
int SnapshotsToKeep(const iceberg::TableMetadata& m, const RetentionPolicy& policy,
                    int64_t now_ms) {
  const iceberg::Snapshot* overwrite = LastOverwrite(m);
  const int64_t cut = overwrite ? overwrite->sequence_number : 0;
  std::vector<const iceberg::Snapshot*> since;  // newest first
  for (const auto& s : m.snapshots) {
    if (s.sequence_number >= cut) since.push_back(&s);
  }
  std::sort(since.begin(), since.end(),
            [](auto* a, auto* b) { return a->sequence_number > b->sequence_number; });
  int keep = 0;
  for (const auto* s : since) {
    const bool young = s->timestamp_ms >= now_ms - policy.snapshot_max_age_ms;
    if (!young && keep >= std::max(policy.min_snapshots, 1)) break;
    ++keep;
  }
  return keep;
}

std::string NameOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

RetentionPolicy RetentionOf(const RetentionPolicy& policy,
                            const iceberg::TableMetadata& metadata) {
  RetentionPolicy out = policy;
  auto number = [&](const char* key) -> std::optional<int64_t> {
    auto it = metadata.properties.find(key);
    if (it == metadata.properties.end()) return std::nullopt;
    try {
      return std::stoll(it->second);
    } catch (const std::exception&) {
      LogWarning("table property {}=\"{}\" is not a number; using {}", key, it->second,
                 "pgtide's retention");
      return std::nullopt;
    }
  };
  if (auto age = number("history.expire.max-snapshot-age-ms"); age && *age >= 0)
    out.snapshot_max_age_ms = *age;
  if (auto keep = number("history.expire.min-snapshots-to-keep"); keep && *keep >= 1)
    out.min_snapshots = static_cast<int>(std::min<int64_t>(*keep, 1 << 30));
  return out;
}

arrow::Result<std::optional<PointerState>> ExpireSnapshots(
    storage::ObjectStore* store, TablePointer* pointer, const TableIdent& table,
    std::optional<PointerState> current, const RetentionPolicy& given) {
  for (int attempt = 0; attempt < kMaxSwapAttempts && current; ++attempt) {
    const iceberg::TableMetadata& m = current->metadata;
    const RetentionPolicy policy = RetentionOf(given, m);
    const int64_t now_ms = NowMicros() / 1000;
    const int keep = SnapshotsToKeep(m, policy, now_ms);
    if (keep >= static_cast<int>(m.snapshots.size())) return current;
    auto expired = iceberg::ExpireSnapshots(m, keep);
    iceberg::TableMetadata next = std::move(expired.metadata);
    next.metadata_log.push_back({m.last_updated_ms, current->metadata_location});
    next.last_updated_ms = std::max(now_ms, m.last_updated_ms + 1);
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
    LogDebug("table {}: expired {} snapshot(s)", table.ToString(),
             expired.expired.size());
    return now_current;
  }
  return current;
}

arrow::Status DeleteReplacedFiles(storage::ObjectStore* store,
                                  const std::optional<PointerState>& now,
                                  const std::vector<std::string>& replaced) {
  std::set<std::string> still_read;
  if (now) {
    ARROW_ASSIGN_OR_RAISE(auto refs, ReferencedByAnySnapshot(store, now->metadata));
    still_read = std::move(refs.data_files);
  }
  for (const auto& f : replaced) {
    if (!still_read.count(f)) ARROW_RETURN_NOT_OK(store->DeleteFile(f));
  }
  return arrow::Status::OK();
}

arrow::Result<int> DeleteOrphanFiles(storage::ObjectStore* store, const TableIdent& table,
                                     const std::optional<PointerState>& current,
                                     const RetentionPolicy& given, TableLock lock) {
  // Without metadata nothing says which files are committed (a lake not yet migrated):
  // nothing is deleted here.
  if (!current) return 0;
  const RetentionPolicy policy = RetentionOf(given, current->metadata);
  const int64_t now_ms = NowMicros() / 1000;
  const bool locked = lock == TableLock::kHeld;
  // An unknown time never counts as old.
  auto old = [&](const storage::ObjectStore::ListedFile& f) {
    return f.modified_ms >= 0 && f.modified_ms < now_ms - policy.orphan_grace_ms;
  };
  ARROW_ASSIGN_OR_RAISE(auto referenced,
                        ReferencedByAnySnapshot(store, current->metadata));
  int deleted = 0;
  auto remove = [&](const std::string& rel) -> arrow::Status {
    ARROW_RETURN_NOT_OK(store->DeleteFile(rel));
    ++deleted;
    return arrow::Status::OK();
  };

  // 1. Data files: a dead run's ("part-<run id>-…", only runs under the lock write
  // those), a dead compaction's ("compact-…", written by `pgtide maintain` without the
  // lock), abandoned staging files. Anything else is not pgtide's and stays.
  ARROW_ASSIGN_OR_RAISE(auto files, store->ListFilesWithTimes(table.table_dir));
  for (const auto& f : files) {
    if (referenced.data_files.count(f.rel)) continue;
    const std::string name = NameOf(f.rel);
    const bool run_file = !sink::RunIdOfFile(f.rel).empty();
    const bool staging = sink::IsAbandonedStagingFile(f.rel);
    const bool compaction = name.rfind("compact-", 0) == 0 && EndsWith(name, ".parquet");
    // Taken out of the table by a committed overwrite or replace whose clean-up died:
    // no commit in progress can want it back.
    const bool replaced = referenced.replaced_files.count(f.rel) > 0;
    if (((run_file || staging) && (locked || old(f))) ||
        ((compaction || run_file) && replaced) || (compaction && old(f)))
      ARROW_RETURN_NOT_OK(remove(f.rel));
  }

  // 2. Metadata: manifests and manifest lists no retained snapshot uses, metadata files
  // neither current nor in the metadata log, and hidden staging copies of metadata that a
  // killed run never linked into place. The version hint and anything else stay.
  std::set<std::string> logged;
  if (auto rel = store->RelOf(current->metadata_location)) logged.insert(*rel);
  logged.insert(current->metadata_location);
  for (const auto& e : current->metadata.metadata_log) {
    if (auto rel = store->RelOf(e.metadata_file)) logged.insert(*rel);
  }
  ARROW_ASSIGN_OR_RAISE(auto metadata_files,
                        store->ListFilesWithTimes(MetadataDirRel(table.table_dir)));
  for (const auto& f : metadata_files) {
    const std::string name = NameOf(f.rel);
    const bool hidden =
        name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos;
    const bool manifest =
        EndsWith(name, ".avro") && !referenced.metadata_files.count(f.rel);
    const bool metadata = EndsWith(name, ".metadata.json") && !logged.count(f.rel);
    if ((hidden && (locked || old(f))) || ((manifest || metadata) && old(f)))
      ARROW_RETURN_NOT_OK(remove(f.rel));
  }
  if (deleted > 0) {
    LogInfo("table {}: removed {} file(s) that no snapshot reads", table.ToString(),
            deleted);
  }
  return deleted;
}

}  // namespace pgtide::lake
