#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "pgtide/job/staged_table.h"
#include "pgtide/job/table_loader.h"

namespace pgtide::job {

/// Commits staged tables on a thread of its own, in the order they were submitted, so that
/// a table's durable commit (fsync of each file and its folder, then of the state file and
/// its folder) overlaps the next table's scan instead of following it.
///
/// Tables that are waiting when the committer gets to them are committed as a group: their
/// files are published together from a few threads, and their state lines are written in one
/// replace of the state file. The protocol per table is unchanged — no line is written
/// before every file of its table is published, and a table that fails leaves its line
/// as it was.
class TableCommitter {
 public:
  /// `on_done(index)` runs on the committer thread after each table, committed or failed.
  TableCommitter(RunContext* ctx, std::function<void(size_t)> on_done);
  ~TableCommitter();

  /// Queues a staged table; the future is ready once it is committed or failed.
  std::future<void> Submit(std::unique_ptr<StagedTable> table);
  /// Commits everything queued, then stops the thread.
  void Drain();

 private:
  void Run();
  void CommitGroup(std::vector<std::unique_ptr<StagedTable>>& group);

  RunContext* ctx_;
  std::function<void(size_t)> on_done_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<StagedTable>> queue_;
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace pgtide::job
