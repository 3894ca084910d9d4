#pragma once

// Manifest lists (spec: "Manifest Lists"): the Avro file a snapshot points at, one
// manifest_file record per manifest, format version 2.

#include <arrow/result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgtide/iceberg/avro_writer.h"

namespace pgtide::iceberg {

/// Per partition field: what a manifest's files hold (field_summary, ids 509-511, 518).
struct FieldSummary {
  bool contains_null = false;
  std::optional<bool> contains_nan;
  /// Single-value serialized bounds of the partition values, absent when all are null.
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;

  bool operator==(const FieldSummary&) const = default;
};

enum class ManifestContent : int32_t { kData = 0, kDeletes = 1 };

/// One manifest_file record (ids 500-519).
struct ManifestFile {
  std::string manifest_path;
  int64_t manifest_length = 0;
  int32_t partition_spec_id = 0;
  ManifestContent content = ManifestContent::kData;
  int64_t sequence_number = 0;
  int64_t min_sequence_number = 0;
  int64_t added_snapshot_id = 0;
  int32_t added_files_count = 0;
  int32_t existing_files_count = 0;
  int32_t deleted_files_count = 0;
  int64_t added_rows_count = 0;
  int64_t existing_rows_count = 0;
  int64_t deleted_rows_count = 0;
  std::vector<FieldSummary> partitions;
  std::optional<std::string> key_metadata;

  bool operator==(const ManifestFile&) const = default;
};

/// The Avro schema (JSON text) of a v2 manifest list.
const std::string& ManifestListSchemaJson();

/// Write a manifest list for snapshot `snapshot_id`; the header carries snapshot-id,
/// parent-snapshot-id, sequence-number and format-version as Iceberg's writers do.
arrow::Result<std::string> WriteManifestList(int64_t snapshot_id,
                                             std::optional<int64_t> parent_snapshot_id,
                                             int64_t sequence_number,
                                             const std::vector<ManifestFile>& manifests,
                                             AvroWriterOptions options = {});

/// Read a manifest list of format version 1 or 2 (v1 lacks content and sequence numbers,
/// which read as data and 0).
arrow::Result<std::vector<ManifestFile>> ReadManifestList(std::string_view bytes);

}  // namespace pgtide::iceberg
