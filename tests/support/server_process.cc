#include "support/server_process.h"

#include <algorithm>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace suanli::testing {
namespace {

std::string RandomSuffix() {
  std::random_device rd;
  std::mt19937_64 g((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid()));
  static const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 12; ++i) s.push_back(kAlphabet[g() % 36]);
  return s;
}

Status PgExec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    return Unavailable("cannot connect to " + url + ": " + msg);
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  PGresult* r = PQexec(c, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  std::string msg = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Internal(sql + ": " + msg);
  return OkStatus();
}

// Parses "...on http://127.0.0.1:PORT (ready)" out of the log; 0 when not there yet.
int ReadyPort(const std::string& log) {
  size_t ready = log.find("(ready)");
  if (ready == std::string::npos) return 0;
  size_t http = log.rfind("http://", ready);
  if (http == std::string::npos) return 0;
  size_t colon = log.find(':', http + 7);
  if (colon == std::string::npos || colon > ready) return 0;
  return std::atoi(log.c_str() + colon + 1);
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// ---------------- TempDir ----------------

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (std::getenv("SUANLI_TEST_KEEP_TMP") == nullptr) std::filesystem::remove_all(path_, ec);
}

// ---------------- TestDatabase ----------------

const char* StoreKindName(StoreKind k) { return k == StoreKind::kSqlite ? "sqlite" : "postgresql"; }

bool PostgresConfigured() {
  const char* u = std::getenv("SUANLI_TEST_PG_URL");
  return u != nullptr && *u != '\0';
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(StoreKind kind, const std::string& dir) {
  std::unique_ptr<TestDatabase> db(new TestDatabase());
  db->kind_ = kind;
  if (kind == StoreKind::kSqlite) {
    db->url_ = dir + "/suanli.db";
    return db;
  }
  if (!PostgresConfigured())
    return Err(Unavailable("SUANLI_TEST_PG_URL is not set (e.g. $(scripts/pg.sh url DIR))"));
  db->base_url_ = std::getenv("SUANLI_TEST_PG_URL");
  db->schema_ = "api_test_" + RandomSuffix();
  if (Status s = PgExec(db->base_url_, "CREATE SCHEMA " + db->schema_); !s.ok()) return Err(s);
  db->url_ = db->base_url_ + (db->base_url_.find('?') == std::string::npos ? "?" : "&") +
             "options=-csearch_path%3D" + db->schema_;
  return db;
}

TestDatabase::~TestDatabase() {
  if (!schema_.empty()) (void)PgExec(base_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
}

// ---------------- ServerProcess ----------------

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(ServerOptions options) {
  if (options.dir.empty()) return Err(InvalidArgument("ServerOptions.dir is required", "dir"));
  if (options.bootstrap_token.empty()) options.bootstrap_token = "sl_testoperator" + RandomSuffix();
  std::unique_ptr<ServerProcess> p(new ServerProcess(std::move(options)));
  p->log_path_ = p->options_.dir + "/server.log";
  if (Status s = p->Launch(0); !s.ok()) return Err(s);
  return p;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

Status ServerProcess::Launch(int port) {
  const char* bin = std::getenv("SUANLI_BIN");
  if (bin == nullptr || *bin == '\0') return Unavailable("SUANLI_BIN is not set (run under ctest)");
  std::vector<std::string> args = {bin,      "serve",
                                   "--db",   options_.db,
                                   "--listen", options_.listen_host + ":" + std::to_string(port)};
  if (options_.demo) {
    args.push_back("--demo");
    args.push_back("--no-demo-agent");  // the local agent has its own tests (execution_test)
    args.push_back("--tokens-file");
    args.push_back(options_.dir + "/demo.tokens");
  }
  for (const auto& a : options_.args) args.push_back(a);
  // The API alone, as before the web console, unless a test asks for the console.
  if (std::find(options_.args.begin(), options_.args.end(), "--web-root") == options_.args.end()) {
    args.push_back("--web-root");
    args.push_back("");
  }

  // The environment: ours minus any SUANLI_* setting that would change the server, plus ours.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "SUANLI_", 7) != 0) env.emplace_back(*e);
  env.push_back("SUANLI_BOOTSTRAP_TOKEN=" + options_.bootstrap_token);
  for (const auto& [k, v] : options_.env) env.push_back(k + "=" + v);

  log_offset_ = ReadFile(log_path_).size();
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Internal("cannot open " + log_path_);

  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    ::close(log_fd);
    return Internal("fork failed");
  }
  if (pid == 0) {
    // Child: die with the test, write to the log, run in the test's directory.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (chdir(options_.dir.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  ::close(log_fd);
  pid_ = pid;
  return WaitReady();
}

Status ServerProcess::WaitReady() {
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = ReadFile(log_path_);
    std::string run = log.size() > log_offset_ ? log.substr(log_offset_) : "";
    if (int port = ReadyPort(run); port > 0) {
      port_ = port;
      url_ = "http://127.0.0.1:" + std::to_string(port);
      return OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Unavailable("server exited before it was ready:\n" + run);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return Unavailable("server not ready after " + std::to_string(options_.ready_timeout.count()) +
                     " s:\n" + Log());
}

int ServerProcess::WaitExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || r < 0) {
      pid_ = -1;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status ServerProcess::Stop() {
  if (pid_ <= 0) return FailedPrecondition("not running");
  ::kill(pid_, SIGTERM);
  int status = WaitExit(std::chrono::seconds(30));
  if (pid_ > 0) {
    Kill();
    return Internal("server did not stop within 30 s of SIGTERM");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Internal("server exited with status " + std::to_string(status) + ":\n" + Log());
  return OkStatus();
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

Status ServerProcess::Restart() {
  if (pid_ > 0) SUANLI_RETURN_IF_ERROR(Stop());
  // The same port keeps clients' URLs valid; another process may have taken it meanwhile.
  if (Status s = Launch(port_); s.ok()) return s;
  if (pid_ > 0) Kill();
  return Launch(0);
}

std::string ServerProcess::Log() const { return ReadFile(log_path_); }

Result<std::vector<DemoToken>> ServerProcess::DemoTokens() const {
  if (!options_.demo) return Err(FailedPrecondition("not a --demo server"));
  std::ifstream f(options_.dir + "/demo.tokens");
  if (!f) return Err(NotFound("no demo tokens file in " + options_.dir));
  std::vector<DemoToken> out;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    DemoToken t;
    std::string roles;
    in >> roles >> t.org >> t.user >> t.token;
    std::stringstream rs(roles);
    for (std::string r; std::getline(rs, r, ',');) t.roles.push_back(r);
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::string> ServerProcess::DemoTokenFor(const std::string& role,
                                                const std::string& without_role) const {
  auto tokens = DemoTokens();
  if (!tokens) return Err(tokens.error());
  auto has = [](const DemoToken& t, const std::string& r) {
    for (const auto& x : t.roles)
      if (x == r) return true;
    return false;
  };
  for (const auto& t : *tokens)
    if (has(t, role) && (without_role.empty() || !has(t, without_role))) return t.token;
  return Err(NotFound("no demo token for role " + role));
}

}  // namespace suanli::testing
