#include "pgtide/lake/table_pointer_factory.h"

#include <fmt/format.h>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/exit_code.h"
#include "pgtide/common/secrets.h"
#include "pgtide/lake/glue_catalog.h"
#include "pgtide/lake/lake_pointer.h"
#include "pgtide/lake/rest_catalog.h"
#include "pgtide/lake/sql_catalog.h"

namespace pgtide::lake {

namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

arrow::Result<std::unique_ptr<TablePointer>> OpenTablePointer(
    const CatalogOptions& options, std::shared_ptr<storage::ObjectStore> output) {
  const std::string& uri = options.uri;
  if (uri.empty() || uri == "lake") return std::make_unique<LakePointer>(output);
  if (StartsWith(uri, "sql:")) {
    ARROW_ASSIGN_OR_RAISE(auto sql, SqlCatalog::Open(uri.substr(4), options, output));
    return std::unique_ptr<TablePointer>(std::move(sql));
  }
  if (StartsWith(uri, "rest:")) {
    ARROW_ASSIGN_OR_RAISE(auto rest, RestCatalog::Open(uri.substr(5), options, output));
    return std::unique_ptr<TablePointer>(std::move(rest));
  }
  if (uri == "glue") {
    ARROW_ASSIGN_OR_RAISE(auto glue, GlueCatalog::Open(options, output));
    return std::unique_ptr<TablePointer>(std::move(glue));
  }
  return Error(ErrorClass::kUsage,
               fmt::format("--catalog {}: unknown catalog\nHINT: Use lake, glue, "
                           "sql:sqlite:///abs/path.db, sql:postgresql://... or "
                           "rest:https://host/path",
                           MaskDsn(uri)));
}

}  // namespace pgtide::lake
