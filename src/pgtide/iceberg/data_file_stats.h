#pragma once

// The DataFile of a freshly written Parquet file: row count, sizes and per-column metrics
// taken from its footer (parquet::FileMetaData), keyed by Iceberg field id.

#include <arrow/result.h>

#include <cstdint>
#include <string>

#include "pgtide/iceberg/data_file.h"
#include "pgtide/iceberg/schema.h"
#include "pgtide/iceberg/single_value.h"

namespace parquet {
class FileMetaData;
}

namespace pgtide::iceberg {

struct DataFileStatsOptions {
  /// Strings and binaries in bounds are truncated to this many code points (bytes), as
  /// Iceberg's default metrics mode truncate(16) does.
  int truncate_length = kDefaultTruncateLength;
};

/// Describe a Parquet file for a manifest. Metrics cover top-level primitive columns only
/// (nested ones are skipped); a column is matched to `schema` by the Parquet field id,
/// or by name when the file has none. Bounds are omitted for a column when a row group
/// with values lacks min/max, null counts when a row group lacks them.
arrow::Result<DataFile> DataFileFromParquet(const parquet::FileMetaData& metadata,
                                            const Schema& schema, std::string file_path,
                                            int64_t file_size_in_bytes,
                                            AvroValue partition,
                                            DataFileStatsOptions options = {});

}  // namespace pgtide::iceberg
