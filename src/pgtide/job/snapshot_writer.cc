#include "pgtide/job/snapshot_writer.h"

#include <fmt/format.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/random.h"
#include "pgtide/common/time_format.h"
#include "pgtide/iceberg/data_file_stats.h"
#include "pgtide/iceberg/manifest.h"
#include "pgtide/iceberg/metadata_update.h"
#include "pgtide/job/table_plan.h"
#include "pgtide/lake/column_identity.h"
#include "pgtide/lake/lake_paths.h"
#include "pgtide/lake/snapshot_state.h"
#include "pgtide/lake/table_files.h"
#include "pgtide/source/value_decoder.h"

namespace pgtide::job {

namespace {

std::string NewUuid() {
  std::string h = RandomHex(32);
  h[12] = '4';                                                  // version 4
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];  // RFC 4122 variant
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20, 12));
}

// The Iceberg day of a partition key (sink::DatePartitioning): days since 1970, the day
// of the value written for ±infinity, or null.
std::optional<int32_t> DayOfKey(int64_t key, CursorKind kind) {
  using sink::DatePartitioning;
  if (key == DatePartitioning::kNullKey) return std::nullopt;
  const bool date = kind == CursorKind::kDate;
  if (key == DatePartitioning::kInfinityKey)
    return date ? source::kDateInfinity
                : iceberg::DayOfTimestampMicros(source::kTimestampInfinity);
  if (key == DatePartitioning::kMinusInfinityKey)
    return date ? -source::kDateInfinity
                : iceberg::DayOfTimestampMicros(-source::kTimestampInfinity);
  return static_cast<int32_t>(key);
}

// The day of a file adopted from a lake written before Iceberg, from its hive folder
// ("<cursor>_date=2024-01-02").
std::optional<int32_t> DayOfFolder(const std::string& rel, const TablePlan& plan) {
  const std::string marker = "/" + plan.partitioning.column() + "=";
  auto at = rel.find(marker);
  if (at == std::string::npos) return std::nullopt;
  std::string value = rel.substr(at + marker.size());
  value = value.substr(0, value.find('/'));
  if (value == "infinity")
    return DayOfKey(sink::DatePartitioning::kInfinityKey, plan.cursor_kind);
  if (value == "-infinity")
    return DayOfKey(sink::DatePartitioning::kMinusInfinityKey, plan.cursor_kind);
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(value.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::nullopt;
  return static_cast<int32_t>(DaysFromCivil(y, m, d));
}

nlohmann::json NameMappingOf(const std::vector<iceberg::NestedField>& fields) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : fields) {
    nlohmann::json e = {{"field-id", f.id}, {"names", {f.name}}};
    if (!f.type.fields.empty()) e["fields"] = NameMappingOf(f.type.fields);
    out.push_back(std::move(e));
  }
  return out;
}

// The name mapping of the current schema, where a renamed top-level field also answers
// to its earlier names (from older schemas), so files written without field ids (adopted
// from a legacy lake) still resolve after a rename. A name another field holds now is
// not added: names are unique at one level.
nlohmann::json NameMappingOf(const iceberg::TableMetadata& m) {
  const iceberg::Schema& current = *m.current_schema();
  nlohmann::json out = NameMappingOf(current.fields);
  for (auto& e : out) {
    const int32_t id = e["field-id"].get<int32_t>();
    for (const auto& s : m.schemas) {
      for (const auto& f : s.fields) {
        if (f.id != id || current.FindField(f.name) != nullptr) continue;
        auto& names = e["names"];
        if (std::find(names.begin(), names.end(), f.name) == names.end())
          names.push_back(f.name);
      }
    }
  }
  return out;
}

// Makes `wanted` the default spec: an existing spec with the same fields, or a new one
// whose field ids continue from last-partition-id (a field with the same source and
// transform as in an older spec keeps its id).
iceberg::PartitionSpec UseSpec(iceberg::TableMetadata* m, iceberg::PartitionSpec wanted) {
  for (const auto& s : m->partition_specs) {
    if (s.SameFields(wanted)) {
      m->default_spec_id = s.spec_id;
      return s;
    }
  }
  int32_t max_id = -1;
  for (const auto& s : m->partition_specs) max_id = std::max(max_id, s.spec_id);
  wanted.spec_id = max_id + 1;
  for (auto& f : wanted.fields) {
    std::optional<int32_t> reuse;
    for (const auto& s : m->partition_specs)
      for (const auto& old : s.fields)
        if (old.source_id == f.source_id && old.transform == f.transform)
          reuse = old.field_id;
    f.field_id = reuse ? *reuse : ++m->last_partition_id;
  }
  for (const auto& f : wanted.fields)
    m->last_partition_id = std::max(m->last_partition_id, f.field_id);
  m->partition_specs.push_back(wanted);
  m->default_spec_id = wanted.spec_id;
  return wanted;
}

struct ManifestWriter {
  storage::ObjectStore* store;
  std::string dir;  // the table's metadata folder, relative
  std::string uuid = NewUuid();
  int count = 0;
  std::vector<std::string>* written;

