#pragma once

#include <arrow/result.h>

#include <vector>

#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// Every table that has Iceberg metadata in the lake (a v<N>.metadata.json under
/// _iceberg/<schema>/<table>/metadata), sorted by folder. Names are the folder names.
arrow::Result<std::vector<TableIdent>> TablesInLake(storage::ObjectStore* store);

}  // namespace pgtide::lake
