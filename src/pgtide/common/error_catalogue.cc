#include "pgtide/common/error_catalogue.h"

#include <cerrno>

namespace pgtide {

// The one table. Exit codes are documented in the README ("Exit codes").
static const ErrorClassInfo kCatalogue[] = {
    {ErrorClass::kNone, "none", ExitCode::kOk, false, ""},
    {ErrorClass::kUsage, "usage", ExitCode::kUsage, false,
     "Fix the option named above; `pgtide run --help` lists them."},
    {ErrorClass::kConfig, "config", ExitCode::kUsage, false,
     "Fix the job file at the path named above."},
    {ErrorClass::kSourceUnreachable, "source_unreachable", ExitCode::kSourceUnavailable,
     true, "Check that the server is running and that host and port are right."},
    {ErrorClass::kSourceAuth, "source_auth", ExitCode::kSourceUnavailable, false,
     "Check the user and password (in --source, PGPASSWORD or ~/.pgpass)."},
    {ErrorClass::kSourceTransient, "source_transient", ExitCode::kSourceUnavailable, true,
     "The connection to PostgreSQL was lost or the server is busy; the next run "
     "retries."},
    {ErrorClass::kSourcePermission, "source_permission", ExitCode::kTablesFailed, false,
     "GRANT SELECT on the table to the pgtide role, or exclude the table."},
    {ErrorClass::kSourceQuery, "source_query", ExitCode::kTablesFailed, false, ""},
    {ErrorClass::kSourceData, "source_data", ExitCode::kTablesFailed, false, ""},
    {ErrorClass::kHorizonWait, "horizon_wait", ExitCode::kTablesFailed, true,
     "GRANT pg_read_all_stats TO the pgtide role (then it reads when those transactions "
     "started instead of waiting for them), or raise --horizon-wait."},
    {ErrorClass::kTableLocked, "table_locked", ExitCode::kTablesFailed, true,
     "Another pgtide run is loading this table into the same output; the next run "
     "loads it (or raise --lock-wait to wait for it)."},
    {ErrorClass::kCommitConflict, "commit_conflict", ExitCode::kTablesFailed, true,
     "Another writer committed this table after this run read it; this run's files for "
     "it were discarded. The next run loads it from that commit's mark."},
    {ErrorClass::kState, "state", ExitCode::kState, false,
     "Repair or move the state file named above; its lines are CSV."},
    {ErrorClass::kStorageDenied, "storage_denied", ExitCode::kStorageUnavailable, false,
     "Check the credentials and the permissions on the location named above."},
    {ErrorClass::kStorageMissing, "storage_missing", ExitCode::kStorageUnavailable, false,
     "Create the bucket or folder, or fix the location."},
    {ErrorClass::kStorageUnavailable, "storage_unavailable",
     ExitCode::kStorageUnavailable, true,
     "The storage service failed or is throttling: retry later."},
    {ErrorClass::kStorageFull, "storage_full", ExitCode::kStorageUnavailable, true,
     "No space left on the local disk named above: free space or point TMPDIR "
     "elsewhere."},
    {ErrorClass::kCatalogUnavailable, "catalog_unavailable",
     ExitCode::kCatalogUnavailable, true,
     "The catalog named by --catalog cannot be reached or stayed busy: check that it is "
     "running and the URI's host and port (or --catalog-endpoint); the next run "
     "retries."},
    {ErrorClass::kCatalogDenied, "catalog_denied", ExitCode::kCatalogUnavailable, false,
     "The catalog refused the login or the operation: check the user and password in "
     "--catalog (or the AWS credentials for glue) and their permissions."},
    {ErrorClass::kTls, "tls", ExitCode::kSourceUnavailable, false,
     "A TLS handshake or certificate check failed: check sslmode / the CA certificates."},
    {ErrorClass::kDns, "dns", ExitCode::kSourceUnavailable, true,
     "The host name does not resolve: check its spelling and the DNS configuration."},
    {ErrorClass::kOutOfMemory, "out_of_memory", ExitCode::kInternal, true,
     "Out of memory: lower --memory-limit-mb or --jobs, or give the process more "
     "memory."},
    {ErrorClass::kInterrupted, "interrupted", ExitCode::kInterrupted, true,
     "The run was stopped by a signal; committed tables stay, the others are retried "
     "next run."},
    {ErrorClass::kInternal, "internal", ExitCode::kInternal, false,
     "This is a bug: please report it with the run log."},
};

const ErrorClassInfo& InfoOf(ErrorClass cls) {
  for (const auto& e : kCatalogue) {
    if (e.cls == cls) return e;
  }
  return kCatalogue[sizeof(kCatalogue) / sizeof(kCatalogue[0]) - 1];
}

ErrorClass DefaultClassOf(ExitCode code) {
  switch (code) {
    case ExitCode::kOk:
      return ErrorClass::kNone;
    case ExitCode::kTablesFailed:
      return ErrorClass::kSourceQuery;
    case ExitCode::kUsage:
      return ErrorClass::kUsage;
    case ExitCode::kSourceUnavailable:
      return ErrorClass::kSourceUnreachable;
    case ExitCode::kState:
      return ErrorClass::kState;
    case ExitCode::kStorageUnavailable:
      return ErrorClass::kStorageUnavailable;
    case ExitCode::kCatalogUnavailable:
      return ErrorClass::kCatalogUnavailable;
    case ExitCode::kInterrupted:
    case ExitCode::kTerminated:
      return ErrorClass::kInterrupted;
    default:
      return ErrorClass::kInternal;
  }
}

ErrorClass ClassifySqlState(std::string_view s) {
  if (s.size() != 5) return ErrorClass::kSourceQuery;
  std::string_view cls = s.substr(0, 2);
  if (cls == "08") return ErrorClass::kSourceTransient;  // connection exception
  if (s == "57P01" || s == "57P02" || s == "57P03") return ErrorClass::kSourceTransient;
  if (s == "53300" || s == "40001" || s == "40P01") return ErrorClass::kSourceTransient;
  if (s == "53200") return ErrorClass::kOutOfMemory;
  if (cls == "28") return ErrorClass::kSourceAuth;  // invalid authorization
  if (s == "42501") return ErrorClass::kSourcePermission;
  if (cls == "22") return ErrorClass::kSourceData;    // data exception
  if (s == "57014") return ErrorClass::kInterrupted;  // query_canceled
  return ErrorClass::kSourceQuery;
}

ErrorClass ClassifyS3(long http_status, std::string_view code) {
  if (code == "NoSuchBucket") return ErrorClass::kStorageMissing;
  if (code == "AccessDenied" || code == "InvalidAccessKeyId" ||
      code == "SignatureDoesNotMatch" || code == "ExpiredToken" ||
      code == "InvalidToken" || code == "RequestTimeTooSkewed") {
    return ErrorClass::kStorageDenied;
  }
  if (code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" ||
      code == "RequestTimeout") {
    return ErrorClass::kStorageUnavailable;
  }
  if (http_status == 401 || http_status == 403) return ErrorClass::kStorageDenied;
  if (http_status == 404) return ErrorClass::kStorageMissing;
  if (http_status == 408 || http_status == 429 || http_status >= 500 ||
      http_status == 0) {
    return ErrorClass::kStorageUnavailable;
  }
  return ErrorClass::kStorageUnavailable;
}

ErrorClass ClassifyConnectFailure(std::string_view m) {
  auto has = [&](std::string_view s) { return m.find(s) != std::string_view::npos; };
  // libpq 15's wording (fe-connect.c, fe-secure-openssl.c), untranslated (lc_messages C).
  if (has("could not translate host name") || has("Name or service not known") ||
      has("Temporary failure in name resolution")) {
    return ErrorClass::kDns;
  }
  if (has("invalid connection option") || has("missing \"=\"") ||
      has("unterminated quoted string") || has("invalid URI") || has("in URI") ||
      has("invalid integer value") || has("invalid port number") ||
      has("invalid sslmode value")) {
    return ErrorClass::kUsage;
  }
  if (has("password") || has("authentication") || has("no pg_hba.conf entry")) {
    return ErrorClass::kSourceAuth;
  }
  if (has("SSL") || has("certificate") || has("sslmode") || has("GSSAPI encryption")) {
    return ErrorClass::kTls;
  }
  if (has("database \"") && has("does not exist")) return ErrorClass::kConfig;
  return ErrorClass::kSourceUnreachable;
}

ErrorClass ClassifyErrno(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:  // RLIMIT_FSIZE or the file system's limit: the same "make room" fix
      return ErrorClass::kStorageFull;
    case EACCES:
    case EPERM:
    case EROFS:
      return ErrorClass::kStorageDenied;
    case ENOENT:
    case ENOTDIR:
      return ErrorClass::kStorageMissing;
    case ENOMEM:
      return ErrorClass::kOutOfMemory;
    default:
      return ErrorClass::kStorageUnavailable;
  }
}

}  // namespace pgtide
