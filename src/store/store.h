// The durable store: one interface, two real backends (SqliteStore, PostgresStore).
//
// Resources are stored as JSON documents keyed by (kind, id), with the owning organisation
// and parent indexed; the audit trail is an append-only table. The control layer keeps the
// working set in memory and writes through this interface: Commit() makes a group of batches
// durable in one transaction (fsync) before any of them is acknowledged to a client.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace suanli::store {

// One stored resource document.
struct Record {
  std::string kind;       // "node"
  std::string id;         // "node-ab12..."
  std::string org_id;     // owner, "" for platform records
  std::string parent_id;  // the containing resource ("" when none): pool of a node, site of a pool
  int64_t version = 0;
  int64_t updated_at_ms = 0;
  std::string body;  // the full JSON document (including secrets such as token hashes)
};

// Who changed what, when, with the before/after documents ("" when absent).
struct AuditEntry {
  int64_t seq = 0;  // assigned by the store, increasing
  int64_t at_ms = 0;
  std::string actor_user_id;
  std::string actor_org_id;
  std::string action;  // "create", "update", "delete", "cancel", ...
  std::string kind;
  std::string object_id;
  std::string before;  // JSON or ""
  std::string after;   // JSON or ""
  std::string request_id;
};

struct Mutation {
  enum class Op { kPut, kDelete };
  Op op = Op::kPut;
  Record record;  // for kDelete only kind and id are used
};

// Changes that must become durable together (one API call's writes and its audit entries).
struct WriteBatch {
  std::vector<Mutation> mutations;
  std::vector<AuditEntry> audit;
};

struct AuditQuery {
  std::string org_id;     // actor org filter, "" = any
  std::string kind;       // "" = any
  std::string object_id;  // "" = any
  int64_t after_seq = 0;  // only entries with seq > after_seq
  int limit = 100;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies all batches in one transaction and syncs it to disk. Either every batch is
  // durable when this returns OK, or none is applied. Not called concurrently (one writer).
  virtual Status Commit(const std::vector<WriteBatch>& batches) = 0;

  // Every record of `kind`, in id order. Used at start-up to load the working set.
  virtual Result<std::vector<Record>> LoadKind(const std::string& kind) = 0;

  // One record, or NotFound.
  virtual Result<Record> Get(const std::string& kind, const std::string& id) = 0;

  // Audit entries matching the query, in seq order.
  virtual Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) = 0;

  // Small key/value settings (schema facts, the token-hash key). Set is durable on return.
  virtual Result<std::optional<std::string>> GetMeta(const std::string& key) = 0;
  virtual Status SetMeta(const std::string& key, const std::string& value) = 0;

  // The schema version after migrations.
  virtual int SchemaVersion() const = 0;
  // "sqlite" or "postgresql".
  virtual std::string Backend() const = 0;
};

// Opens (creating if needed) and migrates a store. `url` is a file path (SQLite, WAL mode,
// synchronous=FULL) or a "postgresql://" / "postgres://" connection URI (libpq).
Result<std::unique_ptr<Store>> OpenStore(const std::string& url);

}  // namespace suanli::store
