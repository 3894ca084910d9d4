#include "pgtide/runlog/log_upload.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "pgtide/common/log.h"

namespace pgtide::runlog {

static arrow::Status WriteBoth(const std::string& folder, const storage::S3Settings& s3,
                               const std::string& base, const std::string& log,
                               const std::string& summary, std::string* where) {
  ARROW_ASSIGN_OR_RAISE(auto store, storage::ObjectStore::Open(folder, s3));
  ARROW_RETURN_NOT_OK(store->WriteSmall(base + ".log", log));
  ARROW_RETURN_NOT_OK(store->WriteSmall(base + ".summary.json", summary));
  *where = store->Describe(base + ".log");
  return arrow::Status::OK();
}

std::string UploadRunLog(const std::string& log_folder, const storage::S3Settings& s3,
                         const std::string& base_name, const std::string& log_text,
                         const std::string& summary_json) {
  std::string where;
  arrow::Status st = arrow::Status::Invalid("no log folder");
  if (!log_folder.empty()) {
    st = WriteBoth(log_folder, s3, base_name, log_text, summary_json, &where);
    if (st.ok()) {
      std::fprintf(stderr, "run log written to %s\n", where.c_str());
      return where;
    }
  }
  // The log of a failed run matters most: keep it locally whatever happened above.
  std::string fallback =
      (std::filesystem::temp_directory_path() / "pgtide-logs").string();
  std::string extra = st.ok() ? ""
                              : fmt::format("\nlog upload to {} failed: {}", log_folder,
                                            SanitizeLogMessage(st.message()));
  auto local =
      WriteBoth(fallback, {}, base_name, log_text + extra + "\n", summary_json, &where);
  if (local.ok()) {
    std::fprintf(
        stderr, "could not write the run log to %s: %s\nthe log was kept at %s\n",
        log_folder.c_str(), SanitizeLogMessage(st.message()).c_str(), where.c_str());
    return where;
  }
  std::fprintf(stderr, "could not write the run log anywhere: %s\n",
               SanitizeLogMessage(local.message()).c_str());
  return "";
}

}  // namespace pgtide::runlog
