#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pgtide::job {

/// One unit of work as the shard assignment sees it: a table of a source, with the
/// catalog's size estimate.
struct ShardUnit {
  std::string key;    // unique and stable: "<source>/<schema.table>"
  int64_t bytes = 0;  // pg_table_size
};

/// The weight a unit is balanced by: its size, at least one page, rounded down to 3
/// significant bits (four steps per doubling: 1, 1.25, 1.5, 1.75 times a power of two).
/// The rounding keeps the assignment stable while a table grows or shrinks a little
/// between a shard's first try and its retry (ANALYZE, autovacuum, concurrent writes); a
/// weight is at most 20% below the size.
int64_t ShardWeight(int64_t bytes);

/// Assigns each unit to one of `shards` shards (returned by unit): units by weight,
/// largest first, ties by key; each to the least-loaded shard so far, ties to the lowest
/// shard number (greedy longest-processing-time). Depends on nothing but the units, so
/// every shard and every retry of a shard computes the same assignment.
std::vector<int> AssignShards(const std::vector<ShardUnit>& units, int shards);

}  // namespace pgtide::job
