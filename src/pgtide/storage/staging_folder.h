#pragma once

#include <mutex>
#include <string>

namespace pgtide::storage {

/// The local folder where an S3 store stages files, "$TMPDIR/pgtide-staging-<pid>-<hex>".
/// The owning process holds a flock on "<folder>/.owner" while the folder exists, so a
/// folder whose lock is free belongs to a run that is gone (SIGKILL, a crash, a second
/// signal): the first S3 store opened by a later run removes such folders.
class StagingFolder {
 public:
  StagingFolder();
  ~StagingFolder();  // removes the folder
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;

  const std::string& path() const { return path_; }
  /// Creates the folder and takes its lock (once; thread-safe); returns "" or why it
  /// failed.
  std::string Create();

 private:
  std::string path_;
  std::mutex mu_;
  int lock_fd_ = -1;
};

/// Removes staging folders in $TMPDIR whose owner is gone; once per process.
void RemoveDeadRunsStagingFolders();

}  // namespace pgtide::storage
