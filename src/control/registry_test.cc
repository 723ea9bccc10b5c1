#include "control/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "control/rules.h"

namespace suanli::control {
namespace {

using namespace domain;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("suanli-registry-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    reg_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    reg_.reset();
    store_.reset();
    auto s = store::OpenStore((dir_ / "test.db").string());
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    reg_ = std::make_unique<Registry>(store_.get(), &clock_, &ids_);
    ASSERT_TRUE(reg_->Load().ok());
  }
  Site MakeSite(std::string name) {
    Site s;
    s.id = ids_.NewId("site");
    s.org_id = "org-1";
    s.name = std::move(name);
    s.city = "成都市";
    s.province = "四川省";
    s.tier = "edge";
    return s;
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  SeededIdSource ids_{1};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Registry> reg_;
};

TEST_F(RegistryTest, WritesAreDurableAndReloaded) {
  Site site = MakeSite("天府一号");
  ASSERT_TRUE(reg_->WriteSync({"user-1", "org-1", "r1"}, [&](Txn& txn) {
    txn.Put(site, "create");
    return OkStatus();
  }).ok());
  auto e = reg_->Get<Site>(site.id);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->obj->version, 1);
  Open();  // a new registry over the same file
  auto again = reg_->Get<Site>(site.id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->obj->name, "天府一号");
  EXPECT_EQ(*again->json, *e->json);
  auto audit = store_->ListAudit({});
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "create");
  EXPECT_EQ((*audit)[0].actor_user_id, "user-1");
  EXPECT_TRUE((*audit)[0].before.empty());
}

TEST_F(RegistryTest, FailedWriteChangesNothing) {
  Site a = MakeSite("a"), b = MakeSite("b");
  Status s = reg_->WriteSync({"u", "o", "r"}, [&](Txn& txn) -> Status {
    txn.Put(a, "create");
    txn.Put(b, "create");
    return InvalidArgument("second thoughts", "name");
  });
  EXPECT_EQ(s.field(), "name");
  EXPECT_FALSE(reg_->Get<Site>(a.id));
  EXPECT_EQ(reg_->Count<Site>(), 0u);
  Open();
  EXPECT_EQ(reg_->Count<Site>(), 0u);
}

TEST_F(RegistryTest, UpdatesBumpVersionAndDeletesRemove) {
  Site a = MakeSite("a");
  ASSERT_TRUE(reg_->WriteSync({}, [&](Txn& txn) { txn.Put(a, "create"); return OkStatus(); }).ok());
  clock_.Advance(Millis(5000));
  ASSERT_TRUE(reg_->WriteSync({}, [&](Txn& txn) {
    Site next = *txn.Get<Site>(a.id);
    next.description = "changed";
    auto stored = txn.Put(next, "update");
    EXPECT_EQ(stored->version, 2);
    return OkStatus();
  }).ok());
  auto e = reg_->Get<Site>(a.id);
  EXPECT_EQ(e->obj->updated_at.ms - e->obj->created_at.ms, 5000);
  ASSERT_TRUE(reg_->WriteSync({}, [&](Txn& txn) { txn.Delete<Site>(a.id); return OkStatus(); }).ok());
  Open();
  EXPECT_FALSE(reg_->Get<Site>(a.id));
}

TEST_F(RegistryTest, TxnSeesItsOwnStagedChanges) {
  Org o;
  o.id = "org-x";
  o.name = "acme";
  o.roles = {"buyer"};
  ASSERT_TRUE(reg_->WriteSync({}, [&](Txn& txn) {
    txn.Put(o, "create");
    EXPECT_EQ(txn.OrgIdByName("acme"), "org-x");
    EXPECT_TRUE(txn.Get<Org>("org-x"));
    txn.Delete<Org>("org-x");
    EXPECT_FALSE(txn.Get<Org>("org-x"));
    return OkStatus();
  }).ok());
  EXPECT_TRUE(reg_->OrgIdByName("acme").empty());
}

TEST_F(RegistryTest, OpenJobsAreIndexedAcrossUpdatesDeletesAndReload) {
  auto job = [&](std::string state) {
    Job j;
    j.id = ids_.NewId("job");
    j.org_id = "org-1";
    j.name = "j-" + state;
    j.state = std::move(state);
    return j;
  };
  Job pending = job("pending"), running = job("running"), done = job("succeeded");
  ASSERT_TRUE(reg_->WriteSync({"user-1", "org-1", "r1"}, [&](Txn& txn) {
    txn.Put(pending, "create");
    txn.Put(running, "create");
    txn.Put(done, "create");
    return OkStatus();
  }).ok());
  auto open = [&] {
    std::vector<std::string> ids;
    reg_->ForEachOpenJob([&](const Entry<Job>& e) { ids.push_back(e.obj->id); });
    return ids;
  };
  std::vector<std::string> both = {pending.id, running.id};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(open(), both);
  running.state = "failed";
  ASSERT_TRUE(reg_->WriteSync({"user-1", "org-1", "r2"}, [&](Txn& txn) {
    txn.Put(running, "finish");
    return OkStatus();
  }).ok());
  EXPECT_EQ(open(), std::vector<std::string>{pending.id});
  Open();  // rebuilt from the store
  EXPECT_EQ(open(), std::vector<std::string>{pending.id});
  ASSERT_TRUE(reg_->WriteSync({"user-1", "org-1", "r3"}, [&](Txn& txn) {
    txn.Delete<Job>(pending.id);
    return OkStatus();
  }).ok());
  EXPECT_TRUE(open().empty());
  EXPECT_EQ(reg_->Count<Job>(), 2u);
}

}  // namespace
}  // namespace suanli::control
