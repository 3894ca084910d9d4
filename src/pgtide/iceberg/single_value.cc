#include "pgtide/iceberg/single_value.h"

#include <cstring>
#include <vector>

namespace pgtide::iceberg {

namespace {

template <typename T>
std::string LittleEndian(T v) {
  // Every platform we build on is little-endian, as the spec's encoding is.
  std::string out(sizeof v, '\0');
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

// Splits valid UTF-8 into code points; a broken sequence ends the split.
std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80           ? 1
               : (b >> 5) == 0x6  ? 2
               : (b >> 4) == 0xe  ? 3
               : (b >> 3) == 0x1e ? 4
                                  : 0;
    if (n == 0 || i + n > s.size()) break;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

uint32_t Decode(std::string_view cp) {
  auto b = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(cp[i]));
  };
  switch (cp.size()) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
    case 3:
      return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) |
             (b(3) & 0x3f);
  }
}

std::string Encode(uint32_t c) {
  std::string out;
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
  return out;
}

}  // namespace

std::string SingleValueBoolean(bool v) { return std::string(1, v ? '\x01' : '\x00'); }
std::string SingleValueInt(int32_t v) { return LittleEndian(v); }
std::string SingleValueLong(int64_t v) { return LittleEndian(v); }
std::string SingleValueFloat(float v) { return LittleEndian(v); }
std::string SingleValueDouble(double v) { return LittleEndian(v); }

std::string SingleValueDecimal(const arrow::Decimal128& unscaled) {
  uint64_t hi = static_cast<uint64_t>(unscaled.high_bits());
  uint64_t lo = unscaled.low_bits();
  std::string be(16, '\0');
  for (int i = 0; i < 8; ++i) {
    be[i] = static_cast<char>(hi >> (56 - 8 * i));
    be[8 + i] = static_cast<char>(lo >> (56 - 8 * i));
  }
  // Drop leading bytes that only repeat the sign: 0x00 before a byte < 0x80, 0xff before
  // a byte >= 0x80.
  size_t start = 0;
  while (start + 1 < be.size()) {
    auto b0 = static_cast<unsigned char>(be[start]);
    auto b1 = static_cast<unsigned char>(be[start + 1]);
    if ((b0 == 0x00 && b1 < 0x80) || (b0 == 0xff && b1 >= 0x80)) {
      ++start;
    } else {
      break;
    }
  }
  return be.substr(start);
}

std::optional<int32_t> ReadSingleValueInt(std::string_view bytes) {
  if (bytes.size() != 4) return std::nullopt;
  int32_t v;
  std::memcpy(&v, bytes.data(), 4);
  return v;
}

std::optional<int64_t> ReadSingleValueLong(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  int64_t v;
  std::memcpy(&v, bytes.data(), 8);
  return v;
}

std::string TruncateStringLower(std::string_view utf8, int length) {
  auto cps = CodePoints(utf8);
  if (static_cast<int>(cps.size()) <= length) return std::string(utf8);
  std::string out;
  for (int i = 0; i < length; ++i) out.append(cps[i]);
  return out;
}

std::optional<std::string> TruncateStringUpper(std::string_view utf8, int length) {
  auto cps = CodePoints(utf8);
  if (static_cast<int>(cps.size()) <= length) {
    // Broken UTF-8 leaves bytes uncounted: the value can't be bounded safely.
    size_t covered = 0;
    for (auto cp : cps) covered += cp.size();
    if (covered != utf8.size()) return std::nullopt;
    return std::string(utf8);
  }
  for (int last = length - 1; last >= 0; --last) {
    uint32_t next = Decode(cps[last]) + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;  // skip surrogates
    if (next > 0x10ffff) continue;                        // carry into the previous one
    std::string out;
    for (int i = 0; i < last; ++i) out.append(cps[i]);
    return out + Encode(next);
  }
  return std::nullopt;
}

std::string TruncateBinaryLower(std::string_view bytes, int length) {
  return std::string(bytes.substr(0, static_cast<size_t>(length)));
}

std::optional<std::string> TruncateBinaryUpper(std::string_view bytes, int length) {
  if (bytes.size() <= static_cast<size_t>(length)) return std::string(bytes);
  std::string out(bytes.substr(0, static_cast<size_t>(length)));
  while (!out.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(out.back());
    if (last != 0xff) {
      ++last;
      return out;
    }
    out.pop_back();
  }
  return std::nullopt;
}

}  // namespace pgtide::iceberg
