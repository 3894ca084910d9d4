#include "pgtide/lake/lake_tables.h"

#include <set>

#include "pgtide/lake/lake_paths.h"

namespace pgtide::lake {

arrow::Result<std::vector<TableIdent>> TablesInLake(storage::ObjectStore* store) {
  ARROW_ASSIGN_OR_RAISE(auto files, store->ListFiles(kIcebergFolder));
  const std::string prefix = std::string(kIcebergFolder) + "/";
  std::set<std::string> dirs;
  for (const auto& f : files) {
    if (f.rfind(prefix, 0) != 0) continue;
    const std::string rest = f.substr(prefix.size());
    const auto meta = rest.rfind("/metadata/");
    if (meta == std::string::npos) continue;
    const std::string name = rest.substr(meta + 10);
    if (name.size() > 14 && name[0] == 'v' &&
        name.compare(name.size() - 14, 14, ".metadata.json") == 0)
      dirs.insert(rest.substr(0, meta));
  }
  std::vector<TableIdent> out;
  for (const auto& d : dirs) {
    const auto slash = d.find('/');
    if (slash == std::string::npos) continue;
    out.push_back({d.substr(0, slash), d.substr(slash + 1), d});
  }
  return out;
}

}  // namespace pgtide::lake
