#pragma once

#include <arrow/api.h>
#include <arrow/util/compression.h>
#include <arrow/util/future.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pgtide/sink/partitioning.h"
#include "pgtide/sink/spill_file.h"
#include "pgtide/storage/publish.h"

namespace parquet::arrow {
class FileWriter;
}

namespace pgtide::sink {

/// A spill generation's size on disk, in multiples of the memory budget. Each date gets
/// one file per generation, so larger generations mean fewer, larger files per date and
/// more local disk: three (uncompressed) gave 5,000,000 interleaved rows three files per
/// date, as two did when the spill was LZ4-compressed.
constexpr int64_t kGenerationXBudget = 3;

struct WriterOptions {
  /// ZSTD: the best ratio for its speed on typical tables; Spark, DuckDB and pyarrow read
  /// it.
  arrow::Compression::type compression = arrow::Compression::ZSTD;
  /// Codec level; the codec's default when unset (a level only applies to its own codec).
  int compression_level = arrow::util::kUseDefaultCompressionLevel;
  /// Rows per row group when memory allows: large enough for good compression and
  /// statistics, small enough that readers can skip.
  int64_t row_group_rows = 256 * 1024;
  /// Upper bound on rows buffered across all open partitions; past it the fullest
  /// partitions are written out as (smaller) row groups, so memory does not grow with the
  /// table. Rows whose dates are interleaved (every batch touches many partitions) are
  /// instead gathered in a window of a quarter of this size, grouped by date, and spilled
  /// to local disk, so that memory does not grow with the number of dates. Spill files
  /// form generations of at most `kGenerationXBudget` × this size: a full generation is
  /// written out as one file per date by a background thread while the scan fills the
  /// next one, so local disk holds at most two generations (6× this size), whatever the
  /// table's size.
  int64_t memory_budget_bytes = 64LL << 20;
  /// A partition's file is closed and a new one started after this many rows.
  int64_t max_file_rows = 10'000'000;
};

/// Writes one table's rows as Parquet files, one folder per partition: staged under a
/// hidden name until the caller publishes them (local), or streamed to their place as
/// multipart uploads that complete when the file is closed (S3). Names are
/// "<file_prefix>-NNNNN.parquet": unique per run.
class PartitionedWriter {
 public:
  static arrow::Result<std::unique_ptr<PartitionedWriter>> Make(
      std::shared_ptr<storage::ObjectStore> store, std::string table_dir,
      std::shared_ptr<arrow::Schema> schema, DatePartitioning partitioning,
      std::string file_prefix, WriterOptions options);
  ~PartitionedWriter();

  /// Writes `batch`; `partition_keys` holds each row's DatePartitioning key (empty when
  /// the table is not partitioned).
  arrow::Status Write(const std::shared_ptr<arrow::RecordBatch>& batch,
                      const std::vector<int64_t>& partition_keys);
  /// Flushes and closes every file; the caller owns (publishes or discards) what it
  /// returns.
  arrow::Result<std::vector<storage::StagedFile>> Close();
  /// Discards every file (a failed table).
  void Abort();

  int64_t rows_written() const { return rows_in_; }

 private:
  struct Partition;
  PartitionedWriter() = default;
  arrow::Status Split(const std::shared_ptr<arrow::RecordBatch>& batch,
                      const std::vector<int64_t>& keys);
  arrow::Status Append(int64_t key, std::shared_ptr<arrow::RecordBatch> rows);
  arrow::Status FlushPartition(int64_t key, Partition* p);
  /// Writes `p`'s pending rows as a row group (opening its file first); no accounting.
  arrow::Status WriteRowGroup(int64_t key, Partition* p);
  arrow::Status CloseFile(Partition* p);
  arrow::Status EnforceBudget();
  /// Waits for the streamed objects' uploads; the completed ones join staged_.
  arrow::Status FinishUploads();
  /// Groups the window's rows by partition (one stable counting sort and one Take per
  /// column) and empties it.
  arrow::Result<std::vector<std::pair<int64_t, std::shared_ptr<arrow::RecordBatch>>>>
  GroupWindow();
  arrow::Status SpillWindow();

  /// Spill files written out together: each date's pieces in all of them become one
  /// file.
  struct Generation {
    std::vector<std::unique_ptr<SpillFile>> spills;
    int64_t bytes = 0;
  };
  /// Hands the current generation to the background drain (waiting for the previous
  /// one first: at most two generations are on disk).
  arrow::Status SealGeneration();
  /// Writes every date of `gen`, from `threads` threads, then deletes its files.
  arrow::Status DrainGeneration(std::shared_ptr<Generation> gen, int threads);
  arrow::Status DrainKeys(const Generation& gen, const std::vector<int64_t>& keys,
                          std::atomic<size_t>* next);
  arrow::Status WaitForDrain();
  std::shared_ptr<storage::ObjectStore> store_;
  std::string table_dir_;
  std::shared_ptr<arrow::Schema> schema_;
  DatePartitioning partitioning_;
  std::string file_prefix_;
  WriterOptions options_;
  std::map<int64_t, std::unique_ptr<Partition>> partitions_;
  std::mutex files_mu_;  // staged_ and closing_: drain threads close files too
  std::vector<storage::StagedFile> staged_;
  // Streamed objects whose upload completes in the background.
  struct Closing {
    storage::StagedFile file;
    storage::DataFileSink sink;
    arrow::Future<> done;
  };
  std::vector<Closing> closing_;
  int64_t pending_bytes_ = 0;
  int64_t rows_in_ = 0;
  std::atomic<int> file_seq_{0};
  int64_t batch_seq_ = 0;
  std::vector<bool> near_unique_;  // per column: no dictionary encoding
  // Interleaved rows not yet grouped, with their partition keys.
  std::vector<arrow::ArrayVector> window_;  // per column
  int64_t window_rows_ = 0;
  std::vector<int64_t> window_keys_;
  int64_t window_bytes_ = 0;
  size_t spill_seq_ = 0;
  std::shared_ptr<Generation> generation_ = std::make_shared<Generation>();
  bool spilled_ = false;              // anything spilled in this table
  std::future<arrow::Status> drain_;  // the generation being written out, if any
  std::atomic<bool> aborting_{false};
};

}  // namespace pgtide::sink
