#include <arrow/buffer.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/file.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/storage/conditional_put.h"
#include "pgtide/storage/staging_folder.h"
#include "pgtide/storage/store_backends_internal.h"

namespace pgtide::storage {

namespace fsys = std::filesystem;

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

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
    std::string endpoint = settings.endpoint;
    if (endpoint.empty()) endpoint = Env("AWS_ENDPOINT_URL_S3");
    if (endpoint.empty()) endpoint = Env("AWS_ENDPOINT_URL");
    if (!endpoint.empty()) {
      // Local servers (MinIO, moto, Ceph) want path-style addressing and often plain
      // http.
      std::string host = endpoint;
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
    std::string region = settings.region;
    if (region.empty()) region = Env("AWS_REGION");
    if (region.empty()) region = Env("AWS_DEFAULT_REGION");
    if (!region.empty()) options_.region = region;
    if (options_.region.empty()) options_.region = "us-east-1";
    options_.connect_timeout = 10;
    options_.request_timeout = 60;
    options_.retry_strategy = arrow::fs::S3RetryStrategy::GetAwsStandardRetryStrategy(6);
    auto fs = arrow::fs::S3FileSystem::Make(options_);
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

  // Arrow's S3 output stream uploads in parts while it is written and completes the
  // multipart upload (or does one PUT) on Close: the object appears whole or not at all.
  arrow::Status Publish(const std::string& staging_path,
                        const std::string& rel) override {
    auto st = Upload(staging_path, rel);
    DiscardStaged(staging_path);
    return st.ok() ? st : StorageError(st, "upload " + Describe(rel));
  }

  arrow::Status WriteSmall(const std::string& rel, const std::string& content) override {
    auto st = [&]() -> arrow::Status {
      ARROW_ASSIGN_OR_RAISE(auto out, fs_->OpenOutputStream(Full(rel)));
      ARROW_RETURN_NOT_OK(
          out->Write(content.data(), static_cast<int64_t>(content.size())));
      return out->Close();
    }();
    return st.ok() ? st : StorageError(st, "write " + Describe(rel));
  }

  arrow::Status Update(const std::string& rel, const Mutator& mutate) override {
    ConditionalPutClient client(options_, bucket_);
    std::string key = prefix_.empty() ? rel : prefix_ + "/" + rel;
    for (int attempt = 0; attempt < 20; ++attempt) {
      ARROW_ASSIGN_OR_RAISE(auto current, client.Get(key));
      std::optional<std::string> body;
      if (current.exists) body = current.body;
      ARROW_ASSIGN_OR_RAISE(auto next, mutate(body));
      ARROW_ASSIGN_OR_RAISE(auto outcome,
                            client.Put(key, next, current.exists ? current.etag : ""));
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
  StagingFolder staging_;  // removed with the store
};

}  // namespace

arrow::Result<std::shared_ptr<ObjectStore>> OpenS3Store(const std::string& uri,
                                                        const S3Settings& settings) {
  auto store = std::make_shared<S3Store>();
  ARROW_RETURN_NOT_OK(store->Init(uri, settings));
  return store;
}

}  // namespace pgtide::storage
