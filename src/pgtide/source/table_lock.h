#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "pgtide/source/connection.h"

namespace pgtide::source {

/// The advisory-lock key of one table of one lake: pg_advisory_lock(int4, int4) with a
/// stable hash of the output location and of the table (schema and name kept apart, so
/// "a.b".c and a."b.c" differ). Shown in pg_locks as classid / objid, objsubid = 2.
struct TableLockKey {
  int32_t space = 0;   // the output location
  int32_t object = 0;  // the table
};
TableLockKey LockKeyFor(const std::string& output_location, const std::string& schema,
                        const std::string& table);

/// One connection of its own that holds a run's session advisory locks in the source
/// database. A lock lives as long as the session: PostgreSQL releases it when the run
/// ends, crashes or is killed, so no stale lock is ever left behind. Thread-safe: the
/// run's workers take locks and its committer thread releases them.
class TableLockSession {
 public:
  static arrow::Result<std::unique_ptr<TableLockSession>> Open(
      const ConnectOptions& options);

  /// Takes the lock if it is free; false when another session holds it. Reconnects a
  /// broken session first.
  /// `*generation` identifies the session the lock was taken on, for Holds and Unlock.
  arrow::Result<bool> TryLock(TableLockKey key, uint64_t* generation);
  /// Whether this session still holds `key` (false once its connection was lost, when
  /// the server has released every lock of the session).
  arrow::Result<bool> Holds(TableLockKey key, uint64_t generation);
  /// The pid of the backend of the other run that holds `key`, "" when it is not known.
  std::string HolderPid(TableLockKey key);
  /// A no-op for a lock of an earlier session (already released by the server).
  arrow::Status Unlock(TableLockKey key, uint64_t generation);

 private:
  TableLockSession(std::unique_ptr<Connection> conn, ConnectOptions options)
      : conn_(std::move(conn)), options_(std::move(options)) {}
  /// A session whose connection broke (a server restart) held no lock any more: a new
  /// one is opened for the next TryLock. Holds() then says false for the old locks, so
  /// their tables fail at commit instead of trusting a lock that is gone.
  arrow::Status ReconnectIfBroken();

  std::mutex mu_;
  std::unique_ptr<Connection> conn_;
  ConnectOptions options_;
  uint64_t generation_ = 0;  // bumped on each reconnect
};

}  // namespace pgtide::source
