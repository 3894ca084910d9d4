#pragma once

// One plain HTTP(S) request through libcurl, bounded in time, for the REST catalog and
// its OAuth2 token endpoint. No retries: the caller decides what a failure means (a
// commit that timed out after it was sent has an unknown outcome, a GET can be retried).

#include <arrow/result.h>

#include <string>
#include <vector>

namespace pgtide::storage {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, HEAD, DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent for POST
  double timeout_s = 30;             // connect and whole-request bound
  /// Non-empty: sign with AWS SigV4 for this service ("glue", "s3tables") and region,
  /// with the credentials of the AWS default chain (as the S3 store resolves them).
  std::string aws_service;
  std::string aws_region;
};

struct HttpResponse {
  bool sent = false;       // false: no HTTP answer (refused, DNS, TLS, timeout)
  std::string curl_error;  // when !sent
  bool timed_out = false;  // the request may have reached the server
  long status = 0;
  std::string body;
};

/// Performs `request`; errors only for a failure to build it.
arrow::Result<HttpResponse> PerformHttp(const HttpRequest& request);

/// `text` percent-encoded as one URL path segment or form value (RFC 3986 unreserved
/// characters kept).
std::string UrlEncode(const std::string& text);

}  // namespace pgtide::storage
