#include "pgtide/storage/conditional_put.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"

namespace pgtide::storage {

namespace {

constexpr const char* kCaFile = "/etc/ssl/certs/ca-certificates.crt";

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  std::string hex;
  for (unsigned char c : md) hex += fmt::format("{:02x}", c);
  return hex;
}

// SigV4 canonical URI encoding. curl 7.88 signs the URL path exactly as given, so the
// path we send must already be in canonical form: unreserved characters and '/' kept, the
// rest %XX.
std::string UriEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    bool alnum =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// The text of the first <tag>...</tag> in an S3 XML error body, or "".
std::string XmlField(const std::string& xml, const std::string& tag) {
  auto b = xml.find("<" + tag + ">");
  if (b == std::string::npos) return {};
  b += tag.size() + 2;
  auto e = xml.find("</" + tag + ">", b);
  return e == std::string::npos ? std::string() : xml.substr(b, e - b);
}

bool StartsWithNoCase(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

std::string Trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

bool TransientCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct ConditionalPutClient::Response {
  CURLcode curl_code = CURLE_OK;
  std::string curl_error;
  long status = 0;
  std::string body, etag, bucket_region;
  std::string code() const { return XmlField(body, "Code"); }
};

ConditionalPutClient::ConditionalPutClient(const arrow::fs::S3Options& options,
                                           std::string bucket, int max_attempts)
    : options_(options), bucket_(std::move(bucket)), max_attempts_(max_attempts) {
  InitCurlOnce();
}

std::string ConditionalPutClient::Url(const std::string& key) const {
  std::string scheme = options_.scheme.empty() ? "https" : options_.scheme;
  const std::string& ep = options_.endpoint_override;
  if (!ep.empty()) {
    std::string base = ep.find("://") != std::string::npos ? ep : scheme + "://" + ep;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/" + UriEncode(bucket_) + "/" + UriEncode(key);
  }
  std::string region = options_.region.empty() ? "us-east-1" : options_.region;
  std::string host = "s3." + region + ".amazonaws.com";
  if (region.rfind("cn-", 0) == 0) host += ".cn";
  // A dotted bucket name does not match the *.s3 wildcard certificate: use path style.
  if (bucket_.find('.') != std::string::npos) {
    return scheme + "://" + host + "/" + UriEncode(bucket_) + "/" + UriEncode(key);
  }
  return scheme + "://" + bucket_ + "." + host + "/" + UriEncode(key);
}

arrow::Result<ConditionalPutClient::Response> ConditionalPutClient::Send(
    const std::string& method, const std::string& key, const std::string* body,
    const std::string& condition) {
  const std::string url = Url(key);
  // Resolved per request: the default chain may refresh temporary credentials.
  const std::string access_key = options_.GetAccessKey();
  const std::string secret_key = options_.GetSecretKey();
  const std::string token = options_.GetSessionToken();
  const std::string region = options_.region.empty() ? "us-east-1" : options_.region;
  const std::string sigv4 = "aws:amz:" + region + ":s3";

  // Every header in this list is signed by curl 7.88, so it must hold only headers that
  // are really sent (no "Expect:"-style removals). S3 wants the payload hash as a header
  // too.
  curl_slist* headers = nullptr;
  auto add = [&](const std::string& h) {
    headers = curl_slist_append(headers, h.c_str());
  };
  add("x-amz-content-sha256: " + Sha256Hex(body ? *body : std::string()));
  if (!token.empty()) add("x-amz-security-token: " + token);
  if (!condition.empty()) add(condition);
  // POSTFIELDS would otherwise add a form Content-Type.
  if (body) add("Content-Type: application/octet-stream");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_guard(
      headers, curl_slist_free_all);

  Response r;
  for (int attempt = 0;; ++attempt) {
    r = Response();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                             curl_easy_cleanup);
    if (!curl) return arrow::Status::OutOfMemory("curl_easy_init failed");
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS,
                     1L);  // keys may contain "..": do not fold them
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (!access_key.empty()) {  // no credentials: anonymous request
      curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
      curl_easy_setopt(h, CURLOPT_USERNAME, access_key.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, secret_key.c_str());
    }
    static const bool have_ca = std::filesystem::exists(kCaFile);
    if (have_ca) curl_easy_setopt(h, CURLOPT_CAINFO, kCaFile);
    // Bounded waits, as the store's S3Options: a connect timeout, a stall limit (less
    // than 1 byte/s for request_timeout), and an overall cap against a slow drip.
    const long connect_ms = static_cast<long>(
        (options_.connect_timeout > 0 ? options_.connect_timeout : 5) * 1000);
    const long stall_s = std::max(
        1L,
        static_cast<long>(options_.request_timeout > 0 ? options_.request_timeout : 10));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, connect_ms + stall_s * 6000);
    if (body) {
      // POSTFIELDS + CUSTOMREQUEST rather than UPLOAD: UPLOAD adds "Expect: 100-continue"
      // to every PUT, and removing it with an "Expect:" header would get that header
      // signed.
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(body->size()));
    }
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(
        h, CURLOPT_WRITEFUNCTION, +[](char* p, size_t n, size_t m, void* ud) -> size_t {
          static_cast<std::string*>(ud)->append(p, n * m);
          return n * m;
        });
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(
        h, CURLOPT_HEADERFUNCTION, +[](char* p, size_t n, size_t m, void* ud) -> size_t {
          auto* resp = static_cast<Response*>(ud);
          std::string line(p, n * m);
          if (line.rfind("HTTP/", 0) == 0) {  // a new (possibly interim) response
            resp->etag.clear();
            resp->bucket_region.clear();
          } else if (StartsWithNoCase(line, "etag:")) {
            resp->etag = Trim(line.substr(5));
          } else if (StartsWithNoCase(line, "x-amz-bucket-region:")) {
            resp->bucket_region = Trim(line.substr(20));
          }
          return n * m;
        });

    r.curl_code = curl_easy_perform(h);
    if (r.curl_code == CURLE_OK) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    } else {
      r.curl_error = errbuf[0] ? errbuf : curl_easy_strerror(r.curl_code);
    }
    // 501 is a permanent "not supported", not an outage.
    bool transient = r.curl_code != CURLE_OK
                         ? TransientCurlError(r.curl_code)
                         : (r.status >= 500 && r.status != 501) || r.status == 429;
    if (!transient || attempt + 1 >= max_attempts_) return r;
    // Exponential backoff with jitter, so concurrent runs do not retry in lockstep.
    static thread_local std::mt19937 rng(std::random_device{}());
    int cap = std::min(3000, 100 << attempt);
    int delay = std::uniform_int_distribution<int>(cap / 2, cap)(rng);
    LogDebug("{} {}: {}, retrying in {} ms", method, Describe(key),
             r.curl_code != CURLE_OK ? r.curl_error : fmt::format("HTTP {}", r.status),
             delay);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
}

