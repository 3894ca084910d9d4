#include "pgtide/common/error_catalogue.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace pgtide {
namespace {

TEST(ErrorCatalogue, ClassifiesSqlStates) {
  struct Case {
    const char* sqlstate;
    ErrorClass expected;
  } cases[] = {
      {"08006", ErrorClass::kSourceTransient},  // connection_failure
      {"08001", ErrorClass::kSourceTransient},
      {"57P01", ErrorClass::kSourceTransient},  // admin_shutdown
      {"57P03", ErrorClass::kSourceTransient},  // cannot_connect_now
      {"53300", ErrorClass::kSourceTransient},  // too_many_connections
      {"40001", ErrorClass::kSourceTransient},  // serialization_failure
      {"28P01", ErrorClass::kSourceAuth},
      {"42501", ErrorClass::kSourcePermission},
      {"22003", ErrorClass::kSourceData},
      {"53200", ErrorClass::kOutOfMemory},
      {"42P01", ErrorClass::kSourceQuery},
      {"", ErrorClass::kSourceQuery},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ClassifySqlState(c.sqlstate), c.expected) << c.sqlstate;
  }
  EXPECT_EQ(InfoOf(ErrorClass::kSourceTransient).exit_code, ExitCode::kSourceUnavailable);
  EXPECT_TRUE(InfoOf(ErrorClass::kSourceTransient).retryable);
  EXPECT_EQ(InfoOf(ErrorClass::kSourcePermission).exit_code, ExitCode::kTablesFailed);
}

TEST(ErrorCatalogue, ClassifiesS3Responses) {
  EXPECT_EQ(ClassifyS3(404, "NoSuchBucket"), ErrorClass::kStorageMissing);
  EXPECT_EQ(ClassifyS3(403, "AccessDenied"), ErrorClass::kStorageDenied);
  EXPECT_EQ(ClassifyS3(403, "SignatureDoesNotMatch"), ErrorClass::kStorageDenied);
  EXPECT_EQ(ClassifyS3(503, "SlowDown"), ErrorClass::kStorageUnavailable);
  EXPECT_EQ(ClassifyS3(500, ""), ErrorClass::kStorageUnavailable);
  EXPECT_EQ(ClassifyS3(401, ""), ErrorClass::kStorageDenied);
  EXPECT_EQ(InfoOf(ErrorClass::kStorageDenied).exit_code, ExitCode::kStorageUnavailable);
}

TEST(ErrorCatalogue, ClassifiesErrnoAndCarriesTheClassInAStatus) {
  EXPECT_EQ(ClassifyErrno(ENOSPC), ErrorClass::kStorageFull);
  EXPECT_EQ(ClassifyErrno(EACCES), ErrorClass::kStorageDenied);
  auto st = Error(ErrorClass::kSourceTransient, "connection lost", "57P01");
  EXPECT_EQ(ErrorClassOf(st), ErrorClass::kSourceTransient);
  EXPECT_EQ(ExitCodeOf(st), ExitCode::kSourceUnavailable);
  EXPECT_EQ(SqlStateOf(st), "57P01");
  EXPECT_EQ(ErrorClassOf(Error(ExitCode::kState, "corrupt")), ErrorClass::kState);
  EXPECT_EQ(ErrorClassOf(arrow::Status::IOError("x")), ErrorClass::kInternal);
  // Every class has a distinct stable name.
  EXPECT_STREQ(InfoOf(ErrorClass::kStorageFull).name, "storage_full");
}

}  // namespace
}  // namespace pgtide

namespace pgtide {
namespace {

TEST(ErrorCatalogue, ClassifiesConnectFailuresByLibpqMessage) {
  struct Case {
    const char* message;
    ErrorClass expected;
  } cases[] = {
      {"could not translate host name \"no-such-host.invalid\" to address: Name or "
       "service not known",
       ErrorClass::kDns},
      {"connection to server at \"127.0.0.1\", port 5432 failed: server does not support "
       "SSL, but SSL was required",
       ErrorClass::kTls},
      {"SSL error: certificate verify failed", ErrorClass::kTls},
      {"root certificate file \"/x/root.crt\" does not exist", ErrorClass::kTls},
      {"connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
       "authentication failed for user \"postgres\"",
       ErrorClass::kSourceAuth},
      {"FATAL:  database \"nope\" does not exist", ErrorClass::kConfig},
      {"invalid integer value \"notaport\" for connection option \"port\"",
       ErrorClass::kUsage},
      {"invalid sslmode value: \"sometimes\"", ErrorClass::kUsage},
      {"connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
       ErrorClass::kSourceUnreachable},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ClassifyConnectFailure(c.message), c.expected) << c.message;
  }
  EXPECT_EQ(InfoOf(ErrorClass::kDns).exit_code, ExitCode::kSourceUnavailable);
  EXPECT_EQ(InfoOf(ErrorClass::kTls).exit_code, ExitCode::kSourceUnavailable);
  EXPECT_NE(std::string(InfoOf(ErrorClass::kDns).hint).find("resolve"),
            std::string::npos);
}

TEST(ErrorCatalogue, FullDiskErrnosAreStorageFull) {
  EXPECT_EQ(ClassifyErrno(ENOSPC), ErrorClass::kStorageFull);
  EXPECT_EQ(ClassifyErrno(EDQUOT), ErrorClass::kStorageFull);
  EXPECT_EQ(ClassifyErrno(EFBIG), ErrorClass::kStorageFull);
  EXPECT_EQ(InfoOf(ErrorClass::kStorageFull).exit_code, ExitCode::kStorageUnavailable);
}

}  // namespace
}  // namespace pgtide
