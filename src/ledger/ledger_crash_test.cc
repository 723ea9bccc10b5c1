// Crash test: a child process posts metered usage (with vouchers granted) under load and
// reports each entry's number on a pipe only after the ledger acknowledged it as durable; the
// parent SIGKILLs it at a random moment, reopens, and checks that Verify is clean and every
// acknowledged entry is present. SQLite always; PostgreSQL when SUANLI_TEST_PG_URL is set.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

#include "ledger/ledger_test_util.h"
#include "ledger/verify.h"

namespace suanli::ledger {
namespace {

using testing::Minute;

std::string Alloc(int round, uint32_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "r%d-%u", round, n);
  return buf;
}

[[noreturn]] void PostForever(const std::string& url, int round, int ack_fd) {
  auto store = OpenLedgerStore(url);
  if (!store) _exit(2);
  auto ledger = Ledger::Open(std::move(*store), SystemClock::Get());
  if (!ledger) _exit(3);
  // Keep up to 2,000 posts in flight so that commits are real group commits.
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  for (uint32_t n = 0;; ++n) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < 2000; });
      ++in_flight;
    }
    (*ledger)->PostAsync(testing::UsageDraft(Minute(Alloc(round, n), 0, "b1", "s1")),
                         [&, n](Result<Receipt> r) {
                           if (!r) _exit(4);
                           if (write(ack_fd, &n, sizeof n) != sizeof n) _exit(5);
                           std::lock_guard lock(mu);
                           --in_flight;
                           cv.notify_all();
                         });
  }
}

void CrashRounds(const std::string& url, int rounds) {
  {  // A programme whose budget runs out during the test: caps must hold across crashes.
    auto store = OpenLedgerStore(url);
    ASSERT_TRUE(store) << store.error().ToString();
    auto l = Ledger::Open(std::move(*store), SystemClock::Get());
    ASSERT_TRUE(l);
    Programme p;
    p.id = "crash";
    p.regulator = "gov";
    p.cap_per_company = Fen(1'000'000);
    p.budget = Fen(300'000);
    p.valid_from = Timestamp{0};
    p.valid_until = Timestamp{4'000'000'000'000};
    ASSERT_TRUE((*l)->Post(ProgrammeDraft(p)));
    ASSERT_TRUE((*l)->Post(ApplyDraft({"app", "crash", "b1", Fen(1)})));
    ASSERT_TRUE((*l)->Post(DecisionDraft("app", "gov", true, "")));
  }
  std::mt19937 rng(std::random_device{}());
  size_t total = 0;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      PostForever(url, round, fds[1]);
    }
    close(fds[1]);
    std::set<uint32_t> acked;
    auto drain = [&](bool to_eof) {
      uint32_t n;
      while (read(fds[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
        acked.insert(n);
        if (!to_eof && acked.size() % 64 == 0) return;
      }
    };
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(std::uniform_int_distribution(50, 600)(rng));
    while (std::chrono::steady_clock::now() < deadline) drain(false);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    drain(true);
    close(fds[0]);

    auto store = OpenLedgerStore(url);
    ASSERT_TRUE(store) << store.error().ToString();
    auto rep = Verify(**store);
    ASSERT_TRUE(rep) << rep.error().ToString();
    ASSERT_TRUE(rep->ok) << "round " << round << ": " << rep->violation;
    auto l = Ledger::Open(std::move(*store), SystemClock::Get());
    ASSERT_TRUE(l);
    for (uint32_t n : acked) {
      ASSERT_NE((*l)->SeqOfKey(testing::UsageDraft(Minute(Alloc(round, n), 0)).key), 0)
          << "round " << round << " lost acknowledged entry " << n;
    }
    (*l)->WithBook([&](const Book& b) { EXPECT_LE(b.Spent("crash"), Fen(300'000)); });
    total += acked.size();
  }
  EXPECT_GT(total, 0u);
  std::printf("acknowledged entries checked: %zu over %d kills\n", total, rounds);
}

TEST(LedgerCrash, SqliteEveryAcknowledgedPostingSurvivesSigkill) {
  testing::TempDir dir;
  CrashRounds(dir.Db(), 10);
}

TEST(LedgerCrash, PostgresEveryAcknowledgedPostingSurvivesSigkill) {
  const char* base = std::getenv("SUANLI_TEST_PG_URL");
  if (base == nullptr || *base == '\0') GTEST_SKIP() << "SUANLI_TEST_PG_URL is not set";
  PGconn* admin = PQconnectdb(base);
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK) << PQerrorMessage(admin);
  const std::string schema = "ledger_crash_" + std::to_string(getpid());
  PQclear(PQexec(admin, ("CREATE SCHEMA " + schema).c_str()));
  std::string url = base;
  url += (url.find('?') == std::string::npos ? "?" : "&");
  url += "options=-csearch_path%3D" + schema;
  CrashRounds(url, 10);
  PQclear(PQexec(admin, ("DROP SCHEMA " + schema + " CASCADE").c_str()));
  PQfinish(admin);
}

}  // namespace
}  // namespace suanli::ledger
