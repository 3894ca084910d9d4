#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "pgtide/sink/partitioned_writer.h"

namespace pgtide::job {

/// Runs a PartitionedWriter on its own thread behind a small bounded queue, so Parquet
/// encoding and compression overlap with reading and decoding the COPY stream. The queue
/// bound (a few batches) is what keeps memory flat when the writer is the slower side.
class PartitionedWriterPipe {
 public:
  explicit PartitionedWriterPipe(std::unique_ptr<sink::PartitionedWriter> writer,
                                 size_t max_queued = 3);
  ~PartitionedWriterPipe();

  /// Queues a batch; blocks while the queue is full. Returns the writer's error, if any.
  arrow::Status Push(source::DecodedBatch batch);
  /// Waits for the queue to drain, then closes the files; the caller publishes them.
  arrow::Result<std::vector<sink::StagedFile>> Close();
  /// Rows pushed so far.
  int64_t rows_pushed() const { return rows_pushed_; }
  /// Batches pushed so far.
  int64_t batches_pushed() const { return batches_pushed_; }
  /// Stops the thread and discards staged files.
  void Abort();

 private:
  void Run();
  void Stop();

  std::unique_ptr<sink::PartitionedWriter> writer_;
  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<source::DecodedBatch> queue_;
  bool closing_ = false;
  arrow::Status error_;
  int64_t rows_pushed_ = 0;
  int64_t batches_pushed_ = 0;
  std::thread thread_;
};

}  // namespace pgtide::job
