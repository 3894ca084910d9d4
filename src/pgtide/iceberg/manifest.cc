#include "pgtide/iceberg/manifest.h"

#include <cmath>

#include "pgtide/iceberg/avro_conversion.h"
#include "pgtide/iceberg/avro_reader.h"
#include "pgtide/iceberg/avro_value_access_internal.h"
#include "pgtide/iceberg/single_value.h"

namespace pgtide::iceberg {

namespace {

using internal::FindBytes;
using internal::FindInt;
using internal::GetInt;
using internal::GetString;

Type Prim(TypeId id) { return Type::Primitive(id); }

std::vector<NestedField> ManifestEntryFields(std::vector<NestedField> partition_type) {
  auto int_map = [](int32_t key_id, int32_t value_id, TypeId value) {
    return Type::Map(key_id, Prim(TypeId::kInt), value_id, true, Prim(value));
  };
  Type data_file = Type::Struct({
      {134, "content", true, Prim(TypeId::kInt)},
      {100, "file_path", true, Prim(TypeId::kString)},
      {101, "file_format", true, Prim(TypeId::kString)},
      {102, "partition", true, Type::Struct(std::move(partition_type))},
      {103, "record_count", true, Prim(TypeId::kLong)},
      {104, "file_size_in_bytes", true, Prim(TypeId::kLong)},
      {108, "column_sizes", false, int_map(117, 118, TypeId::kLong)},
      {109, "value_counts", false, int_map(119, 120, TypeId::kLong)},
      {110, "null_value_counts", false, int_map(121, 122, TypeId::kLong)},
      {137, "nan_value_counts", false, int_map(138, 139, TypeId::kLong)},
      {125, "lower_bounds", false, int_map(126, 127, TypeId::kBinary)},
      {128, "upper_bounds", false, int_map(129, 130, TypeId::kBinary)},
      {131, "key_metadata", false, Prim(TypeId::kBinary)},
      {132, "split_offsets", false, Type::List(133, true, Prim(TypeId::kLong))},
      {135, "equality_ids", false, Type::List(136, true, Prim(TypeId::kInt))},
      {140, "sort_order_id", false, Prim(TypeId::kInt)},
  });
  return {
      {0, "status", true, Prim(TypeId::kInt)},
      {1, "snapshot_id", false, Prim(TypeId::kLong)},
      {3, "sequence_number", false, Prim(TypeId::kLong)},
      {4, "file_sequence_number", false, Prim(TypeId::kLong)},
      {2, "data_file", true, std::move(data_file)},
  };
}

AvroValue OptionalLong(const std::optional<int64_t>& v) {
  return v ? AvroValue::Long(*v) : AvroValue::Null();
}

template <typename V, typename Make>
AvroValue IntKeyedMap(const std::map<int32_t, V>& m, Make make_value) {
  if (m.empty()) return AvroValue::Null();
  std::vector<AvroValue> items;
  for (const auto& [k, v] : m) {
    items.push_back(
        AvroValue::Record({{"key", AvroValue::Int(k)}, {"value", make_value(v)}}));
  }
  return AvroValue::Array(std::move(items));
}

AvroValue ToAvro(const ManifestEntry& e) {
  const DataFile& f = e.data_file;
  auto as_long = [](int64_t v) { return AvroValue::Long(v); };
  auto as_bytes = [](const std::string& v) { return AvroValue::Bytes(v); };
  AvroValue split_offsets;
  if (!f.split_offsets.empty()) {
    std::vector<AvroValue> items;
    for (int64_t o : f.split_offsets) items.push_back(AvroValue::Long(o));
    split_offsets = AvroValue::Array(std::move(items));
  }
  AvroValue equality_ids;
  if (!f.equality_ids.empty()) {
    std::vector<AvroValue> items;
    for (int32_t id : f.equality_ids) items.push_back(AvroValue::Int(id));
    equality_ids = AvroValue::Array(std::move(items));
  }
  AvroValue data_file = AvroValue::Record({
      {"content", AvroValue::Int(static_cast<int32_t>(f.content))},
      {"file_path", AvroValue::String(f.file_path)},
      {"file_format", AvroValue::String(f.file_format)},
      {"partition", f.partition},
      {"record_count", AvroValue::Long(f.record_count)},
      {"file_size_in_bytes", AvroValue::Long(f.file_size_in_bytes)},
      {"column_sizes", IntKeyedMap(f.column_sizes, as_long)},
      {"value_counts", IntKeyedMap(f.value_counts, as_long)},
      {"null_value_counts", IntKeyedMap(f.null_value_counts, as_long)},
      {"nan_value_counts", IntKeyedMap(f.nan_value_counts, as_long)},
      {"lower_bounds", IntKeyedMap(f.lower_bounds, as_bytes)},
      {"upper_bounds", IntKeyedMap(f.upper_bounds, as_bytes)},
      {"key_metadata", f.key_metadata ? AvroValue::Bytes(*f.key_metadata) : AvroValue()},
      {"split_offsets", std::move(split_offsets)},
      {"equality_ids", std::move(equality_ids)},
      {"sort_order_id", f.sort_order_id ? AvroValue::Int(*f.sort_order_id) : AvroValue()},
  });
  return AvroValue::Record({
      {"status", AvroValue::Int(static_cast<int32_t>(e.status))},
      {"snapshot_id", OptionalLong(e.snapshot_id)},
      {"sequence_number", OptionalLong(e.sequence_number)},
      {"file_sequence_number", OptionalLong(e.file_sequence_number)},
      {"data_file", std::move(data_file)},
  });
}

// Iceberg writes int-keyed maps as arrays of {key, value}; a native Avro map (string
// keys) is read too, in case another writer chose it.
template <typename V, typename Get>
arrow::Status ReadIntKeyedMap(const AvroValue& record, const char* name,
                              std::map<int32_t, V>* out, Get get) {
  const AvroValue* m = record.Find(name);
  if (m == nullptr || m->is_null()) return arrow::Status::OK();
  if (m->kind() == AvroValue::Kind::kArray) {
    for (const AvroValue& kv : m->items()) {
      auto key = FindInt(kv, "key");
      const AvroValue* value = kv.Find("value");
      if (!key || value == nullptr) {
        return arrow::Status::Invalid(name, " entry without key or value");
      }
      if (!value->is_null()) (*out)[static_cast<int32_t>(*key)] = get(*value);
    }
    return arrow::Status::OK();
  }
  if (m->kind() == AvroValue::Kind::kMap) {
    for (const auto& [key, value] : m->fields()) {
      if (!value.is_null()) (*out)[std::stoi(key)] = get(value);
    }
    return arrow::Status::OK();
  }
  return arrow::Status::Invalid(name, " is neither a map nor an array");
}

arrow::Result<ManifestEntry> FromAvro(const AvroValue& r, const ManifestFile* from_list) {
  ManifestEntry e;
  ARROW_ASSIGN_OR_RAISE(auto status, GetInt(r, "status"));
  e.status = static_cast<EntryStatus>(status);
  e.snapshot_id = FindInt(r, "snapshot_id");
  e.sequence_number = FindInt(r, "sequence_number");
  e.file_sequence_number = FindInt(r, "file_sequence_number");
  const AvroValue* df = r.Find("data_file");
  if (df == nullptr || df->kind() != AvroValue::Kind::kRecord) {
    return arrow::Status::Invalid("manifest entry without data_file");
  }
  DataFile& f = e.data_file;
  f.content = static_cast<FileContent>(FindInt(*df, "content").value_or(0));
  ARROW_ASSIGN_OR_RAISE(f.file_path, GetString(*df, "file_path"));
  ARROW_ASSIGN_OR_RAISE(f.file_format, GetString(*df, "file_format"));
  if (const AvroValue* p = df->Find("partition")) f.partition = *p;
  ARROW_ASSIGN_OR_RAISE(f.record_count, GetInt(*df, "record_count"));
  ARROW_ASSIGN_OR_RAISE(f.file_size_in_bytes, GetInt(*df, "file_size_in_bytes"));
  auto get_long = [](const AvroValue& v) { return v.integer(); };
  auto get_bytes = [](const AvroValue& v) { return v.str(); };
  ARROW_RETURN_NOT_OK(ReadIntKeyedMap(*df, "column_sizes", &f.column_sizes, get_long));
  ARROW_RETURN_NOT_OK(ReadIntKeyedMap(*df, "value_counts", &f.value_counts, get_long));
  ARROW_RETURN_NOT_OK(
      ReadIntKeyedMap(*df, "null_value_counts", &f.null_value_counts, get_long));
  ARROW_RETURN_NOT_OK(
      ReadIntKeyedMap(*df, "nan_value_counts", &f.nan_value_counts, get_long));
  ARROW_RETURN_NOT_OK(ReadIntKeyedMap(*df, "lower_bounds", &f.lower_bounds, get_bytes));
  ARROW_RETURN_NOT_OK(ReadIntKeyedMap(*df, "upper_bounds", &f.upper_bounds, get_bytes));
  f.key_metadata = FindBytes(*df, "key_metadata");
  if (const AvroValue* s = df->Find("split_offsets"); s && !s->is_null()) {
    for (const auto& o : s->items()) f.split_offsets.push_back(o.integer());
  }
  if (const AvroValue* s = df->Find("equality_ids"); s && !s->is_null()) {
    for (const auto& o : s->items())
      f.equality_ids.push_back(static_cast<int32_t>(o.integer()));
  }
  if (auto id = FindInt(*df, "sort_order_id"))
    f.sort_order_id = static_cast<int32_t>(*id);

  if (from_list != nullptr) {
    // Spec, "Sequence Number Inheritance": null ids and sequence numbers of ADDED entries
    // take the manifest's; a v1 manifest's entries all inherit.
    if (!e.snapshot_id) e.snapshot_id = from_list->added_snapshot_id;
    if (!e.sequence_number &&
        (e.status == EntryStatus::kAdded || from_list->sequence_number == 0)) {
      e.sequence_number = from_list->sequence_number;
    }
    if (!e.file_sequence_number &&
        (e.status == EntryStatus::kAdded || from_list->sequence_number == 0)) {
      e.file_sequence_number = from_list->sequence_number;
    }
  }
  return e;
}

// Orders two partition values of one type; both are non-null.
bool Less(const AvroValue& a, const AvroValue& b) {
  switch (a.kind()) {
    case AvroValue::Kind::kInt:
    case AvroValue::Kind::kLong:
    case AvroValue::Kind::kBoolean:
      return a.integer() < b.integer();
    case AvroValue::Kind::kFloat:
    case AvroValue::Kind::kDouble:
      return a.real() < b.real();
    default:
      return a.str() < b.str();
  }
}

// The single-value form of a partition value of `type`; nullopt for types whose bounds
// we don't summarize (decimal).
std::optional<std::string> PartitionBound(const Type& type, const AvroValue& v) {
  switch (type.id) {
    case TypeId::kBoolean:
      return SingleValueBoolean(v.boolean());
    case TypeId::kInt:
    case TypeId::kDate:
      return SingleValueInt(static_cast<int32_t>(v.integer()));
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      return SingleValueLong(v.integer());
    case TypeId::kFloat:
      return SingleValueFloat(static_cast<float>(v.real()));
    case TypeId::kDouble:
      return SingleValueDouble(v.real());
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kFixed:
    case TypeId::kUuid:
      return v.str();
    default:
      return std::nullopt;
  }
}

}  // namespace

arrow::Result<std::string> ManifestSchemaJson(const Schema& schema,
                                              const PartitionSpec& spec) {
  ARROW_ASSIGN_OR_RAISE(auto partition_type, spec.PartitionType(schema));
  return AvroRecordSchema(ManifestEntryFields(std::move(partition_type)),
                          "manifest_entry")
      .dump();
}

arrow::Result<std::string> WriteManifest(const Schema& schema, const PartitionSpec& spec,
                                         const std::vector<ManifestEntry>& entries,
                                         AvroWriterOptions options) {
  ARROW_ASSIGN_OR_RAISE(std::string avro_schema, ManifestSchemaJson(schema, spec));
  std::map<std::string, std::string> meta = {
      {"schema", SchemaToJson(schema).dump()},
      {"schema-id", std::to_string(schema.schema_id)},
      {"partition-spec", PartitionFieldsToJson(spec).dump()},
      {"partition-spec-id", std::to_string(spec.spec_id)},
      {"format-version", "2"},
      {"content", "data"},
  };
  ARROW_ASSIGN_OR_RAISE(
      auto writer, AvroWriter::Make(std::move(avro_schema), meta, std::move(options)));
  for (const auto& e : entries) {
    if (e.data_file.partition.fields().size() != spec.fields.size()) {
      return arrow::Status::Invalid("partition tuple of ", e.data_file.file_path, " has ",
                                    e.data_file.partition.fields().size(),
                                    " fields, the spec ", spec.fields.size());
    }
    ARROW_RETURN_NOT_OK(writer->Append(ToAvro(e)));
  }
  return writer->Finish();
}

arrow::Result<ManifestFile> SummarizeManifest(
    std::string manifest_path, int64_t manifest_length, const Schema& schema,
    const PartitionSpec& spec, int64_t snapshot_id, int64_t sequence_number,
    const std::vector<ManifestEntry>& entries) {
  ARROW_ASSIGN_OR_RAISE(auto partition_type, spec.PartitionType(schema));
  ManifestFile m;
  m.manifest_path = std::move(manifest_path);
  m.manifest_length = manifest_length;
  m.partition_spec_id = spec.spec_id;
  m.content = ManifestContent::kData;
  m.sequence_number = sequence_number;
  m.min_sequence_number = sequence_number;
  m.added_snapshot_id = snapshot_id;
  std::vector<const AvroValue*> lower(partition_type.size()),
      upper(partition_type.size());
  m.partitions.resize(partition_type.size());
  for (auto& p : m.partitions) {
    p.contains_nan = false;
  }
  for (const auto& e : entries) {
    int64_t rows = e.data_file.record_count;
    switch (e.status) {
      case EntryStatus::kAdded:
        ++m.added_files_count;
        m.added_rows_count += rows;
        break;
      case EntryStatus::kExisting:
        ++m.existing_files_count;
        m.existing_rows_count += rows;
        break;
      case EntryStatus::kDeleted:
        ++m.deleted_files_count;
        m.deleted_rows_count += rows;
        break;
    }
    if (e.status != EntryStatus::kDeleted) {
      m.min_sequence_number =
          std::min(m.min_sequence_number, e.sequence_number.value_or(sequence_number));
    }
    const auto& tuple = e.data_file.partition.fields();
    for (size_t i = 0; i < partition_type.size() && i < tuple.size(); ++i) {
      const AvroValue& v = tuple[i].second;
      if (v.is_null()) {
        m.partitions[i].contains_null = true;
        continue;
      }
      if ((v.kind() == AvroValue::Kind::kFloat || v.kind() == AvroValue::Kind::kDouble) &&
          std::isnan(v.real())) {
        m.partitions[i].contains_nan = true;
        continue;
      }
      if (lower[i] == nullptr || Less(v, *lower[i])) lower[i] = &v;
      if (upper[i] == nullptr || Less(*upper[i], v)) upper[i] = &v;
    }
  }
  for (size_t i = 0; i < partition_type.size(); ++i) {
    if (lower[i])
      m.partitions[i].lower_bound = PartitionBound(partition_type[i].type, *lower[i]);
    if (upper[i])
      m.partitions[i].upper_bound = PartitionBound(partition_type[i].type, *upper[i]);
  }
  return m;
}

arrow::Result<std::vector<ManifestEntry>> ReadManifest(std::string_view bytes,
                                                       const ManifestFile* from_list) {
  ARROW_ASSIGN_OR_RAISE(AvroFile file, ReadAvroFile(bytes));
  std::vector<ManifestEntry> out;
  out.reserve(file.records.size());
  for (const auto& r : file.records) {
    ARROW_ASSIGN_OR_RAISE(auto e, FromAvro(r, from_list));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<DataFile> LiveDataFiles(const std::vector<ManifestEntry>& entries) {
  std::vector<DataFile> out;
  for (const auto& e : entries) {
    if (e.status != EntryStatus::kDeleted) out.push_back(e.data_file);
  }
  return out;
}

}  // namespace pgtide::iceberg
