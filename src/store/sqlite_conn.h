// SqliteConn: one sqlite3 connection, its prepared-statement cache and error mapping.
// Internal to SqliteStore. Not thread-safe: the owner serialises access.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace suanli::store {

// Maps an SQLite result code to a canonical Status (constraint -> InvalidArgument, busy ->
// Unavailable, corruption -> DataLoss, anything else -> Internal).
Status SqliteStatus(int rc, std::string_view what, sqlite3* db);

// A cached statement in use: bind with Bind*, step with Step(); resets itself when destroyed.
class SqliteStmt {
 public:
  SqliteStmt(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  ~SqliteStmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Parameters are 1-based. Text is bound without copying: it must outlive the next Step().
  void BindText(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
  }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

  // Returns true when a row is available, false when done, or an error.
  Result<bool> Step();
  // Steps a statement that returns no rows; resets it for the next binding.
  Status Run();

  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class SqliteConn {
 public:
  // Opens `path` (creating it unless `read_only`), sets WAL, synchronous=FULL and busy_timeout;
  // a `read_only` connection is query_only.
  static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path, bool read_only);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  // The cached prepared statement for `sql` (prepared on first use).
  Result<std::unique_ptr<SqliteStmt>> Prepare(const std::string& sql);
  // True when a transaction is open (e.g. after a failed COMMIT).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* db() const { return db_; }

 private:
  explicit SqliteConn(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace suanli::store
