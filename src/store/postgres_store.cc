#include "store/postgres_store.h"

#include <cstdlib>
#include <map>
#include <utility>

#include "store/migrations.h"
#include "store/pg_conn.h"

namespace suanli::store {
namespace {

constexpr char kRecordColumns[] = "kind, id, org_id, parent_id, version, updated_at_ms, body";

// One statement, hence one transaction and one WAL flush, for a whole Commit. Deletes and puts
// are on disjoint keys (CommitParams keeps only each key's last operation); audit rows are
// inserted in batch order so that seq follows it.
constexpr char kCommitSql[] = R"sql(
WITH del AS (
  DELETE FROM objects o USING unnest($1::text[], $2::text[]) AS d(kind, id)
  WHERE o.kind = d.kind AND o.id = d.id),
put AS (
  INSERT INTO objects (kind, id, org_id, parent_id, version, updated_at_ms, body)
  SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                       $8::bigint[], $9::text[])
  ON CONFLICT (kind, id) DO UPDATE SET org_id = EXCLUDED.org_id,
    parent_id = EXCLUDED.parent_id, version = EXCLUDED.version,
    updated_at_ms = EXCLUDED.updated_at_ms, body = EXCLUDED.body),
aud AS (
  INSERT INTO audit (at_ms, actor_user_id, actor_org_id, action, kind, object_id,
                     "before", "after", request_id)
  SELECT a.at_ms, a.u, a.o, a.act, a.k, a.obj, a.b, a.af, a.r
  FROM unnest($10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
              $16::text[], $17::text[], $18::text[])
       WITH ORDINALITY AS a(at_ms, u, o, act, k, obj, b, af, r, ord)
  ORDER BY a.ord)
SELECT 1)sql";

// Builds a PostgreSQL array literal: {"a","b\"c"} for text, {1,2} for numbers.
class ArrayLiteral {
 public:
  void AddText(std::string_view s) {
    Open();
    out_ += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  void AddInt(int64_t v) {
    Open();
    out_ += std::to_string(v);
  }
  std::string Take() {
    if (out_.empty()) return "{}";
    out_ += '}';
    return std::move(out_);
  }

 private:
  void Open() { out_ += out_.empty() ? '{' : ','; }
  std::string out_;
};

// The 18 parameters of kCommitSql.
std::vector<std::string> CommitParams(const std::vector<WriteBatch>& batches) {
  // Last operation per key wins: within one transaction only the final state is visible.
  std::map<std::pair<std::string_view, std::string_view>, const Mutation*> last;
  for (const WriteBatch& b : batches) {
    for (const Mutation& m : b.mutations) last[{m.record.kind, m.record.id}] = &m;
  }
  ArrayLiteral del_kind, del_id, kind, id, org, parent, version, updated, body;
  for (const auto& [key, m] : last) {
    const Record& r = m->record;
    if (m->op == Mutation::Op::kDelete) {
      del_kind.AddText(r.kind);
      del_id.AddText(r.id);
      continue;
    }
    kind.AddText(r.kind);
    id.AddText(r.id);
    org.AddText(r.org_id);
    parent.AddText(r.parent_id);
    version.AddInt(r.version);
    updated.AddInt(r.updated_at_ms);
    body.AddText(r.body);
  }
  ArrayLiteral at, user, actor_org, action, akind, object, before, after, request;
  for (const WriteBatch& b : batches) {
    for (const AuditEntry& a : b.audit) {
      at.AddInt(a.at_ms);
      user.AddText(a.actor_user_id);
      actor_org.AddText(a.actor_org_id);
      action.AddText(a.action);
      akind.AddText(a.kind);
      object.AddText(a.object_id);
      before.AddText(a.before);
      after.AddText(a.after);
      request.AddText(a.request_id);
    }
  }
  return {del_kind.Take(), del_id.Take(),    kind.Take(),    id.Take(),    org.Take(),
          parent.Take(),   version.Take(),   updated.Take(), body.Take(),  at.Take(),
          user.Take(),     actor_org.Take(), action.Take(),  akind.Take(), object.Take(),
          before.Take(),   after.Take(),     request.Take()};
}

std::string Text(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}
int64_t Int(const PGresult* r, int row, int col) {
  return std::strtoll(PQgetvalue(r, row, col), nullptr, 10);
}

Record ReadRecord(const PGresult* r, int i) {
  return Record{Text(r, i, 0), Text(r, i, 1), Text(r, i, 2), Text(r, i, 3),
                Int(r, i, 4),  Int(r, i, 5),  Text(r, i, 6)};
}

MigrationDriver PgDriver(PgConn& conn) {
  MigrationDriver d;
  // Serialises concurrent openers of the same schema (CREATE TABLE IF NOT EXISTS races).
  d.begin_sql = "BEGIN; SELECT pg_advisory_xact_lock(hashtext('suanli:' || current_schema()))";
  d.exec = [&conn](std::string_view sql) { return conn.Exec(sql); };
  d.current_version = [&conn]() -> Result<int> {
    auto r = conn.ExecParams("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
    if (!r) return Err(r.error());
    return static_cast<int>(Int(r->get(), 0, 0));
  };
  d.record = [&conn](int version, int64_t at_ms) -> Status {
    auto r = conn.ExecParams(
        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1::bigint, $2::bigint)",
        {std::to_string(version), std::to_string(at_ms)});
    return r ? OkStatus() : r.error();
  };
  return d;
}

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? err : "cannot parse";
    PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Err(InvalidArgument("bad postgresql url: " + msg));
  }
  PQconninfoFree(opts);
  auto writer = PgConn::Connect(url);
  if (!writer) return Err(writer.error());
  Result<int> version = ApplyMigrations(PostgresMigrations(), PgDriver(**writer));
  if (!version) return Err(version.error());
  auto reader = PgConn::Connect(url);
  if (!reader) return Err(reader.error());
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(std::move(*writer), std::move(*reader), *version));
}

