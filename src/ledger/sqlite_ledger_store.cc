// SqliteLedgerStore: the journal in SQLite. WAL + synchronous=FULL, so a committed transaction
// is fsync'd; one transaction per Append batch (the group commit). Append-only is enforced by
// triggers as well as by the code.
#include <sqlite3.h>

#include <memory>

#include "ledger/ledger_store.h"

namespace suanli::ledger {
namespace {

// Schema versions, applied in order; never edit a released step, add one.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE ledger_entries(
  seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT NOT NULL,
  ikey TEXT NOT NULL UNIQUE, ref INTEGER NOT NULL, memo TEXT NOT NULL, attrs TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE ledger_lines(
  seq INTEGER NOT NULL, idx INTEGER NOT NULL, account TEXT NOT NULL, amount INTEGER NOT NULL,
  PRIMARY KEY(seq, idx)) WITHOUT ROWID;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_lines_no_update BEFORE UPDATE ON ledger_lines
  BEGIN SELECT RAISE(ABORT, 'ledger_lines is append-only'); END;
CREATE TRIGGER ledger_lines_no_delete BEFORE DELETE ON ledger_lines
  BEGIN SELECT RAISE(ABORT, 'ledger_lines is append-only'); END;
)sql",
};

Status Sq(int rc, std::string_view what, sqlite3* db) {
  std::string msg = "ledger sqlite " + std::string(what) + ": " + sqlite3_errmsg(db);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return InvalidArgument(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return DataLoss(std::move(msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return Unavailable(std::move(msg));
    default: return Internal(std::move(msg));
  }
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
std::string ColText(sqlite3_stmt* s, int c) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, c))) : std::string();
}

class SqliteLedgerStore final : public LedgerStore {
 public:
  explicit SqliteLedgerStore(sqlite3* db) : db_(db) {}
  ~SqliteLedgerStore() override {
    ins_entry_.reset();
    ins_line_.reset();
    sqlite3_close_v2(db_);
  }

  Status Init() {
    SUANLI_RETURN_IF_ERROR(Exec("PRAGMA busy_timeout = 10000"));
    SUANLI_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL"));
    SUANLI_RETURN_IF_ERROR(Exec("PRAGMA synchronous = FULL"));
    SUANLI_RETURN_IF_ERROR(Migrate());
    SUANLI_RETURN_IF_ERROR(Prepare(
        "INSERT INTO ledger_entries(seq, at_ms, kind, ikey, ref, memo, attrs, prev_hash, hash) "
        "VALUES(?,?,?,?,?,?,?,?,?)",
        &ins_entry_));
    return Prepare("INSERT INTO ledger_lines(seq, idx, account, amount) VALUES(?,?,?,?)",
                   &ins_line_);
  }

  Status Append(const std::vector<Entry>& entries) override {
    if (entries.empty()) return OkStatus();
    SUANLI_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status st = Insert(entries);
    if (st.ok()) st = Exec("COMMIT");
    if (!st.ok() && sqlite3_get_autocommit(db_) == 0) Exec("ROLLBACK");
    return st;
  }

