#pragma once

// A job file may list several databases (tenants, services, shards of one application):
// each is loaded as if it were the run's only source, into a part of the lake of its own,
// so that the same schema.table in two sources never shares files, marks or a catalog
// entry.

#include <string>

#include "pgtide/job/run_options.h"

namespace pgtide::job {

/// The run's options for `source`: its connection; its lake root <output>/<name>; its
/// state file <state folder>/<name>/<state file name>; its schemas, patterns and table
/// overrides where it has its own; catalog namespaces "<name>__<schema>".
RunOptions OptionsForSource(const RunOptions& run, const SourceSpec& source);

/// "<source>/<schema.table>": how a table of a source is named in the run's summary and
/// log.
std::string SourceTableName(const SourceSpec& source, const std::string& table);

}  // namespace pgtide::job
