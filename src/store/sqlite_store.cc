#include "store/sqlite_store.h"

#include <utility>

#include "store/migrations.h"
#include "store/sqlite_conn.h"

namespace suanli::store {
namespace {

constexpr char kRecordColumns[] = "kind, id, org_id, parent_id, version, updated_at_ms, body";
constexpr char kAuditColumns[] =
    "seq, at_ms, actor_user_id, actor_org_id, action, kind, object_id, \"before\", \"after\", "
    "request_id";

Record ReadRecord(const SqliteStmt& s) {
  return Record{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Text(6)};
}

AuditEntry ReadAudit(const SqliteStmt& s) {
  return AuditEntry{s.Int(0),  s.Int(1),  s.Text(2), s.Text(3), s.Text(4),
                    s.Text(5), s.Text(6), s.Text(7), s.Text(8), s.Text(9)};
}

MigrationDriver SqliteDriver(SqliteConn& conn) {
  MigrationDriver d;
  d.begin_sql = "BEGIN IMMEDIATE";
  d.exec = [&conn](std::string_view sql) { return conn.Exec(sql); };
  d.current_version = [&conn]() -> Result<int> {
    auto stmt = conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!stmt) return Err(stmt.error());
    Result<bool> row = (*stmt)->Step();
    if (!row) return Err(row.error());
    return static_cast<int>((*stmt)->Int(0));
  };
  d.record = [&conn](int version, int64_t at_ms) -> Status {
    auto stmt = conn.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
    if (!stmt) return stmt.error();
    (*stmt)->BindInt(1, version);
    (*stmt)->BindInt(2, at_ms);
    return (*stmt)->Run();
  };
  return d;
}

// Runs `body` inside BEGIN IMMEDIATE ... COMMIT on `conn`, rolling back on any error.
template <class Fn>
Status InTransaction(SqliteConn& conn, Fn&& body) {
  SUANLI_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  Status st = body();
  if (st.ok()) st = conn.Exec("COMMIT");
  if (!st.ok() && conn.InTransaction()) (void)conn.Exec("ROLLBACK");
  return st;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  auto writer = SqliteConn::Open(path, /*read_only=*/false);
  if (!writer) return Err(writer.error());
  Result<int> version = ApplyMigrations(SqliteMigrations(), SqliteDriver(**writer));
  if (!version) return Err(version.error());
  auto reader = SqliteConn::Open(path, /*read_only=*/true);
  if (!reader) return Err(reader.error());
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(*writer), std::move(*reader), *version));
}

SqliteStore::SqliteStore(std::unique_ptr<SqliteConn> writer, std::unique_ptr<SqliteConn> reader,
                         int schema_version)
    : writer_(std::move(writer)), reader_(std::move(reader)), schema_version_(schema_version) {}

SqliteStore::~SqliteStore() = default;

Status SqliteStore::Commit(const std::vector<WriteBatch>& batches) {
  if (batches.empty()) return OkStatus();
  std::lock_guard lock(writer_mu_);
  return InTransaction(*writer_, [&] { return ApplyBatches(batches); });
}

