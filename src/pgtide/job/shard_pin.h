#pragma once

#include <arrow/status.h>

#include <vector>

#include "pgtide/job/shard_assignment.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

/// Makes the assignment stable for good: `<output>/_pgtide/shards-of-<N>.txt`, text
/// lines "<shard> <key>", written atomically (file lock, or conditional PUT on S3) by the
/// first shard that plans a table. A table already in the file keeps its shard whatever
/// its size became (so a retry, or tomorrow's run, loads it in the same shard); a new
/// table gets the computed one. Delete the file to rebalance.
arrow::Status PinShardAssignment(storage::ObjectStore* output, int shard_count,
                                 const std::vector<ShardUnit>& units,
                                 std::vector<int>* shards);

}  // namespace pgtide::job
