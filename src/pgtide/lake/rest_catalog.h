#pragma once

#include <memory>
#include <string>

#include "pgtide/lake/catalog_options.h"
#include "pgtide/lake/table_pointer.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// The pointer kept by an Iceberg REST catalog (Polaris, Lakekeeper, Nessie, Gravitino,
/// Iceberg's own REST server; REST spec "Catalog API"): namespace = the schema, table =
/// the table. Load is GET .../namespaces/{ns}/tables/{t} (its metadata-location is the
/// compare-and-swap token). A table's first commit writes a metadata file into the lake
/// and registers it (POST .../namespaces/{ns}/register, creating the namespace when
/// missing; 409 = kConflict); later commits send the difference base -> next
/// (lake/rest_updates.h) with requirements on the table's uuid and branch main, and the
/// server writes the metadata file (409 CommitFailedException = kConflict; 5xx or a
/// timeout after sending = the outcome is unknown).
class RestCatalog : public TablePointer {
 public:
  /// `uri`: "https://host/base[?warehouse=name]" (http only for 127.0.0.1 and
  /// localhost). Reads GET <base>/v1/config for the prefix, with the credentials of
  /// lake/rest_auth.h, or signed with SigV4 and the AWS default chain for
  /// glue.<region>.amazonaws.com and s3tables.<region>.amazonaws.com (or any host when
  /// PGTIDE_CATALOG_SIGV4 names the signing service).
  static arrow::Result<std::unique_ptr<RestCatalog>> Open(
      const std::string& uri, const CatalogOptions& options,
      std::shared_ptr<storage::ObjectStore> output);

  arrow::Result<std::optional<PointerState>> Load(const TableIdent& table) override;
  arrow::Result<SwapOutcome> Swap(const TableIdent& table,
                                  const std::optional<PointerState>& base,
                                  const iceberg::TableMetadata& next) override;
  std::string Describe() const override;

 private:
  RestCatalog(std::string base, double timeout_s,
              std::shared_ptr<storage::ObjectStore> output)
      : base_(std::move(base)), timeout_s_(timeout_s), output_(std::move(output)) {}
  struct Answer;
  /// One request; no answer at all is a catalog error (unknown outcome when it timed
  /// out after sending), any HTTP status is returned.
  arrow::Result<Answer> Call(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& what);
  /// An error for an unexpected answer: 401/403 denied, anything else unavailable.
  arrow::Status Unexpected(const Answer& a, const std::string& what) const;
  std::string TablePath(const TableIdent& table) const;
  std::string NamespacePath(const std::string& ns) const;
  /// Creates namespace `ns` unless it exists.
  arrow::Status EnsureNamespace(const std::string& ns);
  /// The error for a commit whose outcome the server left unknown (5xx).
  arrow::Status UnknownOutcome(const Answer& a, const std::string& what,
                               const TableIdent& table,
                               const std::string& location) const;
  arrow::Result<SwapOutcome> Register(const TableIdent& table,
                                      const iceberg::TableMetadata& next);

  std::string base_;           // "https://host/base", no trailing slash
  std::string prefix_;         // "v1/<prefix>" or "v1"
  std::string authorization_;  // "Authorization: Bearer ..." or ""
  std::string aws_service_;    // SigV4 signing service ("glue", "s3tables") or ""
  std::string aws_region_;
  double timeout_s_;
  std::shared_ptr<storage::ObjectStore> output_;
};

}  // namespace pgtide::lake
