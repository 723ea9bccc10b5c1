// Crash durability of SqliteStore: a child process commits numbered records and reports each
// number on a pipe only after Commit returned; the parent SIGKILLs it at a random moment,
// reopens the store and checks that every acknowledged number is there. (SIGKILL loses the
// process, not the page cache; power loss is covered by synchronous=FULL, which this test
// cannot observe.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include "store/store.h"
#include "store/store_test_backends.h"

namespace suanli::store {
namespace {

std::string Id(int round, uint32_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "r%02d-%08u", round, n);
  return buf;
}

AuditQuery AllCrashAudit() {
  AuditQuery q;
  q.kind = "crash";
  q.limit = 1 << 30;
  return q;
}

// The child: commit forever, acknowledging each number after Commit returns. Never returns.
[[noreturn]] void CommitForever(const std::string& url, int round, int ack_fd) {
  auto opened = OpenStore(url);
  if (!opened) _exit(2);
  for (uint32_t n = 0;; ++n) {
    WriteBatch batch;
    batch.mutations.push_back(
        {Mutation::Op::kPut, Record{"crash", Id(round, n), "org", "", n, 0, "{\"n\":1}"}});
    batch.audit.push_back(
        AuditEntry{0, 0, "u", "org", "create", "crash", Id(round, n), "", "{}", ""});
    // Alternate single-batch and multi-batch commits.
    std::vector<WriteBatch> batches{batch};
    if (n % 2 == 1) batches.push_back(WriteBatch{{}, {batch.audit[0]}});
    if (!(*opened)->Commit(batches).ok()) _exit(3);
    if (write(ack_fd, &n, sizeof n) != sizeof n) _exit(4);
  }
}

TEST(SqliteCrash, EveryAcknowledgedCommitSurvivesSigkill) {
  testing::SqliteBackend dir;
  ASSERT_EQ(dir.SetUp(), "");
  std::mt19937 rng(std::random_device{}());
  constexpr int kRounds = 20;
  size_t total_acked = 0;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      CommitForever(dir.Url(), round, fds[1]);
    }
    close(fds[1]);
    // Read acknowledgements until a random deadline (also while the child opens and recovers).
    std::set<uint32_t> acked;
    auto read_acks = [&](bool until_eof) {
      uint32_t n;
      while (read(fds[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
        acked.insert(n);
        if (!until_eof && acked.size() % 8 == 0) return;
      }
    };
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(std::uniform_int_distribution(10, 250)(rng));
    while (std::chrono::steady_clock::now() < deadline) read_acks(false);
    kill(pid, SIGKILL);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus);
    read_acks(true);  // everything written before the kill is still in the pipe
    close(fds[0]);

    auto store = OpenStore(dir.Url());
    ASSERT_TRUE(store) << store.error().ToString();
    auto records = (*store)->LoadKind("crash");
    ASSERT_TRUE(records) << records.error().ToString();
    std::set<std::string> present;
    for (const Record& r : *records) present.insert(r.id);
    for (uint32_t n : acked) {
      ASSERT_TRUE(present.contains(Id(round, n))) << "round " << round << " lost " << n;
    }
    auto audit = (*store)->ListAudit(AllCrashAudit());
    ASSERT_TRUE(audit);
    EXPECT_GE(audit->size(), present.size());
    total_acked += acked.size();
  }
  EXPECT_GT(total_acked, 0u);
  std::printf("acknowledged commits checked: %zu over %d kills\n", total_acked, kRounds);
  dir.TearDown();
}

}  // namespace
}  // namespace suanli::store
