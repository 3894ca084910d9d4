#include <arrow/buffer.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/file.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/storage/aws_config.h"
#include "pgtide/storage/conditional_put.h"
#include "pgtide/storage/part_buffer_pool.h"
#include "pgtide/storage/staging_folder.h"
#include "pgtide/storage/store_backends_internal.h"
#include "pgtide/storage/whole_part_stream.h"

namespace pgtide::storage {

namespace fsys = std::filesystem;

arrow::Status InitializeS3Once() {
  static std::once_flag once;
  static arrow::Status status;
  std::call_once(once, [] {
    // The wheel's curl looks for CA certificates at another distribution's path.
    arrow::fs::FileSystemGlobalOptions global;
    if (fsys::exists("/etc/ssl/certs/ca-certificates.crt")) {
      global.tls_ca_file_path = "/etc/ssl/certs/ca-certificates.crt";
      global.tls_ca_dir_path = "/etc/ssl/certs";
    }
    status = arrow::fs::Initialize(global);
    if (!status.ok()) return;
    arrow::fs::S3GlobalOptions s3 = arrow::fs::S3GlobalOptions::Defaults();
    status = arrow::fs::InitializeS3(s3);
  });
  return status;
}

namespace {

/// Endpoints that timed out or refused a connection in this run, with the first error.
struct UnreachableEndpoints {
  std::mutex mu;
  std::map<std::string, std::string> first_error;
};

UnreachableEndpoints& Unreachable() {
  static UnreachableEndpoints u;
  return u;
}

/// True when a failed request says the endpoint is not there (refused, timed out,
/// unresolvable), as opposed to an answer we did not like.
bool LooksUnreachable(const std::string& message) {
  std::string m = message;
  for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* s :
       {"curlcode: 7,", "curlcode: 28,", "curlcode: 6,", "couldn't connect",
        "could not connect", "failed to connect", "timeout was reached", "timed out",
        "connection refused", "could not resolve", "couldn't resolve"}) {
    if (m.find(s) != std::string::npos) return true;
  }
  return false;
}

void LogOnce(const ResolvedS3& r) {
  static std::once_flag once;
  std::call_once(once, [&] {
    LogDebug("S3 endpoint {} (from {}), region {} (from {}), profile {}{}",
             r.endpoint.empty() ? "AWS" : r.endpoint,
             r.endpoint_from.empty() ? "default" : r.endpoint_from, r.region,
             r.region_from, r.profile,
             r.profile_found ? "" : " (not in the config file)");
    const char* explicit_profile = std::getenv("AWS_PROFILE");
    if (explicit_profile && *explicit_profile && !r.profile_found) {
      LogWarning(
          "AWS_PROFILE={} is not a profile of {}: its region and endpoint_url are not "
          "used (credentials may still come from the credentials file)",
          explicit_profile, r.config_file.empty() ? "~/.aws/config" : r.config_file);
    }
  });
}

class S3Store : public ObjectStore {
 public:
  arrow::Status Init(const std::string& uri, const S3Settings& settings) {
    ARROW_RETURN_NOT_OK(InitializeS3Once());
    std::string rest = uri.substr(5);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.empty() || rest.find('?') != std::string::npos) {
      return Error(ExitCode::kUsage,
                   fmt::format("bad S3 location \"{}\"\nHINT: write it as "
                               "s3://bucket/prefix",
                               uri));
    }
    root_ = rest;
    location_ = "s3://" + rest;
    bucket_ = rest.substr(0, rest.find('/'));
    prefix_ = rest.size() > bucket_.size() ? rest.substr(bucket_.size() + 1) : "";

