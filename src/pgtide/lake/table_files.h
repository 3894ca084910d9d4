#pragma once

// Reading back which data files a table's snapshots hold: manifest list -> manifests ->
// entries. Used to carry files forward into the next snapshot, to know what a full load
// replaces, and to decide what may be deleted (only files no retained snapshot holds).

#include <arrow/result.h>

#include <set>
#include <string>
#include <vector>

#include "pgtide/iceberg/data_file.h"
#include "pgtide/iceberg/manifest_list.h"
#include "pgtide/iceberg/table_metadata.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// The manifests of `snapshot`.
arrow::Result<std::vector<iceberg::ManifestFile>> ManifestsOf(
    storage::ObjectStore* store, const iceberg::Snapshot& snapshot);

/// The live entries (added or existing) of `snapshot`, sequence numbers inherited.
arrow::Result<std::vector<iceberg::ManifestEntry>> LiveEntriesOf(
    storage::ObjectStore* store, const iceberg::Snapshot& snapshot);

/// Every data file (as a path relative to the store's root) that some snapshot of
/// `metadata` reads, and the manifest files and manifest lists those snapshots use.
struct ReferencedFiles {
  std::set<std::string> data_files;
  /// Files a retained snapshot records as removed (the DELETED entries of an overwrite
  /// or a replace) that no snapshot reads: committed once, taken out by a later commit.
  std::set<std::string> replaced_files;
  std::set<std::string> metadata_files;  // manifests and manifest lists
};
arrow::Result<ReferencedFiles> ReferencedByAnySnapshot(
    storage::ObjectStore* store, const iceberg::TableMetadata& metadata);

/// The store-relative path of a file a manifest names; an error for a file outside the
/// lake (pgtide never reads or deletes those).
arrow::Result<std::string> LakeRelPath(storage::ObjectStore* store,
                                       const std::string& uri);

}  // namespace pgtide::lake
