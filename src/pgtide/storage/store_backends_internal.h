#pragma once

// Private to storage/: the two ObjectStore backends behind ObjectStore::Open.

#include "pgtide/common/random.h"
#include "pgtide/storage/object_store.h"

namespace pgtide::storage {

/// Initializes Arrow's S3 (the AWS SDK) once per process, CA paths included.
arrow::Status InitializeS3Once();

arrow::Result<std::shared_ptr<ObjectStore>> OpenLocalStore(const std::string& folder);
arrow::Result<std::shared_ptr<ObjectStore>> OpenS3Store(const std::string& uri,
                                                        const S3Settings& settings);

}  // namespace pgtide::storage
