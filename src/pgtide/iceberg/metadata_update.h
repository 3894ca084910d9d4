#pragma once

// Pure transitions of table metadata: a new table, a new schema, a new snapshot, expiring
// old snapshots. Each takes the previous metadata by value and returns the next one; the
// caller writes it as the next vN.metadata.json.

#include <arrow/result.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pgtide/iceberg/table_metadata.h"

namespace pgtide::iceberg {

/// Create the metadata of a new, empty table (no snapshot yet). `schema` and `spec` get
/// id 0; `last_column_id` is the highest column id assigned so far.
TableMetadata NewTableMetadata(std::string table_uuid, std::string location,
                               Schema schema, int32_t last_column_id, PartitionSpec spec,
                               std::map<std::string, std::string> properties,
                               int64_t now_ms);

/// Make `schema` current: reuse an existing schema with the same fields, or add it with
/// the next schema id. Raises last-column-id to `last_column_id` when higher.
TableMetadata WithSchema(TableMetadata metadata, Schema schema, int32_t last_column_id);

/// The sequence number the next snapshot gets (manifests need it before the commit).
inline int64_t NextSequenceNumber(const TableMetadata& m) {
  return m.last_sequence_number + 1;
}

/// Return a fresh positive snapshot id that `metadata` does not use.
int64_t NewSnapshotId(const TableMetadata& metadata);

/// What a commit adds.
struct SnapshotUpdate {
  int64_t snapshot_id = 0;
  /// "append", "overwrite" or "replace" (a compaction).
  std::string operation = "append";
  std::string manifest_list;
  int64_t timestamp_ms = 0;
  /// Extra summary properties (Iceberg's added-records etc. and pgtide's own).
  std::map<std::string, std::string> summary;
  /// Where the metadata being replaced lives, for metadata-log; empty for the first one.
  std::string previous_metadata_file;
  /// Time the previous metadata was written, for metadata-log.
  int64_t previous_metadata_ms = 0;
};

/// Add a snapshot on top of the current one and point "main" at it: the sequence number
/// becomes last-sequence-number + 1, the parent is the current snapshot, snapshot-log and
/// metadata-log grow (metadata-log trimmed to write.metadata.previous-versions-max,
/// default 100).
arrow::Result<TableMetadata> WithSnapshot(TableMetadata metadata, SnapshotUpdate update);

/// Iceberg's standard snapshot summary totals for a commit that adds files (spec:
/// "Snapshot summary"); `previous` is the parent's summary for the running totals. An
/// overwrite replaces everything, so its totals equal what it adds.
std::map<std::string, std::string> SummaryTotals(
    const std::map<std::string, std::string>& previous, const std::string& operation,
    int64_t added_files, int64_t added_records, int64_t added_bytes);

/// The result of expiring snapshots.
struct ExpireResult {
  TableMetadata metadata;
  /// The removed snapshots, so their manifest lists (and files no longer reachable) can
  /// be deleted by the storage layer.
  std::vector<Snapshot> expired;
};

/// Keep the `retain_last` newest snapshots (by sequence number; the current one always)
/// and drop the rest from snapshots and snapshot-log.
ExpireResult ExpireSnapshots(TableMetadata metadata, int retain_last);

}  // namespace pgtide::iceberg
