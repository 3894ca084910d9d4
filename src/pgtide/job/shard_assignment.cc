#include "pgtide/job/shard_assignment.h"

#include <algorithm>
#include <numeric>

namespace pgtide::job {

constexpr int64_t kPageBytes = 8192;

int64_t ShardWeight(int64_t bytes) {
  bytes = std::max(bytes, kPageBytes);
  int top = 63 - __builtin_clzll(static_cast<uint64_t>(bytes));
  const int64_t mask = ~((int64_t{1} << (top - 2)) - 1);  // keep the three highest bits
  return bytes & mask;
}

std::vector<int> AssignShards(const std::vector<ShardUnit>& units, int shards) {
  std::vector<int> out(units.size(), 0);
  if (shards <= 1) return out;
  std::vector<size_t> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int64_t wa = ShardWeight(units[a].bytes), wb = ShardWeight(units[b].bytes);
    if (wa != wb) return wa > wb;
    return units[a].key < units[b].key;
  });
  std::vector<int64_t> load(static_cast<size_t>(shards), 0);
  for (size_t i : order) {
    const size_t s = static_cast<size_t>(std::min_element(load.begin(), load.end()) -
                                         load.begin());  // first of the least loaded
    out[i] = static_cast<int>(s);
    load[s] += ShardWeight(units[i].bytes);
  }
  return out;
}

}  // namespace pgtide::job
