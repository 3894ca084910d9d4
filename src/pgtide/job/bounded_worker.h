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
/// Items may also be weighed (bytes of a batch): the queued and in-flight items together
/// then stay within `max_weight`, and an item heavier than that on its own waits until
/// the worker is idle, so one huge item never sits next to others.
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

  /// Weighs items with `weigh`; call before the first Push.
  void set_weight(std::function<int64_t(const T&)> weigh, int64_t max_weight) {
    weigh_ = std::move(weigh);
    max_weight_ = max_weight;
  }

  /// Queues an item; blocks while the queue is full. Returns the handler's error, if any.
  arrow::Status Push(T item) {
    const int64_t w = weigh_ ? weigh_(item) : 0;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return (queue_.size() < max_queued_ && Fits(w)) || closing_; });
    if (!error_.ok()) return error_;
    if (closing_) return arrow::Status::Invalid("worker is closed");
    queue_.push_back(std::move(item));
    queued_weight_ += w;
    cv_.notify_all();
    return arrow::Status::OK();
  }

  /// Blocks until nothing is queued or being handled (or the worker stopped).
  void WaitIdle() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || closing_; });
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
        // The group still weighs until it is handled: it holds its memory until then.
        busy_ = true;
      }
      cv_.notify_all();
      int64_t handled_weight = 0;  // weighed before the handler may move from the items
      if (weigh_) {
        for (const auto& item : group) handled_weight += weigh_(item);
      }
      arrow::Status st;
      try {
        st = handle_(group);
      } catch (const std::exception& e) {
        st = arrow::Status::UnknownError("worker thread: ", e.what());
      }
      group.clear();  // free the items before others are admitted
      {
        std::lock_guard<std::mutex> lock(mu_);
        busy_ = false;
        queued_weight_ -= handled_weight;
      }
      cv_.notify_all();
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

  // Whether an item of weight `w` may join the queue now (called under mu_).
  bool Fits(int64_t w) const {
    if (!weigh_) return true;
    if (queue_.empty() && !busy_) return true;  // the heaviest item still goes alone
    return queued_weight_ + w <= max_weight_;
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
  bool busy_ = false;          // a group is being handled
  int64_t queued_weight_ = 0;  // queued plus being handled
  std::function<int64_t(const T&)> weigh_;
  int64_t max_weight_ = 0;
  arrow::Status error_;
  std::thread thread_;
};

}  // namespace pgtide::job
