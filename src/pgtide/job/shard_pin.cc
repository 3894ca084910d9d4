#include "pgtide/job/shard_pin.h"

#include <fmt/format.h>

#include <map>
#include <sstream>

namespace pgtide::job {

arrow::Status PinShardAssignment(storage::ObjectStore* output, int shard_count,
                                 const std::vector<ShardUnit>& units,
                                 std::vector<int>* shards) {
  const std::string rel = fmt::format("_pgtide/shards-of-{}.txt", shard_count);
  std::map<std::string, int> pinned;
  ARROW_RETURN_NOT_OK(output->Update(
      rel, [&](const std::optional<std::string>& current) -> arrow::Result<std::string> {
        pinned.clear();
        std::string text = current.value_or("");
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
          const size_t space = line.find(' ');
          if (space == std::string::npos) continue;
          try {
            const int s = std::stoi(line.substr(0, space));
            if (s >= 0 && s < shard_count) pinned[line.substr(space + 1)] = s;
          } catch (...) {
          }
        }
        for (size_t i = 0; i < units.size(); ++i) {
          const std::string& key = units[i].key;
          if (key.find('\n') != std::string::npos || pinned.count(key)) continue;
          pinned[key] = (*shards)[i];
          text += fmt::format("{} {}\n", (*shards)[i], key);
        }
        return text;
      }));
  for (size_t i = 0; i < units.size(); ++i) {
    auto it = pinned.find(units[i].key);
    if (it != pinned.end()) (*shards)[i] = it->second;
  }
  return arrow::Status::OK();
}

}  // namespace pgtide::job
