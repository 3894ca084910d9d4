#include "pgtide/lake/column_identity.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace pgtide::lake {

std::map<std::string, std::string> ColumnIdentityProperties(
    const iceberg::Schema& schema, const source::TableInfo& table) {
  nlohmann::json attnums = nlohmann::json::object();
  for (const auto& f : schema.fields) {
    for (const auto& c : table.columns) {
      if (c.name == f.name && c.attnum > 0) attnums[std::to_string(f.id)] = c.attnum;
    }
  }
  return {{kColumnAttnumsKey, attnums.dump()},
          {kSourceOidKey, std::to_string(table.oid)}};
}

iceberg::Schema WithRenamedColumns(const iceberg::Schema& previous,
                                   const std::map<std::string, std::string>& properties,
                                   const source::TableInfo& table,
                                   std::vector<std::string>* renames) {
  auto oid = properties.find(kSourceOidKey);
  auto recorded = properties.find(kColumnAttnumsKey);
  if (oid == properties.end() || recorded == properties.end() ||
      oid->second != std::to_string(table.oid)) {
    return previous;
  }
  auto attnums =
      nlohmann::json::parse(recorded->second, nullptr, /*allow_exceptions=*/false);
  if (!attnums.is_object()) return previous;

  // Matching by attnum first also gets swapped names (a <-> b) and a column dropped and
  // re-added under its old name right; both would be wrong by name.
  iceberg::Schema out = previous;
  for (auto& f : out.fields) {
    auto it = attnums.find(std::to_string(f.id));
    if (it == attnums.end() || !it->is_number_integer()) continue;
    const int attnum = it->get<int>();
    const source::ColumnInfo* now = nullptr;
    for (const auto& c : table.columns) {
      if (c.attnum == attnum) now = &c;
    }
    if (now == nullptr) {
      // Dropped: no column of the table may take its id by name.
      f.name = fmt::format("\x01dropped-{}", f.id);
    } else if (now->name != f.name) {
      renames->push_back(fmt::format("\"{}\" -> \"{}\"", f.name, now->name));
      f.name = now->name;
    }
  }
  return out;
}

}  // namespace pgtide::lake
