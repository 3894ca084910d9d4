#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "pgtide/job/table_claim.h"
#include "pgtide/job/table_loader.h"

namespace pgtide::job {

struct StagedTable;

/// The run's policy for PostgreSQL errors that may go away (connection lost, server
/// restarting or full, serialization failures): a table is tried again from scratch —
/// its staged files are discarded, so nothing is written twice — up to `retries` times,
/// waiting `retry_wait_s` doubled each time (at most 30 s), on a new connection if the
/// old one broke. Once a table has used up its retries because PostgreSQL is gone, the
/// tables not yet started fail at once instead of each waiting as long again.
class SourceRetry {
 public:
  SourceRetry(int retries, double retry_wait_s)
      : retries_(retries), wait_s_(retry_wait_s) {}

  /// Whether `st` after `attempt` failed tries (0-based) is worth another try.
  bool ShouldRetry(const arrow::Status& st, int attempt) const;
  /// Seconds to wait before try `attempt + 1`.
  double WaitSeconds(int attempt) const;
  /// Records that PostgreSQL stayed unavailable through every retry, and why.
  void MarkSourceDown(const arrow::Status& why);
  bool source_down() const { return down_; }
  const arrow::Status& down_reason() const { return down_reason_; }
  int retries() const { return retries_; }

 private:
  int retries_;
  double wait_s_;
  std::atomic<bool> down_{false};
  arrow::Status down_reason_;  // written once, before down_ is set
  std::atomic<bool> down_claimed_{false};
};

/// True when `st` is PostgreSQL refusing a connection for want of slots (53300).
bool IsConnectionLimit(const arrow::Status& st);

/// Stages `plan` on `*conn` (opened or replaced as needed), retrying as `retry` allows.
/// With `claims`, each try first takes the table's lock into `*claim` and re-plans
/// `*plan` from the fresh state line (table_claim.h); a failed try releases it, so a
/// retry after a server restart locks and reads the state again.
/// Returns the staged table, or null when the table failed or was locked by another run
/// (reported in `result`) or — `*gave_way` set — when the server had no connection slot
/// for this worker and `give_way()` agreed that it retire (the table then goes to
/// another worker).
std::unique_ptr<StagedTable> StageWithRetries(RunContext* ctx, TablePlan* plan,
                                              TableResult* result, ScanProgress* progress,
                                              std::unique_ptr<source::Connection>* conn,
                                              SourceRetry* retry, TableClaims* claims,
                                              std::unique_ptr<TableClaim>* claim,
                                              const std::function<bool()>& give_way,
                                              bool* gave_way);

}  // namespace pgtide::job
