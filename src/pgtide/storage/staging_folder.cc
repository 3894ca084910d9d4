#include "pgtide/storage/staging_folder.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "pgtide/common/log.h"
#include "pgtide/common/random.h"

namespace pgtide::storage {

namespace fsys = std::filesystem;

constexpr const char* kPrefix = "pgtide-staging-";
constexpr const char* kOwner = ".owner";

StagingFolder::StagingFolder() {
  path_ = (fsys::temp_directory_path() /
           fmt::format("{}{}-{}", kPrefix, ::getpid(), RandomHex(6)))
              .string();
}

StagingFolder::~StagingFolder() {
  std::error_code ec;
  fsys::remove_all(path_, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string StagingFolder::Create() {
  std::lock_guard<std::mutex> lock(mu_);
  if (lock_fd_ >= 0) return "";
  std::error_code ec;
  fsys::create_directories(path_, ec);
  if (ec) return ec.message();
  std::string owner = path_ + "/" + kOwner;
  int fd = ::open(owner.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::strerror(errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return why;
  }
  lock_fd_ = fd;
  return "";
}

void RemoveDeadRunsStagingFolders() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::error_code ec;
    fsys::directory_iterator it(fsys::temp_directory_path(ec), ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.rfind(kPrefix, 0) != 0) continue;
      // Without its lock file the folder is being created, or is not ours: left alone.
      int fd = ::open((it->path() / kOwner).c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) continue;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        std::error_code rm;
        fsys::remove_all(it->path(), rm);
        LogInfo("removed {}, the S3 staging folder of a run that did not finish",
                it->path().string());
      }
      ::close(fd);
    }
  });
}

}  // namespace pgtide::storage
