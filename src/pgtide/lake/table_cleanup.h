#pragma once

// What may be deleted, and when (README "What pgtide deletes"): a data file only when no
// retained snapshot reads it. A full load (an overwrite snapshot) replaces every earlier
// file, so the snapshots before it are expired at once and the files only they read are
// deleted: the plain Parquet folders then hold exactly the table's current rows, and
// time travel reaches back to the last full load. Files pgtide did not write are never
// deleted. Every step is idempotent, so a run killed half-way is completed by the next.

#include <arrow/result.h>

#include <optional>
#include <string>

#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// Expires the snapshots older than the newest snapshot whose operation is "overwrite" or
/// "replace" (they only read files it replaced) in a metadata commit of its own, and
/// deletes their manifest lists and the manifests no retained snapshot uses. Returns the
/// pointer now current (`current` itself when nothing was expired). A lost
/// compare-and-swap is retried from the new metadata.
arrow::Result<std::optional<PointerState>> ExpireBeforeLastOverwrite(
    storage::ObjectStore* store, TablePointer* pointer, const TableIdent& table,
    std::optional<PointerState> current);

/// Deletes, under the table's data folder, the data files pgtide wrote that no snapshot
/// of `current` reads (replaced by a full load, or written by a run that died before its
/// commit), and abandoned local staging files. Only call under the table's lock, so no
/// run is writing files of the table that it has yet to commit. Returns the number
/// deleted; nothing for a table without metadata.
arrow::Result<int> DeleteUnreferencedDataFiles(
    storage::ObjectStore* store, const TableIdent& table,
    const std::optional<PointerState>& current);

}  // namespace pgtide::lake
