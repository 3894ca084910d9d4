#pragma once

#include <arrow/status.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace pgtide::job {

/// One thread behind a bounded queue: the writer pipe (batches → Parquet encoding) and
/// the committer (staged tables → publish + state write) are both this. The bound is what
/// keeps memory flat when the consumer is the slower side; items waiting when the thread
/// gets to them are handed over together (up to `max_group`), so a consumer that gains
/// from batching (one state-file write for many tables) can do so.
///
/// A handler error stops the worker: queued items are dropped and every later Push and
/// Close returns that error.
template <typename T>
class BoundedWorker {
 public:
  using Handler = std::function<arrow::Status(std::vector<T>& items)>;

  BoundedWorker(Handler handle, size_t max_queued = std::numeric_limits<size_t>::max(),
                size_t max_group = 1)
      : handle_(std::move(handle)), max_queued_(max_queued), max_group_(max_group) {
    thread_ = std::thread([this] { Run(); });
  }
  ~BoundedWorker() { Stop(/*drop_queued=*/true); }
  BoundedWorker(const BoundedWorker&) = delete;
  BoundedWorker& operator=(const BoundedWorker&) = delete;

  /// Queues an item; blocks while the queue is full. Returns the handler's error, if any.
  arrow::Status Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return queue_.size() < max_queued_ || closing_; });
    if (!error_.ok()) return error_;
    if (closing_) return arrow::Status::Invalid("worker is closed");
    queue_.push_back(std::move(item));
    cv_.notify_all();
    return arrow::Status::OK();
  }

  /// Handles everything queued, then stops the thread; returns the handler's error, if
  /// any.
  arrow::Status Close() {
    Stop(/*drop_queued=*/false);
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

  /// Drops what is queued and stops the thread.
  void Abort() { Stop(/*drop_queued=*/true); }

 private:
  void Run() {
    while (true) {
      std::vector<T> group;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
        if (queue_.empty()) return;
        while (!queue_.empty() && group.size() < max_group_) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      cv_.notify_all();
      arrow::Status st;
      try {
        st = handle_(group);
      } catch (const std::exception& e) {
        st = arrow::Status::UnknownError("worker thread: ", e.what());
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

  void Stop(bool drop_queued) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (drop_queued) queue_.clear();
      closing_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  Handler handle_;
  size_t max_queued_;
  size_t max_group_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> queue_;
  bool closing_ = false;
  arrow::Status error_;
  std::thread thread_;
};

}  // namespace pgtide::job
