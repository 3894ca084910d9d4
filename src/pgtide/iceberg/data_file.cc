#include "pgtide/iceberg/data_file.h"

namespace pgtide::iceberg {

AvroValue DayPartitionValue(const PartitionSpec& spec, std::optional<int32_t> day) {
  std::vector<AvroValue::Field> fields;
  for (const auto& f : spec.fields) {
    fields.emplace_back(f.name, day ? AvroValue::Int(*day) : AvroValue::Null());
  }
  return AvroValue::Record(std::move(fields));
}

}  // namespace pgtide::iceberg
