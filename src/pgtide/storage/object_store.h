#pragma once

#include <arrow/filesystem/filesystem.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgtide::storage {

/// S3 settings that do not belong in a location URI.
struct S3Settings {
  /// "http://127.0.0.1:9000" or "https://s3.example.com"; empty means
  /// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then AWS itself.
  std::string endpoint;
  std::string
      region;  // empty: AWS_REGION / AWS_DEFAULT_REGION / the profile, else us-east-1
  // Bounded waits (README "S3 timeouts and retries"): a stalled or unreachable endpoint
  // fails the run with exit 5 within about a minute.
  double connect_timeout_s = 5;   // TCP + TLS connect, per attempt
  double request_timeout_s = 10;  // no byte received or sent for this long, per attempt
  int max_attempts = 3;           // attempts per request, the first one included
};

/// A folder or an S3 prefix holding the lake, the state file or the logs, behind one
/// interface built on arrow::fs. Paths given to its methods are relative to the root.
///
/// Where a data file's bytes go while it is written (ObjectStore::OpenDataFile).
struct DataFileSink {
  std::shared_ptr<arrow::io::OutputStream> stream;
  /// The local file that Publish later moves into place; empty when the stream writes
  /// the object itself (S3: a multipart upload of bounded parts that completes when the
  /// stream is closed, so there is nothing left to publish).
  std::string staging_path;
};

/// Visibility contract: a data file appears whole or not at all. Local files are written
/// to a hidden staging path and published by a rename within the folder; S3 objects are
/// streamed as multipart uploads while they are written and appear when the upload
/// completes (atomically, on close), or not at all when it is aborted.
class ObjectStore {
 public:
  static arrow::Result<std::shared_ptr<ObjectStore>> Open(const std::string& location,
                                                          const S3Settings& s3 = {});
  virtual ~ObjectStore() = default;

  /// "s3://bucket/prefix" or the absolute local folder, for messages.
  const std::string& location() const { return location_; }
  bool is_s3() const { return is_s3_; }
  std::string Describe(const std::string& rel) const;

  /// A local path to write the file that will become `rel`, and the publish step.
  virtual arrow::Result<std::string> StagingPath(const std::string& rel) = 0;
  virtual arrow::Status Publish(const std::string& staging_path,
                                const std::string& rel) = 0;
  /// Removes a staged file that will not be published (a failed table).
  void DiscardStaged(const std::string& staging_path);
  /// Opens the data file that will become `rel`: a staging file (local) or the streamed
  /// object itself (S3). Local disk then holds no copy of an S3 table's files.
  virtual arrow::Result<DataFileSink> OpenDataFile(const std::string& rel);
  /// The error for a failed write or close of the data file `rel` opened by OpenDataFile:
  /// it names the staging file or the object (and, on S3, remembers an endpoint that
  /// did not answer).
  arrow::Status DataFileError(const arrow::Status& st, const std::string& rel,
                              const DataFileSink& sink) const;

  /// Regular files under `rel_dir`, recursively, as paths relative to the root.
  arrow::Result<std::vector<std::string>> ListFiles(const std::string& rel_dir);
  /// A listed file and when it was last written (the store's clock: the file system's
  /// mtime, S3's LastModified), in milliseconds since the epoch; -1 when not known.
  struct ListedFile {
    std::string rel;
    int64_t modified_ms = -1;
  };
  /// ListFiles with modification times, for clean-up that waits out a grace period.
  arrow::Result<std::vector<ListedFile>> ListFilesWithTimes(const std::string& rel_dir);
  /// Deletes `rel`; a file already gone counts as deleted (clean-ups are idempotent and
  /// may race: a run's sweep and `pgtide maintain`).
  arrow::Status DeleteFile(const std::string& rel);
  /// Reads a whole small file; nullopt when it does not exist.
  arrow::Result<std::optional<std::string>> ReadSmall(const std::string& rel);
  /// Writes a small file so it appears whole (a log, a summary, a sidecar).
  virtual arrow::Status WriteSmall(const std::string& rel,
                                   const std::string& content) = 0;
  /// Writes a small file only if `rel` does not exist, atomically: false (and nothing
  /// written) when it already exists, because another writer created it first. Local:
  /// link(2) of a staged copy, which never replaces a name; S3: PUT with
  /// `If-None-Match: *`. This is what makes an Iceberg metadata version unique.
  virtual arrow::Result<bool> CreateIfAbsent(const std::string& rel,
                                             const std::string& content) = 0;
  /// Opens a file for random access (a Parquet footer, say).
  arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenForRead(
      const std::string& rel);

  /// `rel` as other engines name it: an absolute path, or s3://bucket/key.
  std::string Uri(const std::string& rel) const;
  /// The path relative to the root of a URI that Uri made; nullopt for one outside it.
  std::optional<std::string> RelOf(const std::string& uri) const;

  /// Read-modify-write of a small file that several runs may update at once: `mutate`
  /// gets the current content (nullopt when absent) and returns the new one. Local stores
  /// hold an exclusive lock; S3 uses conditional PUTs and calls `mutate` again after a
  /// conflict.
  using Mutator =
      std::function<arrow::Result<std::string>(const std::optional<std::string>&)>;
  virtual arrow::Status Update(const std::string& rel, const Mutator& mutate) = 0;

  /// Checks early that the location can be written, so a run fails before reading data.
  virtual arrow::Status CheckWritable() = 0;

 protected:
  std::string Full(const std::string& rel) const;
  /// S3: fails at once when this store's endpoint already timed out or refused a
  /// connection in this run, so a dead endpoint costs one timeout rather than one per
  /// request (the log upload at the end included). Local stores: always OK.
  virtual arrow::Status CheckReachable() const { return arrow::Status::OK(); }
  /// S3: remembers the endpoint as unreachable when `st` says it timed out or refused.
  virtual void NoteFailure(const arrow::Status& st) const { (void)st; }
  /// S3: " via the S3 endpoint host:port" when `st` says the endpoint is unreachable
  /// (curl's timeout message names no host), so the error names the endpoint to fix.
  virtual std::string Via(const arrow::Status& st) const {
    (void)st;
    return "";
  }
  std::shared_ptr<arrow::fs::FileSystem> fs_;
  std::string root_;  // the root in fs_ terms: "/abs/dir" or "bucket/prefix"
  std::string location_;
  bool is_s3_ = false;
};

/// Maps a failed storage Status to its storage class (exit code 5) with the location
/// named: by errno first (ENOSPC/EDQUOT/EFBIG are kStorageFull), else by the message.
arrow::Status StorageError(const arrow::Status& st, const std::string& what);

/// Shuts S3 down; call once at the end of main after every store is gone.
void FinalizeStorage();

}  // namespace pgtide::storage
