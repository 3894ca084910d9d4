#pragma once

#include <string>

#include "pgtide/storage/object_store.h"

namespace pgtide::storage {

/// Where the S3 endpoint and region come from, resolved as the AWS CLI does:
///
///   endpoint: --s3-endpoint > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL > the profile's
///             `s3 =` nested `endpoint_url` (in the profile or its `services` section) >
///             the profile's `endpoint_url` > AWS itself.
///             AWS_IGNORE_CONFIGURED_ENDPOINT_URLS =true skips the environment and the
///             config file.
///   region:   --s3-region > AWS_REGION > AWS_DEFAULT_REGION > the profile's `region` >
///             us-east-1.
///
/// The profile is AWS_PROFILE (else AWS_DEFAULT_PROFILE, else "default") in the shared
/// config file AWS_CONFIG_FILE (else ~/.aws/config): `[default]` or `[profile NAME]`.
struct ResolvedS3 {
  std::string endpoint;  // "" for AWS itself
  std::string region;
  std::string endpoint_from, region_from;  // "--s3-endpoint", "AWS_REGION", "profile x"
  std::string profile;                     // the profile consulted
  bool profile_found = false;
  std::string config_file;  // the shared config file consulted ("" when none)
};

ResolvedS3 ResolveS3(const S3Settings& flags);

/// One setting of `profile` in the AWS shared config `text` ("" when absent); `nested`
/// names a nested section such as "s3" (`s3 =` then indented `key = value` lines).
/// `section_prefix` is "profile" or "services".
std::string AwsConfigValue(const std::string& text, const std::string& section_prefix,
                           const std::string& name, const std::string& key,
                           const std::string& nested = "");

/// True when the shared config `text` has the section of `profile`.
bool AwsConfigHasProfile(const std::string& text, const std::string& profile);

}  // namespace pgtide::storage
