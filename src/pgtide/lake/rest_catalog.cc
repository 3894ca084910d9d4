#include "pgtide/lake/rest_catalog.h"

#include <fmt/format.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <tuple>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/secrets.h"
#include "pgtide/lake/metadata_file_name.h"
#include "pgtide/lake/rest_auth.h"
#include "pgtide/lake/rest_updates.h"
#include "pgtide/storage/aws_config.h"
#include "pgtide/storage/http_request.h"

namespace pgtide::lake {

using nlohmann::json;

struct RestCatalog::Answer {
  long status = 0;
  json body;  // the parsed body, or an empty object
  std::string text;
};

namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// http:// only where nobody else can read the token on the way.
bool IsLoopback(const std::string& uri) {
  for (const char* host : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    const std::string h = host;
    if (StartsWith(uri, h) &&
        (uri.size() == h.size() || uri[h.size()] == ':' || uri[h.size()] == '/'))
      return true;
  }
  return false;
}

// The REST spec's ErrorModel: {"error": {"message", "type", "code"}}.
std::string ErrorTextOf(const json& body, const std::string& text) {
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json& e = body["error"];
    return fmt::format("{}: {}", e.value("type", "error"), e.value("message", ""));
  }
  return text.substr(0, 300);
}

// AWS's Iceberg REST endpoints sign with SigV4: Glue's
// (https://glue.<region>.amazonaws.com/iceberg, service "glue") and S3 Tables'
// (https://s3tables.<region>.amazonaws.com/iceberg, service "s3tables"). Returns the
// service and the region the host names, or PGTIDE_CATALOG_SIGV4's service.
std::pair<std::string, std::string> AwsSigningOf(const std::string& base) {
  const char* forced = std::getenv("PGTIDE_CATALOG_SIGV4");
  std::string host = base.substr(base.find("://") + 3);
  host = host.substr(0, host.find_first_of(":/"));
  for (const char* service : {"glue", "s3tables"}) {
    const std::string head = std::string(service) + ".";
    const std::string tail = ".amazonaws.com";
    if (StartsWith(host, head) && host.size() > head.size() + tail.size() &&
        host.compare(host.size() - tail.size(), tail.size(), tail) == 0) {
      return {service, host.substr(head.size(), host.size() - head.size() - tail.size())};
    }
  }
  return {forced && *forced ? forced : "", ""};
}

}  // namespace

