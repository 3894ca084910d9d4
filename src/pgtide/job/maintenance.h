#pragma once

#include <string>
#include <vector>

#include "pgtide/lake/table_cleanup.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

struct MaintenanceOptions {
  int compact_min_files = 16;
  /// No table is started once this many seconds have passed; <= 0: no limit.
  double budget_s = 0;
  std::string run_id;
  lake::RetentionPolicy retention;
  /// kHeld only where the caller holds every table's run lock; a run's end-of-run pass
  /// and `pgtide maintain` do not.
  lake::TableLock lock = lake::TableLock::kNotHeld;
};

/// Compacts each table's crowded partitions (lake/compaction.h), expires its snapshots
/// past the retention and removes its orphan files (lake/table_cleanup.h), tables side
/// by side as far as the pointer allows (TablePointer::max_concurrent_commits), until
/// the budget is spent. A table that fails is logged as a warning
/// and the others go on: maintenance never undoes or blocks a load. Returns how many
/// failed.
int MaintainTables(storage::ObjectStore* store, lake::TablePointer* pointer,
                   const std::vector<lake::TableIdent>& tables,
                   const MaintenanceOptions& options);

}  // namespace pgtide::job
