#pragma once

#include <arrow/api.h>
#include <arrow/util/compression.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pgtide/sink/object_store.h"
#include "pgtide/sink/partitioning.h"
#include "pgtide/source/copy_decoder.h"

namespace parquet::arrow {
class FileWriter;
}

namespace pgtide::sink {

struct WriterOptions {
  /// ZSTD: the best ratio for its speed on typical tables; Spark, DuckDB and pyarrow read it.
  arrow::Compression::type compression = arrow::Compression::ZSTD;
  /// Codec level; the codec's default when unset (a level only applies to its own codec).
  int compression_level = arrow::util::kUseDefaultCompressionLevel;
  /// Rows per row group when memory allows: large enough for good compression and
  /// statistics, small enough that readers can skip.
  int64_t row_group_rows = 256 * 1024;
  /// Upper bound on rows buffered across all open partitions. When the dates are
  /// interleaved every partition holds rows; past this budget the fullest partitions are
  /// written out as (smaller) row groups, so memory does not grow with the table.
  int64_t memory_budget_bytes = 64LL << 20;
  /// A partition's file is closed and a new one started after this many rows.
  int64_t max_file_rows = 10'000'000;
};

struct WrittenFile {
  std::string rel_path;
  int64_t rows = 0;
  int64_t bytes = 0;
};

/// Writes one table's rows as Parquet files, one folder per partition, all staged until
/// Finish() publishes them. Names are "<file_prefix>-NNNNN.parquet": unique per run.
class PartitionedWriter {
 public:
  static arrow::Result<std::unique_ptr<PartitionedWriter>> Make(
      std::shared_ptr<ObjectStore> store, std::string table_dir,
      std::shared_ptr<arrow::Schema> schema, DatePartitioning partitioning,
      std::string file_prefix, WriterOptions options);
  ~PartitionedWriter();

  arrow::Status Write(const source::DecodedBatch& batch);
  /// Flushes and closes every file, then publishes them. Returns what was published.
  arrow::Result<std::vector<WrittenFile>> Finish();
  /// Forgets staged files (a failed table); published files are left to the orphan sweep.
  void Abort();

  int64_t rows_written() const { return rows_in_; }

 private:
  struct Partition;
  PartitionedWriter() = default;
  arrow::Status Split(const source::DecodedBatch& batch);
  arrow::Status Append(int64_t key, std::shared_ptr<arrow::RecordBatch> rows);
  arrow::Status FlushPartition(int64_t key, Partition* p);
  arrow::Status CloseFile(Partition* p);
  arrow::Status EnforceBudget();

  std::shared_ptr<ObjectStore> store_;
  std::string table_dir_;
  std::shared_ptr<arrow::Schema> schema_;
  DatePartitioning partitioning_;
  std::string file_prefix_;
  WriterOptions options_;
  std::map<int64_t, std::unique_ptr<Partition>> partitions_;
  std::vector<std::pair<std::string, WrittenFile>> staged_;  // staging path, file
  int64_t pending_bytes_ = 0;
  int64_t rows_in_ = 0;
  int file_seq_ = 0;
  int64_t batch_seq_ = 0;
  std::vector<bool> near_unique_;  // per column: no dictionary encoding
};

}  // namespace pgtide::sink
