// TableLoader::ScanRanges: one table read as several ranges at once, in one snapshot.
#include <fmt/format.h>

#include <thread>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/log.h"
#include "pgtide/job/table_loader.h"
#include "pgtide/job/writer_pipe.h"

namespace pgtide::job {

static std::string RangePredicate(const std::string& window, const std::string& range) {
  if (window.empty()) return range;
  return fmt::format("({}) AND ({})", window, range);
}

arrow::Status TableLoader::ScanRanges(const TablePlan& plan, const std::string& predicate,
                                      state::BoundaryTracker* tracker,
                                      PartitionedWriterPipe* pipe,
                                      ScanProgress* progress) {
  const std::string name = plan.table.qualified_name();
  const size_t k = plan.ranges.size();
  // The table's snapshot: the run's (--consistent), or the one the loader's connection
  // has just taken for this table, after its horizon. Every range imports it before any
  // COPY starts, so the horizon, the fingerprints and the mark hold for all of them.
  std::string id;
  if (ctx_->run_snapshot) {
    id = ctx_->run_snapshot->id;
  } else {
    ARROW_ASSIGN_OR_RAISE(id, source::ExportOpenSnapshot(conn_));
  }
  std::vector<std::unique_ptr<source::Connection>> helpers;
  for (size_t i = 1; i < k; ++i) {
    ARROW_ASSIGN_OR_RAISE(auto c, source::Connection::Open(ctx_->options->connect));
    ARROW_RETURN_NOT_OK(source::ImportSnapshot(c.get(), id));
    helpers.push_back(std::move(c));
  }
  LogInfo("table {}: read as {} ranges on {} connections in snapshot {}", name, k, k, id);
  std::vector<source::Connection*> conns{conn_};
  for (auto& h : helpers) conns.push_back(h.get());
  std::mutex shared;
  std::atomic<bool> abort{false};
  std::vector<arrow::Status> results(k);
  auto read_range = [&](size_t i) {
    std::string sql = BuildCopySql(plan, RangePredicate(predicate, plan.ranges[i]));
    LogDebug("table {} range {}/{}: {}", name, i + 1, k, sql);
    arrow::Status st = conns[i]->StartCopyOut(sql);
    if (st.ok()) st = Scan(conns[i], plan, tracker, pipe, progress, &shared, &abort);
    if (!st.ok()) abort = true;
    results[i] = st;
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < k; ++i) threads.emplace_back(read_range, i);
  read_range(0);
  for (auto& t : threads) t.join();
  for (auto& h : helpers) (void)h->Exec("COMMIT");
  // The first real failure, not the "another range failed" it caused in the others.
  for (const auto& st : results) {
    if (!st.ok() && !st.IsCancelled()) return st;
  }
  for (const auto& st : results) ARROW_RETURN_NOT_OK(st);
  if (progress) progress->scanned = true;
  return arrow::Status::OK();
}

}  // namespace pgtide::job
