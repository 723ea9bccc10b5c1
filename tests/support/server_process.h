// Test support: runs the real `suanli serve` binary as a child process on a port the kernel
// picks, so integration tests talk to the server over real HTTP exactly as clients do, and can
// stop it cleanly, kill it (-9) and start it again on the same database.
//
// Also: a temp directory per test, and a fresh database per test on either store (a file in the
// temp dir for SQLite, a new schema for PostgreSQL).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"

namespace suanli::testing {

// A directory under $TMPDIR removed (recursively) on destruction. Not copyable.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "suanli_test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

enum class StoreKind { kSqlite, kPostgres };
const char* StoreKindName(StoreKind k);
// For gtest's parameter printing.
inline void PrintTo(StoreKind k, std::ostream* os) { *os << StoreKindName(k); }

// A fresh, empty database for one test. SQLite: `<dir>/suanli.db`. PostgreSQL: a new schema in
// the database of $SUANLI_TEST_PG_URL, dropped on destruction.
class TestDatabase {
 public:
  // Fails (Unavailable) for PostgreSQL when SUANLI_TEST_PG_URL is unset: callers GTEST_SKIP.
  static Result<std::unique_ptr<TestDatabase>> Create(StoreKind kind, const std::string& dir);
  ~TestDatabase();
  // The --db argument for the server.
  const std::string& url() const { return url_; }
  StoreKind kind() const { return kind_; }

 private:
  TestDatabase() = default;
  StoreKind kind_ = StoreKind::kSqlite;
  std::string url_;
  std::string base_url_;  // PostgreSQL: the database the schema lives in
  std::string schema_;
};

// True when PostgreSQL tests can run (SUANLI_TEST_PG_URL is set).
bool PostgresConfigured();

struct ServerOptions {
  std::string db;                                 // --db (SQLite path or postgresql:// URL)
  std::string dir;                                // working dir, log and tokens file; required
  bool demo = false;                              // --demo (tokens file: <dir>/demo.tokens)
  std::vector<std::string> args;                  // extra flags, e.g. {"--max-body", "2048"}
  std::string listen_host = "127.0.0.1";          // 0.0.0.0 for peers in other namespaces
  std::map<std::string, std::string> env;         // extra environment
  std::string bootstrap_token;                    // SUANLI_BOOTSTRAP_TOKEN ("" = generated)
  std::chrono::seconds ready_timeout{60};
};

// One line of the demo tokens file.
struct DemoToken {
  std::vector<std::string> roles;  // org roles: supplier, buyer, operator, regulator
  std::string org;
  std::string user;
  std::string token;
};

// A running `$SUANLI_BIN serve` child. The destructor kills it if it still runs. Not thread-safe:
// one test thread drives it.
class ServerProcess {
 public:
  // Starts the server and waits for its "(ready)" line. The bootstrap token (the operator
  // admin's, org "platform") is options.bootstrap_token or a generated one.
  static Result<std::unique_ptr<ServerProcess>> Start(ServerOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // "http://127.0.0.1:PORT" of the current run.
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // The operator admin's token (SUANLI_BOOTSTRAP_TOKEN given to the first start).
  const std::string& admin_token() const { return options_.bootstrap_token; }
  const ServerOptions& options() const { return options_; }

  // SIGTERM and wait (up to 30 s, then SIGKILL). Returns Internal unless it exited with 0.
  Status Stop();
  // SIGKILL and wait.
  void Kill();
  // Starts again on the same database (same port when it is still free, else a new one).
  Status Restart();

  // Everything the server wrote to stdout/stderr so far (all runs).
  std::string Log() const;
  // The --demo tokens file, parsed. Empty when not a demo server.
  Result<std::vector<DemoToken>> DemoTokens() const;
  // The first demo token whose org has `role` (and, when given, not `without_role`).
  Result<std::string> DemoTokenFor(const std::string& role,
                                   const std::string& without_role = {}) const;

 private:
  explicit ServerProcess(ServerOptions options) : options_(std::move(options)) {}
  Status Launch(int port);
  Status WaitReady();
  int WaitExit(std::chrono::milliseconds timeout);

  ServerOptions options_;
  std::string log_path_;
  size_t log_offset_ = 0;  // where the current run's output starts
  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
};

// Reads a whole file ("" when missing).
std::string ReadFile(const std::string& path);

}  // namespace suanli::testing
