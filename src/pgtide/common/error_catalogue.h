#pragma once

#include <string>
#include <string_view>

#include "pgtide/common/exit_code.h"

namespace pgtide {

/// Every class of error pgtide reports, in one place: its stable name (in the JSON run
/// summary), the process exit code it maps to, whether retrying later can help, and the
/// hint the user sees. A new failure mode is added here first; callers classify (by
/// SQLSTATE, HTTP status and S3 code, errno), they never pick exit codes or hints.
enum class ErrorClass {
  kNone,
  kUsage,               // a flag, option or config value is wrong
  kConfig,              // the job file names something that does not exist
  kSourceUnreachable,   // PostgreSQL cannot be reached (refused, DNS, timeout)
  kSourceAuth,          // PostgreSQL refused the login
  kSourceTransient,     // the connection broke or the server is restarting / full
  kSourcePermission,    // the role may not read a table (42501)
  kSourceQuery,         // PostgreSQL rejected a statement (any other SQLSTATE)
  kSourceData,          // a value cannot be represented exactly (numeric NaN, overflow)
  kHorizonWait,         // transactions this role cannot see outlived --horizon-wait
  kTableLocked,         // another pgtide run is loading the table (advisory lock)
  kCommitConflict,      // another writer committed the table after this run read it
  kState,               // the state file is unreadable, corrupt or changed under us
  kStorageDenied,       // the output location refused us (credentials, permissions)
  kStorageMissing,      // the bucket or folder does not exist
  kStorageUnavailable,  // the storage service failed or throttled (5xx, timeouts)
  kStorageFull,         // no space left on a local disk (ENOSPC, EDQUOT)
  kCatalogUnavailable,  // the catalog cannot be reached, timed out or is busy
  kCatalogDenied,       // the catalog refused the login or the operation
  kTls,                 // a TLS handshake or certificate failed
  kDns,                 // a host name does not resolve
  kOutOfMemory,
  kInterrupted,  // SIGTERM / SIGINT
  kInternal,     // a bug
};

struct ErrorClassInfo {
  ErrorClass cls;
  const char* name;  // stable, lower_snake: "source_transient"
  ExitCode exit_code;
  bool retryable;
  const char* hint;  // a sentence; "" when the message says it all
};

/// The catalogue entry of `cls`.
const ErrorClassInfo& InfoOf(ErrorClass cls);

/// The class a bare exit code stands for, for errors raised before they were classified.
ErrorClass DefaultClassOf(ExitCode code);

/// PostgreSQL errors by SQLSTATE (libpq's PG_DIAG_SQLSTATE), as the PostgreSQL manual's
/// Appendix A groups them: class 08 and 57P01-57P03, 53300, 40001 and 40P01 are
/// transient.
ErrorClass ClassifySqlState(std::string_view sqlstate);

/// S3 errors by HTTP status and the XML error code of the response ("" when none).
ErrorClass ClassifyS3(long http_status, std::string_view s3_code);

/// A failed PostgreSQL connection by libpq's message (it has no SQLSTATE before the
/// server answers): kDns, kTls, kSourceAuth, kConfig (the database does not exist),
/// kUsage (the connection string is malformed) or kSourceUnreachable.
ErrorClass ClassifyConnectFailure(std::string_view libpq_message);

/// Local I/O errors by errno.
ErrorClass ClassifyErrno(int err);

}  // namespace pgtide
