#pragma once

#include <arrow/result.h>

#include <memory>
#include <string>

#include "pgtide/job/run_options.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/job/table_result.h"
#include "pgtide/source/table_lock.h"
#include "pgtide/state/state_store.h"

namespace pgtide::job {

/// A table's lock, held from before its mark is read until after its state line is
/// written (or it failed); released when destroyed.
class TableClaim {
 public:
  TableClaim(source::TableLockSession* session, source::TableLockKey key,
             std::string table)
      : session_(session), key_(key), table_(std::move(table)) {}
  ~TableClaim();
  TableClaim(const TableClaim&) = delete;
  TableClaim& operator=(const TableClaim&) = delete;

  /// Fails when the lock was lost (the lock session's connection broke, so the server
  /// released it and another run may be loading the table): called just before the
  /// commit, so such a table fails rather than risking a second copy of its rows.
  arrow::Status Verify();

 private:
  source::TableLockSession* session_;
  source::TableLockKey key_;
  std::string table_;
};

/// One run per table at a time: before a table is loaded, its advisory lock (keyed by
/// output location and table) is taken on the run's lock session, and its state line is
/// read again, because another run may have committed the table since this run read the
/// state file at its start; the table is planned from that fresh line, or it would
/// reload rows the other run already wrote.
class TableClaims {
 public:
  TableClaims(source::TableLockSession* session, std::string output_location,
              state::StateStore* state, const RunOptions* options)
      : session_(session),
        output_location_(std::move(output_location)),
        state_(state),
        options_(options) {}

  /// Waits up to --lock-wait for the lock. Returns the claim, with `*plan` re-planned
  /// from the current state line; or nullptr when another run keeps the table, which is
  /// then recorded in `r` as locked (skipped). An error fails the table.
  arrow::Result<std::unique_ptr<TableClaim>> Claim(TablePlan* plan, TableResult* r);

 private:
  arrow::Status Replan(TablePlan* plan);

  source::TableLockSession* session_;
  std::string output_location_;
  state::StateStore* state_;
  const RunOptions* options_;
};

}  // namespace pgtide::job
