#pragma once

#include <chrono>
#include <future>
#include <memory>

#include "pgtide/job/table_claim.h"
#include "pgtide/job/table_commit.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/job/table_result.h"
#include "pgtide/job/writer_pipe.h"

namespace pgtide::job {

/// A table whose snapshot has been read to the end: its rows are in a writer pipe
/// (possibly still being encoded) and its change (new state line, superseded files) is
/// decided. What is left is the commit, which a TableCommitter does while the worker goes
/// on to the next table.
struct StagedTable {
  size_t index = 0;  // the plan's position, for progress
  const TablePlan* plan = nullptr;
  TableResult* result = nullptr;
  std::unique_ptr<PartitionedWriterPipe> pipe;
  TableChange change;  // files are filled in when the pipe is closed
  std::chrono::steady_clock::time_point start;
  std::promise<void> committed;  // set when the table is done, committed or failed
  /// The table's lock (one run per table), released once it is committed or failed.
  std::unique_ptr<TableClaim> claim;
};

}  // namespace pgtide::job
