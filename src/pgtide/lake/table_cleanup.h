#pragma once

// What may be deleted, and when (README "What pgtide deletes"): a data file only when no
// retained snapshot reads it. A full load (an overwrite snapshot) and a compaction (a
// replace) replace files, so the snapshots before them are expired at once and the
// files only they read are deleted: the plain Parquet folders then hold exactly the
// table's current rows. Appends are kept for time travel as long as the retention says.
// Files pgtide did not write are never deleted. Every step is idempotent, so a run killed
// half-way is completed by the next.

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

inline constexpr int64_t kDayMs = 24LL * 3600 * 1000;

/// How long history and leftovers are kept. A table's own Iceberg properties
/// `history.expire.max-snapshot-age-ms` and `history.expire.min-snapshots-to-keep`
/// (what Spark's expire_snapshots reads too) take precedence over the first two.
struct RetentionPolicy {
  /// Snapshots older than this (by their timestamp) are expired ...
  int64_t snapshot_max_age_ms = 5 * kDayMs;
  /// ... except the newest this many (the current one is always kept).
  int min_snapshots = 1;
  /// A file that no snapshot reads and that is not provably a dead run's (below) is
  /// deleted only once it is older than this: it may belong to a commit in progress.
  int64_t orphan_grace_ms = kDayMs;
};

/// `policy` with the table's own history.expire.* properties applied.
RetentionPolicy RetentionOf(const RetentionPolicy& policy,
                            const iceberg::TableMetadata& metadata);

/// Expires, in a metadata commit of its own, the snapshots older than the newest
/// "overwrite" or "replace" (they read files it replaced) and the snapshots past the
/// retention, then deletes the manifest lists and manifests no retained snapshot uses.
/// Returns the pointer now current (`current` itself when nothing was expired). A lost
/// compare-and-swap is retried from the new metadata.
arrow::Result<std::optional<PointerState>> ExpireSnapshots(
    storage::ObjectStore* store, TablePointer* pointer, const TableIdent& table,
    std::optional<PointerState> current, const RetentionPolicy& policy);

/// Deletes those of `replaced` (files a committed overwrite or replace took out of the
/// table) that no snapshot of `now` still reads.
arrow::Status DeleteReplacedFiles(storage::ObjectStore* store,
                                  const std::optional<PointerState>& now,
                                  const std::vector<std::string>& replaced);

/// Who else may be writing the table's files while the orphans are looked for.
enum class TableLock {
  /// The caller holds the table's run lock: no other run is writing files of this table
  /// that it has yet to commit, so a dead run's data files ("part-…") and hidden staging
  /// files go at once.
  kHeld,
  /// `pgtide maintain`: a run may be writing now, so every orphan waits out the grace.
  kNotHeld,
};

/// Orphan clean-up: deletes the files under the table's data and metadata folders that
/// pgtide wrote and no snapshot of `current` reads — data files of runs or compactions
/// that died before their commit, abandoned staging files, manifests, manifest lists and
/// metadata files no longer in the table's history — subject to `lock` and the grace
/// period. Returns the number deleted; nothing for a table without metadata.
arrow::Result<int> DeleteOrphanFiles(storage::ObjectStore* store, const TableIdent& table,
                                     const std::optional<PointerState>& current,
                                     const RetentionPolicy& policy, TableLock lock);

}  // namespace pgtide::lake
