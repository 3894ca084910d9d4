#include "pgtide/lake/lake_pointer.h"

#include <fmt/format.h>

#include <charconv>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/lake/lake_paths.h"

namespace pgtide::lake {

namespace {

std::string VersionFile(const TableIdent& t, int64_t version) {
  return fmt::format("{}/v{}.metadata.json", MetadataDirRel(t.table_dir), version);
}

std::string HintFile(const TableIdent& t) {
  return MetadataDirRel(t.table_dir) + "/version-hint.text";
}

int64_t ParseVersion(const std::string& text) {
  int64_t v = 0;
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return 0;
  auto [p, ec] = std::from_chars(text.data() + b, text.data() + text.size(), v);
  return ec == std::errc() && v > 0 ? v : 0;
}

// "00007-<uuid>.metadata.json" (what catalogs write, pgtide's and Iceberg's own) -> 7;
// anything else -> 0.
int64_t CatalogSequenceOf(const std::string& path) {
  const std::string name = path.substr(path.find_last_of('/') + 1);
  const std::string suffix = ".metadata.json";
  if (name.size() < 6 + suffix.size() || name[5] != '-' ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return 0;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + 5, n);
  return ec == std::errc() && p == name.data() + 5 ? n : 0;
}

}  // namespace

arrow::Status LakePointer::CheckNotCommittedByACatalog(const TableIdent& table,
                                                       int64_t version) {
  {
    std::lock_guard<std::mutex> lock(checked_mutex_);
    if (checked_.count(table.table_dir)) return arrow::Status::OK();
  }
  ARROW_ASSIGN_OR_RAISE(auto files, store_->ListFiles(MetadataDirRel(table.table_dir)));
  for (const auto& f : files) {
    if (CatalogSequenceOf(f) <= version) continue;
    return Error(
        ExitCode::kState,
        fmt::format(
            "table {}: {} was written by a catalog commit after the lake's own "
            "v{}.metadata.json, so the table is committed through a catalog and "
            "the lake's version hint is stale\nHINT: Pass the --catalog the table "
            "is committed through (history and maintain read only the lake's own "
            "pointer; runs maintain their tables through their catalog). If that "
            "catalog is gone for good, move the file out of the folder",
            table.ToString(), store_->Describe(f), version));
  }
  std::lock_guard<std::mutex> lock(checked_mutex_);
  checked_.insert(table.table_dir);
  return arrow::Status::OK();
}

arrow::Result<std::optional<PointerState>> LakePointer::Load(const TableIdent& table) {
  ARROW_ASSIGN_OR_RAISE(auto hint, store_->ReadSmall(HintFile(table)));
  int64_t version = hint ? ParseVersion(*hint) : 0;
  // The hint is written after the version file, so it may name the one before the
  // newest (a writer killed in between) or nothing at all: probe forward from it.
  std::optional<std::string> text;
  if (version > 0) {
    ARROW_ASSIGN_OR_RAISE(text, store_->ReadSmall(VersionFile(table, version)));
  }
  if (!text) {
    // No hint, or one naming a file that is gone: start from the first version.
    version = 0;
  }
  while (true) {
    ARROW_ASSIGN_OR_RAISE(auto next, store_->ReadSmall(VersionFile(table, version + 1)));
    if (!next) break;
    ++version;
    text = std::move(next);
  }
  ARROW_RETURN_NOT_OK(CheckNotCommittedByACatalog(table, text ? version : 0));
  if (version == 0 || !text) return std::optional<PointerState>();
  auto parsed = iceberg::TableMetadataFromJson(*text);
  if (!parsed.ok()) {
    return Error(
        ExitCode::kState,
        fmt::format("table {}: its Iceberg metadata {} cannot be read: {}",
                    table.ToString(), store_->Describe(VersionFile(table, version)),
                    parsed.status().message()));
  }
  PointerState state;
  state.metadata_location = store_->Uri(VersionFile(table, version));
  state.token = std::to_string(version);
  state.metadata = std::move(*parsed);
  return std::optional<PointerState>(std::move(state));
}

arrow::Result<SwapOutcome> LakePointer::Swap(const TableIdent& table,
                                             const std::optional<PointerState>& base,
                                             const iceberg::TableMetadata& next) {
  const int64_t version = (base ? ParseVersion(base->token) : 0) + 1;
  ARROW_ASSIGN_OR_RAISE(bool created,
                        store_->CreateIfAbsent(VersionFile(table, version),
                                               iceberg::TableMetadataToJson(next)));
  if (!created) return SwapOutcome::kConflict;
  // Readers that trust the hint (Spark's Hadoop catalog, DuckDB) find the new version
  // through it; a failure here loses nothing, since every reader probes past it.
  auto st = store_->WriteSmall(HintFile(table), std::to_string(version));
  if (!st.ok()) {
    LogWarning("table {}: committed v{}, but its version hint was not updated: {}",
               table.ToString(), version, st.message());
  }
  return SwapOutcome::kSwapped;
}

std::string LakePointer::Describe() const {
  return "the lake's version hints under " + store_->Uri(kIcebergFolder);
}

}  // namespace pgtide::lake