arrow::Status ConditionalPutClient::Failure(const std::string& what,
                                            const std::string& key,
                                            const Response& r) const {
  if (r.curl_code != CURLE_OK) {
    return Error(
        ExitCode::kStorageUnavailable,
        fmt::format("could not {} {}: request to {} failed: {}\nHINT: The endpoint "
                    "cannot be reached: check --s3-endpoint / AWS_ENDPOINT_URL and "
                    "the network.",
                    what, Describe(key), Url(key), r.curl_error));
  }
  const std::string code = r.code();
  std::string message = XmlField(r.body, "Message");
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) {
    message.pop_back();
  }
  std::string hint;
  if (code == "NoSuchBucket") {
    hint = "The bucket does not exist: create it or fix the s3:// location.";
  } else if (code == "InvalidAccessKeyId") {
    hint =
        "The server does not know this access key: check AWS_ACCESS_KEY_ID / AWS_PROFILE "
        "and the endpoint.";
  } else if (code == "SignatureDoesNotMatch") {
    hint = "Check the secret access key (AWS_SECRET_ACCESS_KEY / AWS_PROFILE).";
  } else if (code == "RequestTimeTooSkewed") {
    hint = "The system clock is wrong: synchronize it (NTP).";
  } else if (code == "ExpiredToken" || code == "TokenRefreshRequired" ||
             code == "InvalidToken") {
    hint = "The session token is expired or invalid: refresh the credentials.";
  } else if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
             r.status == 301) {
    // AWS names the bucket's region in a response header.
    hint = r.bucket_region.empty() || r.bucket_region == options_.region
               ? "The bucket is in another region: set AWS_REGION to the bucket's region."
               : fmt::format("The bucket is in region {}: set AWS_REGION={}.",
                             r.bucket_region, r.bucket_region);
  } else if (code == "AccessDenied" || r.status == 403) {
    hint =
        "Access denied: check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and that "
        "the bucket policy allows s3:GetObject and s3:PutObject.";
  } else if (r.status >= 500 || r.status == 429) {
    hint = "The storage service is unavailable or throttling: retry later.";
  } else {
    hint = "Check the s3:// location, the endpoint and the credentials.";
  }
  std::string detail = code.empty() ? "" : " " + code;
  if (!message.empty()) detail += ": " + message;
  return Error(ExitCode::kStorageUnavailable,
               fmt::format("could not {} {}: HTTP {}{}\nHINT: {}", what, Describe(key),
                           r.status, detail, hint));
}

arrow::Result<ConditionalPutClient::Object> ConditionalPutClient::Get(
    const std::string& key) {
  ARROW_ASSIGN_OR_RAISE(auto r, Send("GET", key, nullptr, ""));
  Object obj;
  if (r.curl_code == CURLE_OK && r.status == 200) {
    obj.exists = true;
    obj.body = std::move(r.body);
    obj.etag = std::move(r.etag);
    return obj;
  }
  // A 404 for a missing bucket is an error, not an empty state.
  std::string code = r.code();
  if (r.curl_code == CURLE_OK && r.status == 404 &&
      (code.empty() || code == "NoSuchKey")) {
    return obj;
  }
  return Failure("read", key, r);
}

arrow::Result<ConditionalPutClient::Outcome> ConditionalPutClient::Put(
    const std::string& key, const std::string& body, const std::string& if_match_etag) {
  std::string condition =
      if_match_etag.empty() ? "If-None-Match: *" : "If-Match: " + if_match_etag;
  ARROW_ASSIGN_OR_RAISE(auto r, Send("PUT", key, &body, condition));
  if (r.curl_code == CURLE_OK) {
    std::string code = r.code();
    if (r.status / 100 == 2) return Outcome::kDone;
    // 412: the condition failed; 409: a concurrent conditional write won the race;
    // 404 NoSuchKey on If-Match: the object was deleted since we read it.
    if (r.status == 412 || r.status == 409 ||
        (r.status == 404 && code == "NoSuchKey" && !if_match_etag.empty())) {
      return Outcome::kConflict;
    }
    if (r.status == 501) {
      ARROW_ASSIGN_OR_RAISE(r, Send("PUT", key, &body, ""));
      if (r.curl_code == CURLE_OK && r.status / 100 == 2) {
        LogWarning(
            "the S3 server does not support conditional writes ({}); wrote {} "
            "unconditionally, so concurrent runs on this location are not protected "
            "against each other",
            code.empty() ? "HTTP 501" : code, Describe(key));
        return Outcome::kDone;
      }
    }
  }
  return Failure("write", key, r);
}

}  // namespace pgtide::storage
