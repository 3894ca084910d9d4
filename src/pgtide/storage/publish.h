#pragma once

#include <arrow/status.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/storage/object_store.h"

namespace pgtide::storage {

/// A data file as the lake will hold it.
struct WrittenFile {
  std::string rel_path;
  int64_t rows = 0;
  int64_t bytes = 0;
};

/// A finished file: on local disk, not yet visible at its place in the store, or (an
/// empty staging_path) already at its place, streamed there (S3).
struct StagedFile {
  std::string staging_path;
  WrittenFile file;
  /// The file's Parquet footer (row groups, column statistics) as its Thrift bytes, for
  /// its manifest entry: one allocation per file, where the parsed footer's hundreds of
  /// small ones outlived the file and pinned the malloc pages around them.
  std::string footer;
  /// Its partition as sink::DatePartitioning keys it; nullopt when not partitioned.
  std::optional<int64_t> partition_key;
  bool in_place() const { return staging_path.empty(); }
};

/// Publishes `files` from a few threads (publishing is latency-bound: an fsync and a
/// rename locally, a PUT or multipart upload on S3). Returns one status per file; a file
/// that failed is discarded, one that was published stays (the next run's sweep removes
/// it if its table is not committed). A file already in place needs nothing.
std::vector<arrow::Status> PublishFiles(ObjectStore* store,
                                        const std::vector<StagedFile>& files);

}  // namespace pgtide::storage
