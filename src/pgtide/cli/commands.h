#pragma once

#include "pgtide/cli/options.h"

namespace pgtide::cli {

/// `pgtide run`: loads the tables and returns the process exit code.
int RunCommand(CliValues* values);
/// `pgtide plan`: prints what a run would do; writes nothing.
int PlanCommand(CliValues* values);
/// `pgtide catalog register`: records every table that has lake metadata in --catalog.
int CatalogRegisterCommand(CliValues* values);

}  // namespace pgtide::cli
