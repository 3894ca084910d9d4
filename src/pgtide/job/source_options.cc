#include "pgtide/job/source_options.h"

namespace pgtide::job {

namespace {

std::string Join(const std::string& base, const std::string& rel) {
  std::string b = base;
  while (b.size() > 1 && b.back() == '/') b.pop_back();
  return b + "/" + rel;
}

}  // namespace

RunOptions OptionsForSource(const RunOptions& run, const SourceSpec& source) {
  RunOptions one = run;
  one.sources.clear();
  one.connect.source = source.dsn;
  one.output = Join(run.output, source.name);
  const auto slash = run.state.find_last_of('/');
  one.state = slash == std::string::npos
                  ? Join(source.name, run.state)
                  : Join(Join(run.state.substr(0, slash), source.name),
                         run.state.substr(slash + 1));
  if (!source.schemas.empty()) one.discover.schemas = source.schemas;
  if (!source.include.empty()) one.discover.include = source.include;
  if (!source.exclude.empty()) one.discover.exclude = source.exclude;
  one.overrides = source.overrides;
  one.namespace_prefix = source.name + "__";
  return one;
}

std::string SourceTableName(const SourceSpec& source, const std::string& table) {
  return source.name + "/" + table;
}

}  // namespace pgtide::job
