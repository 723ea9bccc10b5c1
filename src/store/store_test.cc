// The Store conformance suite: the same tests for every backend. Compiled once per backend
// (see CMakeLists.txt): SQLite by default, PostgreSQL with SUANLI_STORE_TEST_POSTGRES.
#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/migrations.h"
#include "store/store_test_backends.h"

namespace suanli::store {
namespace {

Record Rec(std::string kind, std::string id, int64_t version = 1, std::string body = "{}") {
  return Record{std::move(kind), std::move(id),  "org-1",        "parent-1",
                version,         1000 + version, std::move(body)};
}
Mutation Put(Record r) { return Mutation{Mutation::Op::kPut, std::move(r)}; }
Mutation Delete(std::string kind, std::string id) {
  Mutation m{Mutation::Op::kDelete, {}};
  m.record.kind = std::move(kind);
  m.record.id = std::move(id);
  return m;
}
// An audit query: "" / 0 mean no filter.
AuditQuery Q(std::string org, std::string kind = "", std::string object = "", int64_t after_seq = 0,
             int limit = 100) {
  AuditQuery q;
  q.org_id = std::move(org);
  q.kind = std::move(kind);
  q.object_id = std::move(object);
  q.after_seq = after_seq;
  q.limit = limit;
  return q;
}
AuditEntry Audit(std::string org, std::string kind, std::string object, std::string action) {
  return AuditEntry{0,
                    2000,
                    "user-1",
                    std::move(org),
                    std::move(action),
                    std::move(kind),
                    std::move(object),
                    "",
                    "{\"after\":1}",
                    "req-1"};
}

template <class Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string skip = backend_.SetUp();
    if (!skip.empty()) GTEST_SKIP() << skip;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    backend_.TearDown();
  }
  void Reopen() {
    store_.reset();
    auto opened = OpenStore(backend_.Url());
    ASSERT_TRUE(opened) << opened.error().ToString();
    store_ = std::move(*opened);
  }
  void CommitOk(std::vector<WriteBatch> batches) {
    Status st = store_->Commit(batches);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  std::vector<std::string> Ids(const std::string& kind) {
    auto records = store_->LoadKind(kind);
    EXPECT_TRUE(records) << records.error().ToString();
    std::vector<std::string> ids;
    if (records) {
      for (const Record& r : *records) ids.push_back(r.id);
    }
    return ids;
  }
  std::vector<AuditEntry> ListAudit(AuditQuery q) {
    auto entries = store_->ListAudit(q);
    EXPECT_TRUE(entries) << entries.error().ToString();
    return entries ? *entries : std::vector<AuditEntry>{};
  }

  Backend backend_;
  std::unique_ptr<Store> store_;
};

#if SUANLI_STORE_TEST_POSTGRES
using Backends = ::testing::Types<testing::PostgresBackend>;
#else
using Backends = ::testing::Types<testing::SqliteBackend>;
#endif
TYPED_TEST_SUITE(StoreConformance, Backends);

TYPED_TEST(StoreConformance, ReportsBackendAndLatestSchemaVersion) {
  const bool pg = this->store_->Backend() == "postgresql";
  EXPECT_TRUE(pg || this->store_->Backend() == "sqlite");
  EXPECT_EQ(this->store_->SchemaVersion(),
            LatestVersion(pg ? PostgresMigrations() : SqliteMigrations()));
  EXPECT_GE(this->store_->SchemaVersion(), 1);
}

TYPED_TEST(StoreConformance, PutGetOverwriteDelete) {
  auto missing = this->store_->Get("node", "n1");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  Record r{"node", "n1", "org-a", "pool-1", 3, 1234, R"({"name":"n1"})"};
  this->CommitOk({WriteBatch{{Put(r)}, {}}});
  auto got = this->store_->Get("node", "n1");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->kind, "node");
  EXPECT_EQ(got->id, "n1");
  EXPECT_EQ(got->org_id, "org-a");
  EXPECT_EQ(got->parent_id, "pool-1");
  EXPECT_EQ(got->version, 3);
  EXPECT_EQ(got->updated_at_ms, 1234);
  EXPECT_EQ(got->body, R"({"name":"n1"})");

