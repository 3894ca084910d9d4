#include "pgtide/storage/object_store.h"

#include <arrow/buffer.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/buffered.h>
#include <arrow/io/file.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/io_util.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/storage/store_backends_internal.h"

namespace pgtide::storage {

arrow::Result<std::shared_ptr<ObjectStore>> ObjectStore::Open(const std::string& location,
                                                              const S3Settings& s3) {
  if (location.empty()) return Error(ExitCode::kUsage, "empty storage location");
  if (location.rfind("s3://", 0) == 0) return OpenS3Store(location, s3);
  if (location.find("://") != std::string::npos) {
    return Error(ExitCode::kUsage,
                 fmt::format("unsupported location \"{}\"\nHINT: use a local folder or "
                             "s3://bucket/prefix",
                             location));
  }
  return OpenLocalStore(location);
}

std::string ObjectStore::Full(const std::string& rel) const {
  if (rel.empty()) return root_;
  return root_.empty() ? rel : root_ + "/" + rel;
}

std::string ObjectStore::Uri(const std::string& rel) const {
  return (is_s3_ ? "s3://" : "") + Full(rel);
}

std::optional<std::string> ObjectStore::RelOf(const std::string& uri) const {
  std::string path = uri;
  if (is_s3_) {
    if (path.rfind("s3://", 0) != 0 && path.rfind("s3a://", 0) != 0) return std::nullopt;
    path = path.substr(path.find("://") + 3);
  } else if (path.rfind("file:", 0) == 0) {
    path = path.substr(5);
    // file:///abs and file:/abs
    while (path.size() > 1 && path[0] == '/' && path[1] == '/') path = path.substr(1);
  }
  const std::string root = Full("");
  if (path.size() <= root.size() + 1 || path.compare(0, root.size(), root) != 0 ||
      path[root.size()] != '/')
    return std::nullopt;
  return path.substr(root.size() + 1);
}

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> ObjectStore::OpenForRead(
    const std::string& rel) {
  ARROW_RETURN_NOT_OK(CheckReachable());
  auto in = fs_->OpenInputFile(Full(rel));
  if (!in.ok()) {
    NoteFailure(in.status());
    return StorageError(in.status(), "read " + Describe(rel) + Via(in.status()));
  }
  return *in;
}

std::string ObjectStore::Describe(const std::string& rel) const {
  return rel.empty() ? location_ : location_ + "/" + rel;
}

void ObjectStore::DiscardStaged(const std::string& staging_path) {
  std::error_code ec;
  std::filesystem::remove(staging_path, ec);
}

// Per open local data file; few are open at a time (cold partitions are closed).
constexpr int64_t kDataFileBufferBytes = 256 << 10;

arrow::Result<DataFileSink> ObjectStore::OpenDataFile(const std::string& rel) {
  DataFileSink sink;
  ARROW_ASSIGN_OR_RAISE(sink.staging_path, StagingPath(rel));
  auto stream = arrow::io::FileOutputStream::Open(sink.staging_path);
  if (!stream.ok()) return StorageError(stream.status(), "create " + sink.staging_path);
  // Buffered: the Parquet writer writes every page header and page body separately,
  // which were a hundred thousand small write(2) calls for a table of many dates.
  auto buffered = arrow::io::BufferedOutputStream::Create(
      kDataFileBufferBytes, arrow::default_memory_pool(), *stream);
  if (!buffered.ok())
    return StorageError(buffered.status(), "create " + sink.staging_path);
  sink.stream = *buffered;
  return sink;
}

arrow::Status ObjectStore::DataFileError(const arrow::Status& st, const std::string& rel,
                                         const DataFileSink& sink) const {
  if (!sink.staging_path.empty()) return StorageError(st, "write " + sink.staging_path);
  NoteFailure(st);
  return StorageError(st, "upload " + Describe(rel) + Via(st));
}

arrow::Result<std::vector<std::string>> ObjectStore::ListFiles(
    const std::string& rel_dir) {
  ARROW_ASSIGN_OR_RAISE(auto listed, ListFilesWithTimes(rel_dir));
  std::vector<std::string> out;
  out.reserve(listed.size());
  for (auto& f : listed) out.push_back(std::move(f.rel));
  return out;
}

arrow::Result<std::vector<ObjectStore::ListedFile>> ObjectStore::ListFilesWithTimes(
    const std::string& rel_dir) {
  arrow::fs::FileSelector sel;
  sel.base_dir = Full(rel_dir);
  sel.recursive = true;
  sel.allow_not_found = true;
  ARROW_RETURN_NOT_OK(CheckReachable());
  auto infos = fs_->GetFileInfo(sel);
  // A local recursive listing fails on an entry another writer removes or renames while
  // it runs (a staging file published, a clean-up): list again, a few times.
  for (int attempt = 1; !infos.ok() && !is_s3_ && attempt < 5; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    infos = fs_->GetFileInfo(sel);
  }
  if (!infos.ok()) {
    NoteFailure(infos.status());
    return StorageError(infos.status(),
                        "list " + Describe(rel_dir) + Via(infos.status()));
  }
  std::vector<ListedFile> out;
  const std::string prefix = root_.empty() ? "" : root_ + "/";
  for (const auto& info : *infos) {
    if (info.type() != arrow::fs::FileType::File) continue;
    std::string p = info.path();
    if (p.rfind(prefix, 0) == 0) p = p.substr(prefix.size());
    int64_t ms = -1;
    if (info.mtime() != arrow::fs::kNoTime) {
      ms = std::chrono::duration_cast<std::chrono::milliseconds>(
               info.mtime().time_since_epoch())
               .count();
    }
    out.push_back({std::move(p), ms});
  }
  return out;
}

arrow::Status ObjectStore::DeleteFile(const std::string& rel) {
  ARROW_RETURN_NOT_OK(CheckReachable());
  auto st = fs_->DeleteFile(Full(rel));
  if (!st.ok()) {
    // Already gone (another clean-up got there first) is what was asked for.
    auto info = fs_->GetFileInfo(Full(rel));
    if (info.ok() && info->type() == arrow::fs::FileType::NotFound)
      return arrow::Status::OK();
    NoteFailure(st);
    return StorageError(st, "delete " + Describe(rel) + Via(st));
  }
  return st;
}

arrow::Result<std::optional<std::string>> ObjectStore::ReadSmall(const std::string& rel) {
  ARROW_RETURN_NOT_OK(CheckReachable());
  auto info = fs_->GetFileInfo(Full(rel));
  if (!info.ok()) {
    NoteFailure(info.status());
    return StorageError(info.status(), "read " + Describe(rel) + Via(info.status()));
  }
  if (info->type() == arrow::fs::FileType::NotFound) return std::optional<std::string>();
  auto in = fs_->OpenInputStream(Full(rel));
  if (!in.ok()) {
    NoteFailure(in.status());
    return StorageError(in.status(), "read " + Describe(rel) + Via(in.status()));
  }
  // Read into the string itself, in chunks of the file's size: a fixed 1 MiB buffer per
  // read was a fresh mmap (and its page faults) for every version hint and manifest,
  // 3,700 of them in a run of 200 small tables. The size may be stale: read to the end.
  std::string content;
  const int64_t chunk =
      std::clamp<int64_t>(info->size() > 0 ? info->size() + 1 : 0, 4096, 1 << 20);
  while (true) {
    const size_t at = content.size();
    content.resize(at + static_cast<size_t>(chunk));
    ARROW_ASSIGN_OR_RAISE(int64_t n, (*in)->Read(chunk, content.data() + at));
    content.resize(at + static_cast<size_t>(n));
    if (n == 0) break;
  }
  return std::optional<std::string>(std::move(content));
}

/// The errno behind a failed local I/O Status: Arrow's detail, or the "[errno N]" its
/// message keeps once Parquet has rethrown it as text. 0 when none.
static int ErrnoOf(const arrow::Status& st) {
  if (int err = arrow::internal::ErrnoFromStatus(st); err > 0) return err;
  const std::string& msg = st.message();
  size_t at = msg.find("[errno ");
  if (at == std::string::npos) return 0;
  return std::atoi(msg.c_str() + at + 7);
}

arrow::Status StorageError(const arrow::Status& st, const std::string& what) {
  if (st.ok()) return st;
  if (ExitCodeOf(st) != ExitCode::kInternal) return st;
  std::string msg = st.message();
  std::string lower = msg;
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto has = [&](const char* s) { return lower.find(s) != std::string::npos; };
  // The class, and with it the hint, from the errno first: "Error writing bytes" on a
  // full disk is not a permissions problem.
  ErrorClass cls = ErrorClass::kStorageUnavailable;
  std::string hint;
  if (int err = ErrnoOf(st); err > 0) {
    cls = ClassifyErrno(err);
    hint = InfoOf(cls).hint;
    if (cls == ErrorClass::kStorageDenied || cls == ErrorClass::kStorageMissing) {
      hint = "Check that the location exists and that this user may write to it.";
    } else if (cls == ErrorClass::kStorageUnavailable) {
      hint = "A local I/O error: check the disk and the location named above.";
    }
  } else if (has("no space left") || has("enospc")) {
    cls = ErrorClass::kStorageFull;
    hint = InfoOf(cls).hint;
  } else if (has("nosuchbucket") || has("bucket does not exist")) {
    cls = ErrorClass::kStorageMissing;
    hint = "The bucket does not exist: create it or fix the s3:// location.";
  } else if (has("access denied") || has("access_denied") || has("accessdenied") ||
             has("forbidden") || has("invalidaccesskeyid") ||
             has("signaturedoesnotmatch")) {
    cls = ErrorClass::kStorageDenied;
    hint =
        "Access denied: check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and the "
        "bucket policy.";
  } else if (has("resolve host") || has("could not resolve") ||
             has("name or service not known")) {
    hint =
        "The endpoint's host name does not resolve: check --s3-endpoint / "
        "AWS_ENDPOINT_URL / the profile's endpoint_url, and the DNS configuration.";
  } else if (has("ssl") || has("tls") || has("certificate")) {
    hint =
        "The TLS handshake with the endpoint failed: check that it speaks https and "
        "that its certificate is trusted (AWS_CA_BUNDLE).";
  } else if (has("connect") || has("couldn't") || has("timed out") || has("timeout")) {
    hint =
        "The endpoint cannot be reached: check --s3-endpoint / AWS_ENDPOINT_URL and the "
        "network (timeouts: --s3-connect-timeout, --s3-request-timeout).";
  } else {
    hint = "Check that the location exists and that this user may write to it.";
  }
  return Error(cls, fmt::format("could not {}: {}\nHINT: {}", what, msg, hint));
}

void FinalizeStorage() {
  if (arrow::fs::IsS3Initialized() && !arrow::fs::IsS3Finalized()) {
    (void)arrow::fs::FinalizeS3();
  }
}

}  // namespace pgtide::storage
