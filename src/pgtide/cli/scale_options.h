#pragma once

#include <arrow/status.h>

#include <CLI/CLI.hpp>
#include <string>

#include "pgtide/job/run_options.h"

namespace pgtide::cli {

/// Raw scale-out flags (README "Scaling out").
struct ScaleValues {
  std::string shard;              // --shard I/N
  int shards = 0;                 // --shards N: I from the scheduler's environment
  std::string split_larger_than;  // --split-larger-than SIZE
  bool json = false;              // plan --json
};

void AddScaleOptions(CLI::App* cmd, ScaleValues* v, job::RunOptions* r);

/// "512MB", "2GiB", "1000000" (bytes) -> bytes; error (exit 2) otherwise.
arrow::Result<int64_t> ParseSize(const std::string& flag, const std::string& text);

/// Fills r's shard and split fields. The shard index of --shards comes from
/// JOB_COMPLETION_INDEX (Kubernetes Indexed Job), else AWS_BATCH_JOB_ARRAY_INDEX (AWS
/// Batch array job); neither set, or an index out of range, is a usage error.
arrow::Status ResolveScaleOptions(const ScaleValues& v, job::RunOptions* r);

}  // namespace pgtide::cli
