// PostgresStore: the Store on PostgreSQL (libpq), for multi-node control planes.
//
// One connection writes (Commit, SetMeta) and one reads, each behind its own mutex, so reads
// run concurrently with a commit and see the last committed state. A Commit is one
// parameterised statement (array parameters, unnest, data-modifying CTEs), i.e. one round trip
// and one transaction whatever the number of batches: the per-commit cost is a single WAL flush
// (synchronous_commit stays at the server default, on). A lost connection is re-established on
// the next call; a Commit whose connection broke returns Unavailable and may or may not have
// been applied.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace suanli::store {

class PgConn;  // pg_conn.h

class PostgresStore final : public Store {
 public:
  // Connects to `url` ("postgresql://user@host:port/db?options=-csearch_path%3Dschema") and
  // applies migrations to the schema at the front of search_path. InvalidArgument for a URL
  // libpq cannot parse, Unavailable (with libpq's message) when the server is unreachable.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url);
  ~PostgresStore() override;

  // All methods are thread-safe.
  Status Commit(const std::vector<WriteBatch>& batches) override;
  Result<std::vector<Record>> LoadKind(const std::string& kind) override;
  Result<Record> Get(const std::string& kind, const std::string& id) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;
  Result<std::optional<std::string>> GetMeta(const std::string& key) override;
  Status SetMeta(const std::string& key, const std::string& value) override;
  int SchemaVersion() const override { return schema_version_; }
  std::string Backend() const override { return "postgresql"; }

 private:
  PostgresStore(std::unique_ptr<PgConn> writer, std::unique_ptr<PgConn> reader, int schema_version);

  std::mutex writer_mu_;
  std::unique_ptr<PgConn> writer_;
  std::mutex reader_mu_;
  std::unique_ptr<PgConn> reader_;
  const int schema_version_;
};

}  // namespace suanli::store
