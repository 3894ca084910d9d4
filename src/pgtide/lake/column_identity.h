#pragma once

// PostgreSQL renames a column in place (same attnum); Iceberg renames a field in place
// (same field id). The table's properties record which attnum each top-level field was
// read from, so the next run can tell `RENAME COLUMN a TO b` (keep a's id under the new
// name) from a dropped column plus an added one (a new id, old rows NULL).

#include <map>
#include <string>
#include <vector>

#include "pgtide/iceberg/schema.h"
#include "pgtide/source/catalog.h"

namespace pgtide::lake {

inline constexpr const char* kColumnAttnumsKey = "pgtide.column-attnums";
inline constexpr const char* kSourceOidKey = "pgtide.source-oid";

/// The table properties recording, for every top-level field of `schema`, the attnum of
/// the column of `table` it was read from (JSON {"<field id>": attnum}), and the table's
/// oid (attnums only identify a column within one table: a dropped and re-created table
/// starts again at 1).
std::map<std::string, std::string> ColumnIdentityProperties(
    const iceberg::Schema& schema, const source::TableInfo& table);

/// `previous` with its fields named as the columns of `table` they were read from (by the
/// recorded attnum), so that matching by name keeps the id of a renamed column, and a
/// dropped column's id is never taken by a new column of the same name. Without the
/// properties (an older lake), when they do not parse, or when the recorded oid is not
/// the table's, `previous` is returned as is: a rename is then a drop plus an add.
/// `renames` receives "old" -> "new" for each rename found.
iceberg::Schema WithRenamedColumns(const iceberg::Schema& previous,
                                   const std::map<std::string, std::string>& properties,
                                   const source::TableInfo& table,
                                   std::vector<std::string>* renames);

}  // namespace pgtide::lake
