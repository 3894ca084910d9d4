#include "pgtide/sink/encoding_choice.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace pgtide::sink {

namespace {

// 64-bit mix of a value's bytes (FNV-1a over the bytes, then a final avalanche): only
// used to count distinct values in a sample, so speed matters more than quality.
uint64_t HashBytes(const uint8_t* p, size_t n) {
  uint64_t h = 1469598103934665603ULL ^ n;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// How to find a value's bytes in a flat column: fixed width, or 32/64-bit offsets.
struct Layout {
  enum Kind { kUnsupported, kFixed, kBinary32, kBinary64 } kind = kUnsupported;
  size_t width = 0;
};

Layout LayoutOf(const arrow::ArrayData& a) {
  const auto id = a.type->id();
  if (id == arrow::Type::LARGE_STRING || id == arrow::Type::LARGE_BINARY)
    return {Layout::kBinary64};
  if (arrow::is_base_binary_like(id)) return {Layout::kBinary32};
  const auto* fixed = dynamic_cast<const arrow::FixedWidthType*>(a.type.get());
  if (fixed == nullptr || fixed->bit_width() < 8 || fixed->bit_width() % 8 != 0 ||
      a.buffers.size() < 2 || !a.buffers[1]) {
    return {};  // booleans (two values anyway), nested and null columns
  }
  return {Layout::kFixed, static_cast<size_t>(fixed->bit_width() / 8)};
}

bool LooksNearUnique(const arrow::ArrayData& a, int64_t sample_rows) {
  const int64_t length = a.length;
  if (length - a.GetNullCount() < 1000) return false;  // too few values to judge
  const Layout layout = LayoutOf(a);
  if (layout.kind == Layout::kUnsupported) return false;
  const uint8_t* values = layout.kind == Layout::kFixed
                              ? a.buffers[1]->data() + a.offset * layout.width
                              : (a.buffers[2] ? a.buffers[2]->data() : nullptr);
  // Open addressing over a power of two at least twice the sample: no resizing.
  size_t slots = 1;
  while (slots < static_cast<size_t>(2 * sample_rows)) slots <<= 1;
  std::vector<uint64_t> table(slots, 0);
  const int64_t step = std::max<int64_t>(1, length / sample_rows);
  // At most this many values are looked at, so the answer is known as soon as more than
  // half of them are distinct, or half of them repeats: the same answer, sooner (on a
  // run of 200 small tables this test was 5 % of the CPU).
  const int64_t at_most = std::min(sample_rows, (length + step - 1) / step);
  int64_t sampled = 0, distinct = 0;
  for (int64_t i = 0; i < length && sampled < sample_rows; i += step) {
    if (distinct * 2 > at_most) return true;
    if ((sampled - distinct) * 2 >= at_most) return false;
    if (a.IsNull(i)) continue;
    const uint8_t* p;
    size_t n;
    switch (layout.kind) {
      case Layout::kFixed:
        p = values + i * layout.width;
        n = layout.width;
        break;
      case Layout::kBinary32: {
        const auto* off = a.GetValues<int32_t>(1);
        p = values + off[i];
        n = static_cast<size_t>(off[i + 1] - off[i]);
        break;
      }
      default: {
        const auto* off = a.GetValues<int64_t>(1);
        p = values + off[i];
        n = static_cast<size_t>(off[i + 1] - off[i]);
      }
    }
    uint64_t h = HashBytes(p, n) | 1;  // 0 marks an empty slot
    size_t s = h & (slots - 1);
    while (table[s] != 0 && table[s] != h) s = (s + 1) & (slots - 1);
    if (table[s] == 0) {
      table[s] = h;
      ++distinct;
    }
    ++sampled;
  }
  return sampled > 0 && distinct * 2 > sampled;
}

// The longest value of a binary-like column (0 for any other layout).
int64_t LongestValue(const arrow::ArrayData& a) {
  const Layout layout = LayoutOf(a);
  int64_t longest = 0;
  if (layout.kind == Layout::kBinary32) {
    const auto* off = a.GetValues<int32_t>(1);
    for (int64_t i = 0; i < a.length; ++i)
      longest = std::max<int64_t>(longest, off[i + 1] - off[i]);
  } else if (layout.kind == Layout::kBinary64) {
    const auto* off = a.GetValues<int64_t>(1);
    for (int64_t i = 0; i < a.length; ++i)
      longest = std::max(longest, off[i + 1] - off[i]);
  }
  return longest;
}

std::shared_ptr<arrow::ArrayData> StorageData(const arrow::RecordBatch& batch, int i) {
  std::shared_ptr<arrow::ArrayData> data = batch.column_data(i);
  if (data->type->id() == arrow::Type::EXTENSION) {
    data = std::static_pointer_cast<arrow::ExtensionArray>(batch.column(i))
               ->storage()
               ->data();
  }
  return data;
}

}  // namespace

std::vector<bool> WideColumns(const arrow::RecordBatch& batch, int64_t min_value_bytes) {
  std::vector<bool> out(batch.num_columns(), false);
  // Cheap test first: a column whose values all fit in less cannot hold a wide one.
  for (int i = 0; i < batch.num_columns(); ++i) {
    auto data = StorageData(batch, i);
    if (data->buffers.size() < 3 || !data->buffers[2] ||
        data->buffers[2]->size() < min_value_bytes) {
      continue;
    }
    out[i] = LongestValue(*data) >= min_value_bytes;
  }
  return out;
}

std::vector<bool> NearUniqueColumns(const arrow::RecordBatch& batch,
                                    int64_t sample_rows) {
  std::vector<bool> out(batch.num_columns(), false);
  for (int i = 0; i < batch.num_columns(); ++i) {
    out[i] = LooksNearUnique(*StorageData(batch, i), sample_rows);
  }
  return out;
}

}  // namespace pgtide::sink
