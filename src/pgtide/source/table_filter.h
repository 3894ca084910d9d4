#pragma once

#include <arrow/result.h>

#include <string>
#include <vector>

#include "pgtide/source/catalog.h"

namespace pgtide::source {

/// Whether --include/--exclude `pattern` (a glob) names the table. A pattern with a
/// schema
/// ("public.ord*", '"a.b".c') matches the original job's schema.table text or the table's
/// key; one without ("orders", "Ord*") matches the table's name in every selected schema,
/// folded to lower case as PostgreSQL folds an unquoted identifier, unless it is written
/// in double quotes ('"Orders"').
bool PatternMatches(const std::string& pattern, const TableName& table);

/// The positions in `all` that the patterns select. A pattern that matches no table of
/// the selected schemas is an error (kUsage) naming it, the schemas and the near matches:
/// a typo must not look like an empty selection.
arrow::Result<std::vector<size_t>> SelectTables(const std::vector<TableName>& all,
                                                const DiscoverOptions& options);

}  // namespace pgtide::source
