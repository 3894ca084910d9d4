#include "pgtide/job/file_sweeper.h"

#include <fmt/format.h>

#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"
#include "pgtide/sink/store_backends.h"

namespace pgtide::job {

std::string NewRunId(int64_t start_micros) {
  int64_t millis = FloorDiv(start_micros, 1000) - FloorDiv(start_micros, 1000000) * 1000;
  return fmt::format("{}-{:03x}{}", FormatCompactUtc(start_micros), millis, sink::RandomHex(3));
}

std::string NewRunId() { return NewRunId(NowMicros()); }

std::string FilePrefix(const std::string& run_id) { return "part-" + run_id; }

std::string RunIdOfFile(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // part-20261125T123456Z-abcdef-00000.parquet
  constexpr size_t kIdLen = 16 + 1 + 6;
  if (name.rfind("part-", 0) != 0 || name.size() < 5 + kIdLen + 1 ||
      name.size() < 8 || name.substr(name.size() - 8) != ".parquet") {
    return "";
  }
  std::string id = name.substr(5, kIdLen);
  if (id[8] != 'T' || id[15] != 'Z' || id[16] != '-') return "";
  return id;
}

arrow::Result<std::vector<std::string>> SweepTableFolder(sink::ObjectStore* store,
                                                         const std::string& table_dir,
                                                         const std::string& committed_run,
                                                         const std::string& full_run,
                                                         int* deleted) {
  *deleted = 0;
  ARROW_ASSIGN_OR_RAISE(auto files, store->ListFiles(table_dir));
  std::vector<std::string> kept;
  for (const auto& f : files) {
    auto slash = f.find_last_of('/');
    if (f.compare(slash == std::string::npos ? 0 : slash + 1, 6, ".part-") == 0) {
      // A staging file of a run that died before renaming it.
      ARROW_RETURN_NOT_OK(store->DeleteFile(f));
      continue;
    }
    std::string id = RunIdOfFile(f);
    if (id.empty()) continue;
    bool uncommitted = committed_run.empty() || id > committed_run;
    bool superseded = !full_run.empty() && id < full_run;
    if (uncommitted || superseded) {
      LogInfo("removing {} data file {} (run {})", uncommitted ? "uncommitted" : "superseded",
              store->Describe(f), id);
      ARROW_RETURN_NOT_OK(store->DeleteFile(f));
      ++*deleted;
    } else {
      kept.push_back(f);
    }
  }
  return kept;
}

}  // namespace pgtide::job
