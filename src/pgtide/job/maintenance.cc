#include "pgtide/job/maintenance.h"

#include <atomic>
#include <chrono>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/log.h"
#include "pgtide/common/parallel_for.h"
#include "pgtide/lake/compaction.h"

namespace pgtide::job {

int MaintainTables(storage::ObjectStore* store, lake::TablePointer* pointer,
                   const std::vector<lake::TableIdent>& tables,
                   const MaintenanceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::atomic<int> failed{0};
  std::atomic<size_t> done{0};
  // Tables side by side where the pointer allows it: each table's pass is mostly reads
  // of its metadata and listings of its folders, waits that a run of 200 small tables
  // otherwise spent one after the other at its end.
  ParallelFor(tables.size(), pointer->max_concurrent_commits(), [&](size_t i) {
    const auto& t = tables[i];
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (StopRequested() || (options.budget_s > 0 && spent >= options.budget_s)) return;
    lake::CompactionOptions compact;
    compact.min_files = options.compact_min_files;
    compact.run_id = options.run_id;
    compact.retention = options.retention;
    arrow::Status r;
    try {
      r = [&]() -> arrow::Status {
        ARROW_ASSIGN_OR_RAISE(auto compacted,
                              lake::CompactTable(store, pointer, t, compact));
        std::optional<lake::PointerState> current = std::move(compacted.state);
        if (!compacted.state_known) {
          ARROW_ASSIGN_OR_RAISE(current, pointer->Load(t));
        }
        ARROW_ASSIGN_OR_RAISE(current,
                              lake::ExpireSnapshots(store, pointer, t, std::move(current),
                                                    options.retention));
        return lake::DeleteOrphanFiles(store, t, current, options.retention, options.lock)
            .status();
      }();
    } catch (const std::exception& e) {
      r = arrow::Status::UnknownError(e.what());
    }
    ++done;
    if (!r.ok()) {
      ++failed;
      LogWarning(
          "table {}: maintenance failed: {}; its data is as the last commit left it",
          t.ToString(), r.message());
    }
  });
  if (done < tables.size()) {
    LogInfo("maintenance: {} of {} table(s) done within its budget; the rest next time",
            done.load(), tables.size());
  }
  return failed.load();
}

}  // namespace pgtide::job
