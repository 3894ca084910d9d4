#include "pgtide/storage/aws_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace pgtide::storage {
namespace {

const char* kConfig = R"(# a comment
[default]
region = eu-west-3

[profile etl]
region = ap-south-1   # inline comment
endpoint_url = http://global.example:9000
s3 =
  endpoint_url = http://s3only.example:9000
  addressing_style = path

[profile plain]
region=us-west-2
endpoint_url = https://plain.example

[profile svc]
services = local
[services local]
s3 =
  endpoint_url = http://services.example:4566
)";

TEST(AwsConfig, ReadsProfilesAndNestedSections) {
  EXPECT_EQ(AwsConfigValue(kConfig, "profile", "default", "region"), "eu-west-3");
  EXPECT_EQ(AwsConfigValue(kConfig, "profile", "etl", "region"), "ap-south-1");
  EXPECT_EQ(AwsConfigValue(kConfig, "profile", "etl", "endpoint_url"),
            "http://global.example:9000");
  EXPECT_EQ(AwsConfigValue(kConfig, "profile", "etl", "endpoint_url", "s3"),
            "http://s3only.example:9000");
  EXPECT_EQ(AwsConfigValue(kConfig, "profile", "plain", "endpoint_url", "s3"), "");
  EXPECT_EQ(AwsConfigValue(kConfig, "services", "local", "endpoint_url", "s3"),
            "http://services.example:4566");
  EXPECT_EQ(AwsConfigValue(kConfig, "profile", "missing", "region"), "");
  EXPECT_TRUE(AwsConfigHasProfile(kConfig, "etl"));
  EXPECT_FALSE(AwsConfigHasProfile(kConfig, "missing"));
}

class ResolveS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : kVars) unsetenv(v);
    path_ = std::filesystem::temp_directory_path() /
            ("pgtide-aws-config-" + std::to_string(::getpid()));
    std::ofstream(path_) << kConfig;
    setenv("AWS_CONFIG_FILE", path_.c_str(), 1);
  }
  void TearDown() override {
    for (const char* v : kVars) unsetenv(v);
    std::filesystem::remove(path_);
  }
  static constexpr const char* kVars[] = {
      "AWS_PROFILE",      "AWS_DEFAULT_PROFILE",
      "AWS_REGION",       "AWS_DEFAULT_REGION",
      "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
      "AWS_CONFIG_FILE",  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"};
  std::filesystem::path path_;
};

TEST_F(ResolveS3Test, PrecedenceAsTheAwsCli) {
  auto r = ResolveS3({});
  EXPECT_EQ(r.region, "eu-west-3");  // [default]
  EXPECT_EQ(r.endpoint, "");
  setenv("AWS_PROFILE", "etl", 1);
  r = ResolveS3({});
  EXPECT_EQ(r.region, "ap-south-1");
  EXPECT_EQ(r.endpoint, "http://s3only.example:9000");  // s3 nested beats global
  setenv("AWS_PROFILE", "plain", 1);
  EXPECT_EQ(ResolveS3({}).endpoint, "https://plain.example");
  setenv("AWS_PROFILE", "svc", 1);
  EXPECT_EQ(ResolveS3({}).endpoint, "http://services.example:4566");
  setenv("AWS_ENDPOINT_URL", "http://env-global:1", 1);
  EXPECT_EQ(ResolveS3({}).endpoint, "http://env-global:1");
  setenv("AWS_ENDPOINT_URL_S3", "http://env-s3:1", 1);
  EXPECT_EQ(ResolveS3({}).endpoint, "http://env-s3:1");
  S3Settings flags;
  flags.endpoint = "http://flag:1";
  flags.region = "sa-east-1";
  r = ResolveS3(flags);
  EXPECT_EQ(r.endpoint, "http://flag:1");
  EXPECT_EQ(r.region, "sa-east-1");
  setenv("AWS_DEFAULT_REGION", "ca-central-1", 1);
  EXPECT_EQ(ResolveS3({}).region, "ca-central-1");
  setenv("AWS_REGION", "eu-north-1", 1);
  EXPECT_EQ(ResolveS3({}).region, "eu-north-1");
  setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
  EXPECT_EQ(ResolveS3({}).endpoint, "");
}

TEST_F(ResolveS3Test, UnknownProfileFallsBackToUsEast1) {
  setenv("AWS_PROFILE", "missing", 1);
  auto r = ResolveS3({});
  EXPECT_FALSE(r.profile_found);
  EXPECT_EQ(r.region, "us-east-1");
  setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  EXPECT_EQ(ResolveS3({}).region, "us-east-1");
}

}  // namespace
}  // namespace pgtide::storage
