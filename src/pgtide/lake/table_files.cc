#include "pgtide/lake/table_files.h"

#include <fmt/format.h>

#include "pgtide/common/exit_code.h"
#include "pgtide/iceberg/manifest.h"

namespace pgtide::lake {

arrow::Result<std::string> LakeRelPath(storage::ObjectStore* store,
                                       const std::string& uri) {
  auto rel = store->RelOf(uri);
  if (!rel) {
    return Error(
        ExitCode::kState,
        fmt::format("the Iceberg metadata names {}, which is outside the lake {}", uri,
                    store->location()));
  }
  return *rel;
}

static arrow::Result<std::string> ReadWhole(storage::ObjectStore* store,
                                            const std::string& uri) {
  ARROW_ASSIGN_OR_RAISE(auto rel, LakeRelPath(store, uri));
  ARROW_ASSIGN_OR_RAISE(auto bytes, store->ReadSmall(rel));
  if (!bytes) {
    return Error(ExitCode::kState,
                 fmt::format("the Iceberg metadata names {}, which does not exist", uri));
  }
  return std::move(*bytes);
}

arrow::Result<std::vector<iceberg::ManifestFile>> ManifestsOf(
    storage::ObjectStore* store, const iceberg::Snapshot& snapshot) {
  ARROW_ASSIGN_OR_RAISE(auto bytes, ReadWhole(store, snapshot.manifest_list));
  return iceberg::ReadManifestList(bytes);
}

arrow::Result<std::vector<iceberg::ManifestEntry>> LiveEntriesOf(
    storage::ObjectStore* store, const iceberg::Snapshot& snapshot) {
  ARROW_ASSIGN_OR_RAISE(auto manifests, ManifestsOf(store, snapshot));
  std::vector<iceberg::ManifestEntry> live;
  for (const auto& m : manifests) {
    if (m.content != iceberg::ManifestContent::kData) continue;
    ARROW_ASSIGN_OR_RAISE(auto bytes, ReadWhole(store, m.manifest_path));
    ARROW_ASSIGN_OR_RAISE(auto entries, iceberg::ReadManifest(bytes, &m));
    for (auto& e : entries) {
      if (e.status != iceberg::EntryStatus::kDeleted) live.push_back(std::move(e));
    }
  }
  return live;
}

arrow::Result<ReferencedFiles> ReferencedByAnySnapshot(
    storage::ObjectStore* store, const iceberg::TableMetadata& metadata) {
  ReferencedFiles out;
  std::set<std::string> manifests_read;
  for (const auto& snap : metadata.snapshots) {
    ARROW_ASSIGN_OR_RAISE(auto list_rel, LakeRelPath(store, snap.manifest_list));
    out.metadata_files.insert(list_rel);
    ARROW_ASSIGN_OR_RAISE(auto manifests, ManifestsOf(store, snap));
    for (const auto& m : manifests) {
      ARROW_ASSIGN_OR_RAISE(auto rel, LakeRelPath(store, m.manifest_path));
      out.metadata_files.insert(rel);
      if (!manifests_read.insert(rel).second) continue;
      ARROW_ASSIGN_OR_RAISE(auto bytes, ReadWhole(store, m.manifest_path));
      ARROW_ASSIGN_OR_RAISE(auto entries, iceberg::ReadManifest(bytes, &m));
      // A deleted entry's file is read by the snapshots before it, which are either
      // retained (and list it as live themselves) or expired: only live ones count.
      for (const auto& e : entries) {
        ARROW_ASSIGN_OR_RAISE(auto data_rel, LakeRelPath(store, e.data_file.file_path));
        if (e.status == iceberg::EntryStatus::kDeleted) {
          out.replaced_files.insert(data_rel);
        } else {
          out.data_files.insert(data_rel);
        }
      }
    }
  }
  for (const auto& f : out.data_files) out.replaced_files.erase(f);
  return out;
}

}  // namespace pgtide::lake
