// SqliteStore: the Store on one SQLite file, for single-node deployments and tests.
//
// WAL journal with synchronous=FULL, so a Commit that returned OK survives kill -9 and power
// loss. One connection writes (Commit, SetMeta, under a mutex); a second, query-only connection
// serves reads under its own mutex, so reads see the last committed state and never wait for
// a write transaction's fsync. Prepared statements are cached per connection.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace suanli::store {

class SqliteConn;  // one sqlite3 handle with its statement cache (sqlite_store.cc)

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database file at `path` and applies migrations.
  // Unavailable when the file cannot be opened; DataLoss when it is not a database.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  ~SqliteStore() override;

  // All methods are thread-safe.
  Status Commit(const std::vector<WriteBatch>& batches) override;
  Result<std::vector<Record>> LoadKind(const std::string& kind) override;
  Result<Record> Get(const std::string& kind, const std::string& id) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;
  Result<std::optional<std::string>> GetMeta(const std::string& key) override;
  Status SetMeta(const std::string& key, const std::string& value) override;
  int SchemaVersion() const override { return schema_version_; }
  std::string Backend() const override { return "sqlite"; }

 private:
  SqliteStore(std::unique_ptr<SqliteConn> writer, std::unique_ptr<SqliteConn> reader,
              int schema_version);
  Status ApplyBatches(const std::vector<WriteBatch>& batches);  // writer_mu_ held, in a txn

  std::mutex writer_mu_;
  std::unique_ptr<SqliteConn> writer_;
  std::mutex reader_mu_;
  std::unique_ptr<SqliteConn> reader_;
  const int schema_version_;
};

}  // namespace suanli::store
