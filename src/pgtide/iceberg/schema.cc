#include "pgtide/iceberg/schema.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace pgtide::iceberg {

namespace {

using Json = nlohmann::json;

const std::map<std::string, TypeId>& PrimitiveNames() {
  static const std::map<std::string, TypeId> kNames = {
      {"boolean", TypeId::kBoolean},
      {"int", TypeId::kInt},
      {"long", TypeId::kLong},
      {"float", TypeId::kFloat},
      {"double", TypeId::kDouble},
      {"date", TypeId::kDate},
      {"time", TypeId::kTime},
      {"timestamp", TypeId::kTimestamp},
      {"timestamptz", TypeId::kTimestampTz},
      {"string", TypeId::kString},
      {"uuid", TypeId::kUuid},
      {"binary", TypeId::kBinary}};
  return kNames;
}

Json FieldToJson(const NestedField& f) {
  Json j = Json::object();
  j["id"] = f.id;
  j["name"] = f.name;
  j["required"] = f.required;
  j["type"] = TypeToJson(f.type);
  if (!f.doc.empty()) j["doc"] = f.doc;
  return j;
}

arrow::Result<std::vector<NestedField>> FieldsFromJson(const Json& fields) {
  if (!fields.is_array())
    return arrow::Status::Invalid("struct \"fields\" is not an array");
  std::vector<NestedField> out;
  for (const Json& f : fields) {
    if (!f.is_object() || !f.contains("id") || !f.contains("name") ||
        !f.contains("type")) {
      return arrow::Status::Invalid("struct field needs id, name and type: ", f.dump());
    }
    NestedField field;
    field.id = f["id"].get<int32_t>();
    field.name = f["name"].get<std::string>();
    field.required = f.value("required", false);
    field.doc = f.value("doc", "");
    ARROW_ASSIGN_OR_RAISE(field.type, TypeFromJson(f["type"]));
    out.push_back(std::move(field));
  }
  return out;
}

const NestedField* FindById(const std::vector<NestedField>& fields, int32_t id) {
  for (const auto& f : fields) {
    if (f.id == id) return &f;
    if (const NestedField* inner = FindById(f.type.fields, id)) return inner;
  }
  return nullptr;
}

int32_t HighestId(const std::vector<NestedField>& fields) {
  int32_t highest = 0;
  for (const auto& f : fields) {
    highest = std::max({highest, f.id, HighestId(f.type.fields)});
  }
  return highest;
}

}  // namespace

Type Type::Primitive(TypeId id) {
  Type t;
  t.id = id;
  return t;
}

Type Type::Decimal(int32_t precision, int32_t scale) {
  Type t = Primitive(TypeId::kDecimal);
  t.precision = precision;
  t.scale = scale;
  return t;
}

Type Type::Fixed(int32_t length) {
  Type t = Primitive(TypeId::kFixed);
  t.length = length;
  return t;
}

Type Type::Struct(std::vector<NestedField> fields) {
  Type t = Primitive(TypeId::kStruct);
  t.fields = std::move(fields);
  return t;
}

Type Type::List(int32_t element_id, bool element_required, Type element) {
  Type t = Primitive(TypeId::kList);
  t.fields.push_back(
      NestedField{element_id, "element", element_required, std::move(element)});
  return t;
}

Type Type::Map(int32_t key_id, Type key, int32_t value_id, bool value_required,
               Type value) {
  Type t = Primitive(TypeId::kMap);
  t.fields.push_back(NestedField{key_id, "key", true, std::move(key)});
  t.fields.push_back(NestedField{value_id, "value", value_required, std::move(value)});
  return t;
}

bool Type::is_primitive() const {
  return id != TypeId::kStruct && id != TypeId::kList && id != TypeId::kMap;
}

bool Type::operator==(const Type& other) const {
  return id == other.id && precision == other.precision && scale == other.scale &&
         length == other.length && fields == other.fields;
}

bool NestedField::operator==(const NestedField& other) const {
  return id == other.id && name == other.name && required == other.required &&
         type == other.type && doc == other.doc;
}

std::string Type::ToString() const {
  switch (id) {
    case TypeId::kDecimal:
      return "decimal(" + std::to_string(precision) + ", " + std::to_string(scale) + ")";
    case TypeId::kFixed:
      return "fixed[" + std::to_string(length) + "]";
    case TypeId::kStruct:
      return "struct";
    case TypeId::kList:
      return "list";
    case TypeId::kMap:
      return "map";
    default:
      for (const auto& [name, tid] : PrimitiveNames()) {
        if (tid == id) return name;
      }
  }
  return "unknown";
}