arrow::Result<std::unique_ptr<RestCatalog>> RestCatalog::Open(
    const std::string& uri, const CatalogOptions& options,
    std::shared_ptr<storage::ObjectStore> output) {
  if (!StartsWith(uri, "https://") && !IsLoopback(uri)) {
    return Error(ErrorClass::kUsage,
                 fmt::format("--catalog rest:{}: the URI must be https:// (http:// only "
                             "for 127.0.0.1 or localhost), since requests carry the "
                             "catalog's token",
                             MaskDsn(uri)));
  }
  std::string base = uri, warehouse;
  const size_t q = base.find('?');
  if (q != std::string::npos) {
    const std::string query = base.substr(q + 1);
    base.erase(q);
    if (StartsWith(query, "warehouse=")) {
      warehouse = query.substr(10);
    } else {
      return Error(ErrorClass::kUsage,
                   fmt::format("--catalog rest:{}: unknown query {}\nHINT: The only "
                               "parameter is ?warehouse=<name>",
                               MaskDsn(uri), query));
    }
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::unique_ptr<RestCatalog> catalog(
      new RestCatalog(base, options.timeout_s, std::move(output)));
  std::tie(catalog->aws_service_, catalog->aws_region_) = AwsSigningOf(base);
  if (!catalog->aws_service_.empty()) {
    if (catalog->aws_region_.empty())
      catalog->aws_region_ = storage::ResolveS3(options.s3).region;
  } else {
    ARROW_ASSIGN_OR_RAISE(catalog->authorization_,
                          RestAuthorizationHeader(base, options.timeout_s));
  }
  // GET /v1/config: the server's prefix for every other path ("overrides" win over
  // "defaults", as in Iceberg's RESTSessionCatalog).
  catalog->prefix_ = "v1";
  const std::string config =
      warehouse.empty() ? "config" : "config?warehouse=" + storage::UrlEncode(warehouse);
  ARROW_ASSIGN_OR_RAISE(auto a, catalog->Call("GET", config, "", "reading its config"));
  if (a.status != 200) return catalog->Unexpected(a, "reading its config");
  std::string prefix;
  for (const char* section : {"defaults", "overrides"}) {
    const json& s = a.body.value(section, json::object());
    if (s.is_object() && s.contains("prefix") && s["prefix"].is_string())
      prefix = s["prefix"].get<std::string>();
  }
  if (!prefix.empty()) catalog->prefix_ = "v1/" + prefix;
  return catalog;
}

arrow::Result<RestCatalog::Answer> RestCatalog::Call(const std::string& method,
                                                     const std::string& path,
                                                     const std::string& body,
                                                     const std::string& what) {
  storage::HttpRequest req;
  req.method = method;
  req.url = base_ + "/" + (StartsWith(path, "v1") ? path : prefix_ + "/" + path);
  if (path == "config" || StartsWith(path, "config?")) req.url = base_ + "/v1/" + path;
  req.timeout_s = timeout_s_;
  req.headers = {"Accept: application/json", "Content-Type: application/json"};
  if (!authorization_.empty()) req.headers.push_back(authorization_);
  req.aws_service = aws_service_;
  req.aws_region = aws_region_;
  req.body = body;
  ARROW_ASSIGN_OR_RAISE(auto r, storage::PerformHttp(req));
  if (!r.sent) {
    return Error(ErrorClass::kCatalogUnavailable,
                 fmt::format("{}: {} failed: {}{}", Describe(), what, r.curl_error,
                             r.timed_out && method == "POST"
                                 ? "; whether it took effect is unknown"
                                 : ""));
  }
  Answer a;
  a.status = r.status;
  a.text = std::move(r.body);
  a.body = json::parse(a.text, nullptr, /*allow_exceptions=*/false);
  if (a.body.is_discarded()) a.body = json::object();
  return a;
}

arrow::Status RestCatalog::Unexpected(const Answer& a, const std::string& what) const {
  const ErrorClass cls = (a.status == 401 || a.status == 403)
                             ? ErrorClass::kCatalogDenied
                             : ErrorClass::kCatalogUnavailable;
  return Error(cls, fmt::format("{}: {} failed: HTTP {}: {}", Describe(), what, a.status,
                                Redact(ErrorTextOf(a.body, a.text))));
}

std::string RestCatalog::NamespacePath(const std::string& ns) const {
  return "namespaces/" + storage::UrlEncode(ns);
}

std::string RestCatalog::TablePath(const TableIdent& table) const {
  return NamespacePath(table.ns) + "/tables/" + storage::UrlEncode(table.name);
}

arrow::Result<std::optional<PointerState>> RestCatalog::Load(const TableIdent& table) {
  const std::string what = "loading table " + table.ToString();
  ARROW_ASSIGN_OR_RAISE(auto a, Call("GET", TablePath(table), "", what));
  if (a.status == 404) return std::optional<PointerState>();
  if (a.status != 200) return Unexpected(a, what);
  const std::string location = a.body.value("metadata-location", "");
  if (location.empty() || !a.body.contains("metadata")) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: {} returned it without metadata-location or "
                             "metadata",
                             table.ToString(), Describe()));
  }
  auto parsed = iceberg::TableMetadataFromJson(a.body["metadata"].dump());
  if (!parsed.ok()) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: its Iceberg metadata from {} cannot be read: {}",
                             table.ToString(), Describe(), parsed.status().message()));
  }
  PointerState state;
  state.metadata_location = location;
  state.token = location;
  state.metadata = std::move(*parsed);
  return std::optional<PointerState>(std::move(state));
}

