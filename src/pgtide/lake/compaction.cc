#include "pgtide/lake/compaction.h"

#include <arrow/table.h>
#include <fmt/format.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/file_reader.h>
#include <parquet/properties.h>

#include <algorithm>
#include <map>

#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/time_format.h"
#include "pgtide/iceberg/data_file_stats.h"
#include "pgtide/iceberg/manifest.h"
#include "pgtide/iceberg/metadata_update.h"
#include "pgtide/lake/lake_paths.h"
#include "pgtide/lake/table_cleanup.h"
#include "pgtide/lake/table_files.h"
#include "pgtide/storage/publish.h"

namespace pgtide::lake {

namespace {

struct Entry {
  iceberg::ManifestEntry entry;
  std::string rel;
  size_t manifest = 0;  // index in the snapshot's manifest list
};

std::string FolderOf(const std::string& rel) {
  auto slash = rel.find_last_of('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash);
}

arrow::Result<std::shared_ptr<arrow::Table>> ReadParquet(storage::ObjectStore* store,
                                                         const std::string& rel) {
  ARROW_ASSIGN_OR_RAISE(auto file, store->OpenForRead(rel));
  ARROW_ASSIGN_OR_RAISE(auto reader,
                        parquet::arrow::OpenFile(file, arrow::default_memory_pool()));
  std::shared_ptr<arrow::Table> table;
  ARROW_RETURN_NOT_OK(reader->ReadTable(&table));
  return table;
}

// Writes `table` as the data file `rel` (streamed on S3, staged and published locally);
// returns its footer.
arrow::Result<std::shared_ptr<parquet::FileMetaData>> WriteParquet(
    storage::ObjectStore* store, const std::string& rel, const arrow::Table& table,
    int64_t* bytes) {
  ARROW_ASSIGN_OR_RAISE(auto sink, store->OpenDataFile(rel));
  auto props = parquet::WriterProperties::Builder()
                   .compression(parquet::Compression::ZSTD)
                   ->created_by("pgtide")
                   ->build();
  auto arrow_props = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  ARROW_ASSIGN_OR_RAISE(auto writer, parquet::arrow::FileWriter::Open(
                                         *table.schema(), arrow::default_memory_pool(),
                                         sink.stream, props, arrow_props));
  ARROW_RETURN_NOT_OK(writer->WriteTable(table, 1 << 20));
  ARROW_RETURN_NOT_OK(writer->Close());
  ARROW_ASSIGN_OR_RAISE(*bytes, sink.stream->Tell());
  ARROW_RETURN_NOT_OK(sink.stream->Close());
  if (!sink.staging_path.empty()) {
    ARROW_RETURN_NOT_OK(store->Publish(sink.staging_path, rel));
  }
  return writer->metadata();
}

}  // namespace

arrow::Result<CompactionResult> CompactTable(storage::ObjectStore* store,
                                             TablePointer* pointer,
                                             const TableIdent& table,
                                             const CompactionOptions& options) {
  CompactionResult result;
  ARROW_ASSIGN_OR_RAISE(auto current, pointer->Load(table));
  // Until something is committed, the table is as read here.
  auto unchanged = [&]() {
    CompactionResult r = result;
    r.state_known = true;
    r.state = current;
    return r;
  };
  if (!current || !current->metadata.current_snapshot()) return unchanged();
  const iceberg::TableMetadata& m = current->metadata;
  const iceberg::Snapshot& snap = *m.current_snapshot();
  const iceberg::Schema* schema = m.current_schema();
  const iceberg::PartitionSpec* spec = m.default_spec();
  if (!schema || !spec) return unchanged();

  // 1. The live files, grouped by folder (= partition) for the current spec.
  ARROW_ASSIGN_OR_RAISE(auto manifests, ManifestsOf(store, snap));
  std::vector<std::vector<iceberg::ManifestEntry>> entries_of(manifests.size());
  std::map<std::string, std::vector<Entry>> groups;
  for (size_t i = 0; i < manifests.size(); ++i) {
    const auto& mf = manifests[i];
    if (mf.content != iceberg::ManifestContent::kData) continue;
    ARROW_ASSIGN_OR_RAISE(auto rel, LakeRelPath(store, mf.manifest_path));
    ARROW_ASSIGN_OR_RAISE(auto bytes, store->ReadSmall(rel));
    if (!bytes) return Error(ExitCode::kState, "missing manifest " + mf.manifest_path);
    ARROW_ASSIGN_OR_RAISE(entries_of[i], iceberg::ReadManifest(*bytes, &mf));
    if (mf.partition_spec_id != spec->spec_id) continue;
    for (const auto& e : entries_of[i]) {
      if (e.status == iceberg::EntryStatus::kDeleted) continue;
      ARROW_ASSIGN_OR_RAISE(auto data_rel, LakeRelPath(store, e.data_file.file_path));
      groups[FolderOf(data_rel)].push_back({e, data_rel, i});
    }
  }

  // 2. Rewrite each crowded partition into one file (same Arrow schema only: files
  // written before a schema change are left as they are).
  const int64_t snapshot_id = iceberg::NewSnapshotId(m);
  const int64_t seq = iceberg::NextSequenceNumber(m);
  std::set<std::string> rewritten;
  std::vector<iceberg::ManifestEntry> added;
  std::vector<std::string> written;
  int seq_no = 0;
  auto cleanup = [&] {
    for (const auto& f : written) ARROW_UNUSED(store->DeleteFile(f));
  };
  for (auto& [folder, files] : groups) {
    if (static_cast<int>(files.size()) < options.min_files) continue;
    std::vector<std::shared_ptr<arrow::Table>> parts;
    bool same = true;
    for (const auto& f : files) {
      auto t = ReadParquet(store, f.rel);
      if (!t.ok()) {
        cleanup();
        return t.status();
      }
      if (!parts.empty() && !parts[0]->schema()->Equals(*(*t)->schema(), false)) {
        same = false;
        break;
      }
      parts.push_back(std::move(*t));
    }
    if (!same) continue;
    auto joined = arrow::ConcatenateTables(parts);
    if (!joined.ok()) {
      cleanup();
      return joined.status();
    }
    const std::string rel =
        fmt::format("{}/compact-{}-{:05d}.parquet", folder, options.run_id, seq_no++);
    int64_t bytes = 0;
    auto footer = WriteParquet(store, rel, **joined, &bytes);
    if (!footer.ok()) {
      cleanup();
      return footer.status();
    }
    written.push_back(rel);
    auto df = iceberg::DataFileFromParquet(**footer, *schema, store->Uri(rel), bytes,
                                           files[0].entry.data_file.partition);
    if (!df.ok()) {
      cleanup();
      return df.status();
    }
    added.push_back({iceberg::EntryStatus::kAdded, {}, {}, {}, std::move(*df)});
    for (const auto& f : files) rewritten.insert(f.rel);
    result.partitions++;
    result.files_before += static_cast<int>(files.size());
    result.files_after++;
  }
  if (added.empty()) return unchanged();

  // 3. Manifests: the new files; every manifest that lists a rewritten file again, with
  // those deleted and the rest existing; the others as they are.
  std::vector<iceberg::ManifestFile> next_manifests;
  const std::string dir = MetadataDirRel(table.table_dir);
  const std::string uuid = options.run_id + "-c";
  int manifest_no = 0;
  auto write_manifest = [&](const iceberg::PartitionSpec& s,
                            const std::vector<iceberg::ManifestEntry>& e)
      -> arrow::Result<iceberg::ManifestFile> {
    ARROW_ASSIGN_OR_RAISE(auto bytes, iceberg::WriteManifest(*schema, s, e));
    const std::string rel = fmt::format("{}/{}-m{}.avro", dir, uuid, manifest_no++);
    ARROW_RETURN_NOT_OK(store->WriteSmall(rel, bytes));
    written.push_back(rel);
    ARROW_ASSIGN_OR_RAISE(
        auto mf,
        iceberg::SummarizeManifest(store->Uri(rel), static_cast<int64_t>(bytes.size()),
                                   *schema, s, snapshot_id, seq, e));
    mf.partition_spec_id = s.spec_id;
    return mf;
  };
  auto built = [&]() -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto mf, write_manifest(*spec, added));
    next_manifests.push_back(std::move(mf));
    for (size_t i = 0; i < manifests.size(); ++i) {
      bool touched = false;
      for (const auto& e : entries_of[i]) {
        auto rel = store->RelOf(e.data_file.file_path);
        if (e.status != iceberg::EntryStatus::kDeleted && rel && rewritten.count(*rel))
          touched = true;
      }
      if (!touched) {
        next_manifests.push_back(manifests[i]);
        continue;
      }
      std::vector<iceberg::ManifestEntry> again;
      for (auto e : entries_of[i]) {
        if (e.status == iceberg::EntryStatus::kDeleted) continue;
        auto rel = store->RelOf(e.data_file.file_path);
        if (rel && rewritten.count(*rel)) {
          e.status = iceberg::EntryStatus::kDeleted;
          e.snapshot_id = snapshot_id;
        } else {
          e.status = iceberg::EntryStatus::kExisting;
        }
        again.push_back(std::move(e));
      }
      ARROW_ASSIGN_OR_RAISE(auto rewritten_mf, write_manifest(*spec, again));
      next_manifests.push_back(std::move(rewritten_mf));
    }
    return arrow::Status::OK();
  }();
  if (!built.ok()) {
    cleanup();
    return built;
  }
  auto list =
      iceberg::WriteManifestList(snapshot_id, snap.snapshot_id, seq, next_manifests);
  if (!list.ok()) {
    cleanup();
    return list.status();
  }
  const std::string list_rel =
      fmt::format("{}/snap-{}-1-{}.avro", dir, snapshot_id, uuid);
  if (auto st = store->WriteSmall(list_rel, *list); !st.ok()) {
    cleanup();
    return st;
  }
  written.push_back(list_rel);

