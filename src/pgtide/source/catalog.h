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
  /// pg_attribute.attnum: stable across renames and never reused after a drop, so the
  /// lake can tell a renamed column from a dropped one plus a new one.
  int32_t attnum = 0;
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
  int64_t estimated_bytes = 0;  // pg_table_size (of its partitions, for a parent)
  int64_t pages = 0;            // pg_class.relpages (summed over partitions)
  std::vector<ColumnInfo> columns;

  /// The unambiguous key (common/identifiers.h TableKey): "a.b".c and a."b.c" differ.
  std::string qualified_name() const;
  /// The original job's schema.table form, ambiguous when a part holds a '.'.
  std::string legacy_name() const { return schema + "." + name; }
  /// Returns the index of column `name`, or -1.
  int FindColumn(const std::string& column) const;
};

/// A table of the selected schemas, before --include/--exclude.
struct TableName {
  std::string schema;
  std::string name;
};

struct DiscoverOptions {
  std::vector<std::string> schemas = {"public"};
  std::vector<std::string> include;  // globs on schema.table; empty = all
  std::vector<std::string> exclude;
};

/// Lists ordinary and partitioned tables (a partitioned table once, through its parent;
/// its partitions never on their own) with their columns. Views are not extracted. A
/// schema that does not exist is an error (exit code kUsage), so a typo never looks like
/// an empty database; so is an --include/--exclude pattern that matches no table
/// (source/table_filter.h). `every_table`, when given, receives every table of the
/// schemas before the patterns apply (to check the names a config file uses).
arrow::Result<std::vector<TableInfo>> DiscoverTables(
    Connection* conn, const DiscoverOptions& options,
    std::vector<TableName>* every_table = nullptr);

}  // namespace pgtide::source
