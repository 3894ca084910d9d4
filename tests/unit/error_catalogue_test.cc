#include "pgtide/common/error_catalogue.h"

#include <gtest/gtest.h>

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
