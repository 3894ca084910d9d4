#pragma once

#include <memory>

#include "pgtide/lake/catalog_options.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/aws_json_client.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// The pointer kept in the AWS Glue Data Catalog as Iceberg's GlueCatalog (and
/// pyiceberg's, Athena's) keep it: database = the namespace, a table of TableType
/// EXTERNAL_TABLE with Parameters table_type=ICEBERG, metadata_location and
/// previous_metadata_location. A commit writes a new metadata file into the lake, then
/// UpdateTable with the VersionId read by Load (Glue's optimistic lock;
/// ConcurrentModificationException = kConflict), or CreateTable (AlreadyExistsException =
/// kConflict), creating the database when missing.
class GlueCatalog : public TablePointer {
 public:
  static arrow::Result<std::unique_ptr<GlueCatalog>> Open(
      const CatalogOptions& options, std::shared_ptr<storage::ObjectStore> output);

  arrow::Result<std::optional<PointerState>> Load(const TableIdent& table) override;
  arrow::Result<SwapOutcome> Swap(const TableIdent& table,
                                  const std::optional<PointerState>& base,
                                  const iceberg::TableMetadata& next) override;
  std::string Describe() const override;

 private:
  GlueCatalog(storage::AwsJsonTarget target, std::shared_ptr<storage::ObjectStore> output)
      : target_(std::move(target)), output_(std::move(output)) {}
  struct Answer;
  /// One Glue call; errors (denied, unreachable, anything unexpected) as catalog errors.
  /// `expected` names the exception types returned as answers instead.
  arrow::Result<Answer> Call(const std::string& op, const std::string& body,
                             const std::vector<std::string>& expected);

  storage::AwsJsonTarget target_;
  std::shared_ptr<storage::ObjectStore> output_;
};

}  // namespace pgtide::lake
