#pragma once

// Where a table's Iceberg metadata lives in the lake (README "Lake layout"): beside the
// data folders, under one hidden-from-hive top folder, so plain Parquet readers of
// <root>/<schema>/<table> never see it and Spark's Hadoop catalog finds every table with
// warehouse <root>/_iceberg.

#include <string>

namespace pgtide::lake {

/// The top folder of every table's metadata, relative to the lake root.
inline constexpr const char* kIcebergFolder = "_iceberg";

/// "_iceberg/<table_dir>": the Iceberg table location, relative to the lake root.
inline std::string TableLocationRel(const std::string& table_dir) {
  return std::string(kIcebergFolder) + "/" + table_dir;
}

/// "_iceberg/<table_dir>/metadata".
inline std::string MetadataDirRel(const std::string& table_dir) {
  return TableLocationRel(table_dir) + "/metadata";
}

}  // namespace pgtide::lake
