#pragma once

// Manifests (spec: "Manifests"): the Avro files listing a snapshot's data files, format
// version 2, content "data". Writing, reading back (ours and other engines'), and the
// manifest_file summary a manifest list needs.

#include <arrow/result.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pgtide/iceberg/avro_writer.h"
#include "pgtide/iceberg/data_file.h"
#include "pgtide/iceberg/manifest_list.h"
#include "pgtide/iceberg/partition_spec.h"
#include "pgtide/iceberg/schema.h"

namespace pgtide::iceberg {

/// The Avro schema (JSON text) of a v2 manifest whose partition tuple has
/// `partition_type`.
arrow::Result<std::string> ManifestSchemaJson(const Schema& schema,
                                              const PartitionSpec& spec);

/// Write a manifest of `entries`, all of `spec`, for a table with `schema`. Added entries
/// should leave snapshot_id and sequence numbers null to inherit them at read time.
arrow::Result<std::string> WriteManifest(const Schema& schema, const PartitionSpec& spec,
                                         const std::vector<ManifestEntry>& entries,
                                         AvroWriterOptions options = {});

/// Describe a manifest for the manifest list: counts, the smallest data sequence number,
/// per partition field null/NaN presence and bounds. `sequence_number` and `snapshot_id`
/// are the committing snapshot's; entries with null sequence numbers count as that.
arrow::Result<ManifestFile> SummarizeManifest(
    std::string manifest_path, int64_t manifest_length, const Schema& schema,
    const PartitionSpec& spec, int64_t snapshot_id, int64_t sequence_number,
    const std::vector<ManifestEntry>& entries);

/// Read a manifest of format version 1 or 2. With `from_list`, the manifest list entry it
/// was found in, null snapshot ids and sequence numbers are inherited from it.
arrow::Result<std::vector<ManifestEntry>> ReadManifest(
    std::string_view bytes, const ManifestFile* from_list = nullptr);

/// The data files of entries that are not deleted: what a scan of the manifest reads.
std::vector<DataFile> LiveDataFiles(const std::vector<ManifestEntry>& entries);

}  // namespace pgtide::iceberg
