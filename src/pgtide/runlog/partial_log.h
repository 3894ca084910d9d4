#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "pgtide/storage/object_store.h"

namespace pgtide::runlog {

/// The run log on local disk while the run goes, "<folder>/<base>.log.partial", so that a
/// run that never gets to write its log (SIGKILL, out of memory, a crash, a second
/// SIGTERM) still leaves one. Each line is flushed to the kernel as it is logged. The
/// file's first line names the log folder it belongs to; the file is held under an
/// exclusive flock for the life of the process, which the kernel drops however the
/// process ends: a partial log nobody holds is a dead run's.
class PartialLog {
 public:
  /// Creates the file and makes it a sink of the run log (RunLog::set_sink).
  static arrow::Result<std::unique_ptr<PartialLog>> Start(const std::string& folder,
                                                          const std::string& base_name,
                                                          const std::string& log_folder);
  ~PartialLog();  // detaches from the run log; the file stays unless Finish removed it

  const std::string& path() const { return path_; }
  /// Detaches from the run log and, when the whole log reached the log folder (or the
  /// local fallback), removes the file.
  void Finish(bool delivered);

 private:
  PartialLog() = default;
  std::string path_;
  FILE* file_ = nullptr;
};

/// Delivers the partial logs in `folder` left by runs that died: each goes to the log
/// folder its first line names, as "<base>.log" with a last line saying the run did not
/// finish, and is then removed. One that cannot be delivered is kept and its path
/// logged. Partial logs of live runs (locked) are left alone.
void RecoverPartialLogs(const std::string& folder, const storage::S3Settings& s3,
                        const std::string& run_id);

/// Where a run keeps its partial log: the log folder itself when it is local, else
/// `local_dir` (default "$TMPDIR/pgtide-logs").
std::string PartialLogFolder(const std::string& log_folder, const std::string& local_dir);

}  // namespace pgtide::runlog
