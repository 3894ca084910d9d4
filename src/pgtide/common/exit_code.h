#pragma once

#include <arrow/status.h>

#include <memory>
#include <string>

namespace pgtide {

/// Stable process exit codes, documented in the README. A script can tell "retry later"
/// (kSourceUnavailable, kStorageUnavailable) from "fix the configuration" (kUsage, kState).
enum class ExitCode : int {
  kOk = 0,
  kTablesFailed = 1,        // the run finished, some tables failed; the others are committed
  kUsage = 2,               // bad arguments, unknown schema or cursor column, bad config
  kSourceUnavailable = 3,   // cannot connect: bad DSN, server down, authentication failed
  kState = 4,               // the state file is unreadable, corrupt, or changed under us
  kStorageUnavailable = 5,  // output or log location cannot be written (denied, missing, full)
  kInternal = 70,           // a bug: please report it with the run log
};

/// Carries an ExitCode (and, for PostgreSQL errors, the SQLSTATE) inside an arrow::Status.
class ErrorDetail : public arrow::StatusDetail {
 public:
  ErrorDetail(ExitCode code, std::string sqlstate = {})
      : code_(code), sqlstate_(std::move(sqlstate)) {}
  const char* type_id() const override { return "pgtide::ErrorDetail"; }
  std::string ToString() const override;
  ExitCode code() const { return code_; }
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  ExitCode code_;
  std::string sqlstate_;
};

/// Returns an error Status with message `msg` that maps to exit code `code`.
arrow::Status Error(ExitCode code, std::string msg, std::string sqlstate = {});

/// Returns the exit code a failed Status maps to (kInternal when it carries none).
ExitCode ExitCodeOf(const arrow::Status& st);

/// Returns the SQLSTATE a Status carries, or "".
std::string SqlStateOf(const arrow::Status& st);

/// Returns `st` with `code` attached unless it already carries one.
arrow::Status WithExitCode(arrow::Status st, ExitCode code);

}  // namespace pgtide
