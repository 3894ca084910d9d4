// The S3 I/O pool: a freed part-sized buffer is handed to the next allocation of its
// size instead of going back to the allocator, only a few are kept, and small
// allocations pass through. The backend is an Arrow ProxyMemoryPool, which counts what
// reaches it (addresses cannot tell: malloc hands a freed range out again itself).

#include "pgtide/storage/part_buffer_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace pgtide::storage {
namespace {

constexpr int64_t kPart = 10 << 20;  // Arrow's S3 part buffer
constexpr int64_t kAlign = 64;

TEST(PartBufferPool, ReusesAFreedPartBufferForTheNextOfItsSize) {
  arrow::ProxyMemoryPool backend(arrow::default_memory_pool());
  auto pool = MakeRecyclingPool(&backend);
  uint8_t* first = nullptr;
  ASSERT_TRUE(pool->Allocate(kPart, kAlign, &first).ok());
  std::memset(first, 7, kPart);  // the whole capacity is writable
  EXPECT_EQ(pool->bytes_allocated(), kPart);
  pool->Free(first, kPart, kAlign);
  EXPECT_EQ(pool->bytes_allocated(), 0);
  EXPECT_EQ(backend.bytes_allocated(), kPart);  // kept, not freed

  uint8_t* again = nullptr;
  ASSERT_TRUE(pool->Allocate(kPart, kAlign, &again).ok());
  EXPECT_EQ(again, first);
  EXPECT_EQ(backend.num_allocations(), 1);
  // Another size is not served from a kept buffer.
  uint8_t* other = nullptr;
  ASSERT_TRUE(pool->Allocate(kPart + 4096, kAlign, &other).ok());
  EXPECT_EQ(backend.num_allocations(), 2);
  pool->Free(other, kPart + 4096, kAlign);
  pool->Free(again, kPart, kAlign);
  pool->ReleaseUnused();
  EXPECT_EQ(backend.bytes_allocated(), 0);
}

TEST(PartBufferPool, KeepsOnlyAFewAndPassesSmallAllocationsThrough) {
  arrow::ProxyMemoryPool backend(arrow::default_memory_pool());
  auto pool = MakeRecyclingPool(&backend);
  std::vector<uint8_t*> parts(8);
  for (auto& p : parts) ASSERT_TRUE(pool->Allocate(kPart, kAlign, &p).ok());
  for (auto* p : parts) pool->Free(p, kPart, kAlign);
  const int64_t kept = backend.bytes_allocated() / kPart;
  EXPECT_GE(kept, 1);
  EXPECT_LE(kept, 4);
  // Allocating eight again takes the kept ones and allocates only the rest.
  for (auto& p : parts) ASSERT_TRUE(pool->Allocate(kPart, kAlign, &p).ok());
  EXPECT_EQ(backend.num_allocations(), 8 + (8 - kept));
  for (auto* p : parts) pool->Free(p, kPart, kAlign);

  uint8_t* small = nullptr;
  ASSERT_TRUE(pool->Allocate(100, kAlign, &small).ok());
  ASSERT_TRUE(pool->Reallocate(100, 5000, kAlign, &small).ok());
  std::memset(small, 1, 5000);
  EXPECT_EQ(pool->bytes_allocated(), 5000);
  pool->Free(small, 5000, kAlign);
  EXPECT_EQ(backend.bytes_allocated(), kept * kPart);  // small ones are not kept
  pool->ReleaseUnused();
  EXPECT_EQ(backend.bytes_allocated(), 0);
}

}  // namespace
}  // namespace pgtide::storage
