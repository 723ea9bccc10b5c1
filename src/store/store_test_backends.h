// Test-only: the backends the conformance suite (store_test.cc) runs against. Each gives a
// fresh, isolated database per test (a temp dir for SQLite, a new schema for PostgreSQL) and
// raw SQL access to check what the Store interface cannot show (schema_migrations).
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "core/status.h"

namespace suanli::store::testing {

class SqliteBackend {
 public:
  // "" when usable, else why the tests are skipped.
  std::string SetUp() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "store_test.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return "mkdtemp failed";
    dir_ = tmpl;
    return "";
  }
  void TearDown() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string Url() const { return dir_ + "/suanli.db"; }
  const std::string& dir() const { return dir_; }

  // Runs `sql` (statements; the value of the first column of the last row is returned, 0 if
  // none) on its own connection.
  Result<int64_t> Query(const std::string& sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open(Url().c_str(), &db) != SQLITE_OK) {
      sqlite3_close(db);
      return Err(Internal("open"));
    }
    int64_t value = 0;
    char* err = nullptr;
    int rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int n, char** cols, char**) {
          if (n > 0 && cols[0]) *static_cast<int64_t*>(out) = std::atoll(cols[0]);
          return 0;
        },
        &value, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return Err(Internal(msg));
    return value;
  }

 private:
  std::string dir_;
};

class PostgresBackend {
 public:
  std::string SetUp() {
    const char* base = std::getenv("SUANLI_TEST_PG_URL");
    if (base == nullptr || *base == '\0') {
      return "SUANLI_TEST_PG_URL is not set (e.g. $(scripts/pg.sh url /tmp/suanli-pg))";
    }
    base_ = base;
    admin_ = PQconnectdb(base_.c_str());
    if (PQstatus(admin_) != CONNECTION_OK) return "";  // the test then fails on Open
    PQsetNoticeProcessor(
        admin_, [](void*, const char*) {}, nullptr);
    std::random_device rd;
    schema_ = "store_test_" + std::to_string(getpid()) + "_" + std::to_string(rd() % 1000000);
    Exec("CREATE SCHEMA " + schema_);
    return "";
  }
  void TearDown() {
    if (admin_ != nullptr && !schema_.empty()) Exec("DROP SCHEMA " + schema_ + " CASCADE");
    PQfinish(admin_);
    admin_ = nullptr;
  }
  std::string Url() const {
    return base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           schema_;
  }

  Result<int64_t> Query(const std::string& sql) {
    PGresult* r = PQexec(admin_, ("SET search_path TO " + schema_ + "; " + sql).c_str());
    ExecStatusType st = PQresultStatus(r);
    int64_t value = 0;
    std::string msg = PQresultErrorMessage(r);
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) value = std::atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Err(Internal(msg));
    return value;
  }

 private:
  void Exec(const std::string& sql) { PQclear(PQexec(admin_, sql.c_str())); }

  std::string base_;
  std::string schema_;
  PGconn* admin_ = nullptr;
};

}  // namespace suanli::store::testing
