#include "pgtide/lake/metadata_file_name.h"

#include <fmt/format.h>

#include <cctype>

#include "pgtide/common/random.h"
#include "pgtide/lake/lake_paths.h"

namespace pgtide::lake {

namespace {

// "00003-<uuid>.metadata.json" -> 3, "v3.metadata.json" (the lake pointer's) -> 3.
int64_t SequenceOf(const std::string& location) {
  std::string base = location.substr(location.find_last_of('/') + 1);
  size_t i = !base.empty() && base[0] == 'v' ? 1 : 0;
  int64_t n = 0;
  for (; i < base.size() && std::isdigit(static_cast<unsigned char>(base[i])); ++i)
    n = n * 10 + (base[i] - '0');
  return n;
}

std::string NewUuid() {
  std::string h = RandomHex(32);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20));
}

}  // namespace

std::string NextMetadataFileRel(const TableIdent& table,
                                const std::optional<PointerState>& base) {
  return fmt::format("{}/{:05d}-{}.metadata.json", MetadataDirRel(table.table_dir),
                     (base ? SequenceOf(base->metadata_location) : 0) + 1, NewUuid());
}

}  // namespace pgtide::lake