  Status Scan(int64_t from_seq, int64_t to_seq,
              const std::function<Status(const Entry&)>& fn) override {
    if (to_seq <= 0) to_seq = INT64_MAX;
    Stmt es, ls;
    SUANLI_RETURN_IF_ERROR(Prepare(
        "SELECT seq, at_ms, kind, ikey, ref, memo, attrs, prev_hash, hash FROM ledger_entries "
        "WHERE seq >= ? AND seq < ? ORDER BY seq",
        &es));
    SUANLI_RETURN_IF_ERROR(Prepare(
        "SELECT seq, account, amount FROM ledger_lines WHERE seq >= ? AND seq < ? "
        "ORDER BY seq, idx",
        &ls));
    for (sqlite3_stmt* s : {es.get(), ls.get()}) {
      sqlite3_bind_int64(s, 1, from_seq);
      sqlite3_bind_int64(s, 2, to_seq);
    }
    // Merge the two ordered cursors: one pass over each table.
    int lrc = sqlite3_step(ls.get());
    for (;;) {
      int rc = sqlite3_step(es.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Sq(rc, "scan entries", db_);
      Entry e;
      e.seq = sqlite3_column_int64(es.get(), 0);
      e.at.ms = sqlite3_column_int64(es.get(), 1);
      if (!ParseKind(ColText(es.get(), 2), &e.kind)) {
        return DataLoss("ledger: unknown kind at seq " + std::to_string(e.seq));
      }
      e.key = ColText(es.get(), 3);
      e.ref = sqlite3_column_int64(es.get(), 4);
      e.memo = ColText(es.get(), 5);
      SUANLI_RETURN_IF_ERROR(AttrsFromJson(ColText(es.get(), 6), &e.attrs));
      if (!ParseHashHex(ColText(es.get(), 7), &e.prev_hash) ||
          !ParseHashHex(ColText(es.get(), 8), &e.hash)) {
        return DataLoss("ledger: bad hash text at seq " + std::to_string(e.seq));
      }
      while (lrc == SQLITE_ROW && sqlite3_column_int64(ls.get(), 0) <= e.seq) {
        if (sqlite3_column_int64(ls.get(), 0) == e.seq) {
          e.lines.push_back(
              {ColText(ls.get(), 1), Fen(sqlite3_column_int64(ls.get(), 2))});
        }
        lrc = sqlite3_step(ls.get());
      }
      if (lrc != SQLITE_ROW && lrc != SQLITE_DONE) return Sq(lrc, "scan lines", db_);
      SUANLI_RETURN_IF_ERROR(fn(e));
    }
    return OkStatus();
  }

  Result<int64_t> LastSeq() override {
    Stmt s;
    if (Status st = Prepare("SELECT COALESCE(MAX(seq), 0) FROM ledger_entries", &s); !st.ok()) {
      return Err(st);
    }
    int rc = sqlite3_step(s.get());
    if (rc != SQLITE_ROW) return Err(Sq(rc, "last seq", db_));
    return sqlite3_column_int64(s.get(), 0);
  }

 private:
  Status Exec(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? OkStatus() : Sq(rc, "exec", db_);
  }
  Status Prepare(const char* sql, Stmt* out) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) return Sq(rc, "prepare", db_);
    out->reset(s);
    return OkStatus();
  }

  Status Migrate() {
    SUANLI_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status st = MigrateLocked();
    if (st.ok()) return Exec("COMMIT");
    Exec("ROLLBACK");
    return st;
  }
  Status MigrateLocked() {
    SUANLI_RETURN_IF_ERROR(Exec("CREATE TABLE IF NOT EXISTS ledger_schema(version INTEGER)"));
    Stmt s;
    SUANLI_RETURN_IF_ERROR(Prepare("SELECT COALESCE(MAX(version), 0) FROM ledger_schema", &s));
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Sq(SQLITE_ERROR, "schema version", db_);
    const int64_t have = sqlite3_column_int64(s.get(), 0);
    s.reset();
    const int64_t want = static_cast<int64_t>(std::size(kMigrations));
    if (have > want) return FailedPrecondition("ledger schema is newer than this binary");
    for (int64_t v = have; v < want; ++v) {
      SUANLI_RETURN_IF_ERROR(Exec(kMigrations[v]));
      const std::string ins = "INSERT INTO ledger_schema VALUES(" + std::to_string(v + 1) + ")";
      SUANLI_RETURN_IF_ERROR(Exec(ins.c_str()));
    }
    return OkStatus();
  }

  Status Insert(const std::vector<Entry>& entries) {
    sqlite3_stmt* ie = ins_entry_.get();
    sqlite3_stmt* il = ins_line_.get();
    for (const Entry& e : entries) {
      const std::string attrs = AttrsToJson(e.attrs);
      const std::string prev = HashHex(e.prev_hash), hash = HashHex(e.hash);
      sqlite3_bind_int64(ie, 1, e.seq);
      sqlite3_bind_int64(ie, 2, e.at.ms);
      BindText(ie, 3, KindName(e.kind));
      BindText(ie, 4, e.key);
      sqlite3_bind_int64(ie, 5, e.ref);
      BindText(ie, 6, e.memo);
      BindText(ie, 7, attrs);
      BindText(ie, 8, prev);
      BindText(ie, 9, hash);
      int rc = sqlite3_step(ie);
      sqlite3_reset(ie);
      if (rc != SQLITE_DONE) return Sq(rc, "insert entry " + std::to_string(e.seq), db_);
      for (size_t i = 0; i < e.lines.size(); ++i) {
        sqlite3_bind_int64(il, 1, e.seq);
        sqlite3_bind_int64(il, 2, static_cast<int64_t>(i));
        BindText(il, 3, e.lines[i].account);
        sqlite3_bind_int64(il, 4, e.lines[i].amount.v);
        rc = sqlite3_step(il);
        sqlite3_reset(il);
        if (rc != SQLITE_DONE) return Sq(rc, "insert line", db_);
      }
    }
    return OkStatus();
  }

  sqlite3* db_;
  Stmt ins_entry_, ins_line_;
};

}  // namespace

Result<std::unique_ptr<LedgerStore>> OpenSqliteLedgerStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Status st = Unavailable("ledger: cannot open " + path + ": " + sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return Err(st);
  }
  sqlite3_extended_result_codes(db, 1);
  auto store = std::make_unique<SqliteLedgerStore>(db);
  if (Status st = store->Init(); !st.ok()) return Err(st);
  return std::unique_ptr<LedgerStore>(std::move(store));
}

}  // namespace suanli::ledger
