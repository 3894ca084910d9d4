#pragma once

#include <arrow/result.h>

#include <string>
#include <vector>

#include "pgtide/sink/object_store.h"

namespace pgtide::job {

/// A run id: "<UTC start, compact>-<6 hex>", so ids sort by start time: the first three hex
/// digits are the millisecond within the second, the last three are random (two runs that
/// start in the same second must still compare in start order, or the sweep of one would
/// take the other's committed files for uncommitted or superseded ones).
std::string NewRunId(int64_t start_micros);
std::string NewRunId();
/// The file name prefix of a run's data files: "part-<run id>".
std::string FilePrefix(const std::string& run_id);
/// The run id in a data file's name, or "" for files pgtide did not write.
std::string RunIdOfFile(const std::string& path);

/// Deletes, under a table's folder, the data files that no commit accounts for: files of a
/// run newer than the table's last commit (a run that died between publishing and
/// committing) and files older than its last full load (superseded). Files that pgtide did
/// not name are never touched. Returns the data files that remain.
arrow::Result<std::vector<std::string>> SweepTableFolder(sink::ObjectStore* store,
                                                         const std::string& table_dir,
                                                         const std::string& committed_run,
                                                         const std::string& full_run,
                                                         int* deleted);

}  // namespace pgtide::job
