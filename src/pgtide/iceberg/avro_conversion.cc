#include "pgtide/iceberg/avro_conversion.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <set>

namespace pgtide::iceberg {

namespace {

using OJson = nlohmann::ordered_json;

class Converter {
 public:
  OJson Record(const std::vector<NestedField>& fields, const std::string& name) {
    OJson out;
    out["type"] = "record";
    out["name"] = name;
    out["fields"] = OJson::array();
    for (const auto& f : fields) {
      OJson field;
      std::string avro_name = AvroCompatibleName(f.name);
      field["name"] = avro_name;
      if (avro_name != f.name) field["iceberg-field-name"] = f.name;
      OJson type = Convert(f.type, f.id);
      if (f.required) {
        field["type"] = std::move(type);
      } else {
        field["type"] = OJson::array({"null", std::move(type)});
        field["default"] = nullptr;
      }
      if (!f.doc.empty()) field["doc"] = f.doc;
      field["field-id"] = f.id;
      out["fields"].push_back(std::move(field));
    }
    return out;
  }

 private:
  // `id` is the id of the field holding the type: it names nested records.
  OJson Convert(const Type& t, int32_t id) {
    switch (t.id) {
      case TypeId::kBoolean:
        return "boolean";
      case TypeId::kInt:
        return "int";
      case TypeId::kLong:
        return "long";
      case TypeId::kFloat:
        return "float";
      case TypeId::kDouble:
        return "double";
      case TypeId::kString:
        return "string";
      case TypeId::kBinary:
        return "bytes";
      case TypeId::kDate:
        return OJson{{"type", "int"}, {"logicalType", "date"}};
      case TypeId::kTime:
        return OJson{{"type", "long"}, {"logicalType", "time-micros"}};
      case TypeId::kTimestamp:
      case TypeId::kTimestampTz:
        return OJson{{"type", "long"},
                     {"logicalType", "timestamp-micros"},
                     {"adjust-to-utc", t.id == TypeId::kTimestampTz}};
      case TypeId::kUuid:
        return Named("uuid_fixed", [] {
          return OJson{{"type", "fixed"},
                       {"name", "uuid_fixed"},
                       {"size", 16},
                       {"logicalType", "uuid"}};
        });
      case TypeId::kFixed: {
        std::string name = fmt::format("fixed_{}", t.length);
        return Named(name, [&] {
          return OJson{{"type", "fixed"}, {"name", name}, {"size", t.length}};
        });
      }
      case TypeId::kDecimal: {
        std::string name = fmt::format("decimal_{}_{}", t.precision, t.scale);
        return Named(name, [&] {
          return OJson{{"type", "fixed"},
                       {"name", name},
                       {"size", DecimalRequiredBytes(t.precision)},
                       {"logicalType", "decimal"},
                       {"precision", t.precision},
                       {"scale", t.scale}};
        });
      }
      case TypeId::kStruct:
        return Record(t.fields, fmt::format("r{}", id));
      case TypeId::kList: {
        const NestedField& e = t.fields.at(0);
        OJson items = Convert(e.type, e.id);
        OJson out;
        out["type"] = "array";
        out["items"] = e.required ? items : OJson::array({"null", items});
        out["element-id"] = e.id;
        return out;
      }
      case TypeId::kMap: {
        const NestedField& k = t.fields.at(0);
        const NestedField& v = t.fields.at(1);
        OJson value = Convert(v.type, v.id);
        if (!v.required) value = OJson::array({"null", value});
        if (k.type.id == TypeId::kString) {
          OJson out;
          out["type"] = "map";
          out["values"] = std::move(value);
          out["key-id"] = k.id;
          out["value-id"] = v.id;
          return out;
        }
        OJson kv;
        kv["type"] = "record";
        kv["name"] = fmt::format("k{}_v{}", k.id, v.id);
        kv["fields"] = OJson::array(
            {OJson{{"name", "key"}, {"type", Convert(k.type, k.id)}, {"field-id", k.id}},
             OJson{{"name", "value"}, {"type", std::move(value)}, {"field-id", v.id}}});
        OJson out;
        out["type"] = "array";
        out["items"] = std::move(kv);
        out["logicalType"] = "map";
        return out;
      }
    }
    return "null";
  }

  // Avro allows a named type to be defined once; later uses refer to it by name.
  template <typename Make>
  OJson Named(const std::string& name, Make make) {
    if (!defined_.insert(name).second) return name;
    return make();
  }

  std::set<std::string> defined_;
};

}  // namespace

OJson AvroRecordSchema(const std::vector<NestedField>& fields,
                       const std::string& record_name) {
  return Converter().Record(fields, record_name);
}

std::string AvroCompatibleName(const std::string& name) {
  auto valid_first = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
  };
  auto valid = [&](char c) {
    return valid_first(c) || std::isdigit(static_cast<unsigned char>(c));
  };
  bool ok = !name.empty() && valid_first(name[0]);
  for (char c : name) ok = ok && valid(c);
  if (ok) return name;
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (i == 0 && std::isdigit(static_cast<unsigned char>(c))) {
      out += "_";
      out += c;
    } else if (valid(c)) {
      out += c;
    } else {
      out += fmt::format("_x{:X}", static_cast<unsigned char>(c));
    }
  }
  return out.empty() ? "_" : out;
}

int32_t DecimalRequiredBytes(int32_t precision) {
  // The smallest n with 2^(8n-1) > 10^precision.
  for (int32_t n = 1; n <= 24; ++n) {
    if (std::ldexp(1.0, 8 * n - 1) > std::pow(10.0, precision)) return n;
  }
  return 24;
}

}  // namespace pgtide::iceberg
