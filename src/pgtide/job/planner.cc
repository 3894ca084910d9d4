#include <fmt/format.h>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/source/cursor.h"

namespace pgtide::job {

const char* LoadTypeName(LoadType t) { return t == LoadType::kFull ? "full" : "cdc"; }

arrow::Result<std::vector<TablePlan>> PlanTables(
    const std::vector<source::TableInfo>& tables, const state::StateFile& state,
    const RunOptions& options) {
  std::vector<TablePlan> plans;
  for (const auto& t : tables) {
    TablePlan p;
    p.table = t;
    const std::string name = t.qualified_name();
    TableOverride ov;
    if (auto it = options.overrides.find(name); it != options.overrides.end())
      ov = it->second;
    if (ov.skip) continue;
    p.columns = source::PlanColumns(t);
    for (const auto& c : p.columns) {
      if (!c.text_fallback_warning.empty()) p.warnings.push_back(c.text_fallback_warning);
    }
    p.cursor_column = ov.cursor_column.empty() ? options.cursor_column : ov.cursor_column;
    p.cursor_index = t.FindColumn(p.cursor_column);
    if (p.cursor_index < 0 && !ov.cursor_column.empty()) {
      return Error(
          ExitCode::kUsage,
          fmt::format("cursor column \"{}\" configured for table {} does not exist",
                      p.cursor_column, name),
          "42703");
    }
    if (p.cursor_index >= 0) {
      p.cursor_kind = source::CursorKindOfType(t.columns[p.cursor_index].base_oid,
                                               t.columns[p.cursor_index].elem_oid);
      if (p.cursor_kind == CursorKind::kNone) {
        return Error(
            ExitCode::kUsage,
            fmt::format("cursor column \"{}\" of table {} has type {}; a cursor must "
                        "be timestamptz, timestamp, date or an integer",
                        p.cursor_column, name, t.columns[p.cursor_index].type_name));
      }
    }
    p.table_dir = EncodePathSegment(t.schema) + "/" + EncodePathSegment(t.name);
    p.partitioning = sink::DatePartitioning(p.cursor_kind, p.cursor_column);
    if (const auto* s = state.Find(name)) p.stored = *s;

    LoadType requested = options.load_type;
    if (ov.load_type == "full") requested = LoadType::kFull;
    if (ov.load_type == "cdc") requested = LoadType::kCdc;
    if (requested == LoadType::kFull) {
      p.mode = LoadType::kFull;
      p.reason = "requested";
    } else if (p.cursor_index < 0) {
      p.mode = LoadType::kFull;
      p.reason = "no cursor column";
      p.warnings.push_back(fmt::format(
          "table {} has no column \"{}\": it is reloaded in full on every run", name,
          p.cursor_column));
    } else if (!p.stored ||
               (p.stored->max_updated_at.empty() && p.stored->resume_from.empty())) {
      p.mode = LoadType::kFull;
      p.reason = "first run";
    } else if (!p.stored->cursor_column.empty() &&
               p.stored->cursor_column != p.cursor_column) {
      p.mode = LoadType::kFull;
      p.reason = "cursor column changed";
      p.warnings.push_back(fmt::format(
          "table {}: the stored mark is for cursor \"{}\", now \"{}\"; reloading in full",
          name, p.stored->cursor_column, p.cursor_column));
    } else {
      p.mode = LoadType::kCdc;
      p.reason = "incremental";
    }
    plans.push_back(std::move(p));
  }
  return plans;
}

}  // namespace pgtide::job
