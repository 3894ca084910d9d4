#include "pgtide/iceberg/table_metadata.h"

#include <set>

namespace pgtide::iceberg {

namespace {

using Json = nlohmann::json;

// The keys modelled by TableMetadata; everything else goes to `extra`.
const std::set<std::string>& KnownKeys() {
  static const std::set<std::string> kKeys = {"format-version",
                                              "table-uuid",
                                              "location",
                                              "last-sequence-number",
                                              "last-updated-ms",
                                              "last-column-id",
                                              "schema",
                                              "schemas",
                                              "current-schema-id",
                                              "partition-spec",
                                              "partition-specs",
                                              "default-spec-id",
                                              "last-partition-id",
                                              "properties",
                                              "current-snapshot-id",
                                              "snapshots",
                                              "snapshot-log",
                                              "metadata-log",
                                              "sort-orders",
                                              "default-sort-order-id",
                                              "refs"};
  return kKeys;
}

Json SnapshotToJson(const Snapshot& s) {
  Json j = Json::object();
  j["snapshot-id"] = s.snapshot_id;
  if (s.parent_snapshot_id) j["parent-snapshot-id"] = *s.parent_snapshot_id;
  j["sequence-number"] = s.sequence_number;
  j["timestamp-ms"] = s.timestamp_ms;
  j["manifest-list"] = s.manifest_list;
  j["summary"] = s.summary;
  if (s.schema_id) j["schema-id"] = *s.schema_id;
  return j;
}

Snapshot SnapshotFromJson(const Json& j) {
  Snapshot s;
  s.snapshot_id = j.at("snapshot-id").get<int64_t>();
  if (j.contains("parent-snapshot-id") && !j["parent-snapshot-id"].is_null()) {
    s.parent_snapshot_id = j["parent-snapshot-id"].get<int64_t>();
  }
  s.sequence_number = j.value("sequence-number", int64_t{0});
  s.timestamp_ms = j.at("timestamp-ms").get<int64_t>();
  s.manifest_list = j.value("manifest-list", "");
  // Keep the object alive: items() of a temporary would dangle in the loop.
  const Json summary = j.value("summary", Json::object());
  for (const auto& [k, v] : summary.items()) {
    s.summary[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (j.contains("schema-id") && !j["schema-id"].is_null()) {
    s.schema_id = j["schema-id"].get<int32_t>();
  }
  return s;
}

}  // namespace

std::string Snapshot::operation() const {
  auto it = summary.find("operation");
  return it == summary.end() ? std::string() : it->second;
}

const Schema* TableMetadata::current_schema() const {
  for (const auto& s : schemas) {
    if (s.schema_id == current_schema_id) return &s;
  }
  return nullptr;
}

const PartitionSpec* TableMetadata::default_spec() const {
  for (const auto& s : partition_specs) {
    if (s.spec_id == default_spec_id) return &s;
  }
  return nullptr;
}

const Snapshot* TableMetadata::FindSnapshot(int64_t id) const {
  for (const auto& s : snapshots) {
    if (s.snapshot_id == id) return &s;
  }
  return nullptr;
}

const Snapshot* TableMetadata::current_snapshot() const {
  return current_snapshot_id ? FindSnapshot(*current_snapshot_id) : nullptr;
}

std::string TableMetadataToJson(const TableMetadata& m) {
  nlohmann::ordered_json j;
  j["format-version"] = m.format_version;
  j["table-uuid"] = m.table_uuid;
  j["location"] = m.location;
  j["last-sequence-number"] = m.last_sequence_number;
  j["last-updated-ms"] = m.last_updated_ms;
  j["last-column-id"] = m.last_column_id;
  j["current-schema-id"] = m.current_schema_id;
  j["schemas"] = nlohmann::ordered_json::array();
  for (const auto& s : m.schemas)
    j["schemas"].push_back(nlohmann::ordered_json(SchemaToJson(s)));
  j["default-spec-id"] = m.default_spec_id;
  j["partition-specs"] = nlohmann::ordered_json::array();
  for (const auto& s : m.partition_specs)
    j["partition-specs"].push_back(nlohmann::ordered_json(PartitionSpecToJson(s)));
  j["last-partition-id"] = m.last_partition_id;
  j["default-sort-order-id"] = m.default_sort_order_id;
  j["sort-orders"] = m.sort_orders;
  j["properties"] = m.properties;
  // Java and pyiceberg read -1 as "no current snapshot"; older readers need the key.
  j["current-snapshot-id"] = m.current_snapshot_id.value_or(-1);
  j["refs"] = nlohmann::ordered_json::object();
  for (const auto& [name, ref] : m.refs) {
    j["refs"][name] = {{"snapshot-id", ref.snapshot_id}, {"type", ref.type}};
  }
  j["snapshots"] = nlohmann::ordered_json::array();
  for (const auto& s : m.snapshots)
    j["snapshots"].push_back(nlohmann::ordered_json(SnapshotToJson(s)));
  j["snapshot-log"] = nlohmann::ordered_json::array();
  for (const auto& e : m.snapshot_log) {
    j["snapshot-log"].push_back(
        {{"timestamp-ms", e.timestamp_ms}, {"snapshot-id", e.snapshot_id}});
  }
  j["metadata-log"] = nlohmann::ordered_json::array();
  for (const auto& e : m.metadata_log) {
    j["metadata-log"].push_back(
        {{"timestamp-ms", e.timestamp_ms}, {"metadata-file", e.metadata_file}});
  }
  for (const auto& [k, v] : m.extra.items()) j[k] = v;
  return j.dump(2);
}

arrow::Result<TableMetadata> TableMetadataFromJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return arrow::Status::Invalid("table metadata is not a JSON object");
  }
  TableMetadata m;
  try {
    m.format_version = j.at("format-version").get<int32_t>();
    if (m.format_version < 1 || m.format_version > 2) {
      return arrow::Status::NotImplemented("Iceberg format version ", m.format_version,
                                           " is not supported");
    }
    m.table_uuid = j.value("table-uuid", "");
    m.location = j.at("location").get<std::string>();
    m.last_sequence_number = j.value("last-sequence-number", int64_t{0});
    m.last_updated_ms = j.value("last-updated-ms", int64_t{0});
    m.last_column_id = j.value("last-column-id", 0);
    if (j.contains("schemas")) {
      for (const Json& s : j["schemas"]) {
        ARROW_ASSIGN_OR_RAISE(auto schema, SchemaFromJson(s));
        m.schemas.push_back(std::move(schema));
      }
      m.current_schema_id = j.value("current-schema-id", 0);
    } else if (j.contains("schema")) {
      ARROW_ASSIGN_OR_RAISE(auto schema, SchemaFromJson(j["schema"]));
      m.current_schema_id = schema.schema_id;
      m.schemas.push_back(std::move(schema));
    }
    if (j.contains("partition-specs")) {
      for (const Json& s : j["partition-specs"]) {
        ARROW_ASSIGN_OR_RAISE(auto spec, PartitionSpecFromJson(s));
        m.partition_specs.push_back(std::move(spec));
      }
      m.default_spec_id = j.value("default-spec-id", 0);
    } else if (j.contains("partition-spec")) {
      ARROW_ASSIGN_OR_RAISE(
          auto spec,
          PartitionSpecFromJson(Json{{"spec-id", 0}, {"fields", j["partition-spec"]}}));
      m.partition_specs.push_back(std::move(spec));
    }
    int32_t last_partition = kFirstPartitionFieldId - 1;
    for (const auto& spec : m.partition_specs) {
      last_partition = std::max(last_partition, spec.LastFieldId());
    }
    m.last_partition_id = j.value("last-partition-id", last_partition);
    const Json properties = j.value("properties", Json::object());
    for (const auto& [k, v] : properties.items()) {
      m.properties[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    if (j.contains("current-snapshot-id") && !j["current-snapshot-id"].is_null() &&
        j["current-snapshot-id"].get<int64_t>() != -1) {
      m.current_snapshot_id = j["current-snapshot-id"].get<int64_t>();
    }
    for (const Json& s : j.value("snapshots", Json::array())) {
      m.snapshots.push_back(SnapshotFromJson(s));
    }
    for (const Json& e : j.value("snapshot-log", Json::array())) {
      m.snapshot_log.push_back(
          {e.at("timestamp-ms").get<int64_t>(), e.at("snapshot-id").get<int64_t>()});
    }
    for (const Json& e : j.value("metadata-log", Json::array())) {
      m.metadata_log.push_back({e.at("timestamp-ms").get<int64_t>(),
                                e.at("metadata-file").get<std::string>()});
    }
    m.sort_orders = j.value("sort-orders", Json::array());
    m.default_sort_order_id = j.value("default-sort-order-id", 0);
    const Json refs = j.value("refs", Json::object());
    for (const auto& [name, ref] : refs.items()) {
      m.refs[name] = {ref.at("snapshot-id").get<int64_t>(), ref.value("type", "branch")};
    }
    // A v2 table written before refs existed still has its main branch.
    if (m.current_snapshot_id && !m.refs.count("main")) {
      m.refs["main"] = {*m.current_snapshot_id, "branch"};
    }
    for (const auto& [k, v] : j.items()) {
      if (!KnownKeys().count(k)) m.extra[k] = v;
    }
  } catch (const Json::exception& e) {
    return arrow::Status::Invalid("invalid table metadata: ", e.what());
  }
  if (m.current_schema() == nullptr) {
    return arrow::Status::Invalid("table metadata has no schema with current-schema-id ",
                                  m.current_schema_id);
  }
  return m;
}

}  // namespace pgtide::iceberg
