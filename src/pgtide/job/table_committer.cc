#include "pgtide/job/table_committer.h"

#include <fmt/format.h>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"

namespace pgtide::job {

// A group larger than this gains nothing more from sharing one state write.
constexpr size_t kMaxGroup = 64;

TableCommitter::TableCommitter(RunContext* ctx, std::function<void(size_t)> on_done)
    : ctx_(ctx), on_done_(std::move(on_done)) {
  thread_ = std::thread([this] { Run(); });
}

TableCommitter::~TableCommitter() { Drain(); }

std::future<void> TableCommitter::Submit(std::unique_ptr<StagedTable> table) {
  auto done = table->committed.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(table));
  }
  cv_.notify_all();
  return done;
}

void TableCommitter::Drain() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TableCommitter::Run() {
  while (true) {
    std::vector<std::unique_ptr<StagedTable>> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(group);
  }
}

void TableCommitter::CommitGroup(std::vector<std::unique_ptr<StagedTable>>& group) {
  const size_t n = group.size();
  std::vector<arrow::Status> status(n);
  auto guarded = [&](size_t i, auto&& step) {
    if (!status[i].ok()) return;
    try {
      status[i] = step();
    } catch (const std::exception& e) {
      status[i] = Error(ExitCode::kInternal, e.what());
    }
  };

  // 1. Close every table's files: waits for the end of its encoding.
  std::vector<sink::StagedFile> files;
  std::vector<size_t> owner;
  for (size_t i = 0; i < n; ++i) {
    guarded(i, [&]() -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto closed, group[i]->pipe->Close());
      TableResult* r = group[i]->result;
      for (auto& f : closed) {
        r->rows += f.file.rows;
        r->bytes += f.file.bytes;
        files.push_back(std::move(f));
        owner.push_back(i);
      }
      r->files = static_cast<int64_t>(closed.size());
      if (r->rows != group[i]->pipe->rows_pushed()) {
        return Error(ExitCode::kInternal,
                     fmt::format("wrote {} rows in files but read {}", r->rows,
                                 group[i]->pipe->rows_pushed()));
      }
      return arrow::Status::OK();
    });
  }
  // 2. Publish the files of the whole group at once.
  auto published = sink::PublishFiles(ctx_->output.get(), files);
  for (size_t k = 0; k < files.size(); ++k) {
    if (!published[k].ok() && status[owner[k]].ok()) status[owner[k]] = published[k];
  }
  // 3. One write of the state file for the lines of every table whose files are all out.
  std::vector<state::TableState> lines;
  for (size_t i = 0; i < n; ++i) {
    if (status[i].ok() && group[i]->line) lines.push_back(*group[i]->line);
  }
  if (!lines.empty()) {
    arrow::Status st;
    try {
      st = ctx_->state->Commit(lines);
    } catch (const std::exception& e) {
      st = Error(ExitCode::kInternal, e.what());
    }
    for (size_t i = 0; i < n; ++i) {
      if (status[i].ok() && group[i]->line) status[i] = st;
    }
  }
  // 4. What committed full loads superseded goes; then each table is reported.
  for (size_t i = 0; i < n; ++i) {
    guarded(i, [&]() -> arrow::Status {
      for (const auto& f : group[i]->superseded) {
        ARROW_RETURN_NOT_OK(ctx_->output->DeleteFile(f));
      }
      return arrow::Status::OK();
    });
    if (!status[i].ok()) group[i]->pipe->Abort();
    ReportTable(*group[i]->plan, group[i]->result, status[i], group[i]->start);
    group[i]->pipe.reset();
    on_done_(group[i]->index);
    group[i]->committed.set_value();
  }
}

}  // namespace pgtide::job
