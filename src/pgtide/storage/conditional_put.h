#pragma once

// Conditional GET/PUT of one small S3 object (the state file) through libcurl's SigV4
// signing: Arrow's S3FileSystem cannot send If-Match / If-None-Match (apache/arrow#44281)
// and the AWS SDK inside the pyarrow wheel is hidden.

#include <arrow/filesystem/s3fs.h>
#include <arrow/result.h>

#include <string>

namespace pgtide::storage {

/// Not thread-safe in the sense of sharing one instance; create one per caller.
class ConditionalPutClient {
 public:
  /// `options` are the store's S3Options: endpoint_override ("127.0.0.1:5000",
  /// path-style) or AWS (virtual-host style), scheme, region, and the default-chain
  /// credentials.
  /// `max_attempts`: tries per request (transient failures: connect errors, timeouts,
  /// 5xx, 429), the first included.
  ConditionalPutClient(const arrow::fs::S3Options& options, std::string bucket,
                       int max_attempts = 3);

  struct Object {
    bool exists = false;
    std::string body;
    std::string etag;  // as the server sent it, quotes included
  };
  enum class Outcome { kDone, kConflict };

  /// GET the object; exists=false on 404 NoSuchKey.
  arrow::Result<Object> Get(const std::string& key);

  /// PUT with `If-Match: <etag>` when if_match_etag is non-empty, else `If-None-Match:
  /// *`. kConflict on 412/409 (or 404 when the object vanished): re-read and retry. A
  /// server answering 501 to the condition gets one unconditional PUT and a warning.
  arrow::Result<Outcome> Put(const std::string& key, const std::string& body,
                             const std::string& if_match_etag);

 private:
  struct Response;
  arrow::Result<Response> Send(const std::string& method, const std::string& key,
                               const std::string* body, const std::string& condition);
  /// The kStorageUnavailable error for a failed request: object, status, S3 code and a
  /// hint.
  arrow::Status Failure(const std::string& what, const std::string& key,
                        const Response& r) const;
  std::string Url(const std::string& key) const;
  std::string Describe(const std::string& key) const {
    return "s3://" + bucket_ + "/" + key;
  }

  arrow::fs::S3Options options_;
  std::string bucket_;
  int max_attempts_;
};

}  // namespace pgtide::storage
