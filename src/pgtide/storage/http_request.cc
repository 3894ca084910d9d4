#include "pgtide/storage/http_request.h"

#include <arrow/filesystem/s3fs.h>
#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <memory>

#include "pgtide/storage/store_backends_internal.h"

namespace pgtide::storage {

namespace {

constexpr const char* kCaFile = "/etc/ssl/certs/ca-certificates.crt";

size_t Append(char* p, size_t n, size_t m, void* ud) {
  static_cast<std::string*>(ud)->append(p, n * m);
  return n * m;
}

}  // namespace

arrow::Result<HttpResponse> PerformHttp(const HttpRequest& request) {
  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  std::string access_key, secret_key, sigv4;
  if (!request.aws_service.empty()) {
    ARROW_RETURN_NOT_OK(InitializeS3Once());
    // Per request, since temporary credentials refresh.
    auto options = arrow::fs::S3Options::Defaults();
    access_key = options.GetAccessKey();
    secret_key = options.GetSecretKey();
    const std::string token = options.GetSessionToken();
    if (!token.empty())
      headers = curl_slist_append(headers, ("x-amz-security-token: " + token).c_str());
    sigv4 = "aws:amz:" + request.aws_region + ":" + request.aws_service;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_guard(
      headers, curl_slist_free_all);
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           curl_easy_cleanup);
  if (!curl) return arrow::Status::OutOfMemory("curl_easy_init failed");
  CURL* h = curl.get();
  char errbuf[CURL_ERROR_SIZE] = "";
  HttpResponse r;
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
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
  const long ms = static_cast<long>(request.timeout_s * 1000);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
  // The REST server answers gzip when asked (the Iceberg fixture always may).
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  if (request.method == "POST") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
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
  return r;
}

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace pgtide::storage
