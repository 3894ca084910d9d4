#pragma once

// Private to sink/: the two ObjectStore backends.

#include "pgtide/sink/object_store.h"

namespace pgtide::sink {

arrow::Result<std::shared_ptr<ObjectStore>> OpenLocalStore(const std::string& folder);
arrow::Result<std::shared_ptr<ObjectStore>> OpenS3Store(const std::string& uri,
                                                       const S3Settings& settings);

/// A random lower-case hex string of `n` characters, for unique temporary names.
std::string RandomHex(int n);

}  // namespace pgtide::sink
