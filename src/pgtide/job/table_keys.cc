#include "pgtide/job/table_keys.h"

#include <algorithm>

#include "pgtide/common/identifiers.h"

namespace pgtide::job {

TableKeys::TableKeys(const std::vector<source::TableName>& every_table) {
  for (const auto& t : every_table) {
    std::string key = TableKey(t.schema, t.name);
    keys_.push_back(key);
    keys_by_name_[key].push_back(key);
    std::string legacy = t.schema + "." + t.name;
    if (legacy != key) keys_by_name_[legacy].push_back(key);
  }
  for (auto& [name, keys] : keys_by_name_) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  }
}

std::string TableKeys::Find(const source::TableInfo& t,
                            const std::function<bool(const std::string&)>& present,
                            bool* ambiguous) const {
  if (ambiguous) *ambiguous = false;
  const std::string key = t.qualified_name();
  if (present(key)) return key;
  const std::string legacy = t.legacy_name();
  if (legacy == key || !present(legacy)) return "";
  auto it = keys_by_name_.find(legacy);
  bool shared = it != keys_by_name_.end() && it->second.size() > 1;
  if (shared) {
    if (ambiguous) *ambiguous = true;
    return "";
  }
  return legacy;
}

std::vector<std::string> TableKeys::Candidates(const std::string& name) const {
  auto it = keys_by_name_.find(name);
  return it == keys_by_name_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> TableKeys::AllKeys() const { return keys_; }

}  // namespace pgtide::job
