#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgtide/job/run_options.h"
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
};

/// Plans every discovered table against the stored state. Errors (exit kUsage) for a
/// cursor column named in the config that a table lacks, or of an unsupported type.
arrow::Result<std::vector<TablePlan>> PlanTables(
    const std::vector<source::TableInfo>& tables, const state::StateFile& state,
    const RunOptions& options);

}  // namespace pgtide::job
