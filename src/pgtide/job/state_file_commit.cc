#include "pgtide/job/state_file_commit.h"

#include "pgtide/common/exit_code.h"

namespace pgtide::job {

std::vector<arrow::Status> StateFileCommit::Commit(std::vector<TableChange>& changes) {
  const size_t n = changes.size();
  std::vector<arrow::Status> status(n);
  // 1. Publish the files of the whole group at once.
  std::vector<storage::StagedFile> files;
  std::vector<size_t> owner;
  for (size_t i = 0; i < n; ++i) {
    for (const auto& f : changes[i].files) {
      files.push_back(f);
      owner.push_back(i);
    }
  }
  auto published = storage::PublishFiles(output_.get(), files);
  for (size_t k = 0; k < files.size(); ++k) {
    if (!published[k].ok() && status[owner[k]].ok()) status[owner[k]] = published[k];
  }
  // 2. One write of the state file for the lines of every table whose files are all out.
  std::vector<state::TableState> lines;
  for (size_t i = 0; i < n; ++i) {
    if (status[i].ok() && changes[i].line) lines.push_back(*changes[i].line);
  }
  if (!lines.empty()) {
    arrow::Status st;
    try {
      st = state_->Commit(lines);
    } catch (const std::exception& e) {
      st = Error(ExitCode::kInternal, e.what());
    }
    for (size_t i = 0; i < n; ++i) {
      if (status[i].ok() && changes[i].line) status[i] = st;
    }
  }
  // 3. What committed full loads superseded goes.
  for (size_t i = 0; i < n; ++i) {
    if (!status[i].ok()) continue;
    for (const auto& f : changes[i].superseded) {
      status[i] = output_->DeleteFile(f);
      if (!status[i].ok()) break;
    }
  }
  return status;
}

}  // namespace pgtide::job
