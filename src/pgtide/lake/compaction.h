#pragma once

// Rewrites a partition's many small files into one (a daily partition of cdc runs
// otherwise grows a file per run), as an Iceberg "replace" snapshot that keeps the
// table's rows and mark. The rewritten files are then expired and deleted like a full
// load's (lake/table_cleanup.h), so the plain folders never hold a row twice.

#include <arrow/result.h>

#include <optional>
#include <string>

#include "pgtide/lake/table_cleanup.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

struct CompactionOptions {
  /// A partition is rewritten when it has at least this many data files.
  int min_files = 8;
  /// Names the new files ("compact-<run id>-NNNNN.parquet"): not "part-", so a load's
  /// sweep never takes a rewrite in progress for a dead run's file.
  std::string run_id;
  /// For the snapshots the replace makes expire (lake/table_cleanup.h).
  RetentionPolicy retention;
};

struct CompactionResult {
  int partitions = 0;
  int files_before = 0;
  int files_after = 0;
  /// The table as the compaction left it, when known (it read the table and committed
  /// nothing, or committed and read it back): maintenance goes on from it instead of
  /// reading the table's metadata once more.
  bool state_known = false;
  std::optional<PointerState> state;
};

/// Compacts one table. A lost compare-and-swap (a load committed meanwhile) leaves the
/// table as the load made it and deletes the rewrite's files; the next maintenance
/// tries again.
arrow::Result<CompactionResult> CompactTable(storage::ObjectStore* store,
                                             TablePointer* pointer,
                                             const TableIdent& table,
                                             const CompactionOptions& options);

}  // namespace pgtide::lake
