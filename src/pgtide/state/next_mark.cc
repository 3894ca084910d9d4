#include "pgtide/state/next_mark.h"

namespace pgtide::state {

// Overlapping runs take a table in lock order, not run-id order: a run that started
// earlier may commit after a later one. The sweep treats files newer than committed_run
// as uncommitted, so it must never move back below files already committed.
static std::string CommittedRun(const MarkInputs& in) {
  if (in.stored && in.stored->committed_run > in.run_id) return in.stored->committed_run;
  return in.run_id;
}

arrow::Result<std::optional<TableState>> NextStateLine(const MarkInputs& in,
                                                       const GreatestFn& greatest) {
  const TableState* stored = in.stored;
  if (!in.has_cursor) {
    TableState s;
    s.table_name = in.table_name;
    s.committed_run = CommittedRun(in);
    s.full_run = in.run_id;
    s.updated_at = in.now_iso;
    return s;
  }
  if (!in.full_load && in.rows_written == 0) return std::nullopt;

  TableState s;
  s.table_name = in.table_name;
  s.cursor_column = in.cursor_column;
  s.committed_run = CommittedRun(in);
  s.full_run = in.full_load ? in.run_id : (stored ? stored->full_run : "");
  s.max_updated_at = !in.full_load && stored ? stored->max_updated_at : "";
  if (in.max_written) {
    s.max_updated_at = source::FormatCursor(in.cursor_kind, *in.max_written);
    // Late commits can land below the previous maximum: keep the higher one.
    if (!in.full_load && stored && !stored->max_updated_at.empty()) {
      ARROW_ASSIGN_OR_RAISE(s.max_updated_at,
                            greatest(source::CursorSqlType(in.cursor_kind),
                                     stored->max_updated_at, s.max_updated_at));
    }
  }
  s.boundary = in.boundary;
  if (in.cursor_kind == source::CursorKind::kInteger) {
    s.resume_from = in.final_threshold ? std::to_string(*in.final_threshold)
                                       : (stored ? stored->resume_from : "");
  } else {
    s.resume_from = in.horizon_text;
  }
  if (in.keep_resume_point && stored && !in.full_load)
    s.resume_from = stored->resume_from;
  s.updated_at = in.now_iso;
  return s;
}

}  // namespace pgtide::state
