#include "pgtide/iceberg/partition_spec.h"

namespace pgtide::iceberg {

using Json = nlohmann::json;

PartitionSpec PartitionSpec::Unpartitioned(int32_t spec_id) {
  PartitionSpec spec;
  spec.spec_id = spec_id;
  return spec;
}

arrow::Result<PartitionSpec> PartitionSpec::Day(const Schema& schema,
                                                const std::string& column,
                                                int32_t spec_id) {
  const NestedField* source = schema.FindField(column);
  if (source == nullptr) {
    return arrow::Status::KeyError("partition column \"", column,
                                   "\" is not in the schema");
  }
  TypeId t = source->type.id;
  if (t != TypeId::kDate && t != TypeId::kTimestamp && t != TypeId::kTimestampTz) {
    return arrow::Status::TypeError("cannot partition by day(", column, "): it is ",
                                    source->type.ToString(), ", not a date or timestamp");
  }
  PartitionSpec spec;
  spec.spec_id = spec_id;
  spec.fields.push_back({source->id, kFirstPartitionFieldId, column + "_day", "day"});
  return spec;
}

int32_t PartitionSpec::LastFieldId() const {
  int32_t last = kFirstPartitionFieldId - 1;
  for (const auto& f : fields) last = std::max(last, f.field_id);
  return last;
}

arrow::Result<std::vector<NestedField>> PartitionSpec::PartitionType(
    const Schema& schema) const {
  std::vector<NestedField> out;
  for (const auto& f : fields) {
    const NestedField* source = schema.FindFieldById(f.source_id);
    if (source == nullptr) {
      return arrow::Status::KeyError("partition source id ", f.source_id,
                                     " is not in the schema");
    }
    Type type;
    if (f.transform == "identity") {
      type = source->type;
    } else if (f.transform == "day") {
      type = Type::Primitive(TypeId::kDate);
    } else if (f.transform == "year" || f.transform == "month" || f.transform == "hour" ||
               f.transform.rfind("bucket", 0) == 0) {
      type = Type::Primitive(TypeId::kInt);
    } else if (f.transform.rfind("truncate", 0) == 0) {
      type = source->type;
    } else {
      return arrow::Status::NotImplemented("partition transform \"", f.transform, "\"");
    }
    out.push_back(NestedField{f.field_id, f.name, false, std::move(type)});
  }
  return out;
}

Json PartitionFieldsToJson(const PartitionSpec& spec) {
  Json fields = Json::array();
  for (const auto& f : spec.fields) {
    fields.push_back({{"name", f.name},
                      {"transform", f.transform},
                      {"source-id", f.source_id},
                      {"field-id", f.field_id}});
  }
  return fields;
}

Json PartitionSpecToJson(const PartitionSpec& spec) {
  return Json{{"spec-id", spec.spec_id}, {"fields", PartitionFieldsToJson(spec)}};
}

arrow::Result<PartitionSpec> PartitionSpecFromJson(const Json& j) {
  try {
    PartitionSpec spec;
    spec.spec_id = j.value("spec-id", 0);
    int32_t next_id = kFirstPartitionFieldId;
    for (const Json& f : j.value("fields", Json::array())) {
      PartitionField field;
      field.name = f.at("name").get<std::string>();
      field.transform = f.at("transform").get<std::string>();
      field.source_id = f.at("source-id").get<int32_t>();
      // v1 specs may lack field ids; the spec assigns them from 1000 in order.
      field.field_id = f.value("field-id", next_id);
      next_id = field.field_id + 1;
      spec.fields.push_back(std::move(field));
    }
    return spec;
  } catch (const Json::exception& e) {
    return arrow::Status::Invalid("invalid partition spec: ", e.what());
  }
}

int32_t DayOfTimestampMicros(int64_t micros) {
  constexpr int64_t kMicrosPerDay = 86'400'000'000;
  int64_t day = micros / kMicrosPerDay;
  if (micros % kMicrosPerDay < 0) --day;
  return static_cast<int32_t>(day);
}

}  // namespace pgtide::iceberg
