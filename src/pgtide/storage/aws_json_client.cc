#include "pgtide/storage/aws_json_client.h"

#include <nlohmann/json.hpp>

#include "pgtide/storage/http_request.h"

namespace pgtide::storage {

namespace {

// "__type": "com.amazonaws...#EntityNotFoundException" or "EntityNotFoundException".
std::string ErrorTypeOf(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("__type") || !j["__type"].is_string()) return "";
  std::string t = j["__type"].get<std::string>();
  size_t hash = t.rfind('#');
  if (hash != std::string::npos) t = t.substr(hash + 1);
  size_t colon = t.find(':');
  return colon == std::string::npos ? t : t.substr(0, colon);
}

}  // namespace

arrow::Result<AwsJsonResponse> PostAwsJson(const AwsJsonTarget& target,
                                           const std::string& op,
                                           const std::string& body) {
  // One signed HTTP request (storage/http_request.h signs with the AWS default chain).
  HttpRequest request;
  request.method = "POST";
  request.url = target.endpoint;
  while (!request.url.empty() && request.url.back() == '/') request.url.pop_back();
  request.url += "/";
  request.headers = {"Content-Type: application/x-amz-json-1.1",
                     "X-Amz-Target: " + target.target_prefix + "." + op};
  request.body = body;
  request.timeout_s = target.timeout_s;
  request.aws_service = target.service;
  request.aws_region = target.region;
  ARROW_ASSIGN_OR_RAISE(auto http, PerformHttp(request));
  AwsJsonResponse r;
  r.sent = http.sent;
  r.curl_error = std::move(http.curl_error);
  r.timed_out = http.timed_out;
  r.status = http.status;
  r.body = std::move(http.body);
  if (r.sent && r.status >= 300) r.error_type = ErrorTypeOf(r.body);
  return r;
}

}  // namespace pgtide::storage
