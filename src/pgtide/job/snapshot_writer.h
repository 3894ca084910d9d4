#pragma once

#include <arrow/result.h>

#include <optional>
#include <string>
#include <vector>

#include "pgtide/iceberg/table_metadata.h"
#include "pgtide/job/table_commit.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::job {

/// The next metadata of a table that one load's change produces, with the manifests and
/// manifest list it points at already written (invisible until the pointer moves).
struct NextSnapshot {
  iceberg::TableMetadata metadata;
  /// What an overwrite replaces: the data files the previous snapshot read.
  std::vector<std::string> replaced;
  /// The manifests and manifest list written for it (orphans if the swap is lost).
  std::vector<std::string> written;
};

/// Builds the snapshot for `change` on top of `current` (nullopt: the table's first
/// commit, which creates it): an append for a cdc load, an overwrite for a full load.
/// `adopted` are files already in the table's folder that the first commit takes in
/// (a lake written before it had Iceberg metadata).
arrow::Result<NextSnapshot> WriteNextSnapshot(
    storage::ObjectStore* store, const TableChange& change,
    const std::optional<lake::PointerState>& current, const std::string& run_id);

}  // namespace pgtide::job
