#include "pgtide/cli/job_config.h"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/near_match.h"

namespace pgtide::cli {

using nlohmann::json;

ConfigFormat ConfigFormatOf(const std::string& path) {
  auto ends_with = [&](const char* ext) {
    std::string e = ext;
    if (path.size() < e.size()) return false;
    std::string tail = path.substr(path.size() - e.size());
    for (auto& c : tail)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return tail == e;
  };
  if (ends_with(".yaml") || ends_with(".yml")) return ConfigFormat::kYaml;
  if (ends_with(".toml")) return ConfigFormat::kToml;
  return ConfigFormat::kJson;
}

namespace {

// Both YAML and TOML are turned into the JSON model, so one validator serves all three.
json FromYaml(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) out[kv.first.as<std::string>()] = FromYaml(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : n) out.push_back(FromYaml(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() != "!") {  // plain (unquoted) scalars are typed as YAML 1.2 core does
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
        if (s == "null" || s == "~") return nullptr;
        try {
          size_t used = 0;
          long long v = std::stoll(s, &used);
          if (used == s.size()) return v;
        } catch (...) {
        }
      }
      return s;
    }
    default:
      return nullptr;
  }
}

json FromToml(const toml::node& n) {
  if (auto* t = n.as_table()) {
    json out = json::object();
    for (const auto& [k, v] : *t) out[std::string(k.str())] = FromToml(v);
    return out;
  }
  if (auto* a = n.as_array()) {
    json out = json::array();
    for (const auto& v : *a) out.push_back(FromToml(v));
    return out;
  }
  if (auto* s = n.as_string()) return s->get();
  if (auto* b = n.as_boolean()) return b->get();
  if (auto* i = n.as_integer()) return i->get();
  if (auto* f = n.as_floating_point()) return f->get();
  std::ostringstream text;  // dates and times: their TOML text
  if (auto* d = n.as_date()) text << d->get();
  if (auto* t = n.as_time()) text << t->get();
  if (auto* dt = n.as_date_time()) text << dt->get();
  return text.str();
}

/// A path element as the user would write it: quoted when it is not a plain word.
std::string PathPart(const std::string& key) {
  bool plain = !key.empty();
  for (char c : key)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return plain ? key : json(key).dump();
}

std::string TypeName(const json& v) {
  if (v.is_string()) return "the string " + v.dump();
  if (v.is_boolean()) return v.dump();
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_null()) return "null";
  return v.is_array() ? "a list" : "a mapping";
}

class Validator {
 public:
  explicit Validator(std::string name) : name_(std::move(name)) {}

  arrow::Status Fail(const std::string& path, const std::string& why) const {
    return Error(ErrorClass::kConfig,
                 fmt::format("config file {}: {}{}\nHINT: Fix the job file; it holds "
                             "\"catalog\", \"catalog_name\", "
                             "{{\"tables\": {{\"schema.table\": {{\"cursor_column\", "
                             "\"load_type\", \"skip\", \"missing_cursor\"}}}}}} and "
                             "{{\"sources\": {{\"name\": {{\"source\" or \"source_env\", "
                             "\"schemas\", \"include\", \"exclude\", \"tables\"}}}}}}",
                             name_, path.empty() ? "" : path + ": ", why));
  }

  arrow::Status UnknownKey(const std::string& path, const std::string& key,
                           const std::vector<std::string>& known) const {
    std::string near = DidYouMean(key, known);
    return Fail(path.empty() ? PathPart(key) : path + "." + PathPart(key),
                "unknown key" + (near.empty() ? "; the keys are " + Join(known) : near));
  }

  static std::string Join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
  }

  arrow::Result<std::string> Choice(const std::string& path, const json& v,
                                    const std::vector<std::string>& choices) const {
    if (!v.is_string() || std::find(choices.begin(), choices.end(),
                                    v.get<std::string>()) == choices.end()) {
      return Fail(path,
                  fmt::format("expected one of {}, got {}", Join(choices), TypeName(v)));
    }
    return v.get<std::string>();
  }

 private:
  std::string name_;
};

// tables: {"schema.table": {cursor_column, load_type, skip, missing_cursor}}
arrow::Result<std::map<std::string, job::TableOverride>> ParseTables(
    const Validator& check, const json& tables, const std::string& at_path) {
  std::map<std::string, job::TableOverride> out;
  if (!tables.is_object()) {
    return check.Fail(at_path,
                      "expected a mapping of \"schema.table\" to its settings, got " +
                          TypeName(tables));
  }
  const std::vector<std::string> keys = {"cursor_column", "load_type", "skip",
                                         "missing_cursor"};
  for (const auto& [table, settings] : tables.items()) {
    const std::string path = at_path + "." + PathPart(table);
    if (!settings.is_object()) {
      return check.Fail(path,
                        "expected a mapping of settings, got " + TypeName(settings));
    }
    job::TableOverride o;
    for (const auto& [key, v] : settings.items()) {
      const std::string at = path + "." + PathPart(key);
      if (key == "cursor_column") {
        if (!v.is_string() || v.get<std::string>().empty())
          return check.Fail(at, "expected a column name, got " + TypeName(v));
        o.cursor_column = v.get<std::string>();
      } else if (key == "load_type") {
        ARROW_ASSIGN_OR_RAISE(o.load_type, check.Choice(at, v, {"full", "cdc"}));
      } else if (key == "skip") {
        if (!v.is_boolean())
          return check.Fail(at, "expected true or false, got " + TypeName(v));
        o.skip = v.get<bool>();
      } else if (key == "missing_cursor") {
        ARROW_ASSIGN_OR_RAISE(o.missing_cursor,
                              check.Choice(at, v, {"reload", "skip", "fail"}));
      } else {
        return check.UnknownKey(path, key, keys);
      }
    }
    out[table] = o;
  }
  return out;
}

