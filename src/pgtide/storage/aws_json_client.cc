#include "pgtide/storage/aws_json_client.h"

#include <arrow/filesystem/s3fs.h>
#include <curl/curl.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "pgtide/storage/store_backends_internal.h"

namespace pgtide::storage {

namespace {

constexpr const char* kCaFile = "/etc/ssl/certs/ca-certificates.crt";

size_t Append(char* p, size_t n, size_t m, void* ud) {
  static_cast<std::string*>(ud)->append(p, n * m);
  return n * m;
}

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
  ARROW_RETURN_NOT_OK(InitializeS3Once());
  // The default chain of the AWS SDK, as the S3 store resolves it; per request, since
  // temporary credentials refresh.
  auto options = arrow::fs::S3Options::Defaults();
  const std::string access_key = options.GetAccessKey();
  const std::string secret_key = options.GetSecretKey();
  const std::string token = options.GetSessionToken();
  const std::string sigv4 = "aws:amz:" + target.region + ":" + target.service;
  curl_slist* headers = nullptr;
  auto add = [&](const std::string& h) {
    headers = curl_slist_append(headers, h.c_str());
  };
  add("Content-Type: application/x-amz-json-1.1");
  add("X-Amz-Target: " + target.target_prefix + "." + op);
  if (!token.empty()) add("x-amz-security-token: " + token);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_guard(
      headers, curl_slist_free_all);
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           curl_easy_cleanup);
  if (!curl) return arrow::Status::OutOfMemory("curl_easy_init failed");
  CURL* h = curl.get();
  char errbuf[CURL_ERROR_SIZE] = "";
  std::string url = target.endpoint;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/";
  AwsJsonResponse r;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  if (!access_key.empty()) {
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, access_key.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, secret_key.c_str());
  }
  static const bool have_ca = std::filesystem::exists(kCaFile);
  if (have_ca) curl_easy_setopt(h, CURLOPT_CAINFO, kCaFile);
  const long ms = static_cast<long>(target.timeout_s * 1000);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Append);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    r.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    r.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    return r;
  }
  r.sent = true;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  if (r.status >= 300) r.error_type = ErrorTypeOf(r.body);
  return r;
}

}  // namespace pgtide::storage
