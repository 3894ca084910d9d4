#include "pgtide/sink/partitioned_writer.h"

#include <arrow/array/concatenate.h>
#include <arrow/compute/api.h>
#include <arrow/io/file.h>
#include <arrow/util/byte_size.h>
#include <fmt/format.h>
#include <parquet/arrow/writer.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <tuple>

#include "pgtide/common/cancellation.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/freed_memory.h"
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
  std::string rel_path;
  storage::DataFileSink sink;
  std::unique_ptr<parquet::arrow::FileWriter> writer;
  int64_t file_rows = 0;
  int64_t last_batch = 0;  // the last batch that brought rows
  std::vector<bool> wide;  // columns the open file writes as wide
  int64_t key = 0;         // the open file's partition
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

// Concatenate and Take on the storage of extension columns, then wrap again. The chunks
// are released once concatenated: the column is held twice at a time, not three times.
static arrow::Result<std::shared_ptr<arrow::Array>> ConcatenateAndTake(
    arrow::ArrayVector chunks, const arrow::Array& indices) {
  const auto type = chunks.front()->type();
  if (type->id() == arrow::Type::EXTENSION) {
    arrow::ArrayVector storage;
    for (const auto& c : chunks) {
      storage.push_back(std::static_pointer_cast<arrow::ExtensionArray>(c)->storage());
    }
    arrow::ArrayVector().swap(chunks);
    ARROW_ASSIGN_OR_RAISE(auto taken, ConcatenateAndTake(std::move(storage), indices));
    return arrow::ExtensionType::WrapArray(type, taken);
  }
  std::shared_ptr<arrow::Array> whole = chunks.front();
  if (chunks.size() > 1) {
    ARROW_ASSIGN_OR_RAISE(whole, arrow::Concatenate(chunks));
  }
  arrow::ArrayVector().swap(chunks);
  ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(*whole, indices));
  return taken;
}

arrow::Result<std::vector<std::pair<int64_t, std::shared_ptr<arrow::RecordBatch>>>>
PartitionedWriter::GroupWindow() {
  std::vector<std::pair<int64_t, std::shared_ptr<arrow::RecordBatch>>> out;
  if (window_rows_ == 0) return out;
  const int64_t n = window_rows_;
  // Stable counting sort by key: a partition's rows keep their order.
  ARROW_ASSIGN_OR_RAISE(auto buffer,
                        arrow::AllocateBuffer(n * static_cast<int64_t>(sizeof(int64_t))));
  auto* order = reinterpret_cast<int64_t*>(buffer->mutable_data());
  std::vector<std::tuple<int64_t, int64_t, int64_t>> groups;  // key, start, rows
  const auto [lo, hi] = std::minmax_element(window_keys_.begin(), window_keys_.end());
  const uint64_t range = static_cast<uint64_t>(*hi) - static_cast<uint64_t>(*lo) + 1;
  if (range <= (1u << 16)) {
    // Dates span a few thousand days at most: counts indexed by the offset from the
    // smallest key (a map lookup per row was 4% of an interleaved table's CPU).
    const int64_t base = *lo;
    std::vector<int64_t> next(range, 0);
    for (int64_t k : window_keys_) ++next[k - base];
    int64_t pos = 0;
    for (uint64_t d = 0; d < range; ++d) {
      const int64_t c = next[d];
      if (c == 0) continue;
      groups.emplace_back(base + static_cast<int64_t>(d), pos, c);
      next[d] = pos;
      pos += c;
    }
    for (int64_t i = 0; i < n; ++i) order[next[window_keys_[i] - base]++] = i;
  } else {
    std::map<int64_t, int64_t> next;
    for (int64_t k : window_keys_) ++next[k];
    int64_t pos = 0;
    for (auto& [k, c] : next) {
      groups.emplace_back(k, pos, c);
      const int64_t start = pos;
      pos += c;
      c = start;
    }
    int64_t last_key = window_keys_[0];
    int64_t* slot = &next[last_key];
    for (int64_t i = 0; i < n; ++i) {
      if (window_keys_[i] != last_key) {
        last_key = window_keys_[i];
        slot = &next[last_key];
      }
      order[(*slot)++] = i;
    }
  }
  arrow::Int64Array indices(n, std::move(buffer));
  // Column by column, releasing each column's chunks as soon as it is grouped: the window
  // and its grouped copy never coexist whole.
  arrow::ArrayVector columns;
  for (auto& chunks : window_) {
    ARROW_ASSIGN_OR_RAISE(auto taken, ConcatenateAndTake(std::move(chunks), indices));
    columns.push_back(std::move(taken));
  }
  window_.clear();
  window_rows_ = 0;
  window_keys_.clear();
  window_bytes_ = 0;
  auto grouped = arrow::RecordBatch::Make(schema_, n, std::move(columns));
  for (const auto& [k, start, rows] : groups)
    out.emplace_back(k, grouped->Slice(start, rows));
  return out;
}

