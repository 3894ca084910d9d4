#include "pgtide/storage/part_buffer_pool.h"

#include <atomic>
#include <mutex>
#include <vector>

namespace pgtide::storage {

namespace {

// Arrow's part buffers are 10 MiB; nothing else the S3 stream allocates comes close.
constexpr int64_t kMinRecycledBytes = 8 << 20;
// One: data files reach the S3 stream whole (whole_part_stream.h), so part buffers are
// taken and given back one close after another; each kept buffer is 10 MiB resident
// while idle. 2,000,000 rows to moto: no recycling 0.62-0.68 s system time, one kept
// 0.28-0.31 s.
constexpr size_t kKeptBuffers = 1;

class RecyclingPool final : public arrow::MemoryPool {
 public:
  explicit RecyclingPool(arrow::MemoryPool* backend) : backend_(backend) {}

  ~RecyclingPool() override { ReleaseUnused(); }

  arrow::Status Allocate(int64_t size, int64_t alignment, uint8_t** out) override {
    if (size >= kMinRecycledBytes && TakeKept(size, alignment, out)) {
      Count(size);
      return arrow::Status::OK();
    }
    ARROW_RETURN_NOT_OK(backend_->Allocate(size, alignment, out));
    Count(size);
    return arrow::Status::OK();
  }

  // Every block, kept or not, was allocated by the backend with its size and
  // alignment, so the backend can resize it.
  arrow::Status Reallocate(int64_t old_size, int64_t new_size, int64_t alignment,
                           uint8_t** ptr) override {
    ARROW_RETURN_NOT_OK(backend_->Reallocate(old_size, new_size, alignment, ptr));
    live_bytes_.fetch_add(new_size - old_size, std::memory_order_relaxed);
    if (new_size > old_size) total_bytes_.fetch_add(new_size - old_size);
    return arrow::Status::OK();
  }

  void Free(uint8_t* buffer, int64_t size, int64_t alignment) override {
    live_bytes_.fetch_sub(size, std::memory_order_relaxed);
    if (size >= kMinRecycledBytes) {
      std::lock_guard<std::mutex> lock(mu_);
      if (kept_.size() < kKeptBuffers) {
        kept_.push_back({buffer, size, alignment});
        return;
      }
    }
    backend_->Free(buffer, size, alignment);
  }

  void ReleaseUnused() override {
    std::vector<Block> kept;
    {
      std::lock_guard<std::mutex> lock(mu_);
      kept.swap(kept_);
    }
    for (const auto& b : kept) backend_->Free(b.data, b.size, b.alignment);
  }

  int64_t bytes_allocated() const override { return live_bytes_.load(); }
  int64_t total_bytes_allocated() const override { return total_bytes_.load(); }
  int64_t num_allocations() const override { return allocations_.load(); }
  std::string backend_name() const override {
    return "recycling(" + backend_->backend_name() + ")";
  }

 private:
  struct Block {
    uint8_t* data;
    int64_t size;
    int64_t alignment;
  };

  bool TakeKept(int64_t size, int64_t alignment, uint8_t** out) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < kept_.size(); ++i) {
      if (kept_[i].size != size || kept_[i].alignment != alignment) continue;
      *out = kept_[i].data;
      kept_[i] = kept_.back();
      kept_.pop_back();
      return true;
    }
    return false;
  }

  void Count(int64_t size) {
    live_bytes_.fetch_add(size, std::memory_order_relaxed);
    total_bytes_.fetch_add(size, std::memory_order_relaxed);
    allocations_.fetch_add(1, std::memory_order_relaxed);
  }

  arrow::MemoryPool* backend_;
  std::mutex mu_;
  std::vector<Block> kept_;
  std::atomic<int64_t> live_bytes_{0}, total_bytes_{0}, allocations_{0};
};

}  // namespace

std::unique_ptr<arrow::MemoryPool> MakeRecyclingPool(arrow::MemoryPool* backend) {
  return std::make_unique<RecyclingPool>(backend);
}

arrow::MemoryPool* PartBufferPool() {
  // Never destroyed: uploads still in flight at exit free their buffers into it.
  static auto* pool = new RecyclingPool(arrow::default_memory_pool());
  return pool;
}

}  // namespace pgtide::storage
