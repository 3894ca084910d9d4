#include "pgtide/storage/aws_config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pgtide::storage {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// True when `line` is a section header; `name` gets it ("profile dev", "default") with
/// whitespace collapsed.
bool SectionOf(const std::string& line, std::string* name) {
  std::string t = Trim(line);
  if (t.size() < 2 || t.front() != '[' || t.back() != ']') return false;
  std::istringstream words(t.substr(1, t.size() - 2));
  std::string w, out;
  while (words >> w) out += (out.empty() ? "" : " ") + w;
  *name = out;
  return true;
}

bool SectionMatches(const std::string& section, const std::string& prefix,
                    const std::string& name) {
  if (prefix == "profile" && name == "default" && section == "default") return true;
  return section == prefix + " " + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string AwsConfigValue(const std::string& text, const std::string& section_prefix,
                           const std::string& name, const std::string& key,
                           const std::string& nested) {
  std::istringstream in(text);
  std::string line, section, current_nested;
  bool in_section = false;
  std::string found;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (SectionOf(line, &section)) {
      in_section = SectionMatches(section, section_prefix, name);
      current_nested.clear();
      continue;
    }
    if (!in_section) continue;
    size_t eq = t.find('=');
    if (eq == std::string::npos) continue;
    std::string k = Lower(Trim(t.substr(0, eq)));
    std::string v = Trim(t.substr(eq + 1));
    // A comment after a value needs whitespace before it, as in botocore.
    for (const char* mark : {" #", "\t#", " ;", "\t;"}) {
      size_t c = v.find(mark);
      if (c != std::string::npos) v = Trim(v.substr(0, c));
    }
    bool indented = std::isspace(static_cast<unsigned char>(line[0])) != 0;
    if (!indented) {
      current_nested = v.empty() ? k : "";  // "s3 =" opens a nested section
      if (nested.empty() && k == key) found = v;
      continue;
    }
    if (!nested.empty() && current_nested == nested && k == key) found = v;
  }
  return found;
}

bool AwsConfigHasProfile(const std::string& text, const std::string& profile) {
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (SectionOf(line, &section) && SectionMatches(section, "profile", profile)) {
      return true;
    }
  }
  return false;
}

ResolvedS3 ResolveS3(const S3Settings& flags) {
  ResolvedS3 r;
  r.profile = Env("AWS_PROFILE");
  if (r.profile.empty()) r.profile = Env("AWS_DEFAULT_PROFILE");
  if (r.profile.empty()) r.profile = "default";
  r.config_file = Env("AWS_CONFIG_FILE");
  if (r.config_file.empty() && !Env("HOME").empty()) {
    r.config_file = Env("HOME") + "/.aws/config";
  }
  const std::string config = r.config_file.empty() ? "" : ReadFile(r.config_file);
  r.profile_found = AwsConfigHasProfile(config, r.profile);
  const std::string from_profile = "profile " + r.profile + " in " + r.config_file;
  auto profile_value = [&](const std::string& key, const std::string& nested) {
    return AwsConfigValue(config, "profile", r.profile, key, nested);
  };

  const bool ignore_configured =
      Lower(Env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) == "true" ||
      Lower(profile_value("ignore_configured_endpoint_urls", "")) == "true";
  if (!flags.endpoint.empty()) {
    r.endpoint = flags.endpoint;
    r.endpoint_from = "--s3-endpoint";
  } else if (!ignore_configured) {
    std::string services = profile_value("services", "");
    const std::pair<std::string, std::string> chain[] = {
        {Env("AWS_ENDPOINT_URL_S3"), "AWS_ENDPOINT_URL_S3"},
        {Env("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"},
        {services.empty()
             ? std::string()
             : AwsConfigValue(config, "services", services, "endpoint_url", "s3"),
         "services " + services + " (s3) of " + from_profile},
        {profile_value("endpoint_url", "s3"), from_profile + " (s3)"},
        {profile_value("endpoint_url", ""), from_profile},
    };
    for (const auto& [value, from] : chain) {
      if (value.empty()) continue;
      r.endpoint = value;
      r.endpoint_from = from;
      break;
    }
  }
  const std::pair<std::string, std::string> regions[] = {
      {flags.region, "--s3-region"},
      {Env("AWS_REGION"), "AWS_REGION"},
      {Env("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"},
      {profile_value("region", ""), from_profile},
  };
  for (const auto& [value, from] : regions) {
    if (value.empty()) continue;
    r.region = value;
    r.region_from = from;
    break;
  }
  if (r.region.empty()) {
    r.region = "us-east-1";
    r.region_from = "default";
  }
  return r;
}

}  // namespace pgtide::storage
