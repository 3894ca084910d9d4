#include "pgtide/sink/partitioned_writer.h"

#include <arrow/array/concatenate.h>
#include <arrow/compute/api.h>
#include <arrow/io/file.h>
#include <arrow/util/byte_size.h>
#include <fmt/format.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/sink/encoding_choice.h"
#include "pgtide/sink/lake_names.h"
#include "pgtide/sink/spill_file.h"

namespace pgtide::sink {

constexpr int64_t kColdBatches = 8;
// Values from this size up make their column "wide" (encoding_choice.h): no dictionary,
// no statistics. Parquet's dictionary page limit is 1 MiB, so such a value would make it
// fall back to plain encoding anyway, after copying the value twice.
constexpr int64_t kWideValueBytes = 1 << 20;

struct PartitionedWriter::Partition {
  std::vector<std::shared_ptr<arrow::RecordBatch>> pending;
  int64_t pending_rows = 0;
  int64_t pending_bytes = 0;
  // The open file, if any.
  std::string staging_path;
  std::string rel_path;
  std::shared_ptr<arrow::io::FileOutputStream> sink;
  std::unique_ptr<parquet::arrow::FileWriter> writer;
  int64_t file_rows = 0;
  int64_t last_batch = 0;  // the last batch that brought rows
  std::vector<bool> wide;  // columns the open file writes as wide
};

// Per column: whether any of `batches` holds a wide value.
static std::vector<bool> WideColumnsOf(
    const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches, int num_columns) {
  std::vector<bool> wide(num_columns, false);
  for (const auto& b : batches) {
    auto w = WideColumns(*b, kWideValueBytes);
    for (int i = 0; i < num_columns; ++i) wide[i] = wide[i] || w[i];
  }
  return wide;
}

arrow::Result<std::unique_ptr<PartitionedWriter>> PartitionedWriter::Make(
    std::shared_ptr<storage::ObjectStore> store, std::string table_dir,
    std::shared_ptr<arrow::Schema> schema, DatePartitioning partitioning,
    std::string file_prefix, WriterOptions options) {
  auto w = std::unique_ptr<PartitionedWriter>(new PartitionedWriter());
  w->store_ = std::move(store);
  w->table_dir_ = std::move(table_dir);
  w->schema_ = std::move(schema);
  w->partitioning_ = std::move(partitioning);
  w->file_prefix_ = std::move(file_prefix);
  w->options_ = options;
  return w;
}

PartitionedWriter::~PartitionedWriter() { Abort(); }

arrow::Status PartitionedWriter::Write(const std::shared_ptr<arrow::RecordBatch>& batch,
                                       const std::vector<int64_t>& partition_keys) {
  const int64_t n = batch->num_rows();
  ++batch_seq_;
  if (n > 0) {
    if (rows_in_ == 0) near_unique_ = NearUniqueColumns(*batch);
    rows_in_ += n;
    if (!partitioning_.enabled()) {
      ARROW_RETURN_NOT_OK(Append(0, batch));
    } else {
      ARROW_RETURN_NOT_OK(Split(batch, partition_keys));
    }
  }
  // A partition that got no rows from this batch is probably finished (rows arrive in
  // roughly cursor order in most tables): encode it now, on this thread, while the
  // reader keeps decoding, instead of at the end of the scan.
  for (auto& [key, p] : partitions_) {
    if (p->pending_rows > 0 && p->last_batch < batch_seq_) {
      ARROW_RETURN_NOT_OK(FlushPartition(key, p.get()));
    }
    // Cold for a while: close its file, so that open writers (and their memory) do not
    // accumulate with the number of dates a table spans.
    if (p->writer && p->last_batch + kColdBatches < batch_seq_) {
      ARROW_RETURN_NOT_OK(CloseFile(p.get()));
    }
  }
  return EnforceBudget();
}

arrow::Status PartitionedWriter::Split(const std::shared_ptr<arrow::RecordBatch>& batch,
                                       const std::vector<int64_t>& keys) {
  const int64_t n = batch->num_rows();
  if (static_cast<int64_t>(keys.size()) != n) {
    return arrow::Status::Invalid("partition keys: ", keys.size(), " for ", n, " rows");
  }
  int64_t runs = 1;
  for (int64_t i = 1; i < n; ++i) runs += keys[i] != keys[i - 1];
  if (runs <= 16) {
    // Few runs of equal dates (the common, roughly ordered case): zero-copy slices.
    int64_t start = 0;
    for (int64_t i = 1; i <= n; ++i) {
      if (i == n || keys[i] != keys[start]) {
        ARROW_RETURN_NOT_OK(Append(keys[start], batch->Slice(start, i - start)));
        start = i;
      }
    }
    return arrow::Status::OK();
  }
  // Interleaved dates: into the window, grouped once it is full.
  ARROW_ASSIGN_OR_RAISE(int64_t bytes, arrow::util::ReferencedBufferSize(*batch));
  if (window_.empty()) window_.resize(batch->num_columns());
  for (int c = 0; c < batch->num_columns(); ++c) window_[c].push_back(batch->column(c));
  window_rows_ += n;
  window_keys_.insert(window_keys_.end(), keys.begin(), keys.end());
  window_bytes_ += bytes;
  if (window_bytes_ >= options_.memory_budget_bytes / 4) return SpillWindow();
  return arrow::Status::OK();
}

// Concatenate and Take on the storage of extension columns, then wrap again.
static arrow::Result<std::shared_ptr<arrow::Array>> ConcatenateAndTake(
    const arrow::ArrayVector& chunks, const arrow::Array& indices) {
  const auto& type = chunks.front()->type();
  if (type->id() == arrow::Type::EXTENSION) {
    arrow::ArrayVector storage;
    for (const auto& c : chunks) {
      storage.push_back(std::static_pointer_cast<arrow::ExtensionArray>(c)->storage());
    }
    ARROW_ASSIGN_OR_RAISE(auto taken, ConcatenateAndTake(storage, indices));
    return arrow::ExtensionType::WrapArray(type, taken);
  }
  std::shared_ptr<arrow::Array> whole = chunks.front();
  if (chunks.size() > 1) {
    ARROW_ASSIGN_OR_RAISE(whole, arrow::Concatenate(chunks));
  }
  ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*whole, indices));
  return taken;
}

