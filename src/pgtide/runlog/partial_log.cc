#include "pgtide/runlog/partial_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"

namespace pgtide::runlog {

namespace fsys = std::filesystem;

constexpr const char* kSuffix = ".log.partial";
constexpr const char* kHeader = "pgtide run log in progress; log folder: ";

std::string PartialLogFolder(const std::string& log_folder,
                             const std::string& local_dir) {
  if (!log_folder.empty() && log_folder.rfind("s3://", 0) != 0) return log_folder;
  if (!local_dir.empty()) return local_dir;
  return (fsys::temp_directory_path() / "pgtide-logs").string();
}

arrow::Result<std::unique_ptr<PartialLog>> PartialLog::Start(
    const std::string& folder, const std::string& base_name,
    const std::string& log_folder) {
  std::error_code ec;
  fsys::create_directories(folder, ec);
  std::string path = (fsys::path(folder) / (base_name + kSuffix)).string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return Error(ExitCode::kStorageUnavailable,
                 fmt::format("could not create the run log {}: {}", path, why));
  }
  auto log = std::unique_ptr<PartialLog>(new PartialLog());
  log->path_ = path;
  log->file_ = ::fdopen(fd, "a");
  if (log->file_ == nullptr) {
    ::close(fd);
    return Error(ExitCode::kStorageUnavailable,
                 fmt::format("could not open the run log {}", path));
  }
  std::fprintf(log->file_, "%s%s\n", kHeader, log_folder.c_str());
  FILE* f = log->file_;
  // fflush hands each line to the kernel, which keeps it whatever kills the process.
  RunLog::Get().set_sink([f](const std::string& line) {
    std::fprintf(f, "%s\n", line.c_str());
    std::fflush(f);
  });
  return log;
}

PartialLog::~PartialLog() { Finish(/*delivered=*/false); }

void PartialLog::Finish(bool delivered) {
  if (file_ == nullptr) return;
  RunLog::Get().set_sink({});
  if (delivered) ::unlink(path_.c_str());  // before the close drops the lock
  std::fclose(file_);
  file_ = nullptr;
  // $TMPDIR/pgtide-logs is left behind only when it holds something.
  if (delivered) ::rmdir(fsys::path(path_).parent_path().c_str());
}

/// Delivers one dead run's partial log; the caller holds its lock.
static arrow::Status Deliver(const fsys::path& path, const storage::S3Settings& s3,
                             const std::string& run_id, std::string* where) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  std::string header = body.substr(0, body.find('\n'));
  if (header.rfind(kHeader, 0) != 0 || header.size() == strlen(kHeader)) {
    return arrow::Status::Invalid("its first line does not name a log folder");
  }
  std::string log_folder = header.substr(strlen(kHeader));
  body = body.size() > header.size() ? body.substr(header.size() + 1) : "";
  if (!body.empty() && body.back() != '\n') body += '\n';
  body += fmt::format(
      "{} ERROR: the log ends here: this run did not finish (killed, out of memory or "
      "crashed) and wrote no summary; run {} uploaded this log\n",
      FormatIsoMicros(NowMicros()), run_id);
  std::string name = path.filename().string();
  std::string base = name.substr(0, name.size() - strlen(kSuffix));
  ARROW_ASSIGN_OR_RAISE(auto store, storage::ObjectStore::Open(log_folder, s3));
  ARROW_RETURN_NOT_OK(store->WriteSmall(base + ".log", body));
  *where = store->Describe(base + ".log");
  return arrow::Status::OK();
}

void RecoverPartialLogs(const std::string& folder, const storage::S3Settings& s3,
                        const std::string& run_id) {
  std::error_code ec;
  fsys::directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fsys::path path = it->path();
    const std::string name = path.filename().string();
    if (name.size() <= strlen(kSuffix) ||
        name.compare(name.size() - strlen(kSuffix), std::string::npos, kSuffix) != 0)
      continue;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // another run delivered it meanwhile
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);  // a live run's
      continue;
    }
    struct stat st;
    // Delivered and removed by another run between our open and our lock.
    if (::stat(path.c_str(), &st) != 0) {
      ::close(fd);
      continue;
    }
    std::string where;
    arrow::Status delivered = Deliver(path, s3, run_id, &where);
    if (delivered.ok()) {
      ::unlink(path.c_str());
      LogWarning(
          "an earlier run did not finish (killed or crashed); its log, kept on local "
          "disk as it ran, was uploaded to {}",
          where);
    } else {
      LogWarning(
          "an earlier run did not finish (killed or crashed); its log is kept at {} "
          "(it could not be uploaded: {})",
          path.string(), delivered.message());
    }
    ::close(fd);
  }
}

}  // namespace pgtide::runlog
