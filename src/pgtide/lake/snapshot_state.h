#pragma once

// A table's watermark lives in its snapshot's summary (pgtide.* properties), so the data
// and the mark that says what was loaded commit in one atomic step. The keys mirror the
// columns of max_timestamps.csv, which is now only an export of them.

#include <map>
#include <optional>
#include <string>

#include "pgtide/iceberg/table_metadata.h"
#include "pgtide/state/state_file.h"

namespace pgtide::lake {

inline constexpr const char* kMarkKey = "pgtide.mark";
inline constexpr const char* kResumeFromKey = "pgtide.resume-from";
inline constexpr const char* kCursorColumnKey = "pgtide.cursor-column";
inline constexpr const char* kBoundaryKey = "pgtide.boundary";
inline constexpr const char* kRunIdKey = "pgtide.run-id";
inline constexpr const char* kFullRunKey = "pgtide.full-run";
inline constexpr const char* kModeKey = "pgtide.mode";
inline constexpr const char* kSourceTableKey = "pgtide.source-table";
inline constexpr const char* kCommittedAtKey = "pgtide.committed-at";

/// The summary properties recording `line` (the state after this commit).
std::map<std::string, std::string> SummaryOfState(const state::TableState& line);

/// The state recorded by the table's newest snapshot that pgtide committed (maintenance
/// snapshots such as compaction carry the keys of the snapshot they rewrote); nullopt
/// when no snapshot carries pgtide's keys. `table_name` is schema.table.
arrow::Result<std::optional<state::TableState>> StateOfTable(
    const std::string& table_name, const iceberg::TableMetadata& metadata);

}  // namespace pgtide::lake
