#include <arrow/filesystem/localfs.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "pgtide/common/exit_code.h"
#include "pgtide/storage/store_backends_internal.h"

namespace pgtide::storage {

namespace fsys = std::filesystem;

namespace {

arrow::Status ErrnoError(const std::string& what, const std::string& path) {
  return StorageError(
      arrow::Status::IOError(std::strerror(errno), errno == ENOSPC ? " (ENOSPC)" : ""),
      fmt::format("{} {}", what, path));
}

// rename(2) is atomic within a file system; the fsyncs make the new name durable before
// the state file can point past it.
arrow::Status SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return ErrnoError("open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("fsync", path);
  return arrow::Status::OK();
}

class LocalStore : public ObjectStore {
 public:
  explicit LocalStore(const std::string& folder) {
    std::error_code ec;
    fsys::path abs = fsys::absolute(folder, ec);
    root_ = abs.lexically_normal().string();
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    location_ = root_;
    fs_ = std::make_shared<arrow::fs::LocalFileSystem>();
  }

  arrow::Result<std::string> StagingPath(const std::string& rel) override {
    fsys::path target(Full(rel));
    std::error_code ec;
    fsys::create_directories(target.parent_path(), ec);
    if (ec) {
      errno = ec.value();
      return ErrnoError("create folder", target.parent_path().string());
    }
    // A leading dot hides the file from dataset readers until it is renamed.
    return (target.parent_path() /
            ("." + target.filename().string() + ".tmp-" + RandomHex(8)))
        .string();
  }

  arrow::Status Publish(const std::string& staging_path,
                        const std::string& rel) override {
    ARROW_RETURN_NOT_OK(SyncPath(staging_path, false));
    std::string target = Full(rel);
    if (::rename(staging_path.c_str(), target.c_str()) != 0)
      return ErrnoError("rename to", target);
    return SyncPath(fsys::path(target).parent_path().string(), true);
  }

  arrow::Status WriteSmall(const std::string& rel, const std::string& content) override {
    ARROW_ASSIGN_OR_RAISE(auto staging, StagingPath(rel));
    {
      std::ofstream out(staging, std::ios::binary | std::ios::trunc);
      out.write(content.data(), static_cast<std::streamsize>(content.size()));
      out.flush();
      if (!out) {
        DiscardStaged(staging);
        return ErrnoError("write", staging);
      }
    }
    auto st = Publish(staging, rel);
    if (!st.ok()) DiscardStaged(staging);
    return st;
  }

  arrow::Result<bool> CreateIfAbsent(const std::string& rel,
                                     const std::string& content) override {
    ARROW_ASSIGN_OR_RAISE(auto staging, StagingPath(rel));
    {
      std::ofstream out(staging, std::ios::binary | std::ios::trunc);
      out.write(content.data(), static_cast<std::streamsize>(content.size()));
      out.flush();
      if (!out) {
        DiscardStaged(staging);
        return ErrnoError("write", staging);
      }
    }
    auto st = SyncPath(staging, false);
    if (!st.ok()) {
      DiscardStaged(staging);
      return st;
    }
    const std::string target = Full(rel);
    // link(2) fails with EEXIST instead of replacing: of two writers, exactly one wins.
    const int rc = ::link(staging.c_str(), target.c_str());
    const int err = errno;
    DiscardStaged(staging);
    if (rc != 0) {
      if (err == EEXIST) return false;
      errno = err;
      return ErrnoError("create", target);
    }
    ARROW_RETURN_NOT_OK(SyncPath(fsys::path(target).parent_path().string(), true));
    return true;
  }

  arrow::Status Update(const std::string& rel, const Mutator& mutate) override {
    std::string target = Full(rel);
    std::error_code ec;
    fsys::create_directories(fsys::path(target).parent_path(), ec);
    std::string lock_path = target + ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0) return ErrnoError("open lock file", lock_path);
    // flock serializes concurrent runs on this machine sharing one state file.
    if (::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return ErrnoError("lock", lock_path);
    }
    arrow::Status st = [&]() -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto current, ReadSmall(rel));
      ARROW_ASSIGN_OR_RAISE(auto next, mutate(current));
      return WriteSmall(rel, next);
    }();
    ::flock(fd, LOCK_UN);
    ::close(fd);
    return st;
  }

  arrow::Status CheckWritable() override {
    std::error_code ec;
    fsys::create_directories(root_, ec);
    if (ec) {
      errno = ec.value();
      return ErrnoError("create folder", root_);
    }
    std::string probe = root_ + "/.pgtide-write-check-" + RandomHex(8);
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return ErrnoError("write to", root_);
    ::close(fd);
    ::unlink(probe.c_str());
    return arrow::Status::OK();
  }
};

}  // namespace

arrow::Result<std::shared_ptr<ObjectStore>> OpenLocalStore(const std::string& folder) {
  return std::make_shared<LocalStore>(folder);
}

}  // namespace pgtide::storage
