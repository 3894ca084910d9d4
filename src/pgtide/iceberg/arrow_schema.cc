#include "pgtide/iceberg/arrow_schema.h"

#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>

#include <string>

namespace pgtide::iceberg {

namespace {

constexpr char kFieldIdKey[] = "PARQUET:field_id";

// Assigns ids while converting, reusing the previous schema's id of the same name path.
class IdAssigner {
 public:
  explicit IdAssigner(int32_t last_id) : next_id_(last_id + 1) {}

  int32_t last_id() const { return next_id_ - 1; }

  // `previous` is the field of the old schema at the same path, or nullptr.
  arrow::Result<NestedField> Field(const std::string& name, bool nullable,
                                   const arrow::DataType& type,
                                   const NestedField* previous) {
    NestedField out;
    out.name = name;
    out.required = !nullable;
    out.id = previous ? previous->id : next_id_++;
    const Type* prev_type = previous ? &previous->type : nullptr;
    ARROW_ASSIGN_OR_RAISE(out.type, Convert(type, prev_type));
    return out;
  }

  arrow::Result<Type> Convert(const arrow::DataType& type, const Type* previous) {
    using arrow::Type;
    auto child_of = [&](const std::string& child_name,
                        iceberg::TypeId expected) -> const NestedField* {
      if (previous == nullptr || previous->id != expected) return nullptr;
      for (const auto& f : previous->fields) {
        if (f.name == child_name) return &f;
      }
      return nullptr;
    };
    switch (type.id()) {
      case Type::BOOL:
        return iceberg::Type::Primitive(TypeId::kBoolean);
      case Type::INT8:
      case Type::INT16:
      case Type::INT32:
        return iceberg::Type::Primitive(TypeId::kInt);
      case Type::INT64:
        return iceberg::Type::Primitive(TypeId::kLong);
      case Type::FLOAT:
        return iceberg::Type::Primitive(TypeId::kFloat);
      case Type::DOUBLE:
        return iceberg::Type::Primitive(TypeId::kDouble);
      case Type::DECIMAL128: {
        const auto& d = static_cast<const arrow::Decimal128Type&>(type);
        return iceberg::Type::Decimal(d.precision(), d.scale());
      }
      case Type::STRING:
      case Type::LARGE_STRING:
      case Type::STRING_VIEW:
        return iceberg::Type::Primitive(TypeId::kString);
      case Type::BINARY:
      case Type::LARGE_BINARY:
      case Type::BINARY_VIEW:
        return iceberg::Type::Primitive(TypeId::kBinary);
      case Type::FIXED_SIZE_BINARY:
        return iceberg::Type::Fixed(
            static_cast<const arrow::FixedSizeBinaryType&>(type).byte_width());
      case Type::DATE32:
        return iceberg::Type::Primitive(TypeId::kDate);
      case Type::TIMESTAMP: {
        const auto& ts = static_cast<const arrow::TimestampType&>(type);
        // Iceberg v2 timestamps are microseconds; other units would need a rewrite.
        if (ts.unit() != arrow::TimeUnit::MICRO) {
          return arrow::Status::NotImplemented(
              "Iceberg v2 needs microsecond timestamps, got ", type.ToString());
        }
        return iceberg::Type::Primitive(ts.timezone().empty() ? TypeId::kTimestamp
                                                              : TypeId::kTimestampTz);
      }
      case Type::TIME64: {
        if (static_cast<const arrow::Time64Type&>(type).unit() !=
            arrow::TimeUnit::MICRO) {
          return arrow::Status::NotImplemented("Iceberg needs microsecond times, got ",
                                               type.ToString());
        }
        return iceberg::Type::Primitive(TypeId::kTime);
      }
      case Type::DICTIONARY:
        return Convert(*static_cast<const arrow::DictionaryType&>(type).value_type(),
                       previous);
      case Type::LIST:
      case Type::LARGE_LIST: {
        const auto& list = static_cast<const arrow::BaseListType&>(type);
        ARROW_ASSIGN_OR_RAISE(
            NestedField element,
            Field("element", list.value_field()->nullable(), *list.value_type(),
                  child_of("element", TypeId::kList)));
        return iceberg::Type::List(element.id, element.required, std::move(element.type));
      }
      case Type::MAP: {
        const auto& map = static_cast<const arrow::MapType&>(type);
        ARROW_ASSIGN_OR_RAISE(NestedField key, Field("key", false, *map.key_type(),
                                                     child_of("key", TypeId::kMap)));
        ARROW_ASSIGN_OR_RAISE(NestedField value,
                              Field("value", map.item_field()->nullable(),
                                    *map.item_type(), child_of("value", TypeId::kMap)));
        return iceberg::Type::Map(key.id, std::move(key.type), value.id, value.required,
                                  std::move(value.type));
      }
      case Type::STRUCT: {
        std::vector<NestedField> fields;
        for (const auto& f : type.fields()) {
          ARROW_ASSIGN_OR_RAISE(auto field, Field(f->name(), f->nullable(), *f->type(),
                                                  child_of(f->name(), TypeId::kStruct)));
          fields.push_back(std::move(field));
        }
        return iceberg::Type::Struct(std::move(fields));
      }
      default:
        return arrow::Status::NotImplemented("no Iceberg type for Arrow type ",
                                             type.ToString());
    }
  }

