#include "pgtide/common/exit_code.h"

#include "pgtide/common/error_catalogue.h"

namespace pgtide {

std::string ErrorDetail::ToString() const {
  return sqlstate_.empty() ? std::string() : "SQLSTATE " + sqlstate_;
}

arrow::Status Error(ExitCode code, std::string msg, std::string sqlstate) {
  ErrorClass cls = DefaultClassOf(code);
  return arrow::Status(arrow::StatusCode::IOError, std::move(msg),
                       std::make_shared<ErrorDetail>(code, std::move(sqlstate), cls));
}

arrow::Status Error(ErrorClass cls, std::string msg, std::string sqlstate) {
  return arrow::Status(
      arrow::StatusCode::IOError, std::move(msg),
      std::make_shared<ErrorDetail>(InfoOf(cls).exit_code, std::move(sqlstate), cls));
}

static const ErrorDetail* DetailOf(const arrow::Status& st) {
  auto d = st.detail();
  if (d && std::string(d->type_id()) == "pgtide::ErrorDetail") {
    return static_cast<const ErrorDetail*>(d.get());
  }
  return nullptr;
}

ExitCode ExitCodeOf(const arrow::Status& st) {
  if (st.ok()) return ExitCode::kOk;
  if (auto* d = DetailOf(st)) return d->code();
  return ExitCode::kInternal;
}

ErrorClass ErrorClassOf(const arrow::Status& st) {
  if (st.ok()) return ErrorClass::kNone;
  if (auto* d = DetailOf(st)) return d->error_class();
  if (st.IsOutOfMemory()) return ErrorClass::kOutOfMemory;
  return ErrorClass::kInternal;
}

std::string SqlStateOf(const arrow::Status& st) {
  auto* d = DetailOf(st);
  return d ? d->sqlstate() : std::string();
}

arrow::Status WithExitCode(arrow::Status st, ExitCode code) {
  if (st.ok() || DetailOf(st)) return st;
  return arrow::Status(
      st.code(), st.message(),
      std::make_shared<ErrorDetail>(code, std::string(), DefaultClassOf(code)));
}

}  // namespace pgtide
