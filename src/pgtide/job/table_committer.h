#pragma once

#include <functional>
#include <future>
#include <memory>
#include <vector>

#include "pgtide/job/bounded_worker.h"
#include "pgtide/job/staged_table.h"
#include "pgtide/job/table_commit.h"

namespace pgtide::job {

/// Commits staged tables on a thread of its own, in the order they were submitted, so
/// that a table's durable commit (fsync of each file and its folder, then of the state
/// file and its folder) overlaps the next table's scan instead of following it.
///
/// Tables that are waiting when the committer gets to them are committed as a group
/// through one TableCommitTarget::Commit call (today: one parallel publish, one
/// state-file write). A table that fails leaves its line as it was.
class TableCommitter {
 public:
  /// `on_done(index)` runs on the committer thread after each table, committed or failed.
  TableCommitter(TableCommitTarget* target, std::function<void(size_t)> on_done);
  ~TableCommitter();

  /// Queues a staged table; the future is ready once it is committed or failed.
  std::future<void> Submit(std::unique_ptr<StagedTable> table);
  /// Commits everything queued, then stops the thread.
  void Drain();

 private:
  arrow::Status CommitGroup(std::vector<std::unique_ptr<StagedTable>>& group);

  TableCommitTarget* target_;
  std::function<void(size_t)> on_done_;
  BoundedWorker<std::unique_ptr<StagedTable>> worker_;  // last: its thread uses the above
};

}  // namespace pgtide::job
