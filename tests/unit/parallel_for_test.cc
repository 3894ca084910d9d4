// ParallelFor: every index exactly once, whatever the number of threads.
#include "pgtide/common/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace pgtide {
namespace {

TEST(ParallelFor, CallsEveryIndexOnce) {
  for (size_t threads : {1u, 2u, 8u}) {
    for (size_t n : {0u, 1u, 3u, 1000u}) {
      std::vector<std::atomic<int>> calls(n);
      ParallelFor(n, threads, [&](size_t i) { calls[i]++; });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i].load(), 1) << n << " " << i;
    }
  }
}

}  // namespace
}  // namespace pgtide