arrow::Result<std::vector<std::pair<int64_t, std::shared_ptr<arrow::RecordBatch>>>>
PartitionedWriter::GroupWindow() {
  std::vector<std::pair<int64_t, std::shared_ptr<arrow::RecordBatch>>> out;
  if (window_rows_ == 0) return out;
  const int64_t n = window_rows_;
  // Stable counting sort by key: a partition's rows keep their order.
  std::map<int64_t, int64_t> count;
  int64_t run_key = window_keys_[0], run_length = 0;
  for (int64_t k : window_keys_) {
    if (k != run_key) {
      count[run_key] += run_length;
      run_key = k;
      run_length = 0;
    }
    ++run_length;
  }
  count[run_key] += run_length;
  std::map<int64_t, int64_t> next;
  int64_t pos = 0;
  for (const auto& [k, c] : count) {
    next[k] = pos;
    pos += c;
  }
  const auto starts = next;
  ARROW_ASSIGN_OR_RAISE(auto buffer,
                        arrow::AllocateBuffer(n * static_cast<int64_t>(sizeof(int64_t))));
  auto* order = reinterpret_cast<int64_t*>(buffer->mutable_data());
  int64_t last_key = window_keys_[0];
  int64_t* slot = &next[last_key];
  for (int64_t i = 0; i < n; ++i) {
    if (window_keys_[i] != last_key) {
      last_key = window_keys_[i];
      slot = &next[last_key];
    }
    order[(*slot)++] = i;
  }
  arrow::Int64Array indices(n, std::move(buffer));
  // Column by column, releasing each column's chunks as soon as it is grouped: the window
  // and its grouped copy never coexist whole.
  arrow::ArrayVector columns;
  for (auto& chunks : window_) {
    ARROW_ASSIGN_OR_RAISE(auto taken, ConcatenateAndTake(chunks, indices));
    columns.push_back(std::move(taken));
    arrow::ArrayVector().swap(chunks);
  }
  window_.clear();
  window_rows_ = 0;
  window_keys_.clear();
  window_bytes_ = 0;
  auto grouped = arrow::RecordBatch::Make(schema_, n, std::move(columns));
  for (const auto& [k, start] : starts)
    out.emplace_back(k, grouped->Slice(start, count[k]));
  return out;
}