  arrow::Result<iceberg::ManifestFile> Write(const iceberg::Schema& schema,
                                             const iceberg::PartitionSpec& spec,
                                             const std::vector<iceberg::ManifestEntry>& e,
                                             int64_t snapshot_id, int64_t seq) {
    ARROW_ASSIGN_OR_RAISE(auto bytes, iceberg::WriteManifest(schema, spec, e));
    const std::string rel = fmt::format("{}/{}-m{}.avro", dir, uuid, count++);
    ARROW_RETURN_NOT_OK(store->WriteSmall(rel, bytes));
    written->push_back(rel);
    auto summary =
        iceberg::SummarizeManifest(store->Uri(rel), static_cast<int64_t>(bytes.size()),
                                   schema, spec, snapshot_id, seq, e);
    if (summary.ok()) summary->partition_spec_id = spec.spec_id;
    return summary;
  }
};

}  // namespace

arrow::Result<NextSnapshot> WriteNextSnapshot(
    storage::ObjectStore* store, const TableChange& change,
    const std::optional<lake::PointerState>& current, const std::string& run_id) {
  const TablePlan& plan = *change.plan;
  NextSnapshot out;
  const int64_t previous_ms = current ? current->metadata.last_updated_ms : 0;
  // Iceberg readers reject a snapshot log that goes back in time; the timestamp orders
  // nothing (sequence numbers do), so a host clock behind the last commit is harmless.
  const int64_t now_ms = std::max(NowMicros() / 1000, previous_ms + 1);

  // 1. The metadata this snapshot goes on top of, with this run's schema and spec.
  iceberg::TableMetadata m;
  if (current) {
    m = current->metadata;
  } else {
    m = iceberg::NewTableMetadata(
        NewUuid(), store->Uri(lake::TableLocationRel(plan.table_dir)), plan.lake_schema,
        plan.lake_last_column_id, plan.lake_spec, {}, now_ms);
  }
  const iceberg::TableMetadata before = m;
  m = iceberg::WithSchema(std::move(m), plan.lake_schema, plan.lake_last_column_id);
  const iceberg::PartitionSpec spec = UseSpec(&m, plan.lake_spec);
  const iceberg::Schema& schema = *m.current_schema();
  m.properties["write.data.path"] = store->Uri(plan.table_dir);
  m.properties["write.parquet.compression-codec"] = "zstd";
  m.properties["schema.name-mapping.default"] = NameMappingOf(m).dump();
  for (auto& [key, value] : lake::ColumnIdentityProperties(schema, plan.table))
    m.properties[key] = std::move(value);

  const int64_t snapshot_id = iceberg::NewSnapshotId(m);
  const int64_t seq = iceberg::NextSequenceNumber(m);
  const bool overwrite = plan.mode == LoadType::kFull;
  ManifestWriter writer{store, lake::MetadataDirRel(plan.table_dir)};
  writer.written = &out.written;

  // 2. The files it adds: this run's, and on a first commit those it adopts.
  std::vector<iceberg::ManifestEntry> added;
  int64_t added_records = 0, added_bytes = 0;
  for (const auto& f : change.files) {
    std::shared_ptr<parquet::FileMetaData> footer;
    try {
      if (!f.footer.empty()) {
        footer = parquet::FileMetaData::Make(f.footer.data(),
                                             static_cast<int64_t>(f.footer.size()));
      }
    } catch (const std::exception& e) {
      return Error(ExitCode::kInternal, fmt::format("{}: its kept Parquet footer does "
                                                    "not parse ({})",
                                                    f.file.rel_path, e.what()));
    }
    if (!footer) {
      return Error(ExitCode::kInternal,
                   fmt::format("{}: no Parquet footer kept", f.file.rel_path));
    }
    std::optional<int32_t> day;
    if (f.partition_key) day = DayOfKey(*f.partition_key, plan.cursor_kind);
    ARROW_ASSIGN_OR_RAISE(
        auto df, iceberg::DataFileFromParquet(*footer, schema,
                                              store->Uri(f.file.rel_path), f.file.bytes,
                                              iceberg::DayPartitionValue(spec, day)));
    added_records += df.record_count;
    added_bytes += df.file_size_in_bytes;
    added.push_back({iceberg::EntryStatus::kAdded, {}, {}, {}, std::move(df)});
  }
  for (const auto& rel : change.adopted) {
    ARROW_ASSIGN_OR_RAISE(auto file, store->OpenForRead(rel));
    ARROW_ASSIGN_OR_RAISE(int64_t size, file->GetSize());
    std::shared_ptr<parquet::FileMetaData> footer;
    try {
      footer = parquet::ReadMetaData(file);
    } catch (const std::exception& e) {
      return Error(
          ExitCode::kState,
          fmt::format("table {}: {} is in the table's folder but is not a "
                      "readable Parquet file ({})\nHINT: Move it out of the "
                      "lake, then run again",
                      plan.table.qualified_name(), store->Describe(rel), e.what()));
    }
    const auto day = plan.partitioning.enabled() ? DayOfFolder(rel, plan) : std::nullopt;
    ARROW_ASSIGN_OR_RAISE(
        auto df, iceberg::DataFileFromParquet(*footer, schema, store->Uri(rel), size,
                                              iceberg::DayPartitionValue(spec, day)));
    added_records += df.record_count;
    added_bytes += df.file_size_in_bytes;
    added.push_back({iceberg::EntryStatus::kAdded, {}, {}, {}, std::move(df)});
  }

  // 3. Manifests: the added files; then an append keeps the parent's manifests, an
  // overwrite marks every file the parent read as deleted.
  std::vector<iceberg::ManifestFile> manifests;
  if (!added.empty()) {
    ARROW_ASSIGN_OR_RAISE(auto mf, writer.Write(schema, spec, added, snapshot_id, seq));
    manifests.push_back(std::move(mf));
  }
  const iceberg::Snapshot* parent = current ? before.current_snapshot() : nullptr;
  if (parent) {
    ARROW_ASSIGN_OR_RAISE(auto parent_manifests, lake::ManifestsOf(store, *parent));
    for (auto& pm : parent_manifests) {
      if (!overwrite || pm.content != iceberg::ManifestContent::kData) {
        manifests.push_back(std::move(pm));
        continue;
      }
      ARROW_ASSIGN_OR_RAISE(auto rel, lake::LakeRelPath(store, pm.manifest_path));
      ARROW_ASSIGN_OR_RAISE(auto bytes, store->ReadSmall(rel));
      if (!bytes) {
        return Error(ExitCode::kState,
                     fmt::format("table {}: manifest {} is missing",
                                 plan.table.qualified_name(), pm.manifest_path));
      }
      ARROW_ASSIGN_OR_RAISE(auto entries, iceberg::ReadManifest(*bytes, &pm));
      std::vector<iceberg::ManifestEntry> deleted;
      for (auto& e : entries) {
        if (e.status == iceberg::EntryStatus::kDeleted) continue;
        ARROW_ASSIGN_OR_RAISE(auto data_rel,
                              lake::LakeRelPath(store, e.data_file.file_path));
        out.replaced.push_back(data_rel);
        e.status = iceberg::EntryStatus::kDeleted;
        e.snapshot_id = snapshot_id;
        deleted.push_back(std::move(e));
      }
      if (deleted.empty()) continue;
      const iceberg::PartitionSpec* old_spec = nullptr;
      for (const auto& s : before.partition_specs)
        if (s.spec_id == pm.partition_spec_id) old_spec = &s;
      const iceberg::Schema* old_schema = before.current_schema();
      if (!old_spec || !old_schema) {
        return Error(ExitCode::kState,
                     fmt::format("table {}: manifest {} has partition spec {}, which the "
                                 "metadata does not define",
                                 plan.table.qualified_name(), pm.manifest_path,
                                 pm.partition_spec_id));
      }
      ARROW_ASSIGN_OR_RAISE(
          auto mf, writer.Write(*old_schema, *old_spec, deleted, snapshot_id, seq));
      manifests.push_back(std::move(mf));
    }
  }
  if (overwrite && !current) {
    // A full load of a lake not yet in Iceberg replaces the files committed before.
    out.replaced.insert(out.replaced.end(), change.superseded.begin(),
                        change.superseded.end());
  }

  // 4. The manifest list and the snapshot.
  std::optional<int64_t> parent_id;
  if (parent) parent_id = parent->snapshot_id;
  ARROW_ASSIGN_OR_RAISE(
      auto list, iceberg::WriteManifestList(snapshot_id, parent_id, seq, manifests));
  const std::string list_rel =
      fmt::format("{}/snap-{}-1-{}.avro", writer.dir, snapshot_id, writer.uuid);
  ARROW_RETURN_NOT_OK(store->WriteSmall(list_rel, list));
  out.written.push_back(list_rel);

  state::TableState line;
  if (change.line) {
    line = *change.line;
  } else if (plan.stored) {
    line = *plan.stored;
  } else {
    line.table_name = plan.table.qualified_name();
  }
  const std::string operation = overwrite ? "overwrite" : "append";
  iceberg::SnapshotUpdate update;
  update.snapshot_id = snapshot_id;
  update.operation = operation;
  update.manifest_list = store->Uri(list_rel);
  update.timestamp_ms = now_ms;
  update.summary = iceberg::SummaryTotals(
      parent ? parent->summary : std::map<std::string, std::string>{}, operation,
      static_cast<int64_t>(added.size()), added_records, added_bytes);
  for (auto& [k, v] : lake::SummaryOfState(line)) update.summary[k] = v;
  update.summary[lake::kRunIdKey] = run_id;
  update.summary[lake::kModeKey] = LoadTypeName(plan.mode);
  if (current) {
    update.previous_metadata_file = current->metadata_location;
    update.previous_metadata_ms = previous_ms;
  }
  ARROW_ASSIGN_OR_RAISE(out.metadata, iceberg::WithSnapshot(std::move(m), update));
  return out;
}

}  // namespace pgtide::job
