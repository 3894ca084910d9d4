#include "pgtide/job/writer_pipe.h"

namespace pgtide::job {

PartitionedWriterPipe::PartitionedWriterPipe(
    std::unique_ptr<sink::PartitionedWriter> writer, sink::DatePartitioning partitioning,
    int64_t max_bytes, size_t max_queued)
    : writer_(std::move(writer)),
      partitioning_(std::move(partitioning)),
      worker_([this](std::vector<source::DecodedBatch>& b) { return Write(b); },
              max_queued) {
  worker_.set_weight([](const source::DecodedBatch& b) { return b.copy_bytes; },
                     max_bytes);
}

PartitionedWriterPipe::~PartitionedWriterPipe() { Abort(); }

arrow::Status PartitionedWriterPipe::Write(std::vector<source::DecodedBatch>& batches) {
  for (auto& b : batches) {
    keys_.clear();
    if (partitioning_.enabled()) {
      const size_t n = b.cursor.size();
      keys_.resize(n);
      for (size_t i = 0; i < n; ++i)
        keys_[i] = partitioning_.KeyOf(b.cursor[i], b.cursor_null[i]);
    }
    ARROW_RETURN_NOT_OK(writer_->Write(b.batch, keys_));
  }
  return arrow::Status::OK();
}

arrow::Status PartitionedWriterPipe::Push(source::DecodedBatch batch) {
  const int64_t rows = batch.batch ? batch.batch->num_rows() : 0;
  ARROW_RETURN_NOT_OK(worker_.Push(std::move(batch)));
  rows_pushed_ += rows;
  batches_pushed_ += 1;
  return arrow::Status::OK();
}

arrow::Result<std::vector<storage::StagedFile>> PartitionedWriterPipe::Close() {
  ARROW_RETURN_NOT_OK(worker_.Close());
  return writer_->Close();
}

void PartitionedWriterPipe::Abort() {
  worker_.Abort();
  if (writer_) writer_->Abort();
}

}  // namespace pgtide::job
