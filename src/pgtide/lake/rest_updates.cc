#include "pgtide/lake/rest_updates.h"

#include <algorithm>
#include <set>

namespace pgtide::lake {

using nlohmann::json;

namespace {

// The JSON of every element of `array` (from TableMetadataToJson, so that each schema,
// spec and snapshot is written exactly as in a metadata file) whose `id_key` is not in
// `known`.
std::vector<json> NewEntries(const json& array, const char* id_key,
                             const std::set<int64_t>& known) {
  std::vector<json> out;
  if (!array.is_array()) return out;
  for (const auto& e : array) {
    if (e.contains(id_key) && !known.count(e[id_key].get<int64_t>())) out.push_back(e);
  }
  return out;
}

std::set<int64_t> IdsOf(const json& array, const char* id_key) {
  std::set<int64_t> ids;
  if (!array.is_array()) return ids;
  for (const auto& e : array) {
    if (e.contains(id_key)) ids.insert(e[id_key].get<int64_t>());
  }
  return ids;
}

}  // namespace

json RestRequirements(const iceberg::TableMetadata& base) {
  json main_id = nullptr;
  auto main = base.refs.find("main");
  if (main != base.refs.end()) main_id = main->second.snapshot_id;
  return json::array(
      {{{"type", "assert-table-uuid"}, {"uuid", base.table_uuid}},
       {{"type", "assert-ref-snapshot-id"}, {"ref", "main"}, {"snapshot-id", main_id}}});
}

json RestUpdates(const iceberg::TableMetadata& base, const iceberg::TableMetadata& next) {
  const json b = json::parse(iceberg::TableMetadataToJson(base));
  const json n = json::parse(iceberg::TableMetadataToJson(next));
  json updates = json::array();
  auto add = [&](json u) { updates.push_back(std::move(u)); };

  if (next.format_version > base.format_version) {
    add({{"action", "upgrade-format-version"}, {"format-version", next.format_version}});
  }

  // Schemas: a new one is added, then made current. -1 = "the one just added", so the
  // commit holds even if the server numbers the schema differently.
  bool current_schema_added = false;
  for (const auto& s :
       NewEntries(n.value("schemas", json::array()), "schema-id",
                  IdsOf(b.value("schemas", json::array()), "schema-id"))) {
    add({{"action", "add-schema"},
         {"schema", s},
         {"last-column-id", next.last_column_id}});
    current_schema_added |= s["schema-id"].get<int64_t>() == next.current_schema_id;
  }
  if (next.current_schema_id != base.current_schema_id) {
    add({{"action", "set-current-schema"},
         {"schema-id", current_schema_added ? -1 : next.current_schema_id}});
  }

  bool default_spec_added = false;
  for (const auto& s :
       NewEntries(n.value("partition-specs", json::array()), "spec-id",
                  IdsOf(b.value("partition-specs", json::array()), "spec-id"))) {
    add({{"action", "add-spec"}, {"spec", s}});
    default_spec_added |= s["spec-id"].get<int64_t>() == next.default_spec_id;
  }
  if (next.default_spec_id != base.default_spec_id) {
    add({{"action", "set-default-spec"},
         {"spec-id", default_spec_added ? -1 : next.default_spec_id}});
  }

  // Snapshots in sequence order: the server checks each one's sequence number against
  // the table's last.
  auto added = NewEntries(n.value("snapshots", json::array()), "snapshot-id",
                          IdsOf(b.value("snapshots", json::array()), "snapshot-id"));
  std::stable_sort(added.begin(), added.end(), [](const json& x, const json& y) {
    return x.value("sequence-number", int64_t{0}) <
           y.value("sequence-number", int64_t{0});
  });
  for (auto& s : added) add({{"action", "add-snapshot"}, {"snapshot", std::move(s)}});

  for (const auto& [name, ref] : next.refs) {
    auto was = base.refs.find(name);
    if (was != base.refs.end() && was->second.snapshot_id == ref.snapshot_id &&
        was->second.type == ref.type) {
      continue;
    }
    add({{"action", "set-snapshot-ref"},
         {"ref-name", name},
         {"type", ref.type},
         {"snapshot-id", ref.snapshot_id}});
  }
  for (const auto& [name, ref] : base.refs) {
    if (!next.refs.count(name))
      add({{"action", "remove-snapshot-ref"}, {"ref-name", name}});
  }

  std::vector<int64_t> removed;
  for (const auto& s : base.snapshots) {
    if (!next.FindSnapshot(s.snapshot_id)) removed.push_back(s.snapshot_id);
  }
  if (!removed.empty()) add({{"action", "remove-snapshots"}, {"snapshot-ids", removed}});

  json set = json::object();
  for (const auto& [k, v] : next.properties) {
    auto was = base.properties.find(k);
    if (was == base.properties.end() || was->second != v) set[k] = v;
  }
  if (!set.empty()) add({{"action", "set-properties"}, {"updates", set}});
  std::vector<std::string> gone;
  for (const auto& [k, v] : base.properties) {
    if (!next.properties.count(k)) gone.push_back(k);
  }
  if (!gone.empty()) add({{"action", "remove-properties"}, {"removals", gone}});

  if (next.location != base.location) {
    add({{"action", "set-location"}, {"location", next.location}});
  }
  return updates;
}

}  // namespace pgtide::lake