// A source name becomes a folder of the lake and a catalog namespace prefix: lower-case
// words joined by single underscores, so "<name>__<schema>" splits one way only.
bool IsSourceName(const std::string& name) {
  if (name.empty() || !std::islower(static_cast<unsigned char>(name[0]))) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '_') {
      if (i + 1 == name.size() || name[i + 1] == '_') return false;
    } else if (!std::islower(c) && !std::isdigit(c)) {
      return false;
    }
  }
  return true;
}

arrow::Result<std::vector<std::string>> StringList(const Validator& check, const json& v,
                                                   const std::string& at) {
  std::vector<std::string> out;
  if (!v.is_array())
    return check.Fail(at, "expected a list of strings, got " + TypeName(v));
  for (const auto& item : v) {
    if (!item.is_string() || item.get<std::string>().empty())
      return check.Fail(at,
                        "expected a list of non-empty strings, got " + TypeName(item));
    out.push_back(item.get<std::string>());
  }
  return out;
}

// sources: {name: {source | source_env, schemas, include, exclude, tables}}
arrow::Status ParseSources(const Validator& check, const json& sources,
                           JobFileSettings* settings) {
  if (!sources.is_object() || sources.empty()) {
    return check.Fail(
        "sources",
        "expected a mapping of source names to their settings, got " + TypeName(sources));
  }
  const std::vector<std::string> keys = {"source",  "source_env", "schemas",
                                         "include", "exclude",    "tables"};
  for (const auto& [name, body] : sources.items()) {
    const std::string path = "sources." + PathPart(name);
    if (!IsSourceName(name)) {
      return check.Fail(
          path,
          "a source name is lower-case letters and digits in words joined by "
          "single underscores (it names the source's folder in the lake), "
          "e.g. tenant_a");
    }
    if (!body.is_object())
      return check.Fail(path, "expected a mapping of settings, got " + TypeName(body));
    job::SourceSpec spec;
    spec.name = name;
    std::string env;
    for (const auto& [key, v] : body.items()) {
      const std::string at = path + "." + PathPart(key);
      if (key == "source" || key == "source_env") {
        if (!v.is_string() || v.get<std::string>().empty())
          return check.Fail(at, "expected a non-empty string, got " + TypeName(v));
        (key == "source" ? spec.dsn : env) = v.get<std::string>();
      } else if (key == "schemas") {
        ARROW_ASSIGN_OR_RAISE(spec.schemas, StringList(check, v, at));
      } else if (key == "include") {
        ARROW_ASSIGN_OR_RAISE(spec.include, StringList(check, v, at));
      } else if (key == "exclude") {
        ARROW_ASSIGN_OR_RAISE(spec.exclude, StringList(check, v, at));
      } else if (key == "tables") {
        ARROW_ASSIGN_OR_RAISE(spec.overrides, ParseTables(check, v, at));
      } else {
        return check.UnknownKey(path, key, keys);
      }
    }
    if (spec.dsn.empty() == env.empty()) {
      return check.Fail(path,
                        "give exactly one of \"source\" (a connection string) and "
                        "\"source_env\" (the environment variable that holds one)");
    }
    settings->sources.push_back(std::move(spec));
    settings->dsn_env.push_back(env);
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Result<std::map<std::string, job::TableOverride>> ParseJobConfig(
    const std::string& text, ConfigFormat format, const std::string& name,
    JobFileSettings* settings) {
  Validator check(name);
  json root;
  try {
    switch (format) {
      case ConfigFormat::kYaml:
        root = FromYaml(YAML::Load(text));
        break;
      case ConfigFormat::kToml:
        root = FromToml(toml::parse(text, name));
        break;
      default:
        root = json::parse(text);
    }
  } catch (const std::exception& e) {
    return check.Fail("", fmt::format("not valid {}: {}",
                                      format == ConfigFormat::kYaml   ? "YAML"
                                      : format == ConfigFormat::kToml ? "TOML"
                                                                      : "JSON",
                                      e.what()));
  }
  std::map<std::string, job::TableOverride> out;
  if (root.is_null()) return out;  // an empty YAML file
  if (!root.is_object()) {
    return check.Fail(
        "",
        "the top level must be a mapping with the key \"tables\", not " + TypeName(root));
  }
  JobFileSettings ignored;
  if (!settings) settings = &ignored;
  for (const auto& [key, value] : root.items()) {
    if (key == "catalog" || key == "catalog_name") {
      if (!value.is_string() || value.get<std::string>().empty())
        return check.Fail(PathPart(key),
                          "expected a non-empty string, got " + TypeName(value));
      (key == "catalog" ? settings->catalog : settings->catalog_name) =
          value.get<std::string>();
    } else if (key != "tables" && key != "sources") {
      return check.UnknownKey("", key, {"tables", "sources", "catalog", "catalog_name"});
    }
  }
  if (root.contains("tables")) {
    ARROW_ASSIGN_OR_RAISE(out, ParseTables(check, root["tables"], "tables"));
  }
  if (root.contains("sources")) {
    if (root.contains("tables")) {
      return check.Fail("tables",
                        "a job file with \"sources\" keeps each source's tables under "
                        "it (sources.<name>.tables)");
    }
    ARROW_RETURN_NOT_OK(ParseSources(check, root["sources"], settings));
  }
  return out;
}

}  // namespace pgtide::cli
