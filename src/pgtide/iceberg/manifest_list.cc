#include "pgtide/iceberg/manifest_list.h"

#include "pgtide/iceberg/avro_conversion.h"
#include "pgtide/iceberg/avro_reader.h"
#include "pgtide/iceberg/avro_value_access_internal.h"

namespace pgtide::iceberg {

namespace {

using internal::FindBool;
using internal::FindBytes;
using internal::FindInt;
using internal::GetInt;
using internal::GetString;

std::vector<NestedField> ManifestFileFields() {
  auto prim = [](TypeId id) { return Type::Primitive(id); };
  Type summary = Type::Struct({
      {509, "contains_null", true, prim(TypeId::kBoolean)},
      {518, "contains_nan", false, prim(TypeId::kBoolean)},
      {510, "lower_bound", false, prim(TypeId::kBinary)},
      {511, "upper_bound", false, prim(TypeId::kBinary)},
  });
  return {
      {500, "manifest_path", true, prim(TypeId::kString)},
      {501, "manifest_length", true, prim(TypeId::kLong)},
      {502, "partition_spec_id", true, prim(TypeId::kInt)},
      {517, "content", true, prim(TypeId::kInt)},
      {515, "sequence_number", true, prim(TypeId::kLong)},
      {516, "min_sequence_number", true, prim(TypeId::kLong)},
      {503, "added_snapshot_id", true, prim(TypeId::kLong)},
      {504, "added_files_count", true, prim(TypeId::kInt)},
      {505, "existing_files_count", true, prim(TypeId::kInt)},
      {506, "deleted_files_count", true, prim(TypeId::kInt)},
      {512, "added_rows_count", true, prim(TypeId::kLong)},
      {513, "existing_rows_count", true, prim(TypeId::kLong)},
      {514, "deleted_rows_count", true, prim(TypeId::kLong)},
      {507, "partitions", false, Type::List(508, true, std::move(summary))},
      {519, "key_metadata", false, prim(TypeId::kBinary)},
  };
}

AvroValue OptionalBytes(const std::optional<std::string>& v) {
  return v ? AvroValue::Bytes(*v) : AvroValue::Null();
}

AvroValue ToAvro(const ManifestFile& m) {
  std::vector<AvroValue> partitions;
  for (const auto& p : m.partitions) {
    partitions.push_back(AvroValue::Record({
        {"contains_null", AvroValue::Boolean(p.contains_null)},
        {"contains_nan",
         p.contains_nan ? AvroValue::Boolean(*p.contains_nan) : AvroValue()},
        {"lower_bound", OptionalBytes(p.lower_bound)},
        {"upper_bound", OptionalBytes(p.upper_bound)},
    }));
  }
  return AvroValue::Record({
      {"manifest_path", AvroValue::String(m.manifest_path)},
      {"manifest_length", AvroValue::Long(m.manifest_length)},
      {"partition_spec_id", AvroValue::Int(m.partition_spec_id)},
      {"content", AvroValue::Int(static_cast<int32_t>(m.content))},
      {"sequence_number", AvroValue::Long(m.sequence_number)},
      {"min_sequence_number", AvroValue::Long(m.min_sequence_number)},
      {"added_snapshot_id", AvroValue::Long(m.added_snapshot_id)},
      {"added_files_count", AvroValue::Int(m.added_files_count)},
      {"existing_files_count", AvroValue::Int(m.existing_files_count)},
      {"deleted_files_count", AvroValue::Int(m.deleted_files_count)},
      {"added_rows_count", AvroValue::Long(m.added_rows_count)},
      {"existing_rows_count", AvroValue::Long(m.existing_rows_count)},
      {"deleted_rows_count", AvroValue::Long(m.deleted_rows_count)},
      {"partitions", AvroValue::Array(std::move(partitions))},
      {"key_metadata", OptionalBytes(m.key_metadata)},
  });
}

arrow::Result<ManifestFile> FromAvro(const AvroValue& r) {
  ManifestFile m;
  ARROW_ASSIGN_OR_RAISE(m.manifest_path, GetString(r, "manifest_path"));
  ARROW_ASSIGN_OR_RAISE(m.manifest_length, GetInt(r, "manifest_length"));
  ARROW_ASSIGN_OR_RAISE(m.partition_spec_id, GetInt(r, "partition_spec_id"));
  ARROW_ASSIGN_OR_RAISE(m.added_snapshot_id, GetInt(r, "added_snapshot_id"));
  // v1 lists may lack these; the spec reads them as data manifests of sequence number 0.
  m.content = static_cast<ManifestContent>(FindInt(r, "content").value_or(0));
  m.sequence_number = FindInt(r, "sequence_number").value_or(0);
  m.min_sequence_number = FindInt(r, "min_sequence_number").value_or(0);
  // v1 spells the counts added_data_files_count etc., under the same field ids.
  auto count = [&](const char* v2_name, const char* v1_name) {
    return FindInt(r, v2_name).value_or(FindInt(r, v1_name).value_or(0));
  };
  m.added_files_count = count("added_files_count", "added_data_files_count");
  m.existing_files_count = count("existing_files_count", "existing_data_files_count");
  m.deleted_files_count = count("deleted_files_count", "deleted_data_files_count");
  m.added_rows_count = FindInt(r, "added_rows_count").value_or(0);
  m.existing_rows_count = FindInt(r, "existing_rows_count").value_or(0);
  m.deleted_rows_count = FindInt(r, "deleted_rows_count").value_or(0);
  if (const AvroValue* parts = r.Find("partitions"); parts && !parts->is_null()) {
    for (const AvroValue& p : parts->items()) {
      FieldSummary s;
      s.contains_null = FindBool(p, "contains_null").value_or(false);
      s.contains_nan = FindBool(p, "contains_nan");
      s.lower_bound = FindBytes(p, "lower_bound");
      s.upper_bound = FindBytes(p, "upper_bound");
      m.partitions.push_back(std::move(s));
    }
  }
  m.key_metadata = FindBytes(r, "key_metadata");
  return m;
}

}  // namespace

const std::string& ManifestListSchemaJson() {
  static const std::string kJson =
      AvroRecordSchema(ManifestFileFields(), "manifest_file").dump();
  return kJson;
}

arrow::Result<std::string> WriteManifestList(int64_t snapshot_id,
                                             std::optional<int64_t> parent_snapshot_id,
                                             int64_t sequence_number,
                                             const std::vector<ManifestFile>& manifests,
                                             AvroWriterOptions options) {
  std::map<std::string, std::string> meta = {
      {"snapshot-id", std::to_string(snapshot_id)},
      {"parent-snapshot-id",
       parent_snapshot_id ? std::to_string(*parent_snapshot_id) : std::string("null")},
      {"sequence-number", std::to_string(sequence_number)},
      {"format-version", "2"},
  };
  std::vector<AvroValue> records;
  records.reserve(manifests.size());
  for (const auto& m : manifests) records.push_back(ToAvro(m));
  return WriteAvroFile(ManifestListSchemaJson(), meta, records, std::move(options));
}

arrow::Result<std::vector<ManifestFile>> ReadManifestList(std::string_view bytes) {
  ARROW_ASSIGN_OR_RAISE(AvroFile file, ReadAvroFile(bytes));
  std::vector<ManifestFile> out;
  for (const auto& r : file.records) {
    ARROW_ASSIGN_OR_RAISE(auto m, FromAvro(r));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pgtide::iceberg
