#include "pgtide/sink/lake_names.h"

#include <fmt/format.h>

#include "pgtide/common/random.h"
#include "pgtide/common/time_format.h"

namespace pgtide::sink {

std::string NewRunId(int64_t start_micros) {
  int64_t millis = FloorDiv(start_micros, 1000) - FloorDiv(start_micros, 1000000) * 1000;
  return fmt::format("{}-{:03x}{}", FormatCompactUtc(start_micros), millis, RandomHex(3));
}

std::string NewRunId() { return NewRunId(NowMicros()); }

std::string FilePrefix(const std::string& run_id) { return "part-" + run_id; }

std::string RunIdOfFile(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // part-20261125T123456Z-abcdef-00000.parquet
  constexpr size_t kIdLen = 16 + 1 + 6;
  if (name.rfind("part-", 0) != 0 || name.size() < 5 + kIdLen + 1 || name.size() < 8 ||
      name.substr(name.size() - 8) != ".parquet") {
    return "";
  }
  std::string id = name.substr(5, kIdLen);
  if (id[8] != 'T' || id[15] != 'Z' || id[16] != '-') return "";
  return id;
}

std::string DataFileName(const std::string& table_dir,
                         const std::string& partition_folder,
                         const std::string& file_prefix, int seq) {
  return fmt::format("{}{}/{}-{:05d}.parquet", table_dir,
                     partition_folder.empty() ? "" : "/" + partition_folder, file_prefix,
                     seq);
}

std::string SpillFileName(const std::string& table_dir, const std::string& file_prefix,
                          size_t seq) {
  return fmt::format("{}/{}-spill-{:05d}.arrow", table_dir, file_prefix, seq);
}

bool IsAbandonedStagingFile(const std::string& path) {
  auto slash = path.find_last_of('/');
  return path.compare(slash == std::string::npos ? 0 : slash + 1, 6, ".part-") == 0;
}

}  // namespace pgtide::sink
