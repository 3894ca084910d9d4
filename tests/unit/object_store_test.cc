// ObjectStore's small-file reads on a local folder: whole contents back, whatever their
// size against the read chunk, and "absent" apart from "empty".

#include "pgtide/storage/object_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "pgtide/common/random.h"

namespace pgtide::storage {
namespace {

namespace fs = std::filesystem;

TEST(ObjectStore, ReadSmallReturnsWholeFilesOfAnySize) {
  const fs::path dir = fs::temp_directory_path() / ("pgtide-store-" + RandomHex(8));
  auto store = *ObjectStore::Open(dir.string());
  // Empty, one byte, exactly a chunk, and past the 1 MiB chunk limit.
  for (size_t size : {size_t{0}, size_t{1}, size_t{4096}, size_t{(1 << 20) * 2 + 7}}) {
    std::string content(size, '\0');
    for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>('a' + i % 23);
    const std::string rel = "small/f" + std::to_string(size);
    ASSERT_TRUE(store->WriteSmall(rel, content).ok());
    auto read = store->ReadSmall(rel);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_TRUE(read->has_value()) << size;
    EXPECT_EQ(read->value().size(), size);
    EXPECT_TRUE(read->value() == content) << size;
  }
  auto absent = store->ReadSmall("small/none");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pgtide::storage
