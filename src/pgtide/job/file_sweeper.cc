#include "pgtide/job/file_sweeper.h"

#include <fmt/format.h>

#include "pgtide/common/log.h"
#include "pgtide/sink/lake_names.h"

namespace pgtide::job {

arrow::Result<std::vector<std::string>> SweepTableFolder(storage::ObjectStore* store,
                                                         const std::string& table_dir,
                                                         const std::string& committed_run,
                                                         const std::string& full_run,
                                                         int* deleted) {
  *deleted = 0;
  ARROW_ASSIGN_OR_RAISE(auto files, store->ListFiles(table_dir));
  std::vector<std::string> kept;
  for (const auto& f : files) {
    if (sink::IsAbandonedStagingFile(f)) {
      ARROW_RETURN_NOT_OK(store->DeleteFile(f));
      continue;
    }
    std::string id = sink::RunIdOfFile(f);
    if (id.empty()) continue;
    bool uncommitted = committed_run.empty() || id > committed_run;
    bool superseded = !full_run.empty() && id < full_run;
    if (uncommitted || superseded) {
      LogInfo("removing {} data file {} (run {})",
              uncommitted ? "uncommitted" : "superseded", store->Describe(f), id);
      ARROW_RETURN_NOT_OK(store->DeleteFile(f));
      ++*deleted;
    } else {
      kept.push_back(f);
    }
  }
  return kept;
}

}  // namespace pgtide::job
