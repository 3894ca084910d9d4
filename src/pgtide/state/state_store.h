#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pgtide/state/state_file.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::state {

/// max_timestamps.csv on a local folder or S3. Each commit re-reads the file and replaces
/// only its table's line, atomically (rename, or conditional PUT on S3), so runs that
/// share the file never lose each other's advances.
class StateStore {
 public:
  /// `location` is the state file's full path or s3:// URI.
  static arrow::Result<std::unique_ptr<StateStore>> Open(const std::string& location,
                                                         const storage::S3Settings& s3);
  /// Reads and validates the file (an absent file is an empty state).
  arrow::Result<StateFile> Load();
  /// Checks that the file's folder can be written, so a run stops before loading data
  /// whose marks it could not commit. Errors carry kStorageUnavailable.
  arrow::Status CheckWritable();
  /// Replaces `row`'s line. Call only after the table's files are published.
  arrow::Status Commit(const TableState& row) {
    return Commit(std::vector<TableState>{row});
  }
  /// Replaces the lines of several tables in one write (a group commit).
  arrow::Status Commit(const std::vector<TableState>& rows);
  const std::string& location() const { return location_; }

 private:
  /// `text` parsed; the last text parsed or written is kept with its parse, since a run
  /// of many tables reads back what it wrote itself: every claim and every group commit
  /// parsed the whole growing file again (5 % of the CPU of 200 small tables).
  arrow::Result<StateFile> ParseKnown(const std::string& text);
  void Remember(std::string text, StateFile file);

  std::shared_ptr<storage::ObjectStore> store_;
  std::mutex known_mu_;
  std::optional<std::pair<std::string, StateFile>> known_;
  std::string file_name_;
  std::string location_;
};

}  // namespace pgtide::state
