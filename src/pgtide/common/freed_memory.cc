#include "pgtide/common/freed_memory.h"

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pgtide {

void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  // What a trim returns is faulted in again on next use: ten trims a second cost 0.25 s
  // more system time on 5,000,000 rows for about the same peak.
  constexpr int64_t kMinGapNs = 500'000'000;
  static std::atomic<int64_t> last_ns{0};
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_ns.load(std::memory_order_relaxed);
  if (now - last < kMinGapNs) return;
  if (!last_ns.compare_exchange_strong(last, now)) return;  // another thread trims
  malloc_trim(0);
#endif
}

}  // namespace pgtide
