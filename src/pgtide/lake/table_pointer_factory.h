#pragma once

#include <memory>

#include "pgtide/lake/catalog_options.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// The pointer `options.uri` names, connected and checked: a catalog that cannot be
/// reached fails here (kCatalogUnavailable / kCatalogDenied, exit 6), before any table
/// is read; a URI of no known kind is a usage error (exit 2). `output` is the lake the
/// metadata files are written to.
arrow::Result<std::unique_ptr<TablePointer>> OpenTablePointer(
    const CatalogOptions& options, std::shared_ptr<storage::ObjectStore> output);

}  // namespace pgtide::lake
