// Versioned schema migrations. Each backend has an ordered list of migrations; OpenStore applies
// the pending ones in one transaction and records each in schema_migrations(version, applied_at).
// A database whose version is newer than the binary's latest migration is refused rather than
// silently used.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace suanli::store {

struct Migration {
  int version;            // strictly increasing, starting at 1
  std::string_view name;  // short description, for logs
  std::string_view sql;   // one or more statements separated by ';'
};

// The migrations of each backend, oldest first.
std::span<const Migration> SqliteMigrations();
std::span<const Migration> PostgresMigrations();

// The version after all of `migrations` are applied (0 for an empty list).
int LatestVersion(std::span<const Migration> migrations);

// How ApplyMigrations talks to a database connection. Every function runs on the same
// connection, inside the transaction opened by `begin`.
struct MigrationDriver {
  std::string begin_sql;  // "BEGIN IMMEDIATE" (SQLite) or BEGIN plus an advisory lock (PG)
  // Runs statements that return no rows.
  std::function<Status(std::string_view sql)> exec;
  // Returns MAX(version) of schema_migrations (0 when empty).
  std::function<Result<int>()> current_version;
  // Inserts (version, applied_at) into schema_migrations.
  std::function<Status(int version, int64_t applied_at_ms)> record;
};

// Creates schema_migrations if needed and applies every migration newer than the recorded
// version, all in one transaction (rolled back on any error). Returns the resulting version.
// FailedPrecondition when the database is newer than `migrations`. Not thread-safe with respect
// to the connection behind `driver`.
Result<int> ApplyMigrations(std::span<const Migration> migrations, const MigrationDriver& driver);

}  // namespace suanli::store
