#include "pgtide/job/table_committer.h"

#include <fmt/format.h>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/parallel_for.h"
#include "pgtide/job/table_loader.h"

namespace pgtide::job {

// A group larger than this gains nothing more from sharing one state write.
constexpr size_t kMaxGroup = 64;

TableCommitter::TableCommitter(TableCommitTarget* target,
                               std::function<void(size_t)> on_done)
    : target_(target),
      on_done_(std::move(on_done)),
      worker_(
          [this](std::vector<std::unique_ptr<StagedTable>>& g) { return CommitGroup(g); },
          std::numeric_limits<size_t>::max(), kMaxGroup) {}

TableCommitter::~TableCommitter() { Drain(); }

std::future<void> TableCommitter::Submit(std::unique_ptr<StagedTable> table) {
  auto done = table->committed.get_future();
  // The handler never fails, so Push only fails after Drain (a bug): report it loudly.
  auto st = worker_.Push(std::move(table));
  if (!st.ok())
    throw std::logic_error("TableCommitter::Submit after Drain: " + st.ToString());
  return done;
}

void TableCommitter::Drain() { (void)worker_.Close(); }

/// Closes a table's pipe (waits for the end of its encoding) and collects its files.
static arrow::Status CloseFiles(StagedTable* t) {
  ARROW_ASSIGN_OR_RAISE(auto closed, t->pipe->Close());
  TableResult* r = t->result;
  for (const auto& f : closed) {
    r->rows += f.file.rows;
    r->bytes += f.file.bytes;
  }
  r->files = static_cast<int64_t>(closed.size());
  t->change.files = std::move(closed);
  if (r->rows != t->pipe->rows_pushed()) {
    return Error(ExitCode::kInternal, fmt::format("wrote {} rows in files but read {}",
                                                  r->rows, t->pipe->rows_pushed()));
  }
  return arrow::Status::OK();
}

arrow::Status TableCommitter::CommitGroup(
    std::vector<std::unique_ptr<StagedTable>>& group) {
  const size_t n = group.size();
  std::vector<arrow::Status> status(n);
  std::vector<TableChange> changes;
  std::vector<size_t> of_change;
  // After a stop was asked for, tables whose commit has not begun are aborted; a commit
  // that has begun (publish, then the state write) is let finish, so it lands whole.
  auto interrupted = [&](size_t i) {
    return InterruptedError("table " + group[i]->plan->table.qualified_name());
  };
  // A small table's rows are encoded when its pipe closes, so closing is most of a
  // group's work: two threads, as each table's writer is its own (a run of 200 small
  // tables otherwise waited on this one thread, with a core to spare).
  ParallelFor(n, 2, [&](size_t i) {
    try {
      status[i] = StopRequested() ? interrupted(i) : CloseFiles(group[i].get());
    } catch (const std::exception& e) {
      status[i] = Error(ExitCode::kInternal, e.what());
    }
  });
  for (size_t i = 0; i < n; ++i) {
    try {
      // Last check that no other run can have started on the table (its lock held);
      // one at a time: the claims share the run's lock session.
      if (status[i].ok() && group[i]->claim) status[i] = group[i]->claim->Verify();
    } catch (const std::exception& e) {
      status[i] = Error(ExitCode::kInternal, e.what());
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (status[i].ok() && StopRequested()) status[i] = interrupted(i);
    if (status[i].ok()) {
      changes.push_back(std::move(group[i]->change));
      of_change.push_back(i);
    }
  }
  std::vector<arrow::Status> committed;
  try {
    if (!changes.empty()) committed = target_->Commit(changes);
  } catch (const std::exception& e) {
    committed.assign(changes.size(), Error(ExitCode::kInternal, e.what()));
  }
  for (size_t k = 0; k < of_change.size(); ++k) {
    status[of_change[k]] = k < committed.size()
                               ? committed[k]
                               : Error(ExitCode::kInternal, "no commit status");
  }
  for (size_t i = 0; i < n; ++i) {
    if (!status[i].ok()) group[i]->pipe->Abort();
    ReportTable(*group[i]->plan, group[i]->result, status[i], group[i]->start);
    group[i]->pipe.reset();
    group[i]->claim.reset();  // after the state line is written
    on_done_(group[i]->index);
    group[i]->committed.set_value();
  }
  return arrow::Status::OK();
}

}  // namespace pgtide::job
