#pragma once

#include <arrow/result.h>

#include <string>
#include <vector>

#include "pgtide/storage/object_store.h"

namespace pgtide::job {

/// Deletes, under a table's folder, the data files that no commit accounts for: files of
/// a run newer than the table's last commit (a run that died between publishing and
/// committing) and files older than its last full load (superseded). Files that pgtide
/// did not name are never touched. Returns the data files that remain.
arrow::Result<std::vector<std::string>> SweepTableFolder(storage::ObjectStore* store,
                                                         const std::string& table_dir,
                                                         const std::string& committed_run,
                                                         const std::string& full_run,
                                                         int* deleted);

}  // namespace pgtide::job
