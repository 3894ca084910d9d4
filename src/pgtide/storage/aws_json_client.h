#pragma once

// One signed request to an AWS JSON 1.1 API (Glue: POST / with X-Amz-Target:
// AWSGlue.<Op>), through libcurl's SigV4 signing and the credentials of the AWS default
// chain that the S3 path uses (environment, profile, web identity, instance role).

#include <arrow/result.h>

#include <string>

namespace pgtide::storage {

struct AwsJsonResponse {
  bool sent = false;       // false: no HTTP answer (connect failure, timeout)
  std::string curl_error;  // when !sent
  bool timed_out = false;  // the request may have reached the server
  long status = 0;         // HTTP status
  std::string body;
  std::string error_type;  // "EntityNotFoundException" (from __type), "" on success
};

struct AwsJsonTarget {
  std::string
      endpoint;  // "https://glue.us-east-1.amazonaws.com" or "http://127.0.0.1:5000"
  std::string region;
  std::string service;        // "glue"
  std::string target_prefix;  // "AWSGlue"
  double timeout_s = 30;      // connect and whole-request bound
};

/// POSTs `body` as operation `op`; errors only for a failure to build the request. One
/// attempt; the caller decides what a failure means.
arrow::Result<AwsJsonResponse> PostAwsJson(const AwsJsonTarget& target,
                                           const std::string& op,
                                           const std::string& body);

}  // namespace pgtide::storage
