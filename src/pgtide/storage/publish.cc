#include "pgtide/storage/publish.h"

#include "pgtide/common/parallel_for.h"

namespace pgtide::storage {

constexpr size_t kPublishThreads = 8;

std::vector<arrow::Status> PublishFiles(ObjectStore* store,
                                        const std::vector<StagedFile>& files) {
  // Measured on 1M rows in 35 partitions: fsyncs one after another took 0.28 s, a third
  // of the table's time.
  std::vector<arrow::Status> results(files.size());
  ParallelFor(files.size(), kPublishThreads, [&](size_t i) {
    if (files[i].in_place()) return;
    results[i] = store->Publish(files[i].staging_path, files[i].file.rel_path);
    if (!results[i].ok()) store->DiscardStaged(files[i].staging_path);
  });
  return results;
}

}  // namespace pgtide::storage
