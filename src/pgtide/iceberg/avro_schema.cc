#include "pgtide/iceberg/avro_schema.h"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace pgtide::iceberg {

namespace {

using Json = nlohmann::json;
using NodePtr = std::shared_ptr<const AvroNode>;

int32_t IntAttr(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return -1;
  if (it->is_number_integer()) return it->get<int32_t>();
  // Some writers store ids as strings.
  if (it->is_string()) return std::stoi(it->get<std::string>());
  return -1;
}

class Parser {
 public:
  arrow::Result<NodePtr> Parse(const Json& j, const std::string& ns) {
    if (j.is_string()) return Named(j.get<std::string>(), ns);
    if (j.is_array()) {
      auto node = std::make_shared<AvroNode>();
      node->type = AvroNode::Type::kUnion;
      for (const auto& branch : j) {
        ARROW_ASSIGN_OR_RAISE(auto child, Parse(branch, ns));
        node->children.push_back(std::move(child));
      }
      return node;
    }
    if (!j.is_object() || !j.contains("type")) {
      return arrow::Status::Invalid("invalid Avro schema node: ", j.dump());
    }
    const Json& type = j["type"];
    if (!type.is_string()) {
      // {"type": {...}} or {"type": [...]}: a wrapper around another schema.
      return Parse(type, ns);
    }
    const std::string t = type.get<std::string>();
    auto node = std::make_shared<AvroNode>();
    if (j.contains("logicalType") && j["logicalType"].is_string()) {
      node->logical_type = j["logicalType"].get<std::string>();
    }
    if (t == "record" || t == "error" || t == "enum" || t == "fixed") {
      std::string name = j.value("name", "");
      std::string space = j.value("namespace", ns);
      if (name.find('.') == std::string::npos && !space.empty())
        name = space + "." + name;
      node->name = name;
      std::string child_ns = name.rfind('.') == std::string::npos
                                 ? std::string()
                                 : name.substr(0, name.rfind('.'));
      if (t == "fixed") {
        node->type = AvroNode::Type::kFixed;
        node->size = j.value("size", 0);
      } else if (t == "enum") {
        node->type = AvroNode::Type::kEnum;
        for (const auto& s : j.value("symbols", Json::array())) {
          node->symbols.push_back(s.get<std::string>());
        }
      } else {
        node->type = AvroNode::Type::kRecord;
        // Register before the fields so a field may refer to an earlier sibling type.
        named_[name] = node;
        for (const auto& f : j.value("fields", Json::array())) {
          if (!f.contains("name") || !f.contains("type")) {
            return arrow::Status::Invalid("Avro record field without name or type: ",
                                          f.dump());
          }
          AvroNode::Field field;
          field.name = f["name"].get<std::string>();
          field.field_id = IntAttr(f, "field-id");
          ARROW_ASSIGN_OR_RAISE(field.node, Parse(f["type"], child_ns));
          node->fields.push_back(std::move(field));
        }
      }
      named_[name] = node;
      return node;
    }
    if (t == "array") {
      node->type = AvroNode::Type::kArray;
      node->element_id = IntAttr(j, "element-id");
      if (!j.contains("items")) return arrow::Status::Invalid("Avro array without items");
      ARROW_ASSIGN_OR_RAISE(auto items, Parse(j["items"], ns));
      node->children.push_back(std::move(items));
      return node;
    }
    if (t == "map") {
      node->type = AvroNode::Type::kMap;
      node->key_id = IntAttr(j, "key-id");
      node->value_id = IntAttr(j, "value-id");
      if (!j.contains("values")) return arrow::Status::Invalid("Avro map without values");
      ARROW_ASSIGN_OR_RAISE(auto values, Parse(j["values"], ns));
      node->children.push_back(std::move(values));
      return node;
    }
    ARROW_ASSIGN_OR_RAISE(auto prim, Primitive(t));
    node->type = prim;
    return node;
  }

 private:
  static arrow::Result<AvroNode::Type> Primitive(const std::string& t) {
    static const std::map<std::string, AvroNode::Type> kPrimitives = {
        {"null", AvroNode::Type::kNull},   {"boolean", AvroNode::Type::kBoolean},
        {"int", AvroNode::Type::kInt},     {"long", AvroNode::Type::kLong},
        {"float", AvroNode::Type::kFloat}, {"double", AvroNode::Type::kDouble},
        {"bytes", AvroNode::Type::kBytes}, {"string", AvroNode::Type::kString}};
    auto it = kPrimitives.find(t);
    if (it == kPrimitives.end())
      return arrow::Status::Invalid("unknown Avro type \"", t, "\"");
    return it->second;
  }

  arrow::Result<NodePtr> Named(const std::string& name, const std::string& ns) {
    auto prim = Primitive(name);
    if (prim.ok()) {
      auto node = std::make_shared<AvroNode>();
      node->type = *prim;
      return node;
    }
    for (const std::string& candidate : {ns.empty() ? name : ns + "." + name, name}) {
      auto it = named_.find(candidate);
      if (it != named_.end()) return it->second;
    }
    return arrow::Status::Invalid("unknown Avro type \"", name, "\"");
  }

  std::map<std::string, NodePtr> named_;
};

}  // namespace

int AvroNode::NullBranch() const {
  for (size_t i = 0; i < children.size(); ++i) {
    if (children[i]->type == Type::kNull) return static_cast<int>(i);
  }
  return -1;
}

const AvroNode::Field* AvroNode::FindField(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

arrow::Result<AvroSchema> AvroSchema::Parse(std::string json) {
  // A run writes and reads the same few schemas (a manifest's differs only by its
  // table's partition type) for every table: parsed once each, not for every file (it
  // was 6 % of the CPU of a run of 200 small tables). Parsed nodes are immutable.
  static std::mutex cache_mutex;
  static std::unordered_map<std::string, std::shared_ptr<const AvroNode>> cache;
  constexpr size_t kMaxCached = 64;
  AvroSchema schema;
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (auto it = cache.find(json); it != cache.end()) schema.root_ = it->second;
  }
  if (!schema.root_) {
    Json parsed = Json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded())
      return arrow::Status::Invalid("Avro schema is not valid JSON");
    Parser parser;
    ARROW_ASSIGN_OR_RAISE(schema.root_, parser.Parse(parsed, ""));
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kMaxCached) cache.clear();
    cache.emplace(json, schema.root_);
  }
  schema.json_ = std::move(json);
  return schema;
}

}  // namespace pgtide::iceberg
