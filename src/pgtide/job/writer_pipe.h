#pragma once

#include <memory>
#include <vector>

#include "pgtide/job/bounded_worker.h"
#include "pgtide/sink/partitioned_writer.h"
#include "pgtide/source/copy_decoder.h"

namespace pgtide::job {

/// Runs a PartitionedWriter on its own thread behind a small bounded queue, so Parquet
/// encoding and compression overlap with reading and decoding the COPY stream. The queue
/// bound (a few batches, and at most `max_bytes` of COPY data queued or being written; a
/// larger batch waits until the writer is idle) is what keeps memory flat when the writer
/// is the slower side.
/// Each batch's partition keys are computed on the writer's thread, from the raw cursor.
class PartitionedWriterPipe {
 public:
  PartitionedWriterPipe(std::unique_ptr<sink::PartitionedWriter> writer,
                        sink::DatePartitioning partitioning,
                        int64_t max_bytes = 16LL << 20, size_t max_queued = 3);
  ~PartitionedWriterPipe();

  /// Queues a batch; blocks while the queue is full. Returns the writer's error, if any.
  arrow::Status Push(source::DecodedBatch batch);
  /// Waits for the queue to drain, then closes the files; the caller publishes them.
  arrow::Result<std::vector<storage::StagedFile>> Close();
  /// Rows pushed so far.
  int64_t rows_pushed() const { return rows_pushed_; }
  /// Batches pushed so far.
  int64_t batches_pushed() const { return batches_pushed_; }
  /// Blocks until every pushed batch is written (before a wide row is decoded).
  void WaitIdle() { worker_.WaitIdle(); }
  /// Stops the thread and discards staged files.
  void Abort();

 private:
  arrow::Status Write(std::vector<source::DecodedBatch>& batches);

  std::unique_ptr<sink::PartitionedWriter> writer_;
  sink::DatePartitioning partitioning_;
  int64_t rows_pushed_ = 0;
  int64_t batches_pushed_ = 0;
  std::vector<int64_t> keys_;                   // reused across batches
  BoundedWorker<source::DecodedBatch> worker_;  // last: its thread uses the members above
};

}  // namespace pgtide::job
