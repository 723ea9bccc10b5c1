#include "store/migrations.h"

#include <string>

#include "core/clock.h"

namespace suanli::store {
namespace {

// SQLite: text compares bytewise (BINARY), so id order is byte order as in PostgreSQL's "C".
// The CHECKs reject records without a key; Commit relies on them to fail a whole transaction.
constexpr Migration kSqlite[] = {
    {1, "objects, audit, meta", R"sql(
CREATE TABLE objects (
  kind TEXT NOT NULL CHECK (kind <> ''),
  id TEXT NOT NULL CHECK (id <> ''),
  org_id TEXT NOT NULL DEFAULT '',
  parent_id TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 0,
  updated_at_ms INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX objects_kind_org ON objects (kind, org_id);
CREATE INDEX objects_kind_parent ON objects (kind, parent_id);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor_user_id TEXT NOT NULL DEFAULT '',
  actor_org_id TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL CHECK (action <> ''),
  kind TEXT NOT NULL DEFAULT '',
  object_id TEXT NOT NULL DEFAULT '',
  "before" TEXT NOT NULL DEFAULT '',
  "after" TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_kind_object ON audit (kind, object_id);
CREATE INDEX audit_org_seq ON audit (actor_org_id, seq);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql"},
};

// PostgreSQL: keys use the "C" collation so that ORDER BY id is byte order on every server
// locale and the primary key index serves it. Bodies are JSON stored as text (byte-exact).
constexpr Migration kPostgres[] = {
    {1, "objects, audit, meta", R"sql(
CREATE TABLE objects (
  kind TEXT COLLATE "C" NOT NULL CHECK (kind <> ''),
  id TEXT COLLATE "C" NOT NULL CHECK (id <> ''),
  org_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  parent_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  version BIGINT NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL DEFAULT 0,
  body TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (kind, id)
);
CREATE INDEX objects_kind_org ON objects (kind, org_id);
CREATE INDEX objects_kind_parent ON objects (kind, parent_id);
CREATE TABLE audit (
  seq BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor_user_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  actor_org_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  action TEXT COLLATE "C" NOT NULL CHECK (action <> ''),
  kind TEXT COLLATE "C" NOT NULL DEFAULT '',
  object_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  "before" TEXT NOT NULL DEFAULT '',
  "after" TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_kind_object ON audit (kind, object_id);
CREATE INDEX audit_org_seq ON audit (actor_org_id, seq);
CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
)sql"},
};

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";

Result<int> ApplyInTransaction(std::span<const Migration> migrations,
                               const MigrationDriver& driver) {
  if (Status st = driver.exec(kCreateMigrationsTable); !st.ok()) return Err(st);
  Result<int> current = driver.current_version();
  if (!current) return current;
  const int latest = LatestVersion(migrations);
  if (*current > latest) {
    return Err(FailedPrecondition("database schema version " + std::to_string(*current) +
                                  " is newer than this binary's " + std::to_string(latest)));
  }
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    Status st = driver.exec(m.sql);
    if (!st.ok()) {
      return Err(Status(st.code(), "migration " + std::to_string(m.version) + " (" +
                                       std::string(m.name) + "): " + st.message()));
    }
    st = driver.record(m.version, SystemClock::Get().Now().ms);
    if (!st.ok()) return Err(st);
  }
  return latest;
}

}  // namespace

std::span<const Migration> SqliteMigrations() { return kSqlite; }
std::span<const Migration> PostgresMigrations() { return kPostgres; }

int LatestVersion(std::span<const Migration> migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

Result<int> ApplyMigrations(std::span<const Migration> migrations, const MigrationDriver& driver) {
  Status begun = driver.exec(driver.begin_sql);
  if (!begun.ok()) {
    (void)driver.exec("ROLLBACK");  // a multi-statement begin may have left a transaction open
    return Err(begun);
  }
  Result<int> version = ApplyInTransaction(migrations, driver);
  if (!version) {
    (void)driver.exec("ROLLBACK");
    return version;
  }
  Status st = driver.exec("COMMIT");
  if (!st.ok()) {
    (void)driver.exec("ROLLBACK");
    return Err(st);
  }
  return version;
}

}  // namespace suanli::store
