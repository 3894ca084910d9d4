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
  return ParseKnown(**text);
}

arrow::Result<StateFile> StateStore::ParseKnown(const std::string& text) {
  {
    std::lock_guard<std::mutex> lock(known_mu_);
    if (known_ && known_->first == text) return known_->second;
  }
  ARROW_ASSIGN_OR_RAISE(auto file, StateFile::Parse(text, location_));
  Remember(text, file);
  return file;
}

void StateStore::Remember(std::string text, StateFile file) {
  std::lock_guard<std::mutex> lock(known_mu_);
  known_.emplace(std::move(text), std::move(file));
}

arrow::Status StateStore::CheckWritable() {
  auto st = store_->CheckWritable();
  if (st.ok()) return st;
  return Error(
      ExitCode::kStorageUnavailable,
      fmt::format("state file {} cannot be written: {}", location_, st.message()));
}

arrow::Status StateStore::Commit(const std::vector<TableState>& rows) {
  // What the last attempt wrote; remembered only once the update succeeded.
  std::pair<std::string, StateFile> written;
  auto st = store_->Update(
      file_name_,
      [&](const std::optional<std::string>& current) -> arrow::Result<std::string> {
        StateFile file;
        if (current) {
          ARROW_ASSIGN_OR_RAISE(file, ParseKnown(*current));
        }
        for (const auto& row : rows) file.Upsert(row);
        written = {file.Serialize(), std::move(file)};
        return written.first;
      });
  if (st.ok()) Remember(std::move(written.first), std::move(written.second));
  if (!st.ok() && ExitCodeOf(st) == ExitCode::kInternal) {
    return Error(ExitCode::kState, fmt::format("could not write state file {}: {}",
                                               location_, st.message()));
  }
  return st;
}

}  // namespace pgtide::state
