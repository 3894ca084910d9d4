#pragma once

// Private to storage/: the two ObjectStore backends behind ObjectStore::Open.

#include "pgtide/common/random.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::storage {

arrow::Result<std::shared_ptr<ObjectStore>> OpenLocalStore(const std::string& folder);
arrow::Result<std::shared_ptr<ObjectStore>> OpenS3Store(const std::string& uri,
                                                        const S3Settings& settings);

}  // namespace pgtide::storage
