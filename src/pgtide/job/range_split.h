#pragma once

#include <arrow/status.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pgtide/job/run_options.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/source/connection.h"

namespace pgtide::job {

/// Splits every table above --split-larger-than into --split-ranges ranges
/// (TablePlan::ranges). A table with a single-column integer primary key is split on
/// that key, at the quantiles of its pg_stats histogram when ANALYZE made one, else
/// evenly between its min and max; any other table (a composite or non-integer key, or
/// none) by ctid block ranges over pg_class.relpages. The first range has no lower bound
/// and the last none above, so together they cover every row whatever the estimates
/// said; estimates only decide the balance.
arrow::Status SplitLargeTables(source::Connection* conn, const RunOptions& options,
                               std::vector<TablePlan>* plans);

/// The `k` (or fewer, when values repeat) conditions "col < b1", "col >= b1 AND col <
/// b2",
/// ..., "col >= b(k-1)" for ascending boundaries (exposed for tests).
std::vector<std::string> RangeConditions(const std::string& column_sql,
                                         const std::vector<std::string>& boundaries);

/// `k` boundaries between lo and hi, evenly spaced (k-1 values; fewer when hi - lo < k).
std::vector<int64_t> EvenBoundaries(int64_t lo, int64_t hi, int k);

}  // namespace pgtide::job
