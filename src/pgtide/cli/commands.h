#pragma once

#include "pgtide/cli/options.h"

namespace pgtide::cli {

/// `pgtide run`: loads the tables and returns the process exit code.
int RunCommand(CliValues* values);
/// `pgtide plan`: prints what a run would do; writes nothing.
int PlanCommand(CliValues* values);

}  // namespace pgtide::cli