 private:
  int32_t next_id_;
};

std::shared_ptr<arrow::Field> Tag(const std::shared_ptr<arrow::Field>& field, int32_t id,
                                  std::shared_ptr<arrow::DataType> type) {
  auto md = field->metadata() ? field->metadata()->Copy()
                              : std::make_shared<arrow::KeyValueMetadata>();
  ARROW_UNUSED(md->Set(kFieldIdKey, std::to_string(id)));
  return field->WithType(std::move(type))->WithMetadata(std::move(md));
}

arrow::Result<std::shared_ptr<arrow::Field>> Annotate(
    const std::shared_ptr<arrow::Field>& field, const NestedField& ice);

arrow::Result<std::shared_ptr<arrow::DataType>> AnnotateType(
    const std::shared_ptr<arrow::DataType>& type, const Type& ice) {
  auto find = [&](const std::string& name) -> arrow::Result<const NestedField*> {
    for (const auto& f : ice.fields) {
      if (f.name == name) return &f;
    }
    return arrow::Status::KeyError("no Iceberg field \"", name, "\" for ",
                                   type->ToString());
  };
  switch (type->id()) {
    case arrow::Type::LIST:
    case arrow::Type::LARGE_LIST: {
      const auto& list = static_cast<const arrow::BaseListType&>(*type);
      ARROW_ASSIGN_OR_RAISE(const NestedField* e, find("element"));
      ARROW_ASSIGN_OR_RAISE(auto value_field, Annotate(list.value_field(), *e));
      if (type->id() == arrow::Type::LIST) return arrow::list(value_field);
      return arrow::large_list(value_field);
    }
    case arrow::Type::MAP: {
      const auto& map = static_cast<const arrow::MapType&>(*type);
      ARROW_ASSIGN_OR_RAISE(const NestedField* k, find("key"));
      ARROW_ASSIGN_OR_RAISE(const NestedField* v, find("value"));
      ARROW_ASSIGN_OR_RAISE(auto key_field, Annotate(map.key_field(), *k));
      ARROW_ASSIGN_OR_RAISE(auto item_field, Annotate(map.item_field(), *v));
      return std::make_shared<arrow::MapType>(key_field, item_field, map.keys_sorted());
    }
    case arrow::Type::STRUCT: {
      arrow::FieldVector children;
      for (const auto& f : type->fields()) {
        ARROW_ASSIGN_OR_RAISE(const NestedField* child, find(f->name()));
        ARROW_ASSIGN_OR_RAISE(auto annotated, Annotate(f, *child));
        children.push_back(std::move(annotated));
      }
      return arrow::struct_(children);
    }
    default:
      return type;
  }
}

arrow::Result<std::shared_ptr<arrow::Field>> Annotate(
    const std::shared_ptr<arrow::Field>& field, const NestedField& ice) {
  ARROW_ASSIGN_OR_RAISE(auto type, AnnotateType(field->type(), ice.type));
  return Tag(field, ice.id, std::move(type));
}

arrow::Result<std::shared_ptr<arrow::DataType>> ToArrowType(const Type& t);

arrow::Result<std::shared_ptr<arrow::Field>> ToArrowField(const NestedField& f) {
  ARROW_ASSIGN_OR_RAISE(auto type, ToArrowType(f.type));
  return Tag(arrow::field(f.name, type, !f.required), f.id, type);
}

arrow::Result<std::shared_ptr<arrow::DataType>> ToArrowType(const Type& t) {
  switch (t.id) {
    case TypeId::kBoolean:
      return arrow::boolean();
    case TypeId::kInt:
      return arrow::int32();
    case TypeId::kLong:
      return arrow::int64();
    case TypeId::kFloat:
      return arrow::float32();
    case TypeId::kDouble:
      return arrow::float64();
    case TypeId::kDecimal:
      return arrow::decimal128(t.precision, t.scale);
    case TypeId::kDate:
      return arrow::date32();
    case TypeId::kTime:
      return arrow::time64(arrow::TimeUnit::MICRO);
    case TypeId::kTimestamp:
      return arrow::timestamp(arrow::TimeUnit::MICRO);
    case TypeId::kTimestampTz:
      return arrow::timestamp(arrow::TimeUnit::MICRO, "UTC");
    case TypeId::kString:
      return arrow::utf8();
    case TypeId::kUuid:
      return arrow::fixed_size_binary(16);
    case TypeId::kFixed:
      return arrow::fixed_size_binary(t.length);
    case TypeId::kBinary:
      return arrow::binary();
    case TypeId::kStruct: {
      arrow::FieldVector children;
      for (const auto& f : t.fields) {
        ARROW_ASSIGN_OR_RAISE(auto child, ToArrowField(f));
        children.push_back(std::move(child));
      }
      return arrow::struct_(children);
    }
    case TypeId::kList: {
      ARROW_ASSIGN_OR_RAISE(auto element, ToArrowField(t.fields.at(0)));
      return arrow::list(element);
    }
    case TypeId::kMap: {
      ARROW_ASSIGN_OR_RAISE(auto key, ToArrowField(t.fields.at(0)));
      ARROW_ASSIGN_OR_RAISE(auto value, ToArrowField(t.fields.at(1)));
      return std::make_shared<arrow::MapType>(key, value);
    }
  }
  return arrow::Status::NotImplemented("unknown Iceberg type");
}

}  // namespace

arrow::Result<Type> TypeFromArrow(const arrow::DataType& type, int32_t* next_id) {
  IdAssigner assigner(*next_id - 1);
  ARROW_ASSIGN_OR_RAISE(Type out, assigner.Convert(type, nullptr));
  *next_id = assigner.last_id() + 1;
  return out;
}

arrow::Result<ConvertedSchema> SchemaFromArrow(const arrow::Schema& arrow_schema,
                                               const Schema* previous,
                                               int32_t last_column_id) {
  if (previous) last_column_id = std::max(last_column_id, previous->HighestFieldId());
  IdAssigner assigner(last_column_id);
  ConvertedSchema out;
  for (const auto& f : arrow_schema.fields()) {
    const NestedField* prev = previous ? previous->FindField(f->name()) : nullptr;
    ARROW_ASSIGN_OR_RAISE(auto field,
                          assigner.Field(f->name(), f->nullable(), *f->type(), prev));
    out.schema.fields.push_back(std::move(field));
  }
  out.last_column_id = assigner.last_id();
  return out;
}

arrow::Result<std::shared_ptr<arrow::Schema>> WithFieldIds(
    const arrow::Schema& arrow_schema, const Schema& schema) {
  arrow::FieldVector fields;
  for (const auto& f : arrow_schema.fields()) {
    const NestedField* ice = schema.FindField(f->name());
    if (ice == nullptr) {
      return arrow::Status::KeyError("column \"", f->name(),
                                     "\" is not in the Iceberg schema");
    }
    ARROW_ASSIGN_OR_RAISE(auto annotated, Annotate(f, *ice));
    fields.push_back(std::move(annotated));
  }
  return arrow::schema(std::move(fields), arrow_schema.metadata());
}

arrow::Result<std::shared_ptr<arrow::Schema>> SchemaToArrow(const Schema& schema) {
  arrow::FieldVector fields;
  for (const auto& f : schema.fields) {
    ARROW_ASSIGN_OR_RAISE(auto field, ToArrowField(f));
    fields.push_back(std::move(field));
  }
  return arrow::schema(std::move(fields));
}

}  // namespace pgtide::iceberg
