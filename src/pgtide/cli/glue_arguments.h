#pragma once

#include <string>
#include <vector>

namespace pgtide::cli {

/// Arguments that the AWS Glue runtime adds to every job's command line (--JOB_ID,
/// --TempDir, --enable-metrics, ...), always as "--key value" (or "--key=value"). They
/// mean nothing to pgtide, so they are taken out before the command line is parsed, and a
/// genuinely unknown flag is still an error. --JOB_NAME is not among them: it is the
/// original job's parameter for --job-name.
struct SplitArguments {
  std::vector<std::string> kept;     // argv for the parser, argv[0] included
  std::vector<std::string> ignored;  // the keys only: values may hold secrets
};
SplitArguments SplitGlueArguments(int argc, const char* const* argv);

}  // namespace pgtide::cli
