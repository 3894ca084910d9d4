#include "pgtide/source/catalog.h"

#include <fmt/format.h>

#include <map>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/source/table_filter.h"

namespace pgtide::source {

std::string TableInfo::qualified_name() const { return TableKey(schema, name); }

int TableInfo::FindColumn(const std::string& column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

static std::string PgTextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

arrow::Result<std::vector<TableInfo>> DiscoverTables(
    Connection* conn, const DiscoverOptions& options,
    std::vector<TableName>* every_table) {
  ARROW_ASSIGN_OR_RAISE(
      auto known,
      conn->Exec("SELECT s FROM unnest($1::text[]) AS s "
                 "WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)",
                 {PgTextArray(options.schemas)}));
  if (known.rows() > 0) {
    return Error(ExitCode::kUsage,
                 fmt::format("schema \"{}\" does not exist in database ({})\nHINT: Check "
                             "--schema; list schemas with: psql -c '\\dn'",
                             known.Text(0, 0), conn->description()));
  }
  // relispartition: a partition is read through its parent, never on its own as well.
  // reltuples of a partitioned parent is -1 or 0, so sum its leaves for the estimate.
  ARROW_ASSIGN_OR_RAISE(auto tables, conn->Exec(R"SQL(
    SELECT n.nspname, c.relname, c.oid, c.relkind,
           CASE WHEN c.relkind = 'p' THEN
             (SELECT coalesce(sum(greatest(l.reltuples, 0)), 0)::bigint
                FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid
               WHERE t.isleaf)
           ELSE c.reltuples::bigint END,
           CASE WHEN c.relkind = 'p' THEN
             (SELECT coalesce(sum(pg_table_size(t.relid)), 0)::bigint
                FROM pg_partition_tree(c.oid) t WHERE t.isleaf)
           ELSE pg_table_size(c.oid) END,
           CASE WHEN c.relkind = 'p' THEN
             (SELECT coalesce(sum(l.relpages), 0)::bigint
                FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid
               WHERE t.isleaf)
           ELSE c.relpages::bigint END
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND n.nspname = ANY($1::text[])
     ORDER BY 1, 2)SQL",
                                                {PgTextArray(options.schemas)}));
  std::vector<TableName> names;
  for (int i = 0; i < tables.rows(); ++i)
    names.push_back({tables.Text(i, 0), tables.Text(i, 1)});
  ARROW_ASSIGN_OR_RAISE(auto selected, SelectTables(names, options));
  if (every_table) *every_table = names;
  std::vector<TableInfo> out;
  std::map<uint32_t, size_t> by_oid;
  for (size_t pick : selected) {
    const int i = static_cast<int>(pick);
    TableInfo t;
    t.schema = names[pick].schema;
    t.name = names[pick].name;
    t.oid = static_cast<uint32_t>(std::stoul(tables.Text(i, 2)));
    t.kind = tables.Text(i, 3)[0];
    t.estimated_rows = std::stoll(tables.Text(i, 4));
    t.estimated_bytes = std::stoll(tables.Text(i, 5));
    t.pages = std::stoll(tables.Text(i, 6));
    by_oid[t.oid] = out.size();
    out.push_back(std::move(t));
  }
  if (out.empty()) return out;

  std::vector<std::string> oids;
  for (const auto& t : out) oids.push_back(std::to_string(t.oid));
  // Domains are resolved to their base type (and its typmod): binary COPY sends a domain
  // value in its base type's format.
  ARROW_ASSIGN_OR_RAISE(auto cols, conn->Exec(R"SQL(
    SELECT a.attrelid, a.attname, a.atttypid,
           CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
           CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
           format_type(a.atttypid, a.atttypmod), coalesce(b.typtype, t.typtype),
           coalesce(e.typbasetype_or_self, 0), coalesce(e.typtype, 'b'), a.attndims,
           a.attnotnull, (SELECT scale(0::money::numeric)), a.attnum
      FROM pg_attribute a
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_type b ON b.oid = t.typbasetype AND t.typtype = 'd'
      LEFT JOIN LATERAL (
        SELECT CASE WHEN et.typtype = 'd' THEN et.typbasetype ELSE et.oid END
                 AS typbasetype_or_self, et.typtype
          FROM pg_type at JOIN pg_type et ON et.oid = at.typelem
         WHERE at.oid = coalesce(b.oid, t.oid) AND at.typcategory = 'A') e ON true
     WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum)SQL",
                                              {PgTextArray(oids)}));
  for (int i = 0; i < cols.rows(); ++i) {
    uint32_t rel = static_cast<uint32_t>(std::stoul(cols.Text(i, 0)));
    ColumnInfo c;
    c.name = cols.Text(i, 1);
    c.type_oid = static_cast<uint32_t>(std::stoul(cols.Text(i, 2)));
    c.base_oid = static_cast<uint32_t>(std::stoul(cols.Text(i, 3)));
    c.typmod = std::stoi(cols.Text(i, 4));
    c.type_name = cols.Text(i, 5);
    c.type_type = cols.Text(i, 6)[0];
    c.elem_oid = static_cast<uint32_t>(std::stoul(cols.Text(i, 7)));
    c.elem_type_type = cols.Text(i, 8)[0];
    c.ndims = std::stoi(cols.Text(i, 9));
    c.not_null = cols.Text(i, 10) == "t";
    c.money_scale = std::stoi(cols.Text(i, 11));
    c.attnum = std::stoi(cols.Text(i, 12));
    out[by_oid[rel]].columns.push_back(std::move(c));
  }
  return out;
}

}  // namespace pgtide::source
