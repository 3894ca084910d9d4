#include "pgtide/iceberg/metadata_update.h"

#include <algorithm>
#include <random>
#include <set>

namespace pgtide::iceberg {

namespace {

int64_t ParseCount(const std::map<std::string, std::string>& summary, const char* key) {
  auto it = summary.find(key);
  if (it == summary.end()) return 0;
  try {
    return std::stoll(it->second);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

TableMetadata NewTableMetadata(std::string table_uuid, std::string location,
                               Schema schema, int32_t last_column_id, PartitionSpec spec,
                               std::map<std::string, std::string> properties,
                               int64_t now_ms) {
  TableMetadata m;
  m.table_uuid = std::move(table_uuid);
  m.location = std::move(location);
  m.last_updated_ms = now_ms;
  schema.schema_id = 0;
  m.last_column_id = std::max(last_column_id, schema.HighestFieldId());
  m.schemas.push_back(std::move(schema));
  spec.spec_id = 0;
  m.last_partition_id = spec.LastFieldId();
  m.partition_specs.push_back(std::move(spec));
  m.properties = std::move(properties);
  m.sort_orders =
      nlohmann::json::array({{{"order-id", 0}, {"fields", nlohmann::json::array()}}});
  return m;
}

TableMetadata WithSchema(TableMetadata m, Schema schema, int32_t last_column_id) {
  m.last_column_id =
      std::max({m.last_column_id, last_column_id, schema.HighestFieldId()});
  for (const auto& existing : m.schemas) {
    if (existing.SameFields(schema)) {
      m.current_schema_id = existing.schema_id;
      return m;
    }
  }
  int32_t next_id = 0;
  for (const auto& existing : m.schemas)
    next_id = std::max(next_id, existing.schema_id + 1);
  schema.schema_id = next_id;
  m.current_schema_id = next_id;
  m.schemas.push_back(std::move(schema));
  return m;
}

int64_t NewSnapshotId(const TableMetadata& metadata) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  for (;;) {
    // Positive and below 2^63: Java's snapshot ids are positive longs.
    int64_t id = static_cast<int64_t>(gen() >> 1);
    if (id != 0 && metadata.FindSnapshot(id) == nullptr) return id;
  }
}

arrow::Result<TableMetadata> WithSnapshot(TableMetadata m, SnapshotUpdate update) {
  if (update.operation != "append" && update.operation != "overwrite" &&
      update.operation != "replace") {
    return arrow::Status::Invalid(
        "snapshot operation must be append, overwrite or replace, "
        "not \"",
        update.operation, "\"");
  }
  if (m.FindSnapshot(update.snapshot_id) != nullptr) {
    return arrow::Status::Invalid("snapshot id ", update.snapshot_id, " already exists");
  }
  Snapshot s;
  s.snapshot_id = update.snapshot_id;
  s.parent_snapshot_id = m.current_snapshot_id;
  s.sequence_number = NextSequenceNumber(m);
  s.timestamp_ms = update.timestamp_ms;
  s.manifest_list = std::move(update.manifest_list);
  s.summary = std::move(update.summary);
  s.summary["operation"] = update.operation;
  s.schema_id = m.current_schema_id;

  m.last_sequence_number = s.sequence_number;
  m.last_updated_ms = std::max(m.last_updated_ms, update.timestamp_ms);
  m.current_snapshot_id = s.snapshot_id;
  m.refs["main"] = SnapshotRef{s.snapshot_id, "branch"};
  m.snapshot_log.push_back({s.timestamp_ms, s.snapshot_id});
  if (!update.previous_metadata_file.empty()) {
    m.metadata_log.push_back(
        {update.previous_metadata_ms, update.previous_metadata_file});
    size_t max_versions = 100;
    auto it = m.properties.find("write.metadata.previous-versions-max");
    if (it != m.properties.end()) {
      try {
        max_versions = static_cast<size_t>(std::max(1LL, std::stoll(it->second)));
      } catch (const std::exception&) {
      }
    }
    if (m.metadata_log.size() > max_versions) {
      m.metadata_log.erase(m.metadata_log.begin(),
                           m.metadata_log.end() - static_cast<ptrdiff_t>(max_versions));
    }
  }
  m.snapshots.push_back(std::move(s));
  return m;
}

std::map<std::string, std::string> SummaryTotals(
    const std::map<std::string, std::string>& previous, const std::string& operation,
    int64_t added_files, int64_t added_records, int64_t added_bytes) {
  bool replace = operation == "overwrite";
  auto total = [&](const char* key, int64_t added) {
    return std::to_string((replace ? 0 : ParseCount(previous, key)) + added);
  };
  std::map<std::string, std::string> s;
  s["added-data-files"] = std::to_string(added_files);
  s["added-records"] = std::to_string(added_records);
  s["added-files-size"] = std::to_string(added_bytes);
  if (replace) {
    s["deleted-data-files"] =
        previous.count("total-data-files") ? previous.at("total-data-files") : "0";
    s["deleted-records"] =
        previous.count("total-records") ? previous.at("total-records") : "0";
    s["removed-files-size"] =
        previous.count("total-files-size") ? previous.at("total-files-size") : "0";
  }
  s["total-data-files"] = total("total-data-files", added_files);
  s["total-records"] = total("total-records", added_records);
  s["total-files-size"] = total("total-files-size", added_bytes);
  s["total-delete-files"] = "0";
  s["total-position-deletes"] = "0";
  s["total-equality-deletes"] = "0";
  return s;
}

ExpireResult ExpireSnapshots(TableMetadata m, int retain_last) {
  ExpireResult result;
  std::vector<Snapshot> by_seq = m.snapshots;
  std::sort(by_seq.begin(), by_seq.end(), [](const Snapshot& a, const Snapshot& b) {
    return a.sequence_number > b.sequence_number;
  });
  std::set<int64_t> keep;
  if (m.current_snapshot_id) keep.insert(*m.current_snapshot_id);
  for (const auto& [name, ref] : m.refs) keep.insert(ref.snapshot_id);
  for (const auto& s : by_seq) {
    if (static_cast<int>(keep.size()) >= std::max(retain_last, 1)) break;
    keep.insert(s.snapshot_id);
  }
  std::vector<Snapshot> kept;
  for (auto& s : m.snapshots) {
    (keep.count(s.snapshot_id) ? kept : result.expired).push_back(std::move(s));
  }
  m.snapshots = std::move(kept);
  std::erase_if(m.snapshot_log,
                [&](const SnapshotLogEntry& e) { return !keep.count(e.snapshot_id); });
  result.metadata = std::move(m);
  return result;
}

}  // namespace pgtide::iceberg