  r.version = 4;
  r.org_id = "org-b";
  r.parent_id = "";
  r.body = R"({"name":"n1","v":4})";
  this->CommitOk({WriteBatch{{Put(r)}, {}}});
  got = this->store_->Get("node", "n1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->version, 4);
  EXPECT_EQ(got->org_id, "org-b");
  EXPECT_EQ(got->parent_id, "");
  EXPECT_EQ(got->body, r.body);
  EXPECT_EQ(this->Ids("node").size(), 1u);

  this->CommitOk({WriteBatch{{Delete("node", "n1"), Delete("node", "never-existed")}, {}}});
  EXPECT_EQ(this->store_->Get("node", "n1").error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(this->Ids("node").empty());
}

TYPED_TEST(StoreConformance, BodiesRoundTripByteForByte) {
  const std::string body =
      "{\"q\":\"a \\\"quoted\\\" {brace}, comma\",\"path\":\"C:\\\\x\",\"zh\":\"算力网络\","
      "\"nl\":\"line\\nbreak\",\"nul\":\"NULL\"}\n\t";
  Record r{"job", "j,\"1\"{}", "", "", 1, 0, body};
  this->CommitOk({WriteBatch{{Put(r), Put(Rec("job", "empty", 1, ""))}, {}}});
  auto got = this->store_->Get("job", "j,\"1\"{}");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->body, body);
  EXPECT_EQ(got->org_id, "");
  EXPECT_EQ(this->store_->Get("job", "empty")->body, "");
}

TYPED_TEST(StoreConformance, LoadKindReturnsOnlyThatKindInByteOrder) {
  this->CommitOk({WriteBatch{{Put(Rec("pool", "b9")), Put(Rec("pool", "a")), Put(Rec("pool", "B")),
                              Put(Rec("pool", "b10")), Put(Rec("node", "a0"))},
                             {}}});
  EXPECT_EQ(this->Ids("pool"), (std::vector<std::string>{"B", "a", "b10", "b9"}));
  EXPECT_EQ(this->Ids("node"), (std::vector<std::string>{"a0"}));
  EXPECT_TRUE(this->Ids("site").empty());
}

TYPED_TEST(StoreConformance, CommitOfSeveralBatchesIsAtomic) {
  this->CommitOk({WriteBatch{{Put(Rec("job", "keep"))}, {Audit("o", "job", "keep", "create")}}});
  // The third batch holds an invalid record (empty id): the whole commit must fail and leave
  // the first two batches unapplied.
  std::vector<WriteBatch> batches{
      WriteBatch{{Put(Rec("job", "new"))}, {Audit("o", "job", "new", "create")}},
      WriteBatch{{Delete("job", "keep"), Put(Rec("job", "keep2"))}, {}},
      WriteBatch{{Put(Rec("job", ""))}, {Audit("o", "job", "", "create")}},
  };
  Status st = this->store_->Commit(batches);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_EQ(this->Ids("job"), (std::vector<std::string>{"keep"}));
  EXPECT_EQ(this->ListAudit({}).size(), 1u);

  // An invalid audit entry (empty action) fails the commit the same way.
  AuditEntry bad = Audit("o", "job", "x", "");
  st = this->store_->Commit({WriteBatch{{Put(Rec("job", "x"))}, {}}, WriteBatch{{}, {bad}}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_EQ(this->Ids("job"), (std::vector<std::string>{"keep"}));

  // The store is still usable after a failed commit.
  this->CommitOk({WriteBatch{{Put(Rec("job", "after"))}, {}}});
  EXPECT_EQ(this->Ids("job"), (std::vector<std::string>{"after", "keep"}));
}

TYPED_TEST(StoreConformance, LaterMutationsOfAKeyWinWithinACommit) {
  this->CommitOk({WriteBatch{{Put(Rec("job", "gone")), Put(Rec("job", "back"))}, {}}});
  this->CommitOk({
      WriteBatch{{Put(Rec("job", "k", 1)), Delete("job", "gone")}, {}},
      WriteBatch{{Put(Rec("job", "k", 2)), Delete("job", "back")}, {}},
      WriteBatch{{Put(Rec("job", "back", 7)), Put(Rec("job", "tmp"))}, {}},
      WriteBatch{{Delete("job", "tmp")}, {}},
  });
  EXPECT_EQ(this->Ids("job"), (std::vector<std::string>{"back", "k"}));
  EXPECT_EQ(this->store_->Get("job", "k")->version, 2);
  EXPECT_EQ(this->store_->Get("job", "back")->version, 7);
}

TYPED_TEST(StoreConformance, AuditAppendsWithIncreasingSeqAndFilters) {
  this->CommitOk({
      WriteBatch{{},
                 {Audit("org-a", "job", "j1", "create"), Audit("org-b", "job", "j2", "create")}},
      WriteBatch{{}, {Audit("org-a", "node", "n1", "update")}},
  });
  this->CommitOk({WriteBatch{{}, {Audit("org-a", "job", "j1", "cancel")}}});

  std::vector<AuditEntry> all = this->ListAudit({});
  ASSERT_EQ(all.size(), 4u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].seq, all[i - 1].seq);
  EXPECT_EQ(all[0].object_id, "j1");
  EXPECT_EQ(all[1].object_id, "j2");
  EXPECT_EQ(all[2].object_id, "n1");
  EXPECT_EQ(all[3].action, "cancel");
  const AuditEntry& e = all[0];
  EXPECT_EQ(e.at_ms, 2000);
  EXPECT_EQ(e.actor_user_id, "user-1");
  EXPECT_EQ(e.actor_org_id, "org-a");
  EXPECT_EQ(e.kind, "job");
  EXPECT_EQ(e.before, "");
  EXPECT_EQ(e.after, "{\"after\":1}");
  EXPECT_EQ(e.request_id, "req-1");

  EXPECT_EQ(this->ListAudit(Q("org-a")).size(), 3u);
  EXPECT_EQ(this->ListAudit(Q("", "job")).size(), 3u);
  EXPECT_EQ(this->ListAudit(Q("org-a", "job")).size(), 2u);
  auto j1 = this->ListAudit(Q("", "job", "j1"));
  ASSERT_EQ(j1.size(), 2u);
  EXPECT_EQ(j1[1].action, "cancel");
  auto after = this->ListAudit(Q("", "", "", all[1].seq));
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].seq, all[2].seq);
  auto limited = this->ListAudit(Q("", "", "", 0, 2));
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[1].seq, all[1].seq);
  EXPECT_TRUE(this->ListAudit(Q("org-none")).empty());
}