    options_ = arrow::fs::S3Options::Defaults();
    const ResolvedS3 resolved = ResolveS3(settings);
    LogOnce(resolved);
    if (!resolved.endpoint.empty()) {
      // Local servers (MinIO, moto, Ceph) want path-style addressing and often plain
      // http.
      std::string host = resolved.endpoint;
      if (host.rfind("http://", 0) == 0) {
        options_.scheme = "http";
        host = host.substr(7);
      } else if (host.rfind("https://", 0) == 0) {
        host = host.substr(8);
      }
      while (!host.empty() && host.back() == '/') host.pop_back();
      options_.endpoint_override = host;
      options_.force_virtual_addressing = false;
    }
    options_.region = resolved.region;
    endpoint_key_ = resolved.endpoint.empty() ? "s3." + resolved.region + ".amazonaws.com"
                                              : options_.endpoint_override;
    // Bounded waits: the SDK's request timeout is a low-speed limit (no byte for that
    // long), so large uploads on a slow link are not cut; a stalled socket is.
    options_.connect_timeout = settings.connect_timeout_s;
    options_.request_timeout = settings.request_timeout_s;
    max_attempts_ = std::max(1, settings.max_attempts);
    // A stream opens no upload until its first part is full: a file smaller than a part
    // is one PUT on close instead of a create-upload-complete round trip each.
    options_.allow_delayed_open = true;
    options_.retry_strategy =
        arrow::fs::S3RetryStrategy::GetAwsStandardRetryStrategy(max_attempts_);
    auto fs =
        arrow::fs::S3FileSystem::Make(options_, arrow::io::IOContext(PartBufferPool()));
    if (!fs.ok()) return StorageError(fs.status(), "open " + location_);
    fs_ = *fs;
    s3fs_ = *fs;
    is_s3_ = true;
    RemoveDeadRunsStagingFolders();
    return arrow::Status::OK();
  }

  arrow::Result<std::string> StagingPath(const std::string& rel) override {
    std::string failed = staging_.Create();
    if (!failed.empty())
      return StorageError(arrow::Status::IOError(failed), "create " + staging_.path());
    return staging_.path() + "/" + RandomHex(16) + ".parquet";
  }

  // Data files are streamed: Arrow's S3 output stream uploads 10 MiB parts in the
  // background while the Parquet writer goes on, and completes the multipart upload (or,
  // for a file under one part, does one PUT) on close: the object appears whole or not at
  // all, and an aborted stream aborts its upload. Nothing is staged on local disk. The
  // bytes of a part not yet full wait in a buffer of their size (whole_part_stream.h).
  arrow::Result<DataFileSink> OpenDataFile(const std::string& rel) override {
    ARROW_RETURN_NOT_OK(CheckReachable());
    auto stream = fs_->OpenOutputStream(Full(rel));
    NoteFailure(stream.status());
    if (!stream.ok())
      return StorageError(stream.status(),
                          "upload " + Describe(rel) + Via(stream.status()));
    DataFileSink sink;
    sink.stream = WholePartStream::Make(*stream);
    return sink;
  }

  // A file staged locally (not streamed) is uploaded the same way.
  arrow::Status Publish(const std::string& staging_path,
                        const std::string& rel) override {
    auto st = CheckReachable();
    if (st.ok()) st = Upload(staging_path, rel);
    DiscardStaged(staging_path);
    NoteFailure(st);
    return st.ok() ? st : StorageError(st, "upload " + Describe(rel) + Via(st));
  }

