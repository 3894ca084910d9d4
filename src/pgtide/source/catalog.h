#pragma once

#include <arrow/result.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pgtide/source/connection.h"

namespace pgtide::source {

/// One column as the catalog describes it, domains resolved to their base type.
struct ColumnInfo {
  std::string name;
  uint32_t type_oid = 0;  // the declared type (a domain, an enum, an array, ...)
  uint32_t base_oid = 0;  // after resolving domains
  int32_t typmod = -1;    // of the base type: numeric precision/scale, varchar length
  std::string type_name;  // format_type() of the declared type, for logs and metadata
  char type_type =
      'b';  // pg_type.typtype of the base type: b, e (enum), c (composite)...
  uint32_t elem_oid = 0;      // for arrays: the element's base type
  char elem_type_type = 'b';  // for arrays: typtype of the element
  int32_t ndims = 0;  // pg_attribute.attndims (declared, not enforced, by PostgreSQL)
  bool not_null = false;
  int32_t money_scale = 2;  // fractional digits of money under the server's lc_monetary
};

struct TableInfo {
  std::string schema;
  std::string name;
  uint32_t oid = 0;
  char kind = 'r';              // 'r' ordinary, 'p' partitioned
  int64_t estimated_rows = -1;  // from pg_class.reltuples; -1 when never analyzed
  std::vector<ColumnInfo> columns;

  std::string qualified_name() const { return schema + "." + name; }
  /// Returns the index of column `name`, or -1.
  int FindColumn(const std::string& column) const;
};

struct DiscoverOptions {
  std::vector<std::string> schemas = {"public"};
  std::vector<std::string> include;  // globs on schema.table; empty = all
  std::vector<std::string> exclude;
};

/// Lists ordinary and partitioned tables (a partitioned table once, through its parent;
/// its partitions never on their own) with their columns. Views are not extracted. A
/// schema that does not exist is an error (exit code kUsage), so a typo never looks like
/// an empty database.
arrow::Result<std::vector<TableInfo>> DiscoverTables(Connection* conn,
                                                     const DiscoverOptions& options);

}  // namespace pgtide::source
