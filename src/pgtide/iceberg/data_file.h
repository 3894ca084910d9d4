#pragma once

// A data file as a manifest describes it (spec: "Manifests", data_file struct) and the
// manifest entry that tracks it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/iceberg/avro_value.h"
#include "pgtide/iceberg/partition_spec.h"

namespace pgtide::iceberg {

enum class FileContent : int32_t {
  kData = 0,
  kPositionDeletes = 1,
  kEqualityDeletes = 2
};

struct DataFile {
  FileContent content = FileContent::kData;
  std::string file_path;
  /// "PARQUET", "AVRO" or "ORC".
  std::string file_format = "PARQUET";
  /// The partition tuple: a record with one field per partition field, by name (e.g.
  /// {"updated_at_day": Int(19700)}); an empty record when unpartitioned.
  AvroValue partition = AvroValue::Record({});
  int64_t record_count = 0;
  int64_t file_size_in_bytes = 0;
  /// Per column, keyed by field id; an empty map is written as null ("unknown").
  std::map<int32_t, int64_t> column_sizes;
  std::map<int32_t, int64_t> value_counts;
  std::map<int32_t, int64_t> null_value_counts;
  std::map<int32_t, int64_t> nan_value_counts;
  /// Bounds in Iceberg's single-value binary serialization (see single_value.h).
  std::map<int32_t, std::string> lower_bounds;
  std::map<int32_t, std::string> upper_bounds;
  std::optional<std::string> key_metadata;
  std::vector<int64_t> split_offsets;
  std::vector<int32_t> equality_ids;
  std::optional<int32_t> sort_order_id;
};

enum class EntryStatus : int32_t { kExisting = 0, kAdded = 1, kDeleted = 2 };

/// One row of a manifest. Null ids and sequence numbers are inherited from the manifest
/// list entry on read (spec: "Sequence Number Inheritance").
struct ManifestEntry {
  EntryStatus status = EntryStatus::kAdded;
  std::optional<int64_t> snapshot_id;
  std::optional<int64_t> sequence_number;
  std::optional<int64_t> file_sequence_number;
  DataFile data_file;
};

/// The partition tuple of a day-partitioned file: {"<spec field name>": day}, the day as
/// days since 1970-01-01 (null for rows whose cursor is null). Unpartitioned specs get
/// the empty tuple.
AvroValue DayPartitionValue(const PartitionSpec& spec, std::optional<int32_t> day);

}  // namespace pgtide::iceberg
