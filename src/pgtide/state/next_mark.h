#pragma once

#include <arrow/result.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pgtide/common/row_hash.h"
#include "pgtide/source/cursor.h"
#include "pgtide/state/state_file.h"

namespace pgtide::state {

/// Everything the next-mark rule looks at, gathered once a table's scan has ended.
struct MarkInputs {
  std::string table_name;
  std::string run_id;
  std::string now_iso;  // when the line is written, for people only
  bool has_cursor = false;
  bool full_load = false;
  std::string cursor_column;
  source::CursorKind cursor_kind = source::CursorKind::kNone;
  /// The table's stored line, if any.
  const TableState* stored = nullptr;
  /// Rows this scan wrote.
  int64_t rows_written = 0;
  /// From the boundary tracker: the highest cursor written (not beyond the clock), the
  /// fingerprints of rows at or above the final threshold, and that threshold (integers).
  std::optional<int64_t> max_written;
  std::vector<RowHash> boundary;
  std::optional<int64_t> final_threshold;
  /// The scan window's horizon in the cursor's text form (temporal cursors).
  std::string horizon_text;
  /// The stored resume point is still ahead of this scan's horizon (a mark in the
  /// future): keep it rather than move it back, or the next run would scan again rows
  /// this one wrote below the stored point without fingerprints, and write them twice.
  bool keep_resume_point = false;
};

/// The higher of two cursor values in text form, compared as `type`: PostgreSQL itself
/// does it in a run, so that any format an older line holds is understood.
using GreatestFn = std::function<arrow::Result<std::string>(
    const std::string& type, const std::string& a, const std::string& b)>;

/// The table's next state line, or nullopt to leave the stored line byte-identical (a cdc
/// run that found nothing new). The heart of exactly-once:
/// - no cursor: nothing to resume from, but the run is a full load that supersedes files;
/// - a full load, or a cdc run that wrote rows: the mark is the highest value written,
/// never
///   below the stored mark (late commits land below it); the resume point is the horizon
///   (temporal) or the highest value seen minus the lookback (integers), and the boundary
///   fingerprints let the next run skip what this one wrote at or above it;
/// - a cdc run without rows: unchanged.
arrow::Result<std::optional<TableState>> NextStateLine(const MarkInputs& in,
                                                       const GreatestFn& greatest);

}  // namespace pgtide::state