Json TypeToJson(const Type& type) {
  switch (type.id) {
    case TypeId::kStruct: {
      Json j = {{"type", "struct"}, {"fields", Json::array()}};
      for (const auto& f : type.fields) j["fields"].push_back(FieldToJson(f));
      return j;
    }
    case TypeId::kList: {
      const NestedField& e = type.fields.at(0);
      return Json{{"type", "list"},
                  {"element-id", e.id},
                  {"element", TypeToJson(e.type)},
                  {"element-required", e.required}};
    }
    case TypeId::kMap: {
      const NestedField& k = type.fields.at(0);
      const NestedField& v = type.fields.at(1);
      return Json{{"type", "map"},
                  {"key-id", k.id},
                  {"key", TypeToJson(k.type)},
                  {"value-id", v.id},
                  {"value", TypeToJson(v.type)},
                  {"value-required", v.required}};
    }
    default:
      return type.ToString();
  }
}

arrow::Result<Type> TypeFromJson(const Json& j) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    auto it = PrimitiveNames().find(s);
    if (it != PrimitiveNames().end()) return Type::Primitive(it->second);
    int a = 0, b = 0;
    if (std::sscanf(s.c_str(), "decimal(%d ,%d)", &a, &b) == 2 ||
        std::sscanf(s.c_str(), "decimal(%d, %d)", &a, &b) == 2) {
      return Type::Decimal(a, b);
    }
    if (std::sscanf(s.c_str(), "fixed[%d]", &a) == 1) return Type::Fixed(a);
    return arrow::Status::NotImplemented("unsupported Iceberg type \"", s, "\"");
  }
  if (!j.is_object() || !j.contains("type")) {
    return arrow::Status::Invalid("invalid Iceberg type: ", j.dump());
  }
  std::string kind = j["type"].get<std::string>();
  if (kind == "struct") {
    ARROW_ASSIGN_OR_RAISE(auto fields, FieldsFromJson(j.value("fields", Json::array())));
    return Type::Struct(std::move(fields));
  }
  if (kind == "list") {
    ARROW_ASSIGN_OR_RAISE(Type element, TypeFromJson(j.at("element")));
    return Type::List(j.at("element-id").get<int32_t>(),
                      j.value("element-required", false), std::move(element));
  }
  if (kind == "map") {
    ARROW_ASSIGN_OR_RAISE(Type key, TypeFromJson(j.at("key")));
    ARROW_ASSIGN_OR_RAISE(Type value, TypeFromJson(j.at("value")));
    return Type::Map(j.at("key-id").get<int32_t>(), std::move(key),
                     j.at("value-id").get<int32_t>(), j.value("value-required", false),
                     std::move(value));
  }
  return arrow::Status::NotImplemented("unsupported Iceberg type \"", kind, "\"");
}

Json SchemaToJson(const Schema& schema) {
  Json j = {
      {"type", "struct"}, {"schema-id", schema.schema_id}, {"fields", Json::array()}};
  for (const auto& f : schema.fields) j["fields"].push_back(FieldToJson(f));
  if (!schema.identifier_field_ids.empty()) {
    j["identifier-field-ids"] = schema.identifier_field_ids;
  }
  return j;
}

arrow::Result<Schema> SchemaFromJson(const Json& j) {
  if (!j.is_object()) return arrow::Status::Invalid("Iceberg schema is not an object");
  Schema schema;
  schema.schema_id = j.value("schema-id", 0);
  // Bad JSON types throw inside nlohmann; turn that into a Status here, once.
  try {
    ARROW_ASSIGN_OR_RAISE(schema.fields,
                          FieldsFromJson(j.value("fields", Json::array())));
    if (j.contains("identifier-field-ids")) {
      schema.identifier_field_ids = j["identifier-field-ids"].get<std::vector<int32_t>>();
    }
  } catch (const Json::exception& e) {
    return arrow::Status::Invalid("invalid Iceberg schema: ", e.what());
  }
  return schema;
}

const NestedField* Schema::FindField(const std::string& name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const NestedField* Schema::FindFieldById(int32_t id) const {
  return FindById(fields, id);
}

int32_t Schema::HighestFieldId() const { return HighestId(fields); }

bool Schema::SameFields(const Schema& other) const {
  return fields == other.fields && identifier_field_ids == other.identifier_field_ids;
}

}  // namespace pgtide::iceberg
