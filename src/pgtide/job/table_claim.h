#pragma once

#include <arrow/result.h>

#include <memory>
#include <string>
#include <vector>

#include "pgtide/job/run_options.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/job/table_result.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/source/table_lock.h"
#include "pgtide/state/state_store.h"

namespace pgtide::job {

class TableClaims;

/// A table's lock, held from before its mark is read until after its state line is
/// written (or it failed); released when destroyed.
class TableClaim {
 public:
  TableClaim(TableClaims* owner, source::TableLockSession* session,
             source::TableLockKey key, uint64_t generation, const TablePlan& plan)
      : owner_(owner),
        session_(session),
        key_(key),
        generation_(generation),
        table_(plan.table.qualified_name()),
        plan_(plan) {}
  ~TableClaim();
  TableClaim(const TableClaim&) = delete;
  TableClaim& operator=(const TableClaim&) = delete;

  /// Called just before the commit. When the lock was lost (the lock session's
  /// connection broke, say in a server restart, and the server released it), it is
  /// taken again on a new session if it is free and the table's state line is still the
  /// one this load started from: then no other run committed the table in between, and
  /// none is loading it now. Otherwise fails, so the table is not committed rather than
  /// risking a second copy of its rows.
  arrow::Status Verify();

 private:
  arrow::Status LostLock(const std::string& why) const;

  TableClaims* owner_;
  source::TableLockSession* session_;
  source::TableLockKey key_;
  uint64_t generation_;  // the lock session's, when the lock was taken
  std::string table_;
  TablePlan plan_;  // as planned from the state line read under the lock
};

/// One run per table at a time: before a table is loaded, its advisory lock (keyed by
/// output location and table) is taken on the run's lock session, and its state line is
/// read again, because another run may have committed the table since this run read the
/// state file at its start; the table is planned from that fresh line, or it would
/// reload rows the other run already wrote.
class TableClaims {
 public:
  /// `tables` and `every_table`: what the run's plans were made from (preflight.h).
  TableClaims(source::TableLockSession* session, std::string output_location,
              state::StateStore* state, lake::TablePointer* pointer,
              const RunOptions* options, const std::vector<source::TableInfo>* tables,
              const std::vector<source::TableName>* every_table)
      : session_(session),
        output_location_(std::move(output_location)),
        state_(state),
        pointer_(pointer),
        options_(options),
        tables_(tables),
        every_table_(every_table) {}

  /// Waits up to --lock-wait for the lock. Returns the claim, with `*plan` re-planned
  /// from the current state line; or nullptr when another run keeps the table, which is
  /// then recorded in `r` as locked (skipped). An error fails the table.
  arrow::Result<std::unique_ptr<TableClaim>> Claim(TablePlan* plan, TableResult* r);

 private:
  friend class TableClaim;
  arrow::Status Replan(TablePlan* plan);

  source::TableLockSession* session_;
  std::string output_location_;
  state::StateStore* state_;
  lake::TablePointer* pointer_;
  const RunOptions* options_;
  const std::vector<source::TableInfo>* tables_;
  const std::vector<source::TableName>* every_table_;
};

}  // namespace pgtide::job
