#include "pgtide/common/row_hash.h"

#include <fmt/format.h>

#include <cstring>

namespace pgtide {

namespace {
constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
}  // namespace

// Two independent 64-bit lanes over 8-byte words; not cryptographic, but a collision
// needs two distinct rows of one table inside one watermark window (about 2^-64 per
// pair).
RowHash HashBytes(const uint8_t* data, size_t len) {
  uint64_t a = kP3 ^ len, b = kP1 + len;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    a = Rotl(a ^ (w * kP2), 31) * kP1;
    b = Rotl(b + (w ^ kP3), 27) * kP2 + kP1;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, data + i, len - i);
  a ^= Mix(tail + kP1);
  b ^= Mix(tail ^ kP2);
  return RowHash{Mix(a ^ Rotl(b, 17)), Mix(b + a)};
}

std::string RowHash::ToHex() const { return fmt::format("{:016x}{:016x}", hi, lo); }

bool RowHash::FromHex(const std::string& hex, RowHash* out) {
  if (hex.size() != 32) return false;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  out->hi = std::stoull(hex.substr(0, 16), nullptr, 16);
  out->lo = std::stoull(hex.substr(16), nullptr, 16);
  return true;
}

}  // namespace pgtide
