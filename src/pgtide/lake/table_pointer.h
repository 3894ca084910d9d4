#pragma once

// The one door to "which metadata file is this table's current one": the lake's own
// version hint (LakePointer) or a catalog (SQL, Glue, REST). A commit is complete, and
// visible to every Iceberg reader, exactly when Swap moves the pointer.

#include <arrow/result.h>

#include <cstddef>
#include <optional>
#include <string>

#include "pgtide/iceberg/table_metadata.h"

namespace pgtide::lake {

/// An Iceberg table's name in a catalog: namespace = the PostgreSQL schema, name = the
/// table (see the README's name mapping for names a catalog cannot hold).
struct TableIdent {
  std::string ns;
  std::string name;
  /// The table's folder relative to the lake root (TablePlan::table_dir): data files live
  /// under <root>/<table_dir>, metadata under <root>/_iceberg/<table_dir>/metadata.
  std::string table_dir;
  std::string ToString() const { return ns + "." + name; }
};

/// The pointer as read: the metadata it names, parsed, and what a compare-and-swap
/// compares (the version number of a version hint, a Glue VersionId, the SQL row's
/// metadata_location, ...).
struct PointerState {
  std::string metadata_location;  // full path or s3:// URI of the metadata file
  std::string token;
  iceberg::TableMetadata metadata;
};

enum class SwapOutcome { kSwapped, kConflict };

class TablePointer {
 public:
  virtual ~TablePointer() = default;
  /// The table's current metadata; nullopt when the table has none yet (never committed
  /// or not registered). Errors: the pointer or its metadata file could not be read.
  virtual arrow::Result<std::optional<PointerState>> Load(const TableIdent& table) = 0;
  /// Makes `next` the table's current metadata iff the pointer still is `base` (nullopt:
  /// the table must not exist yet; it is then created, namespace included). kConflict:
  /// another writer moved it first and nothing of this call is visible; reload and
  /// decide again. An error leaves the pointer where it was, or (when the outcome cannot
  /// be known, e.g. a timeout after the request was sent) is marked so by its message.
  virtual arrow::Result<SwapOutcome> Swap(const TableIdent& table,
                                          const std::optional<PointerState>& base,
                                          const iceberg::TableMetadata& next) = 0;
  /// "the lake's version hints", "SQL catalog sqlite:///…", for messages (no secrets).
  virtual std::string Describe() const = 0;
  /// How many tables may be committed at once (Load and Swap called from that many
  /// threads, each for a different table). A commit is mostly waits (fsyncs, requests),
  /// so a group of small tables commits faster side by side; 1 unless the pointer was
  /// made and tested for it.
  virtual size_t max_concurrent_commits() const { return 1; }
};

}  // namespace pgtide::lake
