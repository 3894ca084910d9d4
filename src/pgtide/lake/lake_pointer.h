#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// The pointer kept in the lake itself, as Iceberg's Hadoop tables keep it:
/// metadata/v<N>.metadata.json files numbered from 1, and version-hint.text naming the
/// newest. A commit creates v<N+1> only if absent (ObjectStore::CreateIfAbsent), so of
/// two writers on the same base exactly one wins; the hint is written afterwards and may
/// lag, so Load probes past it. A table that a catalog has committed (its metadata
/// folder holds a catalog's "NNNNN-<uuid>.metadata.json" past the lake's own v<N>) is
/// refused: the lake's pointer is stale there, and acting on it could delete files the
/// catalog's snapshot reads.
class LakePointer : public TablePointer {
 public:
  explicit LakePointer(std::shared_ptr<storage::ObjectStore> store)
      : store_(std::move(store)) {}
  arrow::Result<std::optional<PointerState>> Load(const TableIdent& table) override;
  arrow::Result<SwapOutcome> Swap(const TableIdent& table,
                                  const std::optional<PointerState>& base,
                                  const iceberg::TableMetadata& next) override;
  std::string Describe() const override;
  /// Different tables share no file, and the only shared state is behind a mutex.
  size_t max_concurrent_commits() const override { return 8; }

 private:
  // Once per table and process: the folder is listed for a catalog's metadata files.
  arrow::Status CheckNotCommittedByACatalog(const TableIdent& table, int64_t version);

  std::shared_ptr<storage::ObjectStore> store_;
  std::mutex checked_mutex_;
  std::set<std::string> checked_;
};

}  // namespace pgtide::lake
