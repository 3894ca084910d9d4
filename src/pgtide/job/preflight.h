#pragma once

#include <memory>
#include <vector>

#include "pgtide/job/run_options.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/source/connection.h"
#include "pgtide/state/state_store.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

/// What `run` and `plan` both need before any data moves.
struct Preflight {
  std::unique_ptr<source::Connection> conn;
  std::unique_ptr<state::StateStore> state;  // null for `plan` without a state location
  state::StateFile stored;
  std::shared_ptr<storage::ObjectStore> output;  // null for `plan` without --output
  /// Where the tables' Iceberg metadata is found; null when `output` is.
  std::unique_ptr<lake::TablePointer> pointer;
  std::vector<TablePlan> plans;
  /// What the plans were made from, for re-planning a table from a fresh state line.
  std::vector<source::TableInfo> tables;
  std::vector<source::TableName> every_table;
};

/// Connects, opens and checks every location, loads the state and plans every table, in
/// that order, so that a mistake stops the run before it reads or writes any data.
/// `for_run`: also open the output and check that it and the state can be written.
arrow::Result<Preflight> RunPreflight(const RunOptions& options, bool for_run);

}  // namespace pgtide::job
