// LedgerStore: the journal's durable, append-only storage. Two backends: SqliteLedgerStore
// (WAL, synchronous=FULL) and PostgresLedgerStore (libpq, COPY). Tables are prefixed `ledger_`
// so they may share a database with the control plane's store.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "ledger/entry.h"

namespace suanli::ledger {

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  // Appends `entries` (consecutive seqs, continuing the journal) in one transaction. OK only
  // once the transaction is durable (fsync'd); on error nothing of the batch is visible.
  // A duplicate seq fails the whole batch (InvalidArgument). Idempotency keys are unique by
  // the Ledger's Book; PostgreSQL also keeps a unique index on them, SQLite (schema v3) not.
  virtual Status Append(const std::vector<Entry>& entries) = 0;

  // Calls `fn` for each entry with from_seq <= seq < to_seq (to_seq <= 0: to the end), in seq
  // order, lines in their posted order. Stops at and returns the first non-ok status of `fn`.
  virtual Status Scan(int64_t from_seq, int64_t to_seq,
                      const std::function<Status(const Entry&)>& fn) = 0;

  // The highest seq, 0 when empty.
  virtual Result<int64_t> LastSeq() = 0;
};

// Opens (and migrates) the ledger tables at `url`: a postgresql:// or postgres:// URL, or a
// SQLite file path. Single writer: open one Ledger per database at a time.
Result<std::unique_ptr<LedgerStore>> OpenLedgerStore(const std::string& url);

Result<std::unique_ptr<LedgerStore>> OpenSqliteLedgerStore(const std::string& path);
Result<std::unique_ptr<LedgerStore>> OpenPostgresLedgerStore(const std::string& url);

// Encoding of attrs as a JSON object (stored beside the lines); used by both backends.
std::string AttrsToJson(const Attrs& a);
Status AttrsFromJson(std::string_view json, Attrs* out);

}  // namespace suanli::ledger