arrow::Status PartitionedWriter::SpillWindow() {
  ARROW_ASSIGN_OR_RAISE(auto parts, GroupWindow());
  if (parts.empty()) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(std::string path, store_->StagingPath(SpillFileName(
                                              table_dir_, file_prefix_, spill_seq_++)));
  ARROW_ASSIGN_OR_RAISE(auto spill, SpillFile::Write(path, schema_, parts));
  LogDebug("{}: dates interleaved; spilled a window of {} dates to {}", table_dir_,
           parts.size(), path);
  spilled_ = true;
  generation_->bytes += spill->bytes();
  generation_->spills.push_back(std::move(spill));
  if (generation_->bytes >= kGenerationXBudget * options_.memory_budget_bytes)
    return SealGeneration();
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::WaitForDrain() {
  if (!drain_.valid()) return arrow::Status::OK();
  return drain_.get();
}

arrow::Status PartitionedWriter::SealGeneration() {
  if (generation_->spills.empty()) return arrow::Status::OK();
  // Back-pressure: the scan waits while the previous generation is still being written,
  // so the spill on disk never exceeds two generations.
  const auto wait_start = std::chrono::steady_clock::now();
  ARROW_RETURN_NOT_OK(WaitForDrain());
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start)
          .count();
  auto gen = std::move(generation_);
  generation_ = std::make_shared<Generation>();
  LogDebug(
      "{}: writing out a spill generation of {} files ({} bytes) while the scan goes "
      "on (the scan waited {:.2f} s for the previous one)",
      table_dir_, gen->spills.size(), gen->bytes, waited);
  drain_ = std::async(std::launch::async, [this, gen]() mutable {
    return DrainGeneration(std::move(gen), 1);
  });
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::DrainGeneration(std::shared_ptr<Generation> gen,
                                                 int threads) {
  std::set<int64_t> key_set;
  for (const auto& spill : gen->spills) {
    for (int64_t key : spill->keys()) key_set.insert(key);
  }
  const std::vector<int64_t> keys(key_set.begin(), key_set.end());
  std::atomic<size_t> next{0};
  std::vector<std::future<arrow::Status>> helpers;
  for (int t = 1; t < threads && static_cast<size_t>(t) < keys.size(); ++t) {
    helpers.push_back(
        std::async(std::launch::async, [&] { return DrainKeys(*gen, keys, &next); }));
  }
  arrow::Status st = DrainKeys(*gen, keys, &next);
  for (auto& h : helpers) {
    auto hs = h.get();
    if (st.ok()) st = hs;
  }
  gen.reset();  // deletes its spill files
  return st;
}

// One thread's share of a generation: dates taken one at a time, each read from every
// spill file of the generation and written as one file of full row groups.
arrow::Status PartitionedWriter::DrainKeys(const Generation& gen,
                                           const std::vector<int64_t>& keys,
                                           std::atomic<size_t>* next) {
  std::vector<SpillFile::Reader> readers;
  for (const auto& spill : gen.spills) readers.emplace_back(spill.get());
  for (size_t i = (*next)++; i < keys.size(); i = (*next)++) {
    if (aborting_) return arrow::Status::Cancelled("aborted");
    // Writing out a large spill takes a while: a stop does not wait for it.
    if (StopRequested()) return InterruptedError("writing " + table_dir_);
    const int64_t key = keys[i];
    Partition p;
    auto st = [&]() -> arrow::Status {
      for (auto& reader : readers) {
        ARROW_ASSIGN_OR_RAISE(auto rows, reader.Read(key));
        if (!rows) continue;
        p.pending_rows += rows->num_rows();
        p.pending.push_back(std::move(rows));
        if (p.pending_rows >= options_.row_group_rows)
          ARROW_RETURN_NOT_OK(WriteRowGroup(key, &p));
      }
      ARROW_RETURN_NOT_OK(WriteRowGroup(key, &p));
      return CloseFile(&p);
    }();
    if (!st.ok()) {
      if (p.writer) {
        (void)p.sink.stream->Abort();
        store_->DiscardStaged(p.sink.staging_path);
      }
      return st;
    }
  }
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
  ARROW_RETURN_NOT_OK(WriteRowGroup(key, p));
  pending_bytes_ -= p->pending_bytes;
  p->pending_bytes = 0;
  if (p->file_rows >= options_.max_file_rows) return CloseFile(p);
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::WriteRowGroup(int64_t key, Partition* p) {
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
    p->key = key;
    ARROW_ASSIGN_OR_RAISE(p->sink, store_->OpenDataFile(p->rel_path));
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
    ARROW_ASSIGN_OR_RAISE(p->writer,
                          parquet::arrow::FileWriter::Open(
                              *schema_, arrow::default_memory_pool(), p->sink.stream,
                              props.build(), arrow_props.build()));
  }
  ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(schema_, p->pending));
  auto st = p->writer->WriteTable(*table, table->num_rows());
  if (!st.ok()) return store_->DataFileError(st, p->rel_path, p->sink);
  p->file_rows += p->pending_rows;
  p->pending.clear();
  p->pending_rows = 0;
  return arrow::Status::OK();
}

