#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace pgtide {

/// Calls fn(i) for every i in [0, n) from up to `threads` threads, the caller's among
/// them, each taking the next index as it finishes one: for independent items of uneven
/// cost (files to publish, tables to close). `fn` must not throw.
template <typename Fn>
void ParallelFor(size_t n, size_t threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min(threads, n); ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
}

}  // namespace pgtide
