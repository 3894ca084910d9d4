#include "pgtide/job/runner.h"

#include <fmt/format.h>

#include <deque>
#include <future>
#include <new>
#include <thread>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/job/staged_table.h"
#include "pgtide/job/table_claim.h"
#include "pgtide/job/table_committer.h"
#include "pgtide/job/table_retry.h"
#include "pgtide/job/worker_budget.h"

namespace pgtide::job {

// Small tables staged by one worker and not yet committed: enough for the committer to
// group their commits while the worker keeps scanning.
constexpr size_t kMaxStagedPerWorker = 8;

std::vector<TableResult> RunTables(RunContext* ctx, const std::vector<TablePlan>& plans,
                                   RunProgress* progress,
                                   std::unique_ptr<source::Connection> first) {
  std::vector<TableResult> results(plans.size());
  // Each table is re-planned from its fresh state line once its lock is held.
  std::vector<TablePlan> current(plans);
  TableCommitter committer(ctx->commit, [&](size_t i) {
    progress->running[i] = 0;
    progress->tables_done++;
  });
  int jobs =
      std::max(1, std::min<int>(ctx->options->jobs, static_cast<int>(plans.size())));
  jobs = CapWorkersToConnectionBudget(first.get(), jobs);
  TableQueue queue(plans.size(), jobs);
  SourceRetry retry(ctx->options->retries, ctx->options->retry_wait_s);
  auto worker = [&](std::unique_ptr<source::Connection> conn) {
    std::deque<std::future<void>> staged;
    while (auto next = queue.Next()) {
      const size_t i = *next;
      if (StopRequested()) break;  // tables not started stay pending: not started
      TableResult& r = results[i];
      r.table = plans[i].table.qualified_name();
      r.mode = LoadTypeName(plans[i].mode);
      progress->running[i] = 1;
      try {
        std::unique_ptr<TableClaim> claim;
        bool gave_way = false;
        auto table = StageWithRetries(
            ctx, &current[i], &r, &progress->scans[i], &conn, &retry, ctx->claims, &claim,
            [&queue, i] { return queue.GiveWay(i); }, &gave_way);
        if (gave_way) {
          progress->running[i] = 0;
          break;
        }
        if (!table) {
          progress->running[i] = 0;
          progress->tables_done++;
          continue;
        }
        table->index = i;
        table->claim = std::move(claim);
        // A table of more than one batch may hold up to the writer's memory budget until
        // it is committed: the next table waits for it, so memory stays one table's.
        const bool large = table->pipe->batches_pushed() > 1;
        staged.push_back(committer.Submit(std::move(table)));
        while (!staged.empty() && (large || staged.size() >= kMaxStagedPerWorker)) {
          staged.front().wait();
          staged.pop_front();
        }
      } catch (const std::exception& e) {
        // std::bad_alloc is the machine's limit, not a bug: it gets the memory hint.
        const bool oom = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
        r.status = TableStatus::kFailed;
        r.error_class = oom ? ErrorClass::kOutOfMemory : ErrorClass::kInternal;
        r.error = oom ? fmt::format("out of memory\nHINT: {}", InfoOf(r.error_class).hint)
                      : e.what();
        LogError("table {} failed: {}", r.table, r.error);
        conn.reset();
        progress->running[i] = 0;
        progress->tables_done++;
      }
    }
    for (auto& f : staged) f.wait();
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker, nullptr);
  worker(std::move(first));
  for (auto& t : threads) t.join();
  committer.Drain();
  return results;
}

}  // namespace pgtide::job
