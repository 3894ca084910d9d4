#pragma once

#include <arrow/result.h>

#include <map>
#include <string>
#include <vector>

#include "pgtide/job/run_options.h"

namespace pgtide::cli {

/// The --config file's format, by extension: .yaml/.yml, .toml, else JSON.
enum class ConfigFormat { kJson, kYaml, kToml };
ConfigFormat ConfigFormatOf(const std::string& path);

/// Parses and strictly validates a job file:
///   catalog: str          (as --catalog)
///   catalog_name: str     (as --catalog-name)
///   tables:
///     "schema.table": {cursor_column: str, load_type: full|cdc, skip: bool,
///                      missing_cursor: reload|skip|fail}
///   sources:              (instead of --source and top-level tables; several databases)
///     name: {source: DSN | source_env: VAR, schemas: [..], include: [..],
///            exclude: [..], tables: {as above}}
/// An unknown key (named by its path, e.g. tables."public.orders".skipp, with the near
/// key), a wrong value type, or a top level that is not a mapping is an error of class
/// kConfig (exit 2) naming `name`. Whether the tables exist is checked once the catalog
/// is read (job/preflight.cc).
/// The job file's run-wide keys (`catalog`, `catalog_name`); "" when absent. A flag
/// given on the command line beats them.
struct JobFileSettings {
  std::string catalog;
  std::string catalog_name;
  /// The `sources` mapping, in the file's order of names (sorted); a source's `dsn` is
  /// its `source`, or empty with `dsn_env` naming the variable that holds it.
  std::vector<job::SourceSpec> sources;
  std::vector<std::string> dsn_env;  // parallel to `sources`
};

arrow::Result<std::map<std::string, job::TableOverride>> ParseJobConfig(
    const std::string& text, ConfigFormat format, const std::string& name,
    JobFileSettings* settings = nullptr);

}  // namespace pgtide::cli