  // 4. The snapshot: the same rows and the same mark.
  iceberg::SnapshotUpdate update;
  update.snapshot_id = snapshot_id;
  update.operation = "replace";
  update.manifest_list = store->Uri(list_rel);
  update.timestamp_ms = std::max(NowMicros() / 1000, m.last_updated_ms + 1);
  update.summary = snap.summary;
  update.summary.erase("operation");
  update.summary["added-data-files"] = std::to_string(result.files_after);
  update.summary["deleted-data-files"] = std::to_string(result.files_before);
  update.summary["total-data-files"] =
      std::to_string(std::stoll(snap.summary.count("total-data-files")
                                    ? snap.summary.at("total-data-files")
                                    : "0") -
                     result.files_before + result.files_after);
  update.summary["pgtide.maintenance-run"] = options.run_id;
  update.previous_metadata_file = current->metadata_location;
  update.previous_metadata_ms = m.last_updated_ms;
  auto next = iceberg::WithSnapshot(m, update);
  if (!next.ok()) {
    cleanup();
    return next.status();
  }
  auto swapped = pointer->Swap(table, current, *next);
  if (!swapped.ok() || *swapped != SwapOutcome::kSwapped) {
    cleanup();
    if (!swapped.ok()) return swapped.status();
    LogInfo("table {}: another writer committed during compaction; left for next time",
            table.ToString());
    return CompactionResult{};
  }
  // 5. The rewritten files go with the snapshots that read them.
  ARROW_ASSIGN_OR_RAISE(auto now, pointer->Load(table));
  ARROW_ASSIGN_OR_RAISE(now,
                        ExpireSnapshots(store, pointer, table, now, options.retention));
  ARROW_RETURN_NOT_OK(
      DeleteReplacedFiles(store, now, {rewritten.begin(), rewritten.end()}));
  LogInfo("table {}: compacted {} file(s) in {} partition(s) into {}", table.ToString(),
          result.files_before, result.partitions, result.files_after);
  result.state_known = true;
  result.state = std::move(now);
  return result;
}

}  // namespace pgtide::lake
