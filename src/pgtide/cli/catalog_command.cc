#include <fmt/format.h>

#include <map>

#include "pgtide/cli/commands.h"
#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/lake/lake_paths.h"
#include "pgtide/lake/lake_pointer.h"
#include "pgtide/lake/table_pointer_factory.h"

namespace pgtide::cli {

namespace {

// The inverse of EncodePathSegment (common/identifiers.h): %XX back to its byte.
std::string DecodePathSegment(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// The table folders (relative to the lake root, "<schema>/<table>") that hold lake
/// metadata versions: _iceberg/<table_dir>/metadata/v<N>.metadata.json.
arrow::Result<std::vector<std::string>> TablesWithLakeMetadata(
    storage::ObjectStore* store) {
  ARROW_ASSIGN_OR_RAISE(auto files, store->ListFiles(lake::kIcebergFolder));
  const std::string top = std::string(lake::kIcebergFolder) + "/";
  std::map<std::string, bool> dirs;
  for (const auto& f : files) {
    const size_t at = f.rfind("/metadata/v");
    if (f.compare(0, top.size(), top) != 0 || at == std::string::npos || at < top.size())
      continue;
    if (f.size() < 14 || f.compare(f.size() - 14, 14, ".metadata.json") != 0) continue;
    dirs[f.substr(top.size(), at - top.size())] = true;
  }
  std::vector<std::string> out;
  for (const auto& [d, _] : dirs) out.push_back(d);
  return out;
}

arrow::Status Register(const job::RunOptions& opts) {
  if (opts.catalog.uri.empty() || opts.catalog.uri == "lake") {
    return Error(ErrorClass::kUsage,
                 "catalog register needs a --catalog other than lake\nHINT: Pass "
                 "--catalog sql:sqlite:///abs/path.db, sql:postgresql://..., glue or "
                 "rest:https://host/path");
  }
  ARROW_ASSIGN_OR_RAISE(auto store, storage::ObjectStore::Open(opts.output, opts.s3));
  ARROW_ASSIGN_OR_RAISE(auto catalog, lake::OpenTablePointer(opts.catalog, store));
  lake::LakePointer in_lake(store);
  ARROW_ASSIGN_OR_RAISE(auto dirs, TablesWithLakeMetadata(store.get()));
  int registered = 0, already = 0, different = 0;
  for (const auto& dir : dirs) {
    const size_t slash = dir.find('/');
    if (slash == std::string::npos || dir.find('/', slash + 1) != std::string::npos) {
      LogWarning("skipping {}: not a <schema>/<table> folder", store->Uri(dir));
      continue;
    }
    lake::TableIdent ident{DecodePathSegment(dir.substr(0, slash)),
                           DecodePathSegment(dir.substr(slash + 1)), dir};
    ARROW_ASSIGN_OR_RAISE(auto lake_state, in_lake.Load(ident));
    if (!lake_state) continue;
    ARROW_ASSIGN_OR_RAISE(auto current, catalog->Load(ident));
    if (current) {
      if (current->metadata.current_snapshot_id ==
          lake_state->metadata.current_snapshot_id) {
        ++already;
      } else {
        ++different;
        LogWarning(
            "table {}: {} already holds it at another snapshot ({}); left as it is",
            ident.ToString(), catalog->Describe(),
            current->metadata.current_snapshot_id
                ? std::to_string(*current->metadata.current_snapshot_id)
                : "none");
      }
      continue;
    }
    // A copy of the lake's current metadata under the catalog's own name: the data
    // and manifest files are not rewritten, only pointed at.
    ARROW_ASSIGN_OR_RAISE(auto outcome,
                          catalog->Swap(ident, std::nullopt, lake_state->metadata));
    if (outcome == lake::SwapOutcome::kConflict) {
      ++different;
      LogWarning("table {}: another writer registered it first; left as it is",
                 ident.ToString());
      continue;
    }
    ++registered;
    LogInfo("table {}: registered in {} (from {})", ident.ToString(), catalog->Describe(),
            lake_state->metadata_location);
  }
  std::printf("%s\n", fmt::format("{} table(s) registered, {} already registered, {} "
                                  "left as they were",
                                  registered, already, different)
                          .c_str());
  return arrow::Status::OK();
}

}  // namespace

int CatalogRegisterCommand(CliValues* values) {
  arrow::Status st = ResolveRunOptions(values, /*output_required=*/true);
  if (st.ok()) st = Register(values->run);
  if (st.ok()) return 0;
  LogError("{}", st.message());
  const auto& hint = InfoOf(ErrorClassOf(st)).hint;
  if (*hint) LogError("HINT: {}", hint);
  return static_cast<int>(ExitCodeOf(st));
}

}  // namespace pgtide::cli
