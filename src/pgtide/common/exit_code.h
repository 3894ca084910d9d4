#pragma once

#include <arrow/status.h>

#include <memory>
#include <string>

namespace pgtide {

enum class ErrorClass;  // common/error_catalogue.h

/// Stable process exit codes, documented in the README. A script can tell "retry later"
/// (kSourceUnavailable, kStorageUnavailable) from "fix the configuration" (kUsage,
/// kState).
enum class ExitCode : int {
  kOk = 0,
  kTablesFailed = 1,  // the run finished, some tables failed; the others are committed
  kUsage = 2,         // bad arguments, unknown schema or cursor column, bad config
  kSourceUnavailable = 3,  // cannot connect: bad DSN, server down, authentication failed
  kState = 4,              // the state file is unreadable, corrupt, or changed under us
  kStorageUnavailable =
      5,  // output or log location cannot be written (denied, missing, full)
  kCatalogUnavailable = 6,  // the catalog (--catalog) refused us or cannot be reached
  kInternal = 70,           // a bug: please report it with the run log
  kInterrupted = 130,       // stopped by SIGINT (128 + 2); committed tables stay
  kTerminated = 143,        // stopped by SIGTERM (128 + 15); committed tables stay
};

/// Carries an ExitCode, its ErrorClass and, for PostgreSQL errors, the SQLSTATE inside an
/// arrow::Status.
class ErrorDetail : public arrow::StatusDetail {
 public:
  ErrorDetail(ExitCode code, std::string sqlstate, ErrorClass cls)
      : code_(code), sqlstate_(std::move(sqlstate)), class_(cls) {}
  const char* type_id() const override { return "pgtide::ErrorDetail"; }
  std::string ToString() const override;
  ExitCode code() const { return code_; }
  const std::string& sqlstate() const { return sqlstate_; }
  ErrorClass error_class() const { return class_; }

 private:
  ExitCode code_;
  std::string sqlstate_;
  ErrorClass class_;
};

/// Returns an error Status with message `msg` that maps to exit code `code` (its class is
/// the code's default).
arrow::Status Error(ExitCode code, std::string msg, std::string sqlstate = {});

/// Returns the exit code a failed Status maps to (kInternal when it carries none).
ExitCode ExitCodeOf(const arrow::Status& st);

/// Returns an error Status of class `cls` (exit code and hint from the catalogue).
arrow::Status Error(ErrorClass cls, std::string msg, std::string sqlstate = {});

/// Returns the class a failed Status carries (kInternal when none).
ErrorClass ErrorClassOf(const arrow::Status& st);

/// Returns the SQLSTATE a Status carries, or "".
std::string SqlStateOf(const arrow::Status& st);

/// Returns `st` with `code` attached unless it already carries one.
arrow::Status WithExitCode(arrow::Status st, ExitCode code);

}  // namespace pgtide
