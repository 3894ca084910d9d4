#pragma once

#include <memory>
#include <mutex>

#include "pgtide/lake/catalog_options.h"
#include "pgtide/lake/sql_database.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// The pointer kept in a SQL database with the schema of Iceberg's JdbcCatalog and
/// pyiceberg's SqlCatalog, so both read (and write) the same tables:
///
///   iceberg_tables(catalog_name, table_namespace, table_name, metadata_location,
///                  previous_metadata_location, iceberg_type)
///   iceberg_namespace_properties(catalog_name, namespace, property_key, property_value)
///
/// A commit writes a new, uniquely named metadata file into the lake, then moves the row
/// with `UPDATE ... WHERE metadata_location = <base>` (one row: swapped; none:
/// kConflict) or, for a new table, INSERTs it (a primary-key violation: kConflict). A
/// metadata file that lost is deleted. Thread-safe (one connection, taken in turn).
class SqlCatalog : public TablePointer {
 public:
  /// `db_uri`: "sqlite:///abs/path.db" or "postgresql://..." (a SQLAlchemy driver suffix
  /// such as postgresql+psycopg:// is accepted, so pyiceberg's URI works as is).
  /// Creates the two tables when absent.
  static arrow::Result<std::unique_ptr<SqlCatalog>> Open(
      const std::string& db_uri, const CatalogOptions& options,
      std::shared_ptr<storage::ObjectStore> output);

  arrow::Result<std::optional<PointerState>> Load(const TableIdent& table) override;
  arrow::Result<SwapOutcome> Swap(const TableIdent& table,
                                  const std::optional<PointerState>& base,
                                  const iceberg::TableMetadata& next) override;
  std::string Describe() const override;
  /// The database connection is used under a mutex, one statement at a time; the
  /// metadata files are written outside it.
  size_t max_concurrent_commits() const override { return 8; }

 private:
  SqlCatalog(std::unique_ptr<SqlDatabase> db, std::string name,
             std::shared_ptr<storage::ObjectStore> output)
      : db_(std::move(db)), name_(std::move(name)), output_(std::move(output)) {}
  arrow::Status CreateSchema();
  arrow::Result<SwapOutcome> Insert(const TableIdent& table, const std::string& location);

  std::mutex mu_;
  std::unique_ptr<SqlDatabase> db_;
  std::string name_;
  std::shared_ptr<storage::ObjectStore> output_;
  bool has_iceberg_type_ = true;  // false for a catalog made by pyiceberg's v0 schema
};

}  // namespace pgtide::lake