Status SqliteStore::ApplyBatches(const std::vector<WriteBatch>& batches) {
  auto put = writer_->Prepare(std::string("INSERT INTO objects (") + kRecordColumns +
                              ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE "
                              "SET org_id = excluded.org_id, parent_id = excluded.parent_id, "
                              "version = excluded.version, updated_at_ms = excluded.updated_at_ms, "
                              "body = excluded.body");
  if (!put) return put.error();
  auto del = writer_->Prepare("DELETE FROM objects WHERE kind = ? AND id = ?");
  if (!del) return del.error();
  auto audit = writer_->Prepare(
      "INSERT INTO audit (at_ms, actor_user_id, actor_org_id, action, kind, object_id, "
      "\"before\", \"after\", request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!audit) return audit.error();
  for (const WriteBatch& batch : batches) {
    for (const Mutation& m : batch.mutations) {
      const Record& r = m.record;
      if (m.op == Mutation::Op::kDelete) {
        (*del)->BindText(1, r.kind);
        (*del)->BindText(2, r.id);
        SUANLI_RETURN_IF_ERROR((*del)->Run());
        continue;
      }
      SqliteStmt& s = **put;
      s.BindText(1, r.kind);
      s.BindText(2, r.id);
      s.BindText(3, r.org_id);
      s.BindText(4, r.parent_id);
      s.BindInt(5, r.version);
      s.BindInt(6, r.updated_at_ms);
      s.BindText(7, r.body);
      SUANLI_RETURN_IF_ERROR(s.Run());
    }
    for (const AuditEntry& a : batch.audit) {
      SqliteStmt& s = **audit;
      s.BindInt(1, a.at_ms);
      s.BindText(2, a.actor_user_id);
      s.BindText(3, a.actor_org_id);
      s.BindText(4, a.action);
      s.BindText(5, a.kind);
      s.BindText(6, a.object_id);
      s.BindText(7, a.before);
      s.BindText(8, a.after);
      s.BindText(9, a.request_id);
      SUANLI_RETURN_IF_ERROR(s.Run());
    }
  }
  return OkStatus();
}

Result<std::vector<Record>> SqliteStore::LoadKind(const std::string& kind) {
  std::lock_guard lock(reader_mu_);
  auto stmt = reader_->Prepare(std::string("SELECT ") + kRecordColumns +
                               " FROM objects WHERE kind = ? ORDER BY id");
  if (!stmt) return Err(stmt.error());
  (*stmt)->BindText(1, kind);
  std::vector<Record> out;
  for (;;) {
    Result<bool> row = (*stmt)->Step();
    if (!row) return Err(row.error());
    if (!*row) break;
    out.push_back(ReadRecord(**stmt));
  }
  return out;
}

Result<Record> SqliteStore::Get(const std::string& kind, const std::string& id) {
  std::lock_guard lock(reader_mu_);
  auto stmt = reader_->Prepare(std::string("SELECT ") + kRecordColumns +
                               " FROM objects WHERE kind = ? AND id = ?");
  if (!stmt) return Err(stmt.error());
  (*stmt)->BindText(1, kind);
  (*stmt)->BindText(2, id);
  Result<bool> row = (*stmt)->Step();
  if (!row) return Err(row.error());
  if (!*row) return Err(NotFound(kind + " " + id + " not found"));
  return ReadRecord(**stmt);
}

Result<std::vector<AuditEntry>> SqliteStore::ListAudit(const AuditQuery& q) {
  // Only the filters in use appear in the SQL, so each shape gets an index-friendly plan
  // (at most eight shapes end up in the statement cache).
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq > ?";
  if (!q.org_id.empty()) sql += " AND actor_org_id = ?";
  if (!q.kind.empty()) sql += " AND kind = ?";
  if (!q.object_id.empty()) sql += " AND object_id = ?";
  sql += " ORDER BY seq LIMIT ?";
  std::lock_guard lock(reader_mu_);
  auto stmt = reader_->Prepare(sql);
  if (!stmt) return Err(stmt.error());
  SqliteStmt& s = **stmt;
  int i = 1;
  s.BindInt(i++, q.after_seq);
  if (!q.org_id.empty()) s.BindText(i++, q.org_id);
  if (!q.kind.empty()) s.BindText(i++, q.kind);
  if (!q.object_id.empty()) s.BindText(i++, q.object_id);
  s.BindInt(i, q.limit < 0 ? 0 : q.limit);
  std::vector<AuditEntry> out;
  for (;;) {
    Result<bool> row = s.Step();
    if (!row) return Err(row.error());
    if (!*row) break;
    out.push_back(ReadAudit(s));
  }
  return out;
}

Result<std::optional<std::string>> SqliteStore::GetMeta(const std::string& key) {
  std::lock_guard lock(reader_mu_);
  auto stmt = reader_->Prepare("SELECT value FROM meta WHERE key = ?");
  if (!stmt) return Err(stmt.error());
  (*stmt)->BindText(1, key);
  Result<bool> row = (*stmt)->Step();
  if (!row) return Err(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>((*stmt)->Text(0));
}

Status SqliteStore::SetMeta(const std::string& key, const std::string& value) {
  std::lock_guard lock(writer_mu_);
  auto stmt = writer_->Prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  if (!stmt) return stmt.error();
  (*stmt)->BindText(1, key);
  (*stmt)->BindText(2, value);
  return (*stmt)->Run();  // autocommit: synced (synchronous=FULL) before returning
}

}  // namespace suanli::store