arrow::Status PartitionedWriter::CloseFile(Partition* p) {
  if (!p->writer) return arrow::Status::OK();
  auto st = p->writer->Close();
  auto size = p->sink.stream->Tell();
  storage::StagedFile staged;
  staged.staging_path = p->sink.staging_path;
  staged.file.rel_path = p->rel_path;
  staged.file.rows = p->file_rows;
  staged.file.bytes = size.ok() ? *size : 0;
  if (st.ok()) staged.footer = p->writer->metadata()->SerializeToString();
  if (partitioning_.enabled()) staged.partition_key = p->key;
  if (st.ok() && staged.in_place()) {
    // A streamed object completes its upload in the background (its last part, then
    // the completion): the writer goes on meanwhile, and Close() waits for it.
    auto done = p->sink.stream->CloseAsync();
    std::lock_guard<std::mutex> lock(files_mu_);
    closing_.push_back({staged, p->sink, std::move(done)});
  } else {
    if (st.ok()) st = p->sink.stream->Close();
    if (!st.ok()) {
      (void)p->sink.stream->Abort();
      return store_->DataFileError(st, p->rel_path, p->sink);
    }
    std::lock_guard<std::mutex> lock(files_mu_);
    staged_.push_back(std::move(staged));
  }
  p->writer.reset();
  p->sink = {};
  p->file_rows = 0;
  ReleaseFreedMemory();  // the file's buffers, now free around its footer
  return arrow::Status::OK();
}

arrow::Result<std::vector<storage::StagedFile>> PartitionedWriter::Close() {
  // Once anything was spilled, the last window is spilled too, so nothing else stays in
  // memory meanwhile; otherwise its dates join the buffered partitions.
  if (spilled_) ARROW_RETURN_NOT_OK(SpillWindow());
  ARROW_ASSIGN_OR_RAISE(auto last_window, GroupWindow());
  for (auto& [key, rows] : last_window) ARROW_RETURN_NOT_OK(Append(key, std::move(rows)));
  last_window.clear();
  // The buffered partitions (rows in date order), while the drain of the previous spill
  // generation, if any, goes on.
  for (auto& [key, p] : partitions_) {
    if (StopRequested()) return InterruptedError("writing " + table_dir_);
    ARROW_RETURN_NOT_OK(FlushPartition(key, p.get()));
    ARROW_RETURN_NOT_OK(CloseFile(p.get()));
  }
  partitions_.clear();
  // The last generation, from two threads: nothing else is left to do.
  ARROW_RETURN_NOT_OK(WaitForDrain());
  if (!generation_->spills.empty()) {
    auto gen = std::move(generation_);
    generation_ = std::make_shared<Generation>();
    ARROW_RETURN_NOT_OK(DrainGeneration(std::move(gen), 2));
  }
  ARROW_RETURN_NOT_OK(FinishUploads());
  std::vector<storage::StagedFile> out;
  out.swap(staged_);
  return out;
}

arrow::Status PartitionedWriter::FinishUploads() {
  arrow::Status first;
  for (auto& c : closing_) {
    auto st = c.done.status();
    if (st.ok()) {
      staged_.push_back(std::move(c.file));
    } else if (first.ok()) {
      first = store_->DataFileError(st, c.file.file.rel_path, c.sink);
    }
  }
  closing_.clear();
  return first;
}

void PartitionedWriter::Abort() {
  // A drain in the background stops at its next date and discards its open file.
  aborting_ = true;
  if (drain_.valid()) (void)drain_.get();
  aborting_ = false;
  generation_ = std::make_shared<Generation>();  // deletes the spill files
  for (auto& [key, p] : partitions_) {
    if (p->writer) {
      // Abort, not Close: an S3 stream then aborts its multipart upload, so the object
      // never appears.
      (void)p->sink.stream->Abort();
      store_->DiscardStaged(p->sink.staging_path);
    }
  }
  // Uploads completing in the background: wait, then remove what completed (what the
  // sweep would otherwise remove at the next run).
  for (auto& c : closing_) {
    if (c.done.status().ok()) staged_.push_back(std::move(c.file));
  }
  closing_.clear();
  partitions_.clear();
  window_.clear();
  window_keys_.clear();
  window_rows_ = 0;
  for (const auto& f : staged_) {
    if (f.in_place()) {
      (void)store_->DeleteFile(f.file.rel_path);
    } else {
      store_->DiscardStaged(f.staging_path);
    }
  }
  staged_.clear();
}

}  // namespace pgtide::sink