arrow::Status RestCatalog::EnsureNamespace(const std::string& ns) {
  const std::string what = "creating namespace " + ns;
  json body = {{"namespace", {ns}}, {"properties", json::object()}};
  ARROW_ASSIGN_OR_RAISE(auto created, Call("POST", "namespaces", body.dump(), what));
  if (created.status == 200 || created.status == 409) return arrow::Status::OK();
  // Another writer creating it at the same moment may make the server fail otherwise
  // (Iceberg's server on SQLite answers 500); what counts is that it exists now.
  ARROW_ASSIGN_OR_RAISE(auto now, Call("GET", NamespacePath(ns), "", what));
  if (now.status == 200) return arrow::Status::OK();
  return Unexpected(created, what);
}

arrow::Result<SwapOutcome> RestCatalog::Register(const TableIdent& table,
                                                 const iceberg::TableMetadata& next) {
  ARROW_RETURN_NOT_OK(EnsureNamespace(table.ns));
  const std::string rel = NextMetadataFileRel(table, std::nullopt);
  ARROW_RETURN_NOT_OK(output_->WriteSmall(rel, iceberg::TableMetadataToJson(next)));
  const std::string location = output_->Uri(rel);
  const std::string what = "registering table " + table.ToString();
  json req = {{"name", table.name}, {"metadata-location", location}};
  auto a = Call("POST", NamespacePath(table.ns) + "/register", req.dump(), what);
  if (!a.ok()) {
    if (a.status().message().find("is unknown") == std::string::npos)
      ARROW_UNUSED(output_->DeleteFile(rel));
    return a.status();
  }
  if (a->status == 200) return SwapOutcome::kSwapped;
  if (a->status == 500 || a->status == 502 || a->status == 504) {
    // The table may now point at the file: it stays.
    return UnknownOutcome(*a, what, table, location);
  }
  ARROW_UNUSED(output_->DeleteFile(rel));
  if (a->status == 409) return SwapOutcome::kConflict;
  return Unexpected(*a, what);
}

arrow::Status RestCatalog::UnknownOutcome(const Answer& a, const std::string& what,
                                          const TableIdent& table,
                                          const std::string& location) const {
  return Error(
      ErrorClass::kCatalogUnavailable,
      fmt::format("{}: {} failed: HTTP {}: {}\nDETAIL: whether table {} took "
                  "the commit{} is unknown; the next run finds out",
                  Describe(), what, a.status, Redact(ErrorTextOf(a.body, a.text)),
                  table.ToString(), location.empty() ? "" : " (" + location + ")"));
}

arrow::Result<SwapOutcome> RestCatalog::Swap(const TableIdent& table,
                                             const std::optional<PointerState>& base,
                                             const iceberg::TableMetadata& next) {
  if (!base) return Register(table, next);
  json req = {{"identifier", {{"namespace", {table.ns}}, {"name", table.name}}},
              {"requirements", RestRequirements(base->metadata)},
              {"updates", RestUpdates(base->metadata, next)}};
  const std::string what = "committing table " + table.ToString();
  ARROW_ASSIGN_OR_RAISE(auto a, Call("POST", TablePath(table), req.dump(), what));
  if (a.status == 200) return SwapOutcome::kSwapped;
  // 409: a requirement failed (another writer moved main) and nothing was applied.
  if (a.status == 409) return SwapOutcome::kConflict;
  // REST spec: 500, 502 and 504 are CommitStateUnknown; the server may have applied it.
  if (a.status == 500 || a.status == 502 || a.status == 504)
    return UnknownOutcome(a, what, table, "");
  return Unexpected(a, what);
}

std::string RestCatalog::Describe() const {
  std::string d = "REST catalog " + MaskDsn(base_);
  if (!aws_service_.empty()) d += " (SigV4 " + aws_service_ + ", " + aws_region_ + ")";
  return d;
}

}  // namespace pgtide::lake
