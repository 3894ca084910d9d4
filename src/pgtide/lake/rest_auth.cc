#include "pgtide/lake/rest_auth.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/secrets.h"
#include "pgtide/storage/http_request.h"

namespace pgtide::lake {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

arrow::Result<std::string> TokenFromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Error(ErrorClass::kUsage,
                 fmt::format("PGTIDE_CATALOG_TOKEN_FILE {} cannot be read", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string token = Trim(text.str());
  if (token.empty()) {
    return Error(ErrorClass::kUsage,
                 fmt::format("PGTIDE_CATALOG_TOKEN_FILE {} is empty", path));
  }
  return token;
}

// OAuth2 client credentials grant (RFC 6749 4.4), as Iceberg's REST clients send it.
arrow::Result<std::string> ExchangeCredential(const std::string& base_uri,
                                              const std::string& credential,
                                              double timeout_s) {
  const size_t colon = credential.find(':');
  const std::string id = colon == std::string::npos ? "" : credential.substr(0, colon);
  const std::string secret =
      colon == std::string::npos ? credential : credential.substr(colon + 1);
  RegisterSecret(secret);
  std::string scope = Env("PGTIDE_CATALOG_SCOPE");
  if (scope.empty()) scope = "catalog";
  std::string endpoint = Env("PGTIDE_CATALOG_OAUTH_URI");
  if (endpoint.empty()) endpoint = base_uri + "/v1/oauth/tokens";
  storage::HttpRequest req;
  req.method = "POST";
  req.url = endpoint;
  req.timeout_s = timeout_s;
  req.headers = {"Content-Type: application/x-www-form-urlencoded",
                 "Accept: application/json"};
  req.body = "grant_type=client_credentials&scope=" + storage::UrlEncode(scope) +
             "&client_secret=" + storage::UrlEncode(secret);
  if (!id.empty()) req.body += "&client_id=" + storage::UrlEncode(id);
  ARROW_ASSIGN_OR_RAISE(auto r, storage::PerformHttp(req));
  if (!r.sent) {
    return Error(ErrorClass::kCatalogUnavailable,
                 fmt::format("REST catalog OAuth2 endpoint {}: no token: {}", endpoint,
                             r.curl_error));
  }
  auto body = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (r.status >= 300 || !body.is_object() || !body.contains("access_token")) {
    const ErrorClass cls = (r.status == 400 || r.status == 401 || r.status == 403)
                               ? ErrorClass::kCatalogDenied
                               : ErrorClass::kCatalogUnavailable;
    return Error(cls, fmt::format("REST catalog OAuth2 endpoint {} refused the client "
                                  "credentials of PGTIDE_CATALOG_CREDENTIAL: HTTP {}: {}",
                                  endpoint, r.status, Redact(r.body.substr(0, 300))));
  }
  std::string token = body["access_token"].get<std::string>();
  RegisterSecret(token);
  return token;
}

}  // namespace

arrow::Result<std::string> RestAuthorizationHeader(const std::string& base_uri,
                                                   double timeout_s) {
  std::string token = Env("PGTIDE_CATALOG_TOKEN");
  if (token.empty() && !Env("PGTIDE_CATALOG_TOKEN_FILE").empty()) {
    ARROW_ASSIGN_OR_RAISE(token, TokenFromFile(Env("PGTIDE_CATALOG_TOKEN_FILE")));
  }
  const std::string credential = Env("PGTIDE_CATALOG_CREDENTIAL");
  if (token.empty() && !credential.empty()) {
    ARROW_ASSIGN_OR_RAISE(token, ExchangeCredential(base_uri, credential, timeout_s));
  }
  if (token.empty()) return std::string();
  RegisterSecret(token);
  return "Authorization: Bearer " + token;
}

}  // namespace pgtide::lake
