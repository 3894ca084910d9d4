#pragma once

#include <cstdint>
#include <string>

namespace pgtide::sink {

/// The one definition of the names pgtide gives files in the lake. The writer makes them
/// and the sweeper recognises them: a file whose name does not parse here is not pgtide's
/// and is never touched.

/// A run id: "<UTC start, compact>-<6 hex>", so ids sort by start time: the first three
/// hex digits are the millisecond within the second, the last three are random (two runs
/// that start in the same second must still compare in start order, or the sweep of one
/// would take the other's committed files for uncommitted or superseded ones).
std::string NewRunId(int64_t start_micros);
std::string NewRunId();

/// The file name prefix of a run's data files: "part-<run id>".
std::string FilePrefix(const std::string& run_id);

/// "<table_dir>[/<partition folder>]/<prefix>-NNNNN.parquet".
std::string DataFileName(const std::string& table_dir,
                         const std::string& partition_folder,
                         const std::string& file_prefix, int seq);

/// "<table_dir>/<prefix>-spill-NNNNN.arrow": a spill file's name before StagingPath hides
/// it.
std::string SpillFileName(const std::string& table_dir, const std::string& file_prefix,
                          size_t seq);

/// True for a local staging file of a data or spill file (".part-…", hidden by the local
/// store's StagingPath) that a run which died never renamed.
bool IsAbandonedStagingFile(const std::string& path);

/// The run id in a data file's name, or "" for files pgtide did not write.
std::string RunIdOfFile(const std::string& path);

}  // namespace pgtide::sink
