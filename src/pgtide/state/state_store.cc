#include "pgtide/state/state_store.h"

#include <fmt/format.h>

#include "pgtide/common/exit_code.h"

namespace pgtide::state {

arrow::Result<std::unique_ptr<StateStore>> StateStore::Open(
    const std::string& location, const storage::S3Settings& s3) {
  auto slash = location.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : location.substr(0, slash);
  std::string file = slash == std::string::npos ? location : location.substr(slash + 1);
  if (file.empty() || dir == "s3:/" || dir == "s3:") {
    return Error(ExitCode::kUsage,
                 fmt::format("state location \"{}\" does not name a file", location));
  }
  if (dir.empty()) dir = "/";
  auto out = std::unique_ptr<StateStore>(new StateStore());
  ARROW_ASSIGN_OR_RAISE(out->store_, storage::ObjectStore::Open(dir, s3));
  out->file_name_ = file;
  out->location_ = out->store_->Describe(file);
  return out;
}

arrow::Result<StateFile> StateStore::Load() {
  auto text = store_->ReadSmall(file_name_);
  if (!text.ok()) {
    // An object store that cannot be reached is "retry later" (5); a local file that
    // cannot be read (a folder, no permission) needs fixing (4).
    ExitCode code =
        store_->is_s3() && ExitCodeOf(text.status()) == ExitCode::kStorageUnavailable
            ? ExitCode::kStorageUnavailable
            : ExitCode::kState;
    return Error(code, fmt::format("could not read state file {}: {}", location_,
                                   text.status().message()));
  }
  if (!text->has_value()) return StateFile{};
  return StateFile::Parse(**text, location_);
}

arrow::Status StateStore::CheckWritable() {
  auto st = store_->CheckWritable();
  if (st.ok()) return st;
  return Error(
      ExitCode::kStorageUnavailable,
      fmt::format("state file {} cannot be written: {}", location_, st.message()));
}

arrow::Status StateStore::Commit(const std::vector<TableState>& rows) {
  auto st = store_->Update(
      file_name_,
      [&](const std::optional<std::string>& current) -> arrow::Result<std::string> {
        StateFile file;
        if (current) {
          ARROW_ASSIGN_OR_RAISE(file, StateFile::Parse(*current, location_));
        }
        for (const auto& row : rows) file.Upsert(row);
        return file.Serialize();
      });
  if (!st.ok() && ExitCodeOf(st) == ExitCode::kInternal) {
    return Error(ExitCode::kState, fmt::format("could not write state file {}: {}",
                                               location_, st.message()));
  }
  return st;
}

}  // namespace pgtide::state
