#pragma once

#include <string>

namespace pgtide {

/// A random lower-case hex string of `n` characters, for unique names (run ids, staging
/// files, probes).
std::string RandomHex(int n);

}  // namespace pgtide