TYPED_TEST(StoreConformance, MetaGetAndSet) {
  auto missing = this->store_->GetMeta("token_key");
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(this->store_->SetMeta("token_key", "k1").ok());
  EXPECT_EQ(this->store_->GetMeta("token_key")->value_or(""), "k1");
  ASSERT_TRUE(this->store_->SetMeta("token_key", "k2").ok());
  EXPECT_EQ(this->store_->GetMeta("token_key")->value_or(""), "k2");
}

TYPED_TEST(StoreConformance, ReopenKeepsEverything) {
  this->CommitOk({WriteBatch{{Put(Rec("site", "s1")), Put(Rec("site", "s2", 5))},
                             {Audit("org-a", "site", "s1", "create")}}});
  ASSERT_TRUE(this->store_->SetMeta("k", "v").ok());
  this->Reopen();
  EXPECT_EQ(this->Ids("site"), (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(this->store_->Get("site", "s2")->version, 5);
  EXPECT_EQ(this->ListAudit({}).size(), 1u);
  EXPECT_EQ(this->store_->GetMeta("k")->value_or(""), "v");
  // Sequence numbers keep increasing across reopen.
  const int64_t last = this->ListAudit({})[0].seq;
  this->CommitOk({WriteBatch{{}, {Audit("org-a", "site", "s2", "create")}}});
  EXPECT_GT(this->ListAudit(Q("", "", "", last))[0].seq, last);
}

TYPED_TEST(StoreConformance, MigrationsAreIdempotentOnReopen) {
  const int version = this->store_->SchemaVersion();
  for (int i = 0; i < 3; ++i) this->Reopen();
  EXPECT_EQ(this->store_->SchemaVersion(), version);
  auto rows = this->backend_.Query("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(rows) << rows.error().ToString();
  auto max = this->backend_.Query("SELECT MAX(version) FROM schema_migrations");
  ASSERT_TRUE(max);
  EXPECT_EQ(*max, version);
  const auto migrations =
      this->store_->Backend() == "sqlite" ? SqliteMigrations() : PostgresMigrations();
  EXPECT_EQ(*rows, static_cast<int64_t>(migrations.size()));
}

TYPED_TEST(StoreConformance, RefusesADatabaseFromANewerBinary) {
  this->store_.reset();
  ASSERT_TRUE(
      this->backend_.Query("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)"));
  auto opened = OpenStore(this->backend_.Url());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), StatusCode::kFailedPrecondition) << opened.error().ToString();
}

// Readers on other threads run while the writer commits; every read succeeds and sees whole
// commits only (each commit adds kPerCommit records and kPerCommit audit entries).
TYPED_TEST(StoreConformance, ConcurrentReadsDuringCommitsSeeWholeCommits) {
  constexpr int kCommits = 150;
  constexpr int kPerCommit = 4;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  auto reader = [&] {
    while (!done.load()) {
      auto records = this->store_->LoadKind("job");
      ASSERT_TRUE(records) << records.error().ToString();
      EXPECT_EQ(records->size() % kPerCommit, 0u);
      auto audit = this->store_->ListAudit(Q("", "job", "", 0, 100000));
      ASSERT_TRUE(audit) << audit.error().ToString();
      EXPECT_EQ(audit->size() % kPerCommit, 0u);
      auto one = this->store_->Get("job", "c0000-0");
      EXPECT_TRUE(one || one.error().code() == StatusCode::kNotFound);
      auto meta = this->store_->GetMeta("progress");
      ASSERT_TRUE(meta) << meta.error().ToString();
      reads.fetch_add(1);
    }
  };
  auto write_all = [&] {
    for (int c = 0; c < kCommits; ++c) {
      WriteBatch batch;
      for (int j = 0; j < kPerCommit; ++j) {
        char id[32];
        std::snprintf(id, sizeof id, "c%04d-%d", c, j);
        batch.mutations.push_back(Put(Rec("job", id)));
        batch.audit.push_back(Audit("org-a", "job", id, "create"));
      }
      Status st = this->store_->Commit({batch});
      ASSERT_TRUE(st.ok()) << st.ToString();
      if (c % 50 == 0) {
        ASSERT_TRUE(this->store_->SetMeta("progress", std::to_string(c)).ok());
      }
    }
  };
  std::thread r1(reader), r2(reader);
  write_all();
  done = true;
  r1.join();
  r2.join();
  EXPECT_EQ(this->Ids("job").size(), static_cast<size_t>(kCommits * kPerCommit));
  EXPECT_GT(reads.load(), 0);
}

}  // namespace
}  // namespace suanli::store
