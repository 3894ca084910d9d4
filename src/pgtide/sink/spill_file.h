#pragma once

#include <arrow/api.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace arrow::ipc {
class RecordBatchFileReader;
}

namespace pgtide::sink {

/// Rows set aside on local disk while a table whose dates are interleaved is read: one
/// Arrow IPC file (uncompressed) per window of rows, holding one record batch per date
/// partition. Read back partition by partition when the partitions' files are written, so
/// each partition gets large row groups while memory holds one window, whatever the
/// number of dates. The file is deleted with the object.
class SpillFile {
 public:
  /// Writes `parts` (partition key, rows) to `path`.
  static arrow::Result<std::unique_ptr<SpillFile>> Write(
      const std::string& path, const std::shared_ptr<arrow::Schema>& schema,
      const std::vector<std::pair<int64_t, std::shared_ptr<arrow::RecordBatch>>>& parts);
  ~SpillFile();

  /// Reads one spill file back; one per thread (Arrow's IPC reader is not shared).
  class Reader {
   public:
    explicit Reader(const SpillFile* spill) : spill_(spill) {}
    ~Reader();
    /// The rows spilled for `key`, or null when this window had none.
    arrow::Result<std::shared_ptr<arrow::RecordBatch>> Read(int64_t key);

   private:
    const SpillFile* spill_;
    std::shared_ptr<arrow::io::RandomAccessFile> file_;
    std::shared_ptr<arrow::ipc::RecordBatchFileReader> reader_;
  };

  /// The partition keys it holds.
  std::vector<int64_t> keys() const {
    std::vector<int64_t> out;
    for (const auto& [key, index] : batch_of_key_) out.push_back(key);
    return out;
  }
  /// Its size on disk.
  int64_t bytes() const { return bytes_; }

 private:
  SpillFile() = default;
  std::string path_;
  int64_t bytes_ = 0;
  std::map<int64_t, int> batch_of_key_;
};

}  // namespace pgtide::sink
