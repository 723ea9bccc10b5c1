#include "store/sqlite_conn.h"

namespace suanli::store {

Status SqliteStatus(int rc, std::string_view what, sqlite3* db) {
  std::string msg =
      "sqlite " + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return InvalidArgument(std::move(msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
      return Unavailable(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLoss(std::move(msg));
    default:
      return Internal(std::move(msg));
  }
}

Result<bool> SqliteStmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Err(SqliteStatus(rc, "step", db_));
}

Status SqliteStmt::Run() {
  Result<bool> r = Step();
  if (!r) return r.error();
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return OkStatus();
}

Result<std::unique_ptr<SqliteConn>> SqliteConn::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  // The reader is opened read-write but query_only: a WAL reader needs to update the -shm file.
  const int flags =
      SQLITE_OPEN_READWRITE | (read_only ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteStatus(rc, "open " + path, db);
    sqlite3_close_v2(db);
    return Err(Unavailable(st.message()));
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<SqliteConn> conn(new SqliteConn(db));
  // busy_timeout first: switching to WAL takes a lock another opener may hold.
  if (Status st = conn->Exec("PRAGMA busy_timeout = 10000"); !st.ok()) return Err(st);
  if (!read_only) {
    // journal_mode is persistent, but the pragma also verifies the file is a database.
    Result<std::unique_ptr<SqliteStmt>> mode = conn->Prepare("PRAGMA journal_mode = WAL");
    if (!mode) return Err(mode.error());
    Result<bool> row = (*mode)->Step();
    if (!row) return Err(row.error());
    if (!*row || (*mode)->Text(0) != "wal") {
      return Err(Unavailable("sqlite: cannot enable WAL on " + path));
    }
  }
  if (Status st = conn->Exec("PRAGMA synchronous = FULL"); !st.ok()) return Err(st);
  if (read_only) {
    if (Status st = conn->Exec("PRAGMA query_only = 1"); !st.ok()) return Err(st);
  }
  return conn;
}

SqliteConn::~SqliteConn() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConn::Exec(std::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return OkStatus();
  Status st = SqliteStatus(rc, "exec", db_);
  sqlite3_free(err);
  return st;
}

Result<std::unique_ptr<SqliteStmt>> SqliteConn::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Err(SqliteStatus(rc, "prepare", db_));
    it = cache_.emplace(sql, stmt).first;
  }
  return std::make_unique<SqliteStmt>(it->second, db_);
}

}  // namespace suanli::store
