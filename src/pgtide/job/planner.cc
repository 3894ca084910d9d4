#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/identifiers.h"
#include "pgtide/common/log.h"
#include "pgtide/common/near_match.h"
#include "pgtide/job/table_keys.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/source/cursor.h"

namespace pgtide::job {

const char* LoadTypeName(LoadType t) { return t == LoadType::kFull ? "full" : "cdc"; }

/// Every table the job file names must exist, once: a misspelt name would silently
/// export (or fail to skip) the table the user meant.
static arrow::Status CheckConfiguredTables(const RunOptions& options,
                                           const TableKeys& keys) {
  for (const auto& [name, ov] : options.overrides) {
    auto candidates = keys.Candidates(name);
    if (candidates.size() == 1) continue;
    const std::string path = fmt::format("tables.\"{}\"", name);
    if (candidates.empty()) {
      return Error(
          ErrorClass::kConfig,
          fmt::format("config file: {}: no such table in schema(s) {}{}\nHINT: "
                      "Fix the table name in the job file (schema.table), or add "
                      "its schema with --schema",
                      path, fmt::join(options.discover.schemas, ","),
                      DidYouMean(name, keys.AllKeys())));
    }
    return Error(ErrorClass::kConfig,
                 fmt::format("config file: {}: could mean any of the tables {}\nHINT: "
                             "Write the name with quoted identifiers, as in {}",
                             path, fmt::join(candidates, ", "), candidates[0]));
  }
  return arrow::Status::OK();
}

/// --cursor-column names a column no selected table has: almost surely a typo, which
/// would otherwise turn every table into a full reload, written unpartitioned.
static arrow::Status UnknownRunCursor(const RunOptions& options,
                                      const std::vector<source::TableInfo>& tables) {
  std::vector<std::string> columns;
  for (const auto& t : tables) {
    for (const auto& c : t.columns) columns.push_back(c.name);
  }
  return Error(ErrorClass::kUsage,
               fmt::format("--cursor-column \"{}\" exists in none of the {} selected "
                           "table(s){}\nHINT: Fix the column name, or set cursor_column "
                           "per table in --config",
                           options.cursor_column, tables.size(),
                           DidYouMean(options.cursor_column, columns)));
}

std::string TableDirOf(const source::TableInfo& table) {
  return EncodePathSegment(table.schema) + "/" + EncodePathSegment(table.name);
}

arrow::Result<std::vector<TablePlan>> PlanTables(
    const std::vector<source::TableInfo>& tables, const state::StateFile& state,
    const RunOptions& options, const std::vector<source::TableName>* every_table,
    const std::string* only) {
  std::vector<source::TableName> selected;
  for (const auto& t : tables) selected.push_back({t.schema, t.name});
  const TableKeys keys(every_table ? *every_table : selected);
  ARROW_RETURN_NOT_OK(CheckConfiguredTables(options, keys));
  std::vector<TablePlan> plans;
  std::vector<std::string> missing_cursor_failures;
  int run_cursor_users = 0, run_cursor_found = 0;
  for (const auto& t : tables) {
    const std::string name = t.qualified_name();
    // One table claimed at a time: planning all of them for each was quadratic (a fifth
    // of the CPU of a run of 200 small tables).
    if (only && name != *only) continue;
    TablePlan p;
    p.table = t;
    TableOverride ov;
    std::string ov_key = keys.Find(
        t, [&](const std::string& k) { return options.overrides.count(k) > 0; });
    if (!ov_key.empty()) ov = options.overrides.at(ov_key);
    if (ov.skip) continue;
    p.columns = source::PlanColumns(t);
    for (const auto& c : p.columns) {
      if (!c.text_fallback_warning.empty()) p.warnings.push_back(c.text_fallback_warning);
    }
    p.cursor_column = ov.cursor_column.empty() ? options.cursor_column : ov.cursor_column;
    p.cursor_index = t.FindColumn(p.cursor_column);
    if (ov.cursor_column.empty()) {
      ++run_cursor_users;
      if (p.cursor_index >= 0) ++run_cursor_found;
    }
    if (p.cursor_index < 0 && !ov.cursor_column.empty()) {
      std::vector<std::string> columns;
      for (const auto& c : t.columns) columns.push_back(c.name);
      return Error(
          ErrorClass::kConfig,
          fmt::format("cursor column \"{}\" configured for table {} does not "
                      "exist{}\nHINT: Fix tables.\"{}\".cursor_column in the job "
                      "file",
                      p.cursor_column, name, DidYouMean(p.cursor_column, columns),
                      ov_key),
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
    p.table_dir = TableDirOf(t);
    p.partitioning = sink::DatePartitioning(p.cursor_kind, p.cursor_column);
    bool ambiguous = false;
    std::string state_key = keys.Find(
        t, [&](const std::string& k) { return state.Find(k) != nullptr; }, &ambiguous);
    if (!state_key.empty()) p.stored = *state.Find(state_key);
    if (ambiguous) {
      p.warnings.push_back(fmt::format(
          "table {}: the state line \"{}\" (the original job's form) could belong to "
          "more than one table, so it is not used: the table is loaded in full and its "
          "line is written as {}",
          name, t.legacy_name(), name));
    }

    LoadType requested = options.load_type;
    if (ov.load_type == "full") requested = LoadType::kFull;
    if (ov.load_type == "cdc") requested = LoadType::kCdc;
    if (requested == LoadType::kFull) {
      p.mode = LoadType::kFull;
      p.reason = "requested";
    } else if (p.cursor_index < 0) {
      const std::string policy =
          ov.missing_cursor.empty() ? options.missing_cursor : ov.missing_cursor;
      if (policy == "skip") {
        LogWarning("table {} has no column \"{}\": skipped (missing_cursor skip)", name,
                   p.cursor_column);
        continue;
      }
      if (policy == "fail") {
        missing_cursor_failures.push_back(name);
        continue;
      }
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
  if (!only && options.cursor_column_explicit && run_cursor_users > 0 &&
      run_cursor_found == 0) {
    return UnknownRunCursor(options, tables);
  }
  if (!missing_cursor_failures.empty()) {
    return Error(
        ErrorClass::kUsage,
        fmt::format("{} table(s) have no cursor column \"{}\" and missing_cursor is "
                    "fail: {}\nHINT: Add the column, set a cursor_column for them in "
                    "--config, exclude them, or choose --missing-cursor reload or skip",
                    missing_cursor_failures.size(), options.cursor_column,
                    fmt::join(missing_cursor_failures, ", ")));
  }
  return plans;
}

}  // namespace pgtide::job
