#include "pgtide/lake/glue_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/lake/lake_paths.h"
#include "pgtide/lake/metadata_file_name.h"
#include "pgtide/storage/aws_config.h"

namespace pgtide::lake {

using nlohmann::json;

struct GlueCatalog::Answer {
  std::string error_type;  // one of `expected`, or "" on success
  json body;
};

namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

ErrorClass ClassOfGlueError(const std::string& type, long status) {
  if (type == "AccessDeniedException" || type == "UnrecognizedClientException" ||
      type == "InvalidSignatureException" || type == "ExpiredTokenException" ||
      status == 401 || status == 403) {
    return ErrorClass::kCatalogDenied;
  }
  return ErrorClass::kCatalogUnavailable;
}

json TableInput(const TableIdent& table, const std::string& location,
                const std::string& previous, const std::string& table_location) {
  json params = {{"table_type", "ICEBERG"}, {"metadata_location", location}};
  if (!previous.empty()) params["previous_metadata_location"] = previous;
  return {{"Name", table.name},
          {"TableType", "EXTERNAL_TABLE"},
          {"Parameters", params},
          {"StorageDescriptor", {{"Location", table_location}}}};
}

}  // namespace

arrow::Result<std::unique_ptr<GlueCatalog>> GlueCatalog::Open(
    const CatalogOptions& options, std::shared_ptr<storage::ObjectStore> output) {
  storage::AwsJsonTarget target;
  target.region = storage::ResolveS3(options.s3).region;
  target.endpoint = options.endpoint;
  if (target.endpoint.empty()) {
    target.endpoint =
        EnvOr("AWS_ENDPOINT_URL_GLUE",
              EnvOr("AWS_ENDPOINT_URL",
                    fmt::format("https://glue.{}.amazonaws.com", target.region)));
  }
  target.service = "glue";
  target.target_prefix = "AWSGlue";
  target.timeout_s = options.timeout_s;
  std::unique_ptr<GlueCatalog> catalog(new GlueCatalog(target, std::move(output)));
  // Reach the service (and check the credentials) before any table is read.
  ARROW_RETURN_NOT_OK(catalog->Call("GetDatabases", R"({"MaxResults": 1})", {}).status());
  return catalog;
}

arrow::Result<GlueCatalog::Answer> GlueCatalog::Call(
    const std::string& op, const std::string& body,
    const std::vector<std::string>& expected) {
  ARROW_ASSIGN_OR_RAISE(auto r, storage::PostAwsJson(target_, op, body));
  if (!r.sent) {
    return Error(ErrorClass::kCatalogUnavailable,
                 fmt::format("{}: {} failed: {}{}", Describe(), op, r.curl_error,
                             r.timed_out ? "; whether it took effect is unknown" : ""));
  }
  Answer a;
  if (r.status < 300) {
    a.body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (a.body.is_discarded()) a.body = json::object();
    return a;
  }
  if (std::find(expected.begin(), expected.end(), r.error_type) != expected.end()) {
    a.error_type = r.error_type;
    return a;
  }
  return Error(ClassOfGlueError(r.error_type, r.status),
               fmt::format("{}: {} failed: HTTP {} {}: {}", Describe(), op, r.status,
                           r.error_type, r.body.substr(0, 300)));
}

arrow::Result<std::optional<PointerState>> GlueCatalog::Load(const TableIdent& table) {
  json req = {{"DatabaseName", table.ns}, {"Name", table.name}};
  ARROW_ASSIGN_OR_RAISE(auto a,
                        Call("GetTable", req.dump(), {"EntityNotFoundException"}));
  if (!a.error_type.empty()) return std::optional<PointerState>();
  const json& t = a.body.value("Table", json::object());
  const json& params = t.value("Parameters", json::object());
  const std::string location = params.value("metadata_location", "");
  if (location.empty()) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: {} holds it without a metadata_location (not an "
                             "Iceberg table)",
                             table.ToString(), Describe()));
  }
  auto rel = output_->RelOf(location);
  if (!rel) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: {} names its metadata {}, outside the lake {}",
                             table.ToString(), Describe(), location, output_->Uri("")));
  }
  ARROW_ASSIGN_OR_RAISE(auto text, output_->ReadSmall(*rel));
  if (!text) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: {} names the metadata file {}, which does not "
                             "exist",
                             table.ToString(), Describe(), location));
  }
  auto parsed = iceberg::TableMetadataFromJson(*text);
  if (!parsed.ok()) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: its Iceberg metadata {} cannot be read: {}",
                             table.ToString(), location, parsed.status().message()));
  }
  PointerState state;
  state.metadata_location = location;
  state.token = t.value("VersionId", "");
  state.metadata = std::move(*parsed);
  return std::optional<PointerState>(std::move(state));
}

arrow::Result<SwapOutcome> GlueCatalog::Swap(const TableIdent& table,
                                             const std::optional<PointerState>& base,
                                             const iceberg::TableMetadata& next) {
  const std::string rel = NextMetadataFileRel(table, base);
  ARROW_RETURN_NOT_OK(output_->WriteSmall(rel, iceberg::TableMetadataToJson(next)));
  const std::string location = output_->Uri(rel);
  const std::string table_location = output_->Uri(TableLocationRel(table.table_dir));
  auto lost = [&]() {
    ARROW_UNUSED(output_->DeleteFile(rel));
    return SwapOutcome::kConflict;
  };
  auto attempt = [&]() -> arrow::Result<SwapOutcome> {
    if (!base) {
      json db = {{"DatabaseInput", {{"Name", table.ns}}}};
      ARROW_RETURN_NOT_OK(
          Call("CreateDatabase", db.dump(), {"AlreadyExistsException"}).status());
      json req = {{"DatabaseName", table.ns},
                  {"TableInput", TableInput(table, location, "", table_location)}};
      ARROW_ASSIGN_OR_RAISE(auto a,
                            Call("CreateTable", req.dump(), {"AlreadyExistsException"}));
      return a.error_type.empty() ? SwapOutcome::kSwapped : lost();
    }
    // Glue checks VersionId; the metadata_location check also covers a service (moto)
    // that does not.
    json get = {{"DatabaseName", table.ns}, {"Name", table.name}};
    ARROW_ASSIGN_OR_RAISE(auto now,
                          Call("GetTable", get.dump(), {"EntityNotFoundException"}));
    if (!now.error_type.empty()) return lost();
    const json& t = now.body.value("Table", json::object());
    if (t.value("Parameters", json::object()).value("metadata_location", "") !=
        base->metadata_location) {
      return lost();
    }
    json req = {{"DatabaseName", table.ns},
                {"TableInput",
                 TableInput(table, location, base->metadata_location, table_location)}};
    if (!base->token.empty()) req["VersionId"] = base->token;
    ARROW_ASSIGN_OR_RAISE(
        auto a, Call("UpdateTable", req.dump(),
                     {"ConcurrentModificationException", "EntityNotFoundException"}));
    return a.error_type.empty() ? SwapOutcome::kSwapped : lost();
  };
  auto outcome = attempt();
  if (!outcome.ok() && outcome.status().message().find("is unknown") == std::string::npos)
    ARROW_UNUSED(output_->DeleteFile(rel));
  return outcome;
}

std::string GlueCatalog::Describe() const {
  return "Glue Data Catalog at " + target_.endpoint + " (" + target_.region + ")";
}

}  // namespace pgtide::lake
