#pragma once

#include <arrow/status.h>

#include <vector>

#include "pgtide/job/run_options.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/source/connection.h"

namespace pgtide::job {

/// Checks, before the first table, the option values whose judge is PostgreSQL itself:
/// --cursor-timezone (a zone AT TIME ZONE accepts; near names from pg_timezone_names),
/// --lookback (an interval, or a count for integer cursors; never negative). Errors are
/// class kUsage (exit 2).
arrow::Status CheckOptionValues(source::Connection* conn, const RunOptions& options,
                                const std::vector<TablePlan>& plans);

/// Parses every stored mark a cdc plan will resume from, as its cursor's type, and
/// compares the resume point with the database clock. A value PostgreSQL cannot parse is
/// an error of class kState (exit 4) naming the table, the value and the fix; a resume
/// point ahead of the clock sets `resume_ahead` and a warning (README "Marks in the
/// future").
arrow::Status CheckStoredMarks(source::Connection* conn, const RunOptions& options,
                               std::vector<TablePlan>* plans);

}  // namespace pgtide::job
