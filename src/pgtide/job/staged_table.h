#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/job/table_plan.h"
#include "pgtide/job/table_result.h"
#include "pgtide/job/writer_pipe.h"
#include "pgtide/state/state_file.h"

namespace pgtide::job {

/// A table whose snapshot has been read to the end: its rows are in a writer pipe (possibly
/// still being encoded) and its new state line is decided. What is left is the commit —
/// publish the files, then write the line, then delete what a full load superseded — which
/// a TableCommitter does while the worker goes on to the next table.
struct StagedTable {
  size_t index = 0;  // the plan's position, for progress
  const TablePlan* plan = nullptr;
  TableResult* result = nullptr;
  std::unique_ptr<PartitionedWriterPipe> pipe;
  /// The table's new state line; nullopt leaves the stored line byte-identical (a cdc run
  /// that found nothing new).
  std::optional<state::TableState> line;
  /// Files of earlier runs that a full load replaces, deleted once the line is committed.
  std::vector<std::string> superseded;
  std::chrono::steady_clock::time_point start;
  std::promise<void> committed;  // set when the table is done, committed or failed
};

}  // namespace pgtide::job
