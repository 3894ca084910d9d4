#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pgtide {

/// A 128-bit fingerprint of a row's bytes in the COPY stream: the identity of a row
/// version when the commit protocol must recognise rows an earlier run already wrote.
struct RowHash {
  uint64_t hi = 0, lo = 0;
  bool operator==(const RowHash& o) const { return hi == o.hi && lo == o.lo; }
  bool operator<(const RowHash& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  std::string ToHex() const;
  static bool FromHex(const std::string& hex, RowHash* out);
};

struct RowHashHasher {
  size_t operator()(const RowHash& h) const {
    return static_cast<size_t>(h.lo ^ (h.hi >> 1));
  }
};

RowHash HashBytes(const uint8_t* data, size_t len);

}  // namespace pgtide
