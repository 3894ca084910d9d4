#pragma once

#include <string>

#include "pgtide/storage/object_store.h"

namespace pgtide::runlog {

/// Writes the run's text log and JSON summary to the log folder (local or S3) as
/// "<job>-<environment>-<start>.log" and "...summary.json". When that fails — a denied
/// bucket, a full disk — both are kept in a local folder instead and the path is printed.
/// Returns where the log went.
std::string UploadRunLog(const std::string& log_folder, const storage::S3Settings& s3,
                         const std::string& base_name, const std::string& log_text,
                         const std::string& summary_json);

}  // namespace pgtide::runlog
