#include "pgtide/iceberg/avro_value.h"

#include <fmt/format.h>

namespace pgtide::iceberg {

#define PGTIDE_AVRO_FACTORY(NAME, KIND, MEMBER, TYPE) \
  AvroValue AvroValue::NAME(TYPE v) {                 \
    AvroValue out;                                    \
    out.kind_ = Kind::KIND;                           \
    out.MEMBER = std::move(v);                        \
    return out;                                       \
  }

PGTIDE_AVRO_FACTORY(Boolean, kBoolean, int_, bool)
PGTIDE_AVRO_FACTORY(Int, kInt, int_, int32_t)
PGTIDE_AVRO_FACTORY(Long, kLong, int_, int64_t)
PGTIDE_AVRO_FACTORY(Float, kFloat, real_, float)
PGTIDE_AVRO_FACTORY(Double, kDouble, real_, double)
PGTIDE_AVRO_FACTORY(Bytes, kBytes, str_, std::string)
PGTIDE_AVRO_FACTORY(String, kString, str_, std::string)
PGTIDE_AVRO_FACTORY(Fixed, kFixed, str_, std::string)
PGTIDE_AVRO_FACTORY(Enum, kEnum, str_, std::string)
PGTIDE_AVRO_FACTORY(Record, kRecord, fields_, std::vector<Field>)
PGTIDE_AVRO_FACTORY(Array, kArray, items_, std::vector<AvroValue>)
PGTIDE_AVRO_FACTORY(Map, kMap, fields_, std::vector<Field>)
#undef PGTIDE_AVRO_FACTORY

const AvroValue* AvroValue::Find(std::string_view name) const {
  for (const auto& [field_name, value] : fields_) {
    if (field_name == name) return &value;
  }
  return nullptr;
}

bool AvroValue::operator==(const AvroValue& other) const {
  return kind_ == other.kind_ && int_ == other.int_ &&
         (real_ == other.real_ || (real_ != real_ && other.real_ != other.real_)) &&
         str_ == other.str_ && items_ == other.items_ && fields_ == other.fields_;
}

std::string AvroValue::ToString() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kBoolean:
      return int_ ? "true" : "false";
    case Kind::kInt:
    case Kind::kLong:
      return std::to_string(int_);
    case Kind::kFloat:
    case Kind::kDouble:
      return fmt::format("{}", real_);
    case Kind::kString:
    case Kind::kEnum:
      return fmt::format("\"{}\"", str_);
    case Kind::kBytes:
    case Kind::kFixed: {
      std::string hex = "0x";
      for (unsigned char c : str_) hex += fmt::format("{:02x}", c);
      return hex;
    }
    case Kind::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < items_.size(); ++i) {
        out += (i ? ", " : "") + items_[i].ToString();
      }
      return out + "]";
    }
    case Kind::kRecord:
    case Kind::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < fields_.size(); ++i) {
        out += fmt::format("{}\"{}\": {}", i ? ", " : "", fields_[i].first,
                           fields_[i].second.ToString());
      }
      return out + "}";
    }
  }
  return "?";
}

}  // namespace pgtide::iceberg