PostgresStore::PostgresStore(std::unique_ptr<PgConn> writer, std::unique_ptr<PgConn> reader,
                             int schema_version)
    : writer_(std::move(writer)), reader_(std::move(reader)), schema_version_(schema_version) {}

PostgresStore::~PostgresStore() = default;

Status PostgresStore::Commit(const std::vector<WriteBatch>& batches) {
  if (batches.empty()) return OkStatus();
  std::vector<std::string> params = CommitParams(batches);
  std::lock_guard lock(writer_mu_);
  auto r = writer_->ExecPrepared("suanli_commit", kCommitSql, params);
  return r ? OkStatus() : r.error();
}

Result<std::vector<Record>> PostgresStore::LoadKind(const std::string& kind) {
  std::lock_guard lock(reader_mu_);
  auto r = reader_->ExecPrepared(
      "suanli_load_kind",
      std::string("SELECT ") + kRecordColumns + " FROM objects WHERE kind = $1 ORDER BY id",
      {kind});
  if (!r) return Err(r.error());
  std::vector<Record> out;
  const int n = PQntuples(r->get());
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(ReadRecord(r->get(), i));
  return out;
}

Result<Record> PostgresStore::Get(const std::string& kind, const std::string& id) {
  std::lock_guard lock(reader_mu_);
  auto r = reader_->ExecPrepared(
      "suanli_get",
      std::string("SELECT ") + kRecordColumns + " FROM objects WHERE kind = $1 AND id = $2",
      {kind, id});
  if (!r) return Err(r.error());
  if (PQntuples(r->get()) == 0) return Err(NotFound(kind + " " + id + " not found"));
  return ReadRecord(r->get(), 0);
}

Result<std::vector<AuditEntry>> PostgresStore::ListAudit(const AuditQuery& q) {
  // Only the filters in use appear in the SQL; unnamed statements are planned with the values.
  std::vector<std::string> params{std::to_string(q.after_seq)};
  std::string sql =
      "SELECT seq, at_ms, actor_user_id, actor_org_id, action, kind, object_id, \"before\", "
      "\"after\", request_id FROM audit WHERE seq > $1::bigint";
  auto filter = [&](const char* column, const std::string& value) {
    if (value.empty()) return;
    params.push_back(value);
    sql += std::string(" AND ") + column + " = $" + std::to_string(params.size());
  };
  filter("actor_org_id", q.org_id);
  filter("kind", q.kind);
  filter("object_id", q.object_id);
  params.push_back(std::to_string(q.limit < 0 ? 0 : q.limit));
  sql += " ORDER BY seq LIMIT $" + std::to_string(params.size()) + "::bigint";
  std::lock_guard lock(reader_mu_);
  auto r = reader_->ExecParams(sql, params);
  if (!r) return Err(r.error());
  std::vector<AuditEntry> out;
  const PGresult* res = r->get();
  for (int i = 0, n = PQntuples(res); i < n; ++i) {
    out.push_back(AuditEntry{Int(res, i, 0), Int(res, i, 1), Text(res, i, 2), Text(res, i, 3),
                             Text(res, i, 4), Text(res, i, 5), Text(res, i, 6), Text(res, i, 7),
                             Text(res, i, 8), Text(res, i, 9)});
  }
  return out;
}

Result<std::optional<std::string>> PostgresStore::GetMeta(const std::string& key) {
  std::lock_guard lock(reader_mu_);
  auto r = reader_->ExecPrepared("suanli_get_meta", "SELECT value FROM meta WHERE key = $1", {key});
  if (!r) return Err(r.error());
  if (PQntuples(r->get()) == 0) return std::optional<std::string>();
  return std::optional<std::string>(Text(r->get(), 0, 0));
}

Status PostgresStore::SetMeta(const std::string& key, const std::string& value) {
  std::lock_guard lock(writer_mu_);
  auto r = writer_->ExecPrepared("suanli_set_meta",
                                 "INSERT INTO meta (key, value) VALUES ($1, $2) "
                                 "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                                 {key, value});
  return r ? OkStatus() : r.error();
}

}  // namespace suanli::store