  arrow::Status WriteSmall(const std::string& rel, const std::string& content) override {
    ARROW_RETURN_NOT_OK(CheckReachable());
    auto st = [&]() -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto out, fs_->OpenOutputStream(Full(rel)));
      ARROW_RETURN_NOT_OK(
          out->Write(content.data(), static_cast<int64_t>(content.size())));
      return out->Close();
    }();
    NoteFailure(st);
    return st.ok() ? st : StorageError(st, "write " + Describe(rel) + Via(st));
  }

  arrow::Result<bool> CreateIfAbsent(const std::string& rel,
                                     const std::string& content) override {
    ARROW_RETURN_NOT_OK(CheckReachable());
    ConditionalPutClient client(options_, bucket_, max_attempts_);
    std::string key = prefix_.empty() ? rel : prefix_ + "/" + rel;
    auto put = client.Put(key, content, /*if_match_etag=*/"");
    if (!put.ok()) NoteFailure(put.status());
    ARROW_ASSIGN_OR_RAISE(auto outcome, std::move(put));
    return outcome == ConditionalPutClient::Outcome::kDone;
  }

  arrow::Status Update(const std::string& rel, const Mutator& mutate) override {
    ARROW_RETURN_NOT_OK(CheckReachable());
    ConditionalPutClient client(options_, bucket_, max_attempts_);
    std::string key = prefix_.empty() ? rel : prefix_ + "/" + rel;
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto got = client.Get(key);
      if (!got.ok()) NoteFailure(got.status());
      ARROW_ASSIGN_OR_RAISE(auto current, std::move(got));
      std::optional<std::string> body;
      if (current.exists) body = current.body;
      ARROW_ASSIGN_OR_RAISE(auto next, mutate(body));
      auto put = client.Put(key, next, current.exists ? current.etag : "");
      if (!put.ok()) NoteFailure(put.status());
      ARROW_ASSIGN_OR_RAISE(auto outcome, std::move(put));
      if (outcome == ConditionalPutClient::Outcome::kDone) return arrow::Status::OK();
      LogInfo(
          "state object {} changed under us (another run committed); merging and "
          "retrying",
          Describe(rel));
    }
    return Error(ExitCode::kState, fmt::format("could not update {}: too many concurrent "
                                               "changes",
                                               Describe(rel)));
  }

  arrow::Status CheckWritable() override {
    std::string probe = ".pgtide-write-check-" + RandomHex(8);
    auto st = WriteSmall(probe, "");
    if (!st.ok()) return st;
    return DeleteFile(probe);
  }

 protected:
  arrow::Status CheckReachable() const override {
    auto& u = Unreachable();
    std::lock_guard<std::mutex> lock(u.mu);
    auto it = u.first_error.find(endpoint_key_);
    if (it == u.first_error.end()) return arrow::Status::OK();
    return Error(ErrorClass::kStorageUnavailable,
                 fmt::format("could not reach {}: the S3 endpoint {} did not answer "
                             "earlier in this run ({}), so it is not tried again\nHINT: "
                             "The endpoint cannot be reached: check --s3-endpoint / "
                             "AWS_ENDPOINT_URL / the profile's endpoint_url and the "
                             "network (timeouts: --s3-connect-timeout, "
                             "--s3-request-timeout).",
                             location_, endpoint_key_, it->second));
  }

  std::string Via(const arrow::Status& st) const override {
    if (st.ok() || !LooksUnreachable(st.message())) return "";
    return " via the S3 endpoint " + endpoint_key_;
  }

  void NoteFailure(const arrow::Status& st) const override {
    if (st.ok() || !LooksUnreachable(st.message())) return;
    auto& u = Unreachable();
    std::lock_guard<std::mutex> lock(u.mu);
    std::string first = st.message().substr(0, st.message().find('\n'));
    u.first_error.emplace(endpoint_key_, first);
  }

 private:
  arrow::Status Upload(const std::string& staging_path, const std::string& rel) {
    ARROW_ASSIGN_OR_RAISE(auto in, arrow::io::ReadableFile::Open(staging_path));
    ARROW_ASSIGN_OR_RAISE(auto out, fs_->OpenOutputStream(Full(rel)));
    while (true) {
      ARROW_ASSIGN_OR_RAISE(auto buf, in->Read(8 << 20));
      if (buf->size() == 0) break;
      ARROW_RETURN_NOT_OK(out->Write(buf));
    }
    return out->Close();
  }

  arrow::fs::S3Options options_;
  std::shared_ptr<arrow::fs::S3FileSystem> s3fs_;
  std::string bucket_, prefix_;
  StagingFolder staging_;     // removed with the store
  std::string endpoint_key_;  // host[:port] of the endpoint, for UnreachableEndpoints
  int max_attempts_ = 3;
};

}  // namespace

arrow::Result<std::shared_ptr<ObjectStore>> OpenS3Store(const std::string& uri,
                                                        const S3Settings& settings) {
  auto store = std::make_shared<S3Store>();
  ARROW_RETURN_NOT_OK(store->Init(uri, settings));
  return store;
}

}  // namespace pgtide::storage
