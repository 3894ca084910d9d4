#include "pgtide/cli/glue_arguments.h"

#include <set>

namespace pgtide::cli {

// The Glue runtime's special parameters (AWS Glue Developer Guide, "Using job
// parameters in AWS Glue jobs"), plus the ones it sets for Python shell jobs.
static const std::set<std::string, std::less<>> kGlueArguments = {
    "--JOB_ID",
    "--JOB_RUN_ID",
    "--WORKFLOW_NAME",
    "--WORKFLOW_RUN_ID",
    "--SECURITY_CONFIGURATION",
    "--TempDir",
    "--RedshiftTempDir",
    "--additional-python-modules",
    "--auto-scale-within-microbatch",
    "--conf",
    "--continuous-log-conversionPattern",
    "--continuous-log-logGroup",
    "--continuous-log-logStreamPrefix",
    "--customer-driver-env-vars",
    "--customer-executor-env-vars",
    "--datalake-formats",
    "--disable-proxy-v2",
    "--enable-auto-scaling",
    "--enable-continuous-cloudwatch-log",
    "--enable-continuous-log-filter",
    "--enable-glue-datacatalog",
    "--enable-job-insights",
    "--enable-metrics",
    "--enable-observability-metrics",
    "--enable-rename-algorithm-v2",
    "--enable-s3-parquet-optimized-committer",
    "--enable-spark-ui",
    "--encryption-type",
    "--executor-cores",
    "--extra-files",
    "--extra-jars",
    "--extra-py-files",
    "--job-bookmark-option",
    "--job-language",
    "--python-modules-installer-option",
    "--scriptLocation",
    "--spark-event-logs-path",
    "--user-jars-first",
    "--write-shuffle-files-to-s3",
    "--write-shuffle-spills-to-s3",
};

SplitArguments SplitGlueArguments(int argc, const char* const* argv) {
  SplitArguments out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    std::string key = arg.substr(0, arg.find('='));
    if (i == 0 || !kGlueArguments.count(key)) {
      out.kept.push_back(std::move(arg));
      continue;
    }
    // "--key value": the value is the next argument unless that is another flag (Glue
    // passes flag-like parameters such as --enable-metrics with an empty value).
    if (key == arg && i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) ++i;
    out.ignored.push_back(std::move(key));
  }
  return out;
}

}  // namespace pgtide::cli
