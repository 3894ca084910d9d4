#pragma once

// Iceberg table metadata, format version 2 (spec: "Table Metadata Fields"): the content
// of metadata/vN.metadata.json, parsed and serialized. Keys this model doesn't know are
// kept and written back, so a table touched by another engine loses nothing through us.

#include <arrow/result.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/iceberg/partition_spec.h"
#include "pgtide/iceberg/schema.h"

namespace pgtide::iceberg {

/// One snapshot of the table.
struct Snapshot {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
  int64_t timestamp_ms = 0;
  std::string manifest_list;
  /// "operation" ("append", "overwrite", ...) plus any other properties, ours included.
  std::map<std::string, std::string> summary;
  std::optional<int32_t> schema_id;

  std::string operation() const;
};

struct SnapshotLogEntry {
  int64_t timestamp_ms = 0;
  int64_t snapshot_id = 0;
};

struct MetadataLogEntry {
  int64_t timestamp_ms = 0;
  std::string metadata_file;
};

/// A named reference; pgtide only keeps "main".
struct SnapshotRef {
  int64_t snapshot_id = 0;
  std::string type = "branch";
};

struct TableMetadata {
  int32_t format_version = 2;
  std::string table_uuid;
  std::string location;
  int64_t last_sequence_number = 0;
  int64_t last_updated_ms = 0;
  int32_t last_column_id = 0;
  std::vector<Schema> schemas;
  int32_t current_schema_id = 0;
  std::vector<PartitionSpec> partition_specs;
  int32_t default_spec_id = 0;
  int32_t last_partition_id = kFirstPartitionFieldId - 1;
  std::map<std::string, std::string> properties;
  std::optional<int64_t> current_snapshot_id;
  std::vector<Snapshot> snapshots;
  std::vector<SnapshotLogEntry> snapshot_log;
  std::vector<MetadataLogEntry> metadata_log;
  /// Sort orders as JSON; pgtide writes only the unsorted order 0.
  nlohmann::json sort_orders = nlohmann::json::array();
  int32_t default_sort_order_id = 0;
  std::map<std::string, SnapshotRef> refs;
  /// Top-level keys not modelled above (statistics, ...), written back unchanged.
  nlohmann::json extra = nlohmann::json::object();

  /// Return the current schema, or nullptr if current-schema-id names none.
  const Schema* current_schema() const;
  /// Return the default partition spec, or nullptr.
  const PartitionSpec* default_spec() const;
  /// Return the snapshot with `id`, or nullptr.
  const Snapshot* FindSnapshot(int64_t id) const;
  /// Return the current snapshot, or nullptr for a table without one.
  const Snapshot* current_snapshot() const;
};

/// Serialize to JSON text (pretty-printed with two spaces).
std::string TableMetadataToJson(const TableMetadata& metadata);
/// Parse metadata JSON of format version 1 or 2 (a v1 "schema"/"partition-spec" becomes
/// the single entry of "schemas"/"partition-specs"; format_version keeps what was read).
arrow::Result<TableMetadata> TableMetadataFromJson(std::string_view json);

}  // namespace pgtide::iceberg
