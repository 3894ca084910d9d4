#include "pgtide/common/random.h"

#include <fmt/format.h>

#include <random>

namespace pgtide {

std::string RandomHex(int n) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  std::string out;
  while (static_cast<int>(out.size()) < n) out += fmt::format("{:016x}", rng());
  return out.substr(0, n);
}

}  // namespace pgtide
