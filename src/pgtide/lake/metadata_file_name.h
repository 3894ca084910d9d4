#pragma once

#include <optional>
#include <string>

#include "pgtide/lake/table_pointer.h"

namespace pgtide::lake {

/// The lake path of the next metadata file a catalog commit writes, named as Iceberg's
/// own catalogs name them: _iceberg/<table_dir>/metadata/<NNNNN>-<uuid>.metadata.json,
/// NNNNN one past the number that starts `base`'s file name (00001 for a new table).
/// Unique, so two writers on the same base never overwrite each other's file.
std::string NextMetadataFileRel(const TableIdent& table,
                                const std::optional<PointerState>& base);

}  // namespace pgtide::lake
