#include "pgtide/lake/sql_catalog.h"

#include <fmt/format.h>

#include <cctype>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/log.h"
#include "pgtide/common/secrets.h"
#include "pgtide/lake/lake_paths.h"
#include "pgtide/lake/metadata_file_name.h"

namespace pgtide::lake {

namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

arrow::Result<std::unique_ptr<SqlCatalog>> SqlCatalog::Open(
    const std::string& db_uri, const CatalogOptions& options,
    std::shared_ptr<storage::ObjectStore> output) {
  std::unique_ptr<SqlDatabase> db;
  if (StartsWith(db_uri, "sqlite:///")) {
    ARROW_ASSIGN_OR_RAISE(db, OpenSqliteDatabase(db_uri.substr(9), options.timeout_s));
  } else if (StartsWith(db_uri, "postgresql") || StartsWith(db_uri, "postgres")) {
    std::string dsn = db_uri;
    size_t plus = dsn.find('+'), colon = dsn.find("://");
    if (plus != std::string::npos && colon != std::string::npos && plus < colon)
      dsn.erase(plus, colon - plus);  // postgresql+psycopg:// -> postgresql://
    ARROW_ASSIGN_OR_RAISE(db, OpenPostgresDatabase(dsn, options.timeout_s));
  } else {
    return Error(ErrorClass::kUsage,
                 fmt::format("--catalog sql:{}: unknown database\nHINT: Use "
                             "sql:sqlite:///abs/path.db or sql:postgresql://...",
                             MaskDsn(db_uri)));
  }
  std::unique_ptr<SqlCatalog> catalog(
      new SqlCatalog(std::move(db), options.name, std::move(output)));
  ARROW_RETURN_NOT_OK(catalog->CreateSchema());
  return catalog;
}

arrow::Status SqlCatalog::CreateSchema() {
  std::lock_guard<std::mutex> lock(mu_);
  // The DDL of pyiceberg's SqlCatalog (schema v1) and Iceberg's JdbcCatalog (V1).
  ARROW_RETURN_NOT_OK(
      db_->Execute("CREATE TABLE IF NOT EXISTS iceberg_tables ("
                   "catalog_name VARCHAR(255) NOT NULL, "
                   "table_namespace VARCHAR(255) NOT NULL, "
                   "table_name VARCHAR(255) NOT NULL, "
                   "metadata_location VARCHAR(1000), "
                   "previous_metadata_location VARCHAR(1000), "
                   "iceberg_type VARCHAR(5), "
                   "PRIMARY KEY (catalog_name, table_namespace, table_name))",
                   {})
          .status());
  ARROW_RETURN_NOT_OK(
      db_->Execute("CREATE TABLE IF NOT EXISTS iceberg_namespace_properties ("
                   "catalog_name VARCHAR(255) NOT NULL, "
                   "namespace VARCHAR(255) NOT NULL, "
                   "property_key VARCHAR(255) NOT NULL, "
                   "property_value VARCHAR(1000) NOT NULL, "
                   "PRIMARY KEY (catalog_name, namespace, property_key))",
                   {})
          .status());
  has_iceberg_type_ =
      db_->Query("SELECT iceberg_type FROM iceberg_tables WHERE 1 = 0", {}).ok();
  return arrow::Status::OK();
}

arrow::Result<std::optional<PointerState>> SqlCatalog::Load(const TableIdent& table) {
  std::vector<SqlRow> rows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ARROW_ASSIGN_OR_RAISE(
        rows, db_->Query("SELECT metadata_location FROM iceberg_tables WHERE "
                         "catalog_name = $1 AND table_namespace = $2 AND table_name = $3",
                         {name_, table.ns, table.name}));
  }
  if (rows.empty() || !rows[0][0]) return std::optional<PointerState>();
  const std::string location = *rows[0][0];
  auto rel = output_->RelOf(location);
  if (!rel) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: {} names its metadata {}, outside the lake {}",
                             table.ToString(), Describe(), location, output_->Uri("")));
  }
  ARROW_ASSIGN_OR_RAISE(auto text, output_->ReadSmall(*rel));
  if (!text) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: {} names the metadata file {}, which does not "
                             "exist",
                             table.ToString(), Describe(), location));
  }
  auto parsed = iceberg::TableMetadataFromJson(*text);
  if (!parsed.ok()) {
    return Error(ExitCode::kState,
                 fmt::format("table {}: its Iceberg metadata {} cannot be read: {}",
                             table.ToString(), location, parsed.status().message()));
  }
  PointerState state;
  state.metadata_location = location;
  state.token = location;
  state.metadata = std::move(*parsed);
  return std::optional<PointerState>(std::move(state));
}

arrow::Result<SwapOutcome> SqlCatalog::Insert(const TableIdent& table,
                                              const std::string& location) {
  // The namespace row pyiceberg's create_namespace writes ({"exists": "true"}).
  ARROW_ASSIGN_OR_RAISE(
      auto ns, db_->Execute("INSERT INTO iceberg_namespace_properties (catalog_name, "
                            "namespace, property_key, property_value) VALUES ($1, $2, "
                            "'exists', 'true') ON CONFLICT DO NOTHING",
                            {name_, table.ns}));
  (void)ns;
  const std::string sql =
      has_iceberg_type_
          ? "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
            "metadata_location, previous_metadata_location, iceberg_type) VALUES ($1, "
            "$2, $3, $4, NULL, 'TABLE')"
          : "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
            "metadata_location, previous_metadata_location) VALUES ($1, $2, $3, $4, "
            "NULL)";
  ARROW_ASSIGN_OR_RAISE(auto out,
                        db_->Execute(sql, {name_, table.ns, table.name, location}));
  return out.unique_violation ? SwapOutcome::kConflict : SwapOutcome::kSwapped;
}

arrow::Result<SwapOutcome> SqlCatalog::Swap(const TableIdent& table,
                                            const std::optional<PointerState>& base,
                                            const iceberg::TableMetadata& next) {
  const std::string rel = NextMetadataFileRel(table, base);
  ARROW_RETURN_NOT_OK(output_->WriteSmall(rel, iceberg::TableMetadataToJson(next)));
  const std::string location = output_->Uri(rel);
  arrow::Result<SwapOutcome> outcome;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!base) {
      outcome = Insert(table, location);
    } else {
      auto changed = db_->Execute(
          "UPDATE iceberg_tables SET metadata_location = $1, "
          "previous_metadata_location = $2 WHERE catalog_name = $3 AND "
          "table_namespace = $4 AND table_name = $5 AND metadata_location = $2",
          {location, base->metadata_location, name_, table.ns, table.name});
      if (changed.ok()) {
        outcome = changed->rows == 1 ? SwapOutcome::kSwapped : SwapOutcome::kConflict;
      } else {
        outcome = changed.status();
      }
    }
    if (!outcome.ok() && db_->outcome_unknown()) {
      // The file may be the table's current metadata now: it stays.
      return Error(ErrorClassOf(outcome.status()),
                   outcome.status().message() +
                       fmt::format("\nDETAIL: whether table {} now points at {} is "
                                   "unknown; the next run finds out",
                                   table.ToString(), location));
    }
  }
  if (!outcome.ok() || *outcome == SwapOutcome::kConflict) {
    ARROW_UNUSED(output_->DeleteFile(rel));
  }
  return outcome;
}

std::string SqlCatalog::Describe() const {
  return fmt::format("SQL catalog {} (catalog_name {})", db_->Describe(), name_);
}

}  // namespace pgtide::lake
