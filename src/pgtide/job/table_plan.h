#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgtide/iceberg/partition_spec.h"
#include "pgtide/iceberg/schema.h"
#include "pgtide/job/run_options.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/sink/partitioning.h"
#include "pgtide/source/catalog.h"
#include "pgtide/source/cursor.h"
#include "pgtide/source/type_mapping.h"
#include "pgtide/state/state_file.h"

namespace pgtide::job {

using source::CursorKind;

/// What a run will do with one table, decided before any data moves.
struct TablePlan {
  source::TableInfo table;
  std::vector<source::ColumnPlan> columns;
  std::string cursor_column;
  int cursor_index = -1;
  CursorKind cursor_kind = CursorKind::kNone;
  LoadType mode = LoadType::kFull;
  std::string reason;  // why this mode: "requested", "first run", "no cursor column"
  std::optional<state::TableState> stored;
  std::string table_dir;  // <schema>/<table>, path-encoded, relative to the output
  sink::DatePartitioning partitioning;
  std::vector<std::string> warnings;
  /// The stored resume point is beyond the database clock (job/mark_check.h): the scan
  /// starts from it anyway and the line keeps it until the clock passes it.
  bool resume_ahead = false;
  /// A table larger than --split-larger-than is read as these ranges (SQL conditions that
  /// together cover every row exactly once) on as many connections in one snapshot; at
  /// most one: read whole (job/range_split.h).
  std::vector<std::string> ranges;
  /// The shard that loads it (job/shard_assignment.h); -1 without --shard/--shards.
  int shard = -1;
  /// The table's Iceberg metadata as read under its lock (nullopt: none yet; the first
  /// commit creates it), and the schema (field ids assigned) and partition spec this
  /// run writes (job/iceberg_plan.h).
  std::optional<lake::PointerState> lake_base;
  /// The table's namespace in a catalog: its schema, prefixed for a source of a job with
  /// several (RunOptions::namespace_prefix).
  std::string lake_namespace;
  iceberg::Schema lake_schema;
  int32_t lake_last_column_id = 0;
  iceberg::PartitionSpec lake_spec;
};

/// "<schema>/<table>", path-encoded: the table's folder relative to the output.
std::string TableDirOf(const source::TableInfo& table);

/// Plans every discovered table against the stored state. Errors (exit 2) for a
/// cursor column named in the config that a table lacks, or of an unsupported type; a
/// --cursor-column that no selected table has; a job file naming a table that is not in
/// `every_table` (the schemas' tables before --include/--exclude; default: `tables`); and
/// tables without their cursor under missing_cursor "fail". With `only`, plans that
/// one table of `tables` (a table claimed again before its load): what depends on every
/// table (ambiguous state lines, configured tables) is still checked against all of
/// them, but not the run-wide cursor check, which the run's first plan made.
arrow::Result<std::vector<TablePlan>> PlanTables(
    const std::vector<source::TableInfo>& tables, const state::StateFile& state,
    const RunOptions& options,
    const std::vector<source::TableName>* every_table = nullptr,
    const std::string* only = nullptr);

}  // namespace pgtide::job
