#pragma once

#include <string>

#include "pgtide/storage/object_store.h"

namespace pgtide::lake {

/// Where the tables' current metadata is recorded (README "Catalogs").
struct CatalogOptions {
  /// "lake" (version hints in the lake), "sql:sqlite:///abs/path.db",
  /// "sql:postgresql://...", "glue", "rest:https://host/path[?warehouse=name]".
  std::string uri = "lake";
  /// The catalog_name column of a SQL catalog (pyiceberg's and JdbcCatalog's name).
  std::string name = "pgtide";
  /// Glue: endpoint override (moto, a VPC endpoint); "" = AWS_ENDPOINT_URL_GLUE, then
  /// AWS_ENDPOINT_URL, then glue.<region>.amazonaws.com.
  std::string endpoint;
  /// Seconds a catalog connection or request may take, and a SQLite writer may wait for
  /// another's lock, before the catalog counts as unavailable.
  double timeout_s = 30;
  /// Region and credentials for Glue come from the S3 settings' chain.
  storage::S3Settings s3;
};

}  // namespace pgtide::lake
