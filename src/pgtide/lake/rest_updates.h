#pragma once

// A commit to an Iceberg REST catalog is not "move the pointer" but a list of changes the
// server applies to the metadata it holds (REST spec, CommitTableRequest): this computes
// that list as the difference base -> next, and the requirements that make it a
// compare-and-swap. Pure: no I/O, unit-tested.

#include <nlohmann/json.hpp>

#include "pgtide/iceberg/table_metadata.h"

namespace pgtide::lake {

/// The requirements of a commit built on `base`: the same table (assert-table-uuid) and
/// branch main still at base's snapshot (assert-ref-snapshot-id; null when base has no
/// main). A server that finds either false answers 409 and applies nothing.
nlohmann::json RestRequirements(const iceberg::TableMetadata& base);

/// The updates that turn `base` into `next`, in the order a server applies them:
/// upgrade-format-version, add-schema + set-current-schema, add-spec +
/// set-default-spec, add-snapshot (oldest first), set-snapshot-ref / remove-snapshot-ref,
/// remove-snapshots, set-properties, remove-properties, set-location. Sort orders are not
/// compared (pgtide writes only the unsorted order).
nlohmann::json RestUpdates(const iceberg::TableMetadata& base,
                           const iceberg::TableMetadata& next);

}  // namespace pgtide::lake
