#include "pgtide/job/writer_pipe.h"

namespace pgtide::job {

PartitionedWriterPipe::PartitionedWriterPipe(std::unique_ptr<sink::PartitionedWriter> writer,
                                             size_t max_queued)
    : writer_(std::move(writer)), max_queued_(max_queued) {
  thread_ = std::thread([this] { Run(); });
}

PartitionedWriterPipe::~PartitionedWriterPipe() { Abort(); }

void PartitionedWriterPipe::Run() {
  while (true) {
    source::DecodedBatch batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();
    arrow::Status st;
    try {
      st = writer_->Write(batch);
    } catch (const std::exception& e) {
      st = arrow::Status::UnknownError("writer thread: ", e.what());
    }
    if (!st.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = st;
      queue_.clear();
      closing_ = true;
      cv_.notify_all();
      return;
    }
  }
}

arrow::Status PartitionedWriterPipe::Push(source::DecodedBatch batch) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < max_queued_ || closing_; });
  if (!error_.ok()) return error_;
  if (closing_) return arrow::Status::Invalid("writer is closed");
  rows_pushed_ += batch.batch ? batch.batch->num_rows() : 0;
  batches_pushed_ += 1;
  queue_.push_back(std::move(batch));
  cv_.notify_all();
  return arrow::Status::OK();
}

void PartitionedWriterPipe::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

arrow::Result<std::vector<sink::StagedFile>> PartitionedWriterPipe::Close() {
  Stop();
  if (!error_.ok()) return error_;
  return writer_->Close();
}

void PartitionedWriterPipe::Abort() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
  }
  Stop();
  if (writer_) writer_->Abort();
}

}  // namespace pgtide::job
