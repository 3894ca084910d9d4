#include "pgtide/job/maintenance.h"

#include <chrono>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/log.h"
#include "pgtide/lake/compaction.h"

namespace pgtide::job {

int MaintainTables(storage::ObjectStore* store, lake::TablePointer* pointer,
                   const std::vector<lake::TableIdent>& tables,
                   const MaintenanceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  int failed = 0;
  size_t done = 0;
  for (const auto& t : tables) {
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (StopRequested() || (options.budget_s > 0 && spent >= options.budget_s)) break;
    lake::CompactionOptions compact;
    compact.min_files = options.compact_min_files;
    compact.run_id = options.run_id;
    compact.retention = options.retention;
    auto r = [&]() -> arrow::Status {
      ARROW_RETURN_NOT_OK(lake::CompactTable(store, pointer, t, compact).status());
      ARROW_ASSIGN_OR_RAISE(auto current, pointer->Load(t));
      ARROW_ASSIGN_OR_RAISE(current,
                            lake::ExpireSnapshots(store, pointer, t, std::move(current),
                                                  options.retention));
      return lake::DeleteOrphanFiles(store, t, current, options.retention, options.lock)
          .status();
    }();
    ++done;
    if (!r.ok()) {
      ++failed;
      LogWarning(
          "table {}: maintenance failed: {}; its data is as the last commit left it",
          t.ToString(), r.message());
    }
  }
  if (done < tables.size()) {
    LogInfo("maintenance: {} of {} table(s) done within its budget; the rest next time",
            done, tables.size());
  }
  return failed;
}

}  // namespace pgtide::job