arrow::Status PartitionedWriter::SpillWindow() {
  ARROW_ASSIGN_OR_RAISE(auto parts, GroupWindow());
  if (parts.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(std::string path, store_->StagingPath(SpillFileName(
                                              table_dir_, file_prefix_, spills_.size())));
  ARROW_ASSIGN_OR_RAISE(auto spill, SpillFile::Write(path, schema_, parts));
  spills_.push_back(std::move(spill));
  LogDebug("{}: dates interleaved; spilled a window of {} dates to {}", table_dir_,
           parts.size(), path);
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::Append(int64_t key,
                                        std::shared_ptr<arrow::RecordBatch> rows) {
  auto& slot = partitions_[key];
  if (!slot) slot = std::make_unique<Partition>();
  slot->last_batch = batch_seq_;
  ARROW_ASSIGN_OR_RAISE(int64_t bytes, arrow::util::ReferencedBufferSize(*rows));
  slot->pending_rows += rows->num_rows();
  slot->pending_bytes += bytes;
  pending_bytes_ += bytes;
  slot->pending.push_back(std::move(rows));
  if (slot->pending_rows >= options_.row_group_rows) {
    ARROW_RETURN_NOT_OK(FlushPartition(key, slot.get()));
  }
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::EnforceBudget() {
  if (pending_bytes_ <= options_.memory_budget_bytes) return arrow::Status::OK();
  std::vector<std::pair<int64_t, int64_t>> by_size;  // bytes, key
  for (auto& [key, p] : partitions_) by_size.emplace_back(p->pending_bytes, key);
  std::sort(by_size.rbegin(), by_size.rend());
  for (auto& [bytes, key] : by_size) {
    if (pending_bytes_ <= options_.memory_budget_bytes / 2) break;
    ARROW_RETURN_NOT_OK(FlushPartition(key, partitions_[key].get()));
  }
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::FlushPartition(int64_t key, Partition* p) {
  if (p->pending_rows == 0) return arrow::Status::OK();
  std::vector<bool> wide = WideColumnsOf(p->pending, schema_->num_fields());
  if (p->writer) {
    // A wide value in a column the open file encodes with a dictionary: start a new file.
    for (size_t i = 0; i < wide.size(); ++i) {
      if (wide[i] && !p->wide[i]) {
        ARROW_RETURN_NOT_OK(CloseFile(p));
        break;
      }
    }
  }
  if (!p->writer) {
    std::string folder = partitioning_.FolderOf(key);
    p->rel_path = DataFileName(table_dir_, folder, file_prefix_, file_seq_++);
    ARROW_ASSIGN_OR_RAISE(p->staging_path, store_->StagingPath(p->rel_path));
    auto sink = arrow::io::FileOutputStream::Open(p->staging_path);
    if (!sink.ok())
      return storage::StorageError(sink.status(), "create " + p->staging_path);
    p->sink = *sink;
    parquet::WriterProperties::Builder props;
    props.compression(options_.compression)
        ->compression_level(options_.compression_level)
        ->max_row_group_length(INT64_MAX)
        ->created_by("pgtide");
    for (size_t i = 0; i < wide.size(); ++i) {
      const bool near_unique = i < near_unique_.size() && near_unique_[i];
      if (near_unique || wide[i])
        props.disable_dictionary(schema_->field(static_cast<int>(i))->name());
      if (wide[i]) props.disable_statistics(schema_->field(static_cast<int>(i))->name());
    }
    p->wide = wide;
    parquet::ArrowWriterProperties::Builder arrow_props;
    // Keep the Arrow schema (time zone, extension types) for Arrow-based readers.
    arrow_props.store_schema();
    ARROW_ASSIGN_OR_RAISE(p->writer, parquet::arrow::FileWriter::Open(
                                         *schema_, arrow::default_memory_pool(), p->sink,
                                         props.build(), arrow_props.build()));
  }
  ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(schema_, p->pending));
  auto st = p->writer->WriteTable(*table, table->num_rows());
  if (!st.ok()) return storage::StorageError(st, "write " + p->staging_path);
  p->file_rows += p->pending_rows;
  pending_bytes_ -= p->pending_bytes;
  p->pending.clear();
  p->pending_rows = 0;
  p->pending_bytes = 0;
  if (p->file_rows >= options_.max_file_rows) return CloseFile(p);
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::CloseFile(Partition* p) {
  if (!p->writer) return arrow::Status::OK();
  auto st = p->writer->Close();
  auto size = p->sink->Tell();
  if (st.ok()) st = p->sink->Close();
  if (!st.ok()) return storage::StorageError(st, "write " + p->staging_path);
  storage::WrittenFile f;
  f.rel_path = p->rel_path;
  f.rows = p->file_rows;
  f.bytes = size.ok() ? *size : 0;
  staged_.push_back({p->staging_path, f});
  p->writer.reset();
  p->sink.reset();
  p->file_rows = 0;
  return arrow::Status::OK();
}

arrow::Result<std::vector<storage::StagedFile>> PartitionedWriter::Close() {
  // Every partition in key order: its buffered rows, then what was spilled for it, then
  // what the last window holds; each written out before the next partition starts, so
  // memory holds one partition's row group at a time. Once anything was spilled, the last
  // window is spilled too, so nothing else stays in memory meanwhile.
  if (!spills_.empty()) ARROW_RETURN_NOT_OK(SpillWindow());
  ARROW_ASSIGN_OR_RAISE(auto last_window, GroupWindow());
  std::map<int64_t, std::shared_ptr<arrow::RecordBatch>> in_window(last_window.begin(),
                                                                   last_window.end());
  std::set<int64_t> keys;
  for (const auto& [key, p] : partitions_) keys.insert(key);
  for (const auto& [key, rows] : last_window) keys.insert(key);
  for (const auto& spill : spills_) {
    for (int64_t key : spill->keys()) keys.insert(key);
  }
  last_window.clear();
  for (int64_t key : keys) {
    // Writing out a large spilled table takes a while: a stop does not wait for it.
    if (StopRequested()) return InterruptedError("writing " + table_dir_);
    for (const auto& spill : spills_) {
      ARROW_ASSIGN_OR_RAISE(auto rows, spill->Read(key));
      if (rows) ARROW_RETURN_NOT_OK(Append(key, std::move(rows)));
    }
    auto it = in_window.find(key);
    if (it != in_window.end()) {
      ARROW_RETURN_NOT_OK(Append(key, std::move(it->second)));
      in_window.erase(it);
    }
    Partition* p = partitions_[key].get();
    ARROW_RETURN_NOT_OK(FlushPartition(key, p));
    ARROW_RETURN_NOT_OK(CloseFile(p));
    partitions_.erase(key);
  }
  spills_.clear();
  partitions_.clear();
  std::vector<storage::StagedFile> out;
  out.swap(staged_);
  return out;
}

void PartitionedWriter::Abort() {
  for (auto& [key, p] : partitions_) {
    if (p->writer) {
      (void)p->writer->Close();
      (void)p->sink->Close();
      store_->DiscardStaged(p->staging_path);
    }
  }
  partitions_.clear();
  window_.clear();
  window_keys_.clear();
  window_rows_ = 0;
  spills_.clear();  // deletes the spill files
  for (const auto& f : staged_) store_->DiscardStaged(f.staging_path);
  staged_.clear();
}

}  // namespace pgtide::sink
