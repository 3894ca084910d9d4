#include "pgtide/source/table_lock.h"

#include <fmt/format.h>

namespace pgtide::source {

// FNV-1a: stable across builds, platforms and runs (std::hash is not).
static uint32_t Fnv1a(const std::string& s, uint32_t h = 2166136261u) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

TableLockKey LockKeyFor(const std::string& output_location, const std::string& schema,
                        const std::string& table) {
  TableLockKey k;
  k.space = static_cast<int32_t>(Fnv1a("pgtide " + output_location));
  k.object = static_cast<int32_t>(Fnv1a(schema + std::string(1, '\0') + table));
  return k;
}

// pg_locks shows the two int4 halves as oids (unsigned).
static std::string AsOid(int32_t v) { return std::to_string(static_cast<uint32_t>(v)); }

arrow::Result<std::unique_ptr<TableLockSession>> TableLockSession::Open(
    const ConnectOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto conn, Connection::Open(options));
  return std::unique_ptr<TableLockSession>(
      new TableLockSession(std::move(conn), options));
}

arrow::Status TableLockSession::ReconnectIfBroken() {
  if (conn_ && conn_->is_healthy()) return arrow::Status::OK();
  conn_.reset();
  ++generation_;
  ARROW_ASSIGN_OR_RAISE(conn_, Connection::Open(options_));
  return arrow::Status::OK();
}

arrow::Result<bool> TableLockSession::TryLock(TableLockKey key, uint64_t* generation) {
  std::lock_guard<std::mutex> lock(mu_);
  ARROW_RETURN_NOT_OK(ReconnectIfBroken());
  *generation = generation_;
  ARROW_ASSIGN_OR_RAISE(
      auto res, conn_->Exec("SELECT pg_try_advisory_lock($1::int4, $2::int4)",
                            {std::to_string(key.space), std::to_string(key.object)}));
  return res.Text(0, 0) == "t";
}

arrow::Result<bool> TableLockSession::Holds(TableLockKey key, uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conn_ || generation != generation_) return false;
  ARROW_ASSIGN_OR_RAISE(auto res, conn_->Exec(R"SQL(
      SELECT count(*) FROM pg_locks
       WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
         AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2)SQL",
                                              {AsOid(key.space), AsOid(key.object)}));
  return res.Text(0, 0) != "0";
}

std::string TableLockSession::HolderPid(TableLockKey key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conn_) return std::string();
  auto res = conn_->Exec(R"SQL(
      SELECT coalesce(string_agg(pid::text, ','), '') FROM pg_locks
       WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND granted
         AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2)SQL",
                         {AsOid(key.space), AsOid(key.object)});
  return res.ok() ? res->Text(0, 0) : std::string();
}

arrow::Status TableLockSession::Unlock(TableLockKey key, uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!conn_ || generation != generation_) return arrow::Status::OK();
  return conn_
      ->Exec("SELECT pg_advisory_unlock($1::int4, $2::int4)",
             {std::to_string(key.space), std::to_string(key.object)})
      .status();
}

}  // namespace pgtide::source
