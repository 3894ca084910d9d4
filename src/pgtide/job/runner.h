#pragma once

#include <atomic>
#include <functional>
#include <vector>

#include "pgtide/job/table_loader.h"

namespace pgtide::job {

/// Live counters for the progress line.
struct RunProgress {
  std::atomic<int> tables_done{0};
  int tables_total = 0;
  std::vector<ScanProgress> scans;        // per plan
  std::vector<std::atomic<int>> running;  // 1 while a table is loading
  explicit RunProgress(size_t n) : scans(n), running(n) {
    tables_total = static_cast<int>(n);
  }
};

/// Loads the planned tables, `options.jobs` at a time, each worker on its own connection;
/// the first worker reuses `first` (the planning connection) to save a login.
/// A failed table does not stop the others. Results come back in plan order.
std::vector<TableResult> RunTables(RunContext* ctx, const std::vector<TablePlan>& plans,
                                   RunProgress* progress,
                                   std::unique_ptr<source::Connection> first = nullptr);

}  // namespace pgtide::job
